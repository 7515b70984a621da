"""E-mail addresses (ASCII), also when glued to Chinese text."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipeline.pii.detectors.base import Detector, PiiType, Span, register

_PATTERN = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}(?![A-Za-z0-9-])"
)


def find(text: str) -> Iterator[Span]:
    if "@" not in text:
        return
    for match in _PATTERN.finditer(text):
        yield Span("email", match.start(), match.end())


register(
    Detector(
        "email",
        find,
        ("email",),
        finds="ASCII e-mail addresses, also glued to Chinese text",
        misses="addresses with non-ASCII characters, and addresses written out to dodge harvesting (name at example dot tw)",
    ),
    order=10,
    types=((PiiType("email", "[EMAIL]", "redact"), 40),),
)
