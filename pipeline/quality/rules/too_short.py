"""too_short: fewer characters than ``min_chars``, whitespace excluded (decided on a count alone)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.quality.rules import Measured, Threshold, rule

if TYPE_CHECKING:
    from pipeline.quality.params import QualityParams


@rule(
    "too_short",
    order=10,
    thresholds=(Threshold("min_chars", 10, (0, 1_000_000_000), "characters without whitespace (short poems are ~30)"),),
    signals=("chars",),
    card=lambda p: f"shorter than {p.min_chars}",
)
def too_short(s: Measured, p: QualityParams) -> str | None:
    if s["chars"] < p.min_chars:
        return f"{s['chars']} characters < min_chars {p.min_chars}"
    return None
