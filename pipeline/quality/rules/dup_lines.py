"""dup_lines: characters in lines that repeat an earlier line (Gopher's rule), from
``repetition_min_chars`` characters."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.core.settings import SHARE
from pipeline.quality.rules import Measured, Threshold, rule

if TYPE_CHECKING:
    from pipeline.quality.params import QualityParams


@rule(
    "dup_lines",
    order=40,
    thresholds=(
        Threshold(
            "repetition_min_chars",
            100,
            (0, 1_000_000_000),
            "the three repetition rules apply from this many characters",
        ),
        Threshold(
            "max_dup_line_share",
            0.7,
            SHARE,
            "characters in lines that repeat an earlier line (gazette tables reach 0.65)",
        ),
    ),
    signals=("chars", "dup_line_share"),
    card=lambda p: (
        f", or (from {p.repetition_min_chars} characters) when repeated lines cover more than "
        f"{p.max_dup_line_share:.0%}"
    ),
)
def dup_lines(s: Measured, p: QualityParams) -> str | None:
    if s["chars"] >= p.repetition_min_chars and s["dup_line_share"] > p.max_dup_line_share:
        return f"repeated lines cover {s['dup_line_share']:.2f} > {p.max_dup_line_share}"
    return None
