"""The ``quality`` section of params.yaml: the thresholds the quality rules bring, and the batch size.

Each rule declares its thresholds in its own module (``rules/``, ``Threshold``: the key, its
default, its range, its comment in params.yaml), so a rule with a new threshold is still one
new file. ``QualityParams`` is made from them the first time it is asked for: the thresholds
in rule order, then ``batch_size``. The quality contract declares the section
(``Stage.sections``); ``pipeline.core.settings.build`` validates it like every section.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from pipeline.core.errors import UserError
from pipeline.core.settings import ROWS, made_dataclass

if TYPE_CHECKING:
    from pipeline.quality.rules import Rule

    QualityParams = Any  # a dataclass made at run time: its fields are the registered rules' thresholds

BATCH_SIZE = 1000
DOC = """Thresholds of the quality rules (pipeline/quality/rules/, one module each, where each declares
its own), measured in characters; each removal is a reject quality:<rule>."""


class _Consistency:
    """What every made QualityParams does besides holding values: the rules' checks of their thresholds together."""

    def check(self, where: str, prefix: str) -> None:
        from pipeline.quality.rules import RULES

        for rule in RULES.values():
            problem = rule.consistent(self, prefix) if rule.consistent else None
            if problem:
                raise UserError(where, problem)


@functools.cache
def quality_params() -> type:
    """The section's dataclass: every registered rule's thresholds, in rule order, then batch_size."""
    from pipeline.quality.rules import RULES

    return made_of(RULES.values())


def made_of(rules: Iterable[Rule]) -> type:
    fields: list[tuple[str, Any, Any]] = []
    ranges: dict[str, tuple[float, float]] = {}
    brought_by: dict[str, str] = {"batch_size": "the stage"}
    for rule in rules:
        for t in rule.thresholds:
            if t.name in brought_by:
                raise ValueError(
                    f"quality threshold '{t.name}' of rule '{rule.name}' is brought by {brought_by[t.name]} too"
                )
            brought_by[t.name] = f"rule '{rule.name}'"
            fields.append((t.name, t.hint, dataclasses.field(default=t.default, metadata={"note": t.note})))
            ranges[t.name] = t.range
        missing = set(rule.params) - set(brought_by)
        if missing:
            raise ValueError(f"quality rule '{rule.name}' reads {sorted(missing)}, which no rule before it brings")
    fields.append(("batch_size", int, dataclasses.field(default=BATCH_SIZE)))
    ranges["batch_size"] = ROWS
    namespace = {"RANGES": ranges, "__doc__": DOC}
    return made_dataclass("QualityParams", fields, module=__name__, bases=(_Consistency,), namespace=namespace)


def __getattr__(name: str) -> object:
    if name == "QualityParams":
        return quality_params()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
