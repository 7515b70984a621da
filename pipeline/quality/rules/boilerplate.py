"""boilerplate: lines that are page furniture or navigation (第 3 頁, 回首頁, 友善列印 …) / lines."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.core.settings import SHARE
from pipeline.quality.rules import Measured, Threshold, rule

if TYPE_CHECKING:
    from pipeline.quality.params import QualityParams


@rule(
    "boilerplate",
    order=70,
    thresholds=(Threshold("max_boilerplate_share", 0.3, SHARE, "page furniture and navigation lines / lines"),),
    signals=("boilerplate_share",),
    card=lambda p: (
        f", or boilerplate lines (page numbers, navigation) more than {p.max_boilerplate_share:.0%} of lines"
    ),
)
def boilerplate(s: Measured, p: QualityParams) -> str | None:
    if s["boilerplate_share"] > p.max_boilerplate_share:
        return f"boilerplate lines are {s['boilerplate_share']:.2f} of lines > {p.max_boilerplate_share}"
    return None
