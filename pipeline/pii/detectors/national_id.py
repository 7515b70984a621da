"""National ID (身分證統一編號) and resident certificate (居留證統一證號) numbers, by checksum.

- National ID: ``[A-Z][12]\\d{8}`` (the second character is the sex).
- Resident certificate, format since 2021: ``[A-Z][89]\\d{8}``; the same checksum.
- Resident certificate, old format (valid until 2030): ``[A-Z][A-D]\\d{8}``; the second
  letter contributes only the units digit of its code.

Checksum: the first letter becomes its two-digit code (A=10 … Z=33, irregular), weights
1,9,8,7,6,5,4,3,2,1,1 over the eleven digits, sum divisible by 10.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipeline.pii.detectors.base import NOT_ALNUM_AFTER, Detector, PiiType, Span, register

LETTER_CODES = {
    "A": 10,
    "B": 11,
    "C": 12,
    "D": 13,
    "E": 14,
    "F": 15,
    "G": 16,
    "H": 17,
    "I": 34,
    "J": 18,
    "K": 19,
    "L": 20,
    "M": 21,
    "N": 22,
    "O": 35,
    "P": 23,
    "Q": 24,
    "R": 25,
    "S": 26,
    "T": 27,
    "U": 28,
    "V": 29,
    "W": 32,
    "X": 30,
    "Y": 31,
    "Z": 33,
}
WEIGHTS = (1, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1)
# The letter or digit before a match is checked in find: a look-behind first would make
# the regex engine try every position instead of jumping to capital letters (4× slower).
_PATTERN = re.compile(r"[A-Z](?:[1289]|[A-D])\d{8}" + NOT_ALNUM_AFTER)


def checksum_ok(value: str) -> bool:
    code = LETTER_CODES[value[0]]
    second = value[1]
    second_digit = LETTER_CODES[second] % 10 if second.isalpha() else int(second)
    digits = [code // 10, code % 10, second_digit] + [int(c) for c in value[2:]]
    return sum(d * w for d, w in zip(digits, WEIGHTS)) % 10 == 0


def kind(value: str) -> str:
    return "tw_id" if value[1] in "12" else "tw_arc"


def find(text: str) -> Iterator[Span]:
    for match in _PATTERN.finditer(text):
        if match.start() and text[match.start() - 1].isascii() and text[match.start() - 1].isalnum():
            continue
        value = match.group(0)
        if checksum_ok(value):
            yield Span(kind(value), match.start(), match.end())


register(
    Detector(
        "national_id",
        find,
        ("tw_id", "tw_arc"),
        finds="national ID and resident certificate numbers (both formats), checksum-validated",
        misses="numbers with a wrong check digit or written with spaces or lower-case letters, and masked ones (A12****789)",
    ),
    order=20,
    types=(
        (
            PiiType(
                "tw_id",
                "[TW_ID]",
                "redact",
                private=True,
                identifies=True,
                note="national ID numbers (checksum-validated)",
            ),
            10,
        ),
        (
            PiiType(
                "tw_arc",
                "[TW_ARC]",
                "redact",
                private=True,
                identifies=True,
                note="resident certificate numbers, new and old formats",
            ),
            20,
        ),
    ),
)
