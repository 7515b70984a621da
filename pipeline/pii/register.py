"""Registers: documents that are mainly a list of private persons' personal data.

The gazette prints them as public notices — 公示送達 lists of hundreds of insured persons
or traffic offenders with partial IDs and addresses, lists of companies with their
負責人 and address, lists of persons with sex and date of birth. Redacting each item
leaves a list of placeholders that is no text worth training on, and a name missed is
published next to its neighbours' data. So a register is judged as a whole: at least
``min_persons`` distinct private persons and ``min_density`` private items per 1,000
characters (README: "Registers" has the distribution on the development set).
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.pii.detectors.base import TYPES, Span
from pipeline.pii.params import RegisterParams

# What makes a row of a register: a private person and what identifies them.
PRIVATE_ITEMS = frozenset(t.name for t in TYPES.values() if t.private)  # declared with each type


@dataclass(frozen=True)
class Density:
    persons: int  # distinct private persons named
    items: int  # private items
    per_1000: float  # items per 1,000 characters

    def describe(self) -> str:
        return (
            f"{self.persons:,} private persons, {self.items:,} personal items, {self.per_1000:.1f} per 1,000 characters"
        )


def density(text: str, spans: list[Span]) -> Density:
    private = [s for s in spans if s.type in PRIVATE_ITEMS]
    persons = len({text[s.start : s.end] for s in private if s.type == "person"})
    return Density(persons, len(private), 1000 * len(private) / max(len(text), 1))


def is_register(d: Density, params: RegisterParams) -> bool:
    return d.persons >= params.min_persons and d.per_1000 >= params.min_density
