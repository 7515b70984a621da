"""too_long: more characters than ``max_chars``, whitespace excluded: rejected on a count of its
characters, before a copy, a line or an n-gram of the text is made."""

from __future__ import annotations

from pipeline.quality.params import QualityParams
from pipeline.quality.rules import Measured, rule


@rule(
    "too_long",
    order=20,
    params=("max_chars",),
    signals=("chars",),
    card=lambda p: f" or longer than {p.max_chars:,} characters",
)
def too_long(s: Measured, p: QualityParams) -> str | None:
    if s["chars"] > p.max_chars:
        return f"{s['chars']} characters > max_chars {p.max_chars}"
    return None
