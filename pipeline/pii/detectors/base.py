"""What detectors return, the look-arounds they share, and the two registries every detector
module registers into: its detectors (``DETECTORS``) and the personal-data types they find
(``TYPES``: placeholder and default policy). ``pipeline/pii/detect.py``, the ``pii.policy``
validation and defaults (``pipeline/pii/params.py``) and the card derive from them, so a new
type is one new module here (see README "Adding a personal-data type")."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from pipeline.core.registry import Registry


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


@dataclass(frozen=True)
class PiiType:
    """A kind of personal data: its placeholder when redacted, and its policy when params.yaml
    does not set one (``pii.policy.<name>``)."""

    name: str
    placeholder: str
    default: str = "redact"  # redact, flag or drop
    private: bool = False  # an item of a private person's: counts towards a register (pipeline/pii/register.py)
    identifies: bool = False  # identifies a private person: anchors a sensitive category (pipeline/pii/sensitive.py)
    note: str = ""  # what it is, in a few words: params.yaml's comment on pii.policy.<name>


# Both in an explicit order: detectors resolve ties of equal spans by it; types are listed in
# it (params.yaml's pii.policy, its error messages, the card's table).
DETECTORS: Registry[Detector] = Registry("personal-data detector", package="pipeline.pii.detectors")
TYPES: Registry[PiiType] = Registry("personal-data type", package="pipeline.pii.detectors")


def register(detector: Detector, *, order: int, types: tuple[tuple[PiiType, int], ...]) -> Detector:
    """Register a rule detector at ``order`` and the types it finds, each with its own order."""
    names = {t.name for t, _ in types}
    if names != set(detector.types):
        raise ValueError(f"detector '{detector.name}' finds {detector.types} but declares {sorted(names)}")
    for pii_type, type_order in types:
        TYPES.add(pii_type.name, pii_type, order=type_order)
    return DETECTORS.add(detector.name, detector, order=order)
