"""Payment card numbers: 13–19 digits (grouped by spaces or hyphens, or not), Luhn-valid,
with an issuer prefix (Visa 4, Mastercard 51–55 and 22–27, Amex 34/37, JCB 35, UnionPay 62,
Discover 6011/65)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipeline.pii.detectors.base import NOT_DIGIT_AFTER, Detector, PiiType, Span, register

# Starts with a digit class, so the regex engine skips to digits; the digit before a match
# is checked in find (a look-behind first would make it try every position).
_PATTERN = re.compile(r"\d{4}(?:[- ]\d{4}[- ]\d{4}[- ]\d{1,7}|[- ]\d{6}[- ]\d{5}|\d{9,15})" + NOT_DIGIT_AFTER)
_PREFIX = re.compile(r"^(?:4|5[1-5]|2[2-7]|3[47]|35|62|6011|65)")


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def find(text: str) -> Iterator[Span]:
    for match in _PATTERN.finditer(text):
        if match.start() and "0" <= text[match.start() - 1] <= "9":
            continue
        digits = re.sub(r"\D", "", match.group(0))
        if 13 <= len(digits) <= 19 and _PREFIX.match(digits) and luhn_ok(digits):
            yield Span("credit_card", match.start(), match.end())


register(
    Detector(
        "payment_card",
        find,
        ("credit_card",),
        finds="payment card numbers of 13–19 digits with an issuer prefix, Luhn-validated",
        misses="partial or masked card numbers, bank account numbers",
    ),
    order=30,
    types=((PiiType("credit_card", "[CARD]", "redact", note="Luhn-valid card numbers"), 50),),
)
