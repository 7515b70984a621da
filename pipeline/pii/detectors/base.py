"""What detectors return, and the look-arounds they share."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Measured:
    """A detector's figures on hand-labeled real text, as floors: tests/test_pii_real.py
    measures them again and fails below, so the card can never claim more than is true."""

    labeled: int  # labeled items in the set
    recall: float
    precision: float | None
    on: str  # which set, in words


@dataclass(frozen=True)
class Detector:
    """One rule detector and what the dataset card says of it: what it finds, what it cannot."""

    name: str
    find: Callable[[str], Iterator[Span]]
    types: tuple[str, ...]
    finds: str
    misses: str
    measured: Measured | None = None
