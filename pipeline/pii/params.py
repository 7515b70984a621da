"""The ``pii`` section of params.yaml, declared by the pii contract (``Stage.sections``). Its
policy's keys are the types the detector modules register (``pipeline/pii/detectors/base.py``):
a new type needs no edit here. Validated like every section (``pipeline.core.settings.build``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from pipeline.core.errors import UserError, did_you_mean
from pipeline.core.settings import ROWS, Ranges
from pipeline.pii.detectors.base import TYPES

PII_ACTIONS = ("redact", "flag", "drop")


def default_policy() -> dict[str, str]:
    """Every registered type's default policy, in type order."""
    return {t.name: t.default for t in TYPES.values()}


@dataclass(frozen=True)
class RegisterParams:
    """A document that is mainly a list of private persons' data (a register): rows of names
    with dates of birth, ID numbers or home addresses. Measured on the gazette (README)."""

    policy: str = "drop"  # drop (reject pii:register) or flag (keep it, redacted)
    min_persons: int = 10  # distinct private persons named …
    min_density: float = 10.0  # … and personal items per 1,000 characters (README: "Registers")

    RANGES: ClassVar[Ranges] = {"min_persons": (1, 1_000_000), "min_density": (0.001, 1000)}

    def check(self, where: str, prefix: str) -> None:
        if self.policy not in ("drop", "flag"):
            raise UserError(where, f"'{prefix}.policy' must be drop or flag, got '{self.policy}'")


@dataclass(frozen=True)
class PiiParams:
    """What to do with each kind of personal data: redact (typed placeholder), flag (keep and
    record) or drop (the document becomes a reject pii:<type>)."""

    # each registered type's policy (its default when not set: default_policy)
    policy: dict[str, str] = field(default_factory=dict)
    person_names: bool = False  # also find names with CKIP NER (needs a NER model; see segment.ner_model)
    register: RegisterParams = field(default_factory=RegisterParams)  # a list of private persons' data
    # a private person with medical, genetic, sexual-life, health-exam or criminal-record data (PDPA Art. 6): flag
    # (column sensitive) or drop (pii:sensitive)
    sensitive: str = "flag"
    batch_size: int = 1000

    RANGES: ClassVar[Ranges] = {"batch_size": ROWS}

    def __post_init__(self) -> None:
        object.__setattr__(self, "policy", {**default_policy(), **self.policy})

    def key_notes(self, name: str) -> dict[str, str]:
        """params.yaml's comment on each entry of a mapping field: what each type is."""
        return {t.name: t.note for t in TYPES.values()} if name == "policy" else {}

    def check(self, where: str, prefix: str) -> None:
        types = TYPES.names()
        for kind, action in self.policy.items():
            if kind not in types:
                raise UserError(
                    where,
                    f"'{prefix}.policy.{kind}': unknown type{did_you_mean(kind, types)}; types: {', '.join(types)}",
                )
            if action not in PII_ACTIONS:
                raise UserError(where, f"'{prefix}.policy.{kind}' must be redact, flag or drop, got '{action}'")
        if self.sensitive not in ("flag", "drop"):
            raise UserError(where, f"'{prefix}.sensitive' must be flag or drop, got '{self.sensitive}'")
