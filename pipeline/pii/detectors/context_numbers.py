"""Numbers that are personal data only when context words say what they are.

Passport numbers (9 digits) and 健保卡 (National Health Insurance card) numbers (12
digits) have no public checksum: they are detected only within a few characters after
words such as 護照 / passport or 健保卡 / 健保.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipeline.pii.detectors.base import NOT_DIGIT_AFTER, NOT_DIGIT_BEFORE, Detector, PiiType, Span, register

_GAP = r"[^0-9\n]{0,8}?"  # 號碼：, No. , 卡號為 …
_PASSPORT = re.compile(r"(?:護照|(?i:passport))" + _GAP + NOT_DIGIT_BEFORE + r"(\d{9})" + NOT_DIGIT_AFTER)
_NHI = re.compile(
    r"(?:健保卡|健保|(?i:NHI))" + _GAP + NOT_DIGIT_BEFORE + r"(\d{4}[- ]?\d{4}[- ]?\d{4})" + NOT_DIGIT_AFTER
)


def find_passport(text: str) -> Iterator[Span]:
    if "護照" not in text and "assport" not in text and "ASSPORT" not in text:
        return
    for match in _PASSPORT.finditer(text):
        yield Span("passport", match.start(1), match.end(1))


def find_nhi_card(text: str) -> Iterator[Span]:
    if "健保" not in text and "NHI" not in text.upper():
        return
    for match in _NHI.finditer(text):
        yield Span("nhi_card", match.start(1), match.end(1))


register(
    Detector(
        "nhi_card",
        find_nhi_card,
        ("nhi_card",),
        finds="12-digit 健保卡 numbers within a few characters after 健保卡 / 健保 / NHI",
        misses="健保卡 numbers without such a word before them",
    ),
    order=40,
    types=(
        (
            PiiType(
                "nhi_card", "[NHI_CARD]", "redact", private=True, identifies=True, note="12 digits after 健保卡 / 健保"
            ),
            70,
        ),
    ),
)
register(
    Detector(
        "passport",
        find_passport,
        ("passport",),
        finds="9-digit passport numbers within a few characters after 護照 / passport",
        misses="passport numbers without such a word before them, and foreign passports of other formats",
    ),
    order=41,
    types=(
        (
            PiiType(
                "passport", "[PASSPORT]", "redact", private=True, identifies=True, note="9 digits after 護照 / passport"
            ),
            60,
        ),
    ),
)
