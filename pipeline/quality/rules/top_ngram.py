"""top_ngram: the coverage of the most frequent character ``top_ngram``-gram, each character
counted once as Gopher defines it, from ``repetition_min_chars`` characters."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.core.settings import SHARE
from pipeline.quality.rules import Measured, Threshold, rule

if TYPE_CHECKING:
    from pipeline.quality.params import QualityParams


@rule(
    "top_ngram",
    order=50,
    thresholds=(
        Threshold("top_ngram", 2, (1, 10), "n of the character n-gram whose coverage is measured"),
        Threshold(
            "max_top_ngram_share",
            0.3,
            SHARE,
            "coverage of the most frequent character 2-gram, Gopher's way (gazette: up to 0.22)",
        ),
    ),
    params=("repetition_min_chars",),
    signals=("chars", "top_ngram_share"),
    card=lambda p: f", the most frequent character {p.top_ngram}-gram more than {p.max_top_ngram_share:.0%}",
)
def top_ngram(s: Measured, p: QualityParams) -> str | None:
    if s["chars"] >= p.repetition_min_chars and s["top_ngram_share"] > p.max_top_ngram_share:
        return (
            f"the most frequent character {p.top_ngram}-gram covers {s['top_ngram_share']:.2f} "
            f"> {p.max_top_ngram_share}"
        )
    return None
