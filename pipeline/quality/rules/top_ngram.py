"""top_ngram: the coverage of the most frequent character ``top_ngram``-gram, each character
counted once as Gopher defines it, from ``repetition_min_chars`` characters."""

from __future__ import annotations

from pipeline.quality.params import QualityParams
from pipeline.quality.rules import Measured, rule


@rule(
    "top_ngram",
    order=50,
    params=("repetition_min_chars", "top_ngram", "max_top_ngram_share"),
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
