"""dup_lines: characters in lines that repeat an earlier line (Gopher's rule), from
``repetition_min_chars`` characters."""

from __future__ import annotations

from pipeline.quality.params import QualityParams
from pipeline.quality.rules import Measured, rule


@rule(
    "dup_lines",
    order=40,
    params=("repetition_min_chars", "max_dup_line_share"),
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
