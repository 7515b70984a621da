"""Taiwanese phone numbers, as people write them.

Mobiles ``09XX-XXX-XXX`` with or without separators, or ``+886 9XX XXX XXX``; landlines
``0`` + area code + a local number, as ``(02)2345-6789``, ``02-2345-6789``, ``02 2345 6789``
or ``+886-2-2345-6789``. Area codes: 2, 3, 37, 4, 49, 5, 6, 7, 8, 82, 826, 836, 89. A
number must have the right count of digits for its area (8 or 9 after the trunk 0), so
dates, document numbers and article numbers do not match.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipeline.pii.detectors.base import NOT_DIGIT_AFTER, Span

NOT_PLUS_OR_DIGIT_BEFORE = r"(?<![0-9+])"

# A trunk prefix (0, (0, +886) is required, then 8–10 digits with at most one separator
# between any two; _plausible then checks the digit count against the area code.
_PATTERN = re.compile(NOT_PLUS_OR_DIGIT_BEFORE + r"(?:\+886[-‐ ]?\(?0?|\(0|0)(?:\d\)?[-‐ .]?){7,9}\d" + NOT_DIGIT_AFTER)
_LOCAL_DIGITS = {"2": 8, "3": 7, "37": 6, "4": (7, 8), "49": (6, 7), "5": 7, "6": 7, "7": 7, "8": 7,
                 "82": 6, "826": 5, "836": 5, "89": 6}


def _plausible(value: str) -> bool:
    digits = re.sub(r"\D", "", value)
    if digits.startswith("886"):
        digits = digits[3:]
    digits = digits.lstrip("0")
    if digits.startswith("9"):
        return len(digits) == 9
    for area in sorted(_LOCAL_DIGITS, key=len, reverse=True):
        if digits.startswith(area):
            allowed = _LOCAL_DIGITS[area]
            local = len(digits) - len(area)
            return local in allowed if isinstance(allowed, tuple) else local == allowed
    return False


def find(text: str) -> Iterator[Span]:
    if not any(c in text for c in "0+("):
        return
    for match in _PATTERN.finditer(text):
        if _plausible(match.group(0)):
            yield Span("phone", match.start(), match.end())
