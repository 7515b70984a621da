"""Taiwanese phone and fax numbers, as people and agencies write them.

Mobiles ``09XX-XXX-XXX`` with or without separators, or ``+886 9XX XXX XXX``; landlines
``0`` + area code + a local number, as ``(02)2345-6789``, ``02-2345-6789``, ``02 2345 6789``
or ``+886-2-2345-6789``. Area codes: 2, 3, 37, 4, 49, 5, 6, 7, 8, 82, 826, 836, 89. A
number must have the right count of digits for its area (8 or 9 after the trunk 0), so
dates and article numbers do not match. An extension written after the number (分機123,
轉2014, 轉分機5285, #2635, ext. 12, -247) is part of the span. A local number without its
area code counts only after 電話：/傳真：, or after another number (、2345-6790, 至3343-8340).

Not phones: the digits of a document number. Agencies number their letters with ten
digits starting 09 (院臺規字第0950080001號), so a number after 第 or 字, or before 號
(0970070866A號), is never taken; that context is what tells the two apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipeline.pii.detectors.base import NOT_DIGIT_AFTER, Detector, Measured, PiiType, Span, register

# A trunk prefix (0, (0, +886) is required, then 8–10 digits with at most one separator
# between any two; _plausible then checks the digit count against the area code.
# (The digit or + before a match is checked in find: a look-behind first would make the
# regex engine try every position instead of jumping to +, ( and 0.)
_PATTERN = re.compile(r"(?:\+886[-‐ ]?\(?0?|\(0|0)(?:\d\)?[-‐ .]?){7,9}\d" + NOT_DIGIT_AFTER)
_LOCAL_DIGITS = {
    "2": 8,
    "3": 7,
    "37": 6,
    "4": (7, 8),
    "49": (6, 7),
    "5": 7,
    "6": 7,
    "7": 7,
    "8": 7,
    "82": 6,
    "826": 5,
    "836": 5,
    "89": 6,
}
_EXTENSION = re.compile(
    r"[ 　]?(?:(?:轉分機|分機|轉|[#＃]|(?i:ext)\.?|[xX])[ 　]?[0-9]{1,6}|-[0-9]{1,5})" + NOT_DIGIT_AFTER
)
_LOCAL = r"[0-9]{3,4}[-‐]?[0-9]{3,4}"
_LABELED_LOCAL = re.compile(
    r"(?:電話|傳真|(?i:tel|fax))(?:號碼|機)?[ 　]?[：:︰][ 　]?(" + _LOCAL + ")" + NOT_DIGIT_AFTER
)
_NEXT_LOCAL = re.compile(r"[ 　]?[、,，至~～及或][ 　]?(" + _LOCAL + ")" + NOT_DIGIT_AFTER)
_DOCUMENT_BEFORE = ("第", "字")
_DOCUMENT_AFTER = re.compile(r"[ 　]?[A-Za-z]{0,2}[ 　]?號(?!碼)")


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


def _document_number(text: str, start: int, end: int) -> bool:
    return text[:start].rstrip(" 　").endswith(_DOCUMENT_BEFORE) or bool(_DOCUMENT_AFTER.match(text, end))


def _with_extension(text: str, end: int) -> int:
    ext = _EXTENSION.match(text, end)
    return ext.end() if ext else end


def find(text: str) -> Iterator[Span]:
    spans: list[tuple[int, int]] = []
    for match in _PATTERN.finditer(text) if any(c in text for c in "0+(") else ():
        start, end = match.span()
        if start and text[start - 1] in "0123456789+":
            continue
        if _plausible(match.group(0)) and not _document_number(text, start, end):
            spans.append((start, _with_extension(text, end)))
    if "話" in text or "真" in text or "el" in text or "ax" in text or "EL" in text or "AX" in text:
        for match in _LABELED_LOCAL.finditer(text):
            start, end = match.span(1)
            if not any(s <= start < e for s, e in spans) and not _document_number(text, start, end):
                spans.append((start, _with_extension(text, end)))
    spans.sort()
    for i, (start, end) in enumerate(spans):
        yield Span("phone", start, end)
        # 2345-6789、2345-6790: further numbers of the same area follow the first
        cursor, limit = end, spans[i + 1][0] if i + 1 < len(spans) else len(text)
        while (more := _NEXT_LOCAL.match(text, cursor)) and more.end(1) <= limit:
            yield Span("phone", more.start(1), _with_extension(text, more.end(1)))
            cursor = more.end(1)


register(
    Detector(
        "phone",
        find,
        ("phone",),
        finds="Taiwanese mobile and landline numbers in every common writing, with extensions; local numbers after "
        "電話：/傳真： (document numbers such as 院臺規字第0950080001號 excepted)",
        misses="foreign numbers, local numbers without an area code or a label, and numbers written in Chinese numerals",
        measured=Measured(126, 0.99, None, "hand-labeled real gazette lines (402 document numbers, none taken)"),
    ),
    order=50,
    types=(
        (PiiType("phone", "[PHONE]", "redact", note="mobile and landline numbers in the ways people write them"), 30),
    ),
)
