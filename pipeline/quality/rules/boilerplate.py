"""boilerplate: lines that are page furniture or navigation (第 3 頁, 回首頁, 友善列印 …) / lines."""

from __future__ import annotations

from pipeline.quality.params import QualityParams
from pipeline.quality.rules import Measured, rule


@rule(
    "boilerplate",
    order=70,
    params=("max_boilerplate_share",),
    signals=("boilerplate_share",),
    card=lambda p: (
        f", or boilerplate lines (page numbers, navigation) more than {p.max_boilerplate_share:.0%} of lines"
    ),
)
def boilerplate(s: Measured, p: QualityParams) -> str | None:
    if s["boilerplate_share"] > p.max_boilerplate_share:
        return f"boilerplate lines are {s['boilerplate_share']:.2f} of lines > {p.max_boilerplate_share}"
    return None
