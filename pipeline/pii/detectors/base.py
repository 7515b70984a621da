"""What detectors return, and the look-arounds they share."""

from __future__ import annotations

from typing import NamedTuple


class Span(NamedTuple):
    type: str
    start: int
    end: int


# Not glued to more letters or digits on either side (CJK text around is fine).
NOT_ALNUM_BEFORE = r"(?<![A-Za-z0-9])"
NOT_ALNUM_AFTER = r"(?![A-Za-z0-9])"
NOT_DIGIT_BEFORE = r"(?<![0-9])"
NOT_DIGIT_AFTER = r"(?![0-9])"
