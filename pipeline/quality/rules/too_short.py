"""too_short: fewer characters than ``min_chars``, whitespace excluded (decided on a count alone)."""

from __future__ import annotations

from pipeline.quality.params import QualityParams
from pipeline.quality.rules import Measured, rule


@rule("too_short", order=10, params=("min_chars",), signals=("chars",), card=lambda p: f"shorter than {p.min_chars}")
def too_short(s: Measured, p: QualityParams) -> str | None:
    if s["chars"] < p.min_chars:
        return f"{s['chars']} characters < min_chars {p.min_chars}"
    return None
