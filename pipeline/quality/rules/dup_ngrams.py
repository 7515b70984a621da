"""dup_ngrams: the coverage of character ``dup_ngram``-grams that occur more than once, from
``repetition_min_chars`` characters."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.core.settings import SHARE
from pipeline.quality.rules import Measured, Threshold, rule

if TYPE_CHECKING:
    from pipeline.quality.params import QualityParams


@rule(
    "dup_ngrams",
    order=60,
    thresholds=(
        Threshold("dup_ngram", 10, (1, 100)),
        Threshold(
            "max_dup_ngram_share",
            0.95,
            SHARE,
            "coverage of repeated character 10-grams (amendment tables, corrections: up to 0.91)",
        ),
    ),
    params=("repetition_min_chars",),
    signals=("chars", "dup_ngram_share"),
    card=lambda p: f", repeated character {p.dup_ngram}-grams more than {p.max_dup_ngram_share:.0%}",
)
def dup_ngrams(s: Measured, p: QualityParams) -> str | None:
    if s["chars"] >= p.repetition_min_chars and s["dup_ngram_share"] > p.max_dup_ngram_share:
        return f"repeated character {p.dup_ngram}-grams cover {s['dup_ngram_share']:.2f} > {p.max_dup_ngram_share}"
    return None
