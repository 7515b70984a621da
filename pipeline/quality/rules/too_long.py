"""too_long: more characters than ``max_chars``, whitespace excluded: rejected on a count of its
characters, before a copy, a line or an n-gram of the text is made."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.quality.rules import Measured, Threshold, rule

if TYPE_CHECKING:
    from pipeline.quality.params import QualityParams


@rule(
    "too_long",
    order=20,
    thresholds=(Threshold("max_chars", 2_000_000, (1, 1_000_000_000)),),
    params=("min_chars",),  # only to check that the two bounds agree
    signals=("chars",),
    consistent=lambda p, prefix: (
        f"'{prefix}.min_chars' is larger than '{prefix}.max_chars'" if p.min_chars > p.max_chars else None
    ),
    card=lambda p: f" or longer than {p.max_chars:,} characters",
)
def too_long(s: Measured, p: QualityParams) -> str | None:
    if s["chars"] > p.max_chars:
        return f"{s['chars']} characters > max_chars {p.max_chars}"
    return None
