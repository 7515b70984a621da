"""Dates as agencies write them → ISO 8601 (``YYYY-MM-DD``).

Taiwanese agencies count years from the founding of the Republic (民國 1 = 1912) and write
them in many forms: ``中華民國95年1月2日``, ``民國95年1月2日``, ``95年1月2日``, ``095/01/02``,
``95.1.2``, ``0950102``, ``九十五年一月二日`` (also with ○/〇 for zero). A year of at most
three digits is a Minguo year; four digits are Western (``2006/1/2``, ``2006年1月2日``,
``20060102``). Dates already in ISO 8601, with or without a time, are kept as written.
Anything else — and an impossible day (95年2月30日) — cannot be read: ``to_iso`` gives None
and the caller keeps the written form elsewhere.
"""

from __future__ import annotations

import datetime as _dt
import re

MINGUO_OFFSET = 1911  # 民國 N = N + 1911

_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_NUMBER = "[〇○零一二三四五六七八九十百]+"

_ISO = re.compile(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?")
_ERA = r"(?:中華民國|民國|民)?\s*"
_WRITTEN = re.compile(_ERA + r"(\d{1,4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?")
_WRITTEN_CN = re.compile(_ERA + f"({_CN_NUMBER})\\s*年\\s*({_CN_NUMBER})\\s*月\\s*({_CN_NUMBER})\\s*日?")
_SEPARATED = re.compile(_ERA + r"(\d{1,4})([-/.])(\d{1,2})\2(\d{1,2})")
_COMPACT = re.compile(r"(\d{3,4})(\d{2})(\d{2})")  # 0950102 (Minguo) or 20060102


def to_iso(written: str) -> str | None:
    """The ISO 8601 form of a written date, or None when it cannot be read."""
    text = written.strip().translate(_FULLWIDTH)
    if _ISO.fullmatch(text):
        return text if len(text) > 10 else _checked(int(text[:4]), int(text[5:7]), int(text[8:10]))
    for pattern in (_WRITTEN, _SEPARATED):
        match = pattern.fullmatch(text)
        if match:
            year, month, day = (int(g) for g in match.groups() if g not in "-/.")
            return _checked(_western(year, match.group(1)), month, day)
    match = _COMPACT.fullmatch(text)
    if match:
        return _checked(_western(int(match.group(1)), match.group(1)), int(match.group(2)), int(match.group(3)))
    match = _WRITTEN_CN.fullmatch(text)
    if match:
        cn_year, cn_month, cn_day = (_chinese_number(g) for g in match.groups())
        if cn_year is not None and cn_month is not None and cn_day is not None:
            return _checked(cn_year + MINGUO_OFFSET if cn_year < 1000 else cn_year, cn_month, cn_day)
    return None


def _western(year: int, digits: str) -> int:
    """A year of up to three digits is Minguo (095, 95, 5); four are Western."""
    return year if len(digits) == 4 else year + MINGUO_OFFSET


def _checked(year: int, month: int, day: int) -> str | None:
    try:
        return _dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def _chinese_number(text: str) -> int | None:
    """九十五 → 95, 一〇〇 → 100, 一百零一 → 101, 十二 → 12; None when it is no number."""
    if "十" not in text and "百" not in text:  # digit by digit: 一〇〇, 九五
        return int("".join(str(_CN_DIGITS[c]) for c in text)) if all(c in _CN_DIGITS for c in text) else None
    total, digit = 0, 0
    for char in text:
        if char in _CN_DIGITS:
            digit = _CN_DIGITS[char]
        elif char in "十百":
            total += (digit or 1) * (10 if char == "十" else 100)
            digit = 0
        else:
            return None
    return total + digit


_FULLWIDTH = str.maketrans("０１２３４５６７８９／．－", "0123456789/.-")
