"""Dates of birth tied to a person: 民國45年3月2日生, 出生年月日：45.03.02, and the date
cells of a table with a column headed 出生日期 / 出生年月日 (a register's rows).

A date alone is no personal data (laws and notices are full of them): only the word
生 after it, a 出生… label before it, or a birth-date column makes it one. ○ as a
placeholder (中華民國○○○年○○月○○日, a form's blank) is no date.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipeline.pii.detectors.base import Detector, PiiType, Span, register

_N = r"[0-9０-９一二三四五六七八九十○〇零]{1,4}"
_DATE = (
    rf"(?:(?:中華)?民國|西元)?[ 　]?{_N}[ 　]?年[ 　]?{_N}[ 　]?月[ 　]?{_N}[ 　]?日"
    r"|[0-9]{2,4}[./\-][0-9]{1,2}[./\-][0-9]{1,2}"
)
_BORN_WORD = re.compile(r"生(?![產效活存])")
_DATE_BEFORE = re.compile(rf"({_DATE})[ 　]?(?:出)?")
_LABELLED = re.compile(rf"(?:出生(?:年月日|日期)?|生日)[ 　]?[：:︰][ 　]?({_DATE})")
_CELL = re.compile(rf"[ 　]*({_DATE})[ 　]*")
_HEADERS = ("出生日期", "出生年月日", "生日")


def _real(value: str) -> bool:
    return not all(c in "○〇年月日民國中華 　" for c in value)


def find(text: str) -> Iterator[Span]:
    if "生" not in text:
        return iter(())
    spans = {m.span(1) for m in _LABELLED.finditer(text) if _real(m.group(1))}
    spans.update(_born(text))
    if not any(h in text for h in _HEADERS):
        return _sorted(spans)
    cells = [(m.start(), m.end()) for m in re.finditer(r"[^\n|]+", text)]
    header = next((s for s, e in cells if text[s:e].strip(" 　") in _HEADERS), None)
    if header is not None:
        for s, e in cells:
            if s < header:  # the notice's own date comes before the table
                continue
            match = _CELL.fullmatch(text, s, e)
            if match and _real(match.group(1)):
                spans.add(match.span(1))
    return _sorted(spans)


def _sorted(spans: set[tuple[int, int]]) -> Iterator[Span]:
    return (Span("birth_date", start, end) for start, end in sorted(spans))


def _born(text: str) -> Iterator[tuple[int, int]]:
    """Dates right before 生: found from 生 (rare after a date), the date looked for just before."""
    for match in _BORN_WORD.finditer(text):
        end = match.start()
        window = text[max(0, end - 24) : end]
        for date in _DATE_BEFORE.finditer(window):
            if date.end() == len(window) and _real(date.group(1)):
                yield end - len(window) + date.start(1), end - len(window) + date.end(1)
                break


register(
    Detector(
        "birth_date",
        find,
        ("birth_date",),
        finds="dates of birth tied to a person (…生, 出生年月日：…, a column headed 出生日期)",
        misses="a bare date that is someone's birthday without such a word, and ages",
    ),
    order=80,
    types=(
        (
            PiiType(
                "birth_date",
                "[BIRTH_DATE]",
                "redact",
                private=True,
                identifies=True,
                note="dates of birth tied to a person (…年…月…日生, 出生年月日：…)",
            ),
            110,
        ),
    ),
)
