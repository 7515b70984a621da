"""Quality rules, one module each: a new rule is one new file here (and its test).

Each module registers its rule with ``@rule(...)``, declaring:

- its **name**: a document that breaks it becomes the reject ``quality:<name>``;
- its **order**: when a document breaks several rules, the first in order gives the reason;
- the **params** it reads (fields of ``QualityParams``, ``params.yaml: quality``);
- the **signals** it reads: the fields of ``Signals`` (``signals.py``, column ``quality``) by
  name, and ``regional`` (the ``Regional`` record of ``regional.py``, column ``regional``;
  None when not measured);
- its **check**: ``check(signals, params)`` returns None to keep the document, or the detail
  line that goes into the reject. datatrove's ``BaseFilter.filter`` returns True or
  ``(False, reason)``; here the reason is the rule's name, so only what varies is returned;
- its **card** phrase: its words in the dataset card's quality step, with the joint before
  them (", or …"); the card joins the phrases in order.

``tests/rule_check.py`` (``check_rule``) hands a rule only the signals and params it declares,
so a rule that reads anything else fails its own test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Any

from pipeline.core.registry import Registry
from pipeline.quality.params import QualityParams
from pipeline.quality.regional import Regional
from pipeline.quality.signals import Signals

Measured = Mapping[str, Any]  # signal name -> value, for one document
Check = Callable[[Measured, QualityParams], "str | None"]

# What a rule may read: every measured value of Signals, and the regional record.
SIGNALS: tuple[str, ...] = (*(f.name for f in fields(Signals)), "regional")
# Counted without a copy of the text (signals.char_count): the rules that read only these and
# come first in order are decided before anything else is measured.
CHEAP_SIGNALS = frozenset({"chars"})


@dataclass(frozen=True)
class Rule:
    name: str
    params: tuple[str, ...]
    signals: tuple[str, ...]
    check: Check
    card: Callable[[QualityParams], str] | None = None

    @property
    def reason(self) -> str:
        return f"quality:{self.name}"

    @property
    def cheap(self) -> bool:
        return set(self.signals) <= CHEAP_SIGNALS


RULES: Registry[Rule] = Registry("quality rule", package="pipeline.quality.rules")


def rule(
    name: str,
    *,
    order: int,
    params: Iterable[str],
    signals: Iterable[str],
    card: Callable[[QualityParams], str] | None = None,
) -> Callable[[Check], Check]:
    """Register the decorated check function as the rule ``name`` (the function is returned as it is)."""

    def decorate(check: Check) -> Check:
        RULES.add(name, Rule(name, tuple(params), tuple(signals), check, card), order=order)
        return check

    return decorate


def measured(signals: Signals, regional: Regional | None = None) -> dict[str, Any]:
    """What the rules read of a measured document, by signal name."""
    return {**vars(signals), "regional": regional}


def first_broken(rules: Iterable[Rule], values: Measured, params: QualityParams) -> tuple[str, str] | None:
    """(name, detail) of the first of ``rules`` the document breaks; None when it keeps them all."""
    for r in rules:
        detail = r.check(values, params)
        if detail is not None:
            return r.name, detail
    return None


@lru_cache(maxsize=1)  # the registry is complete once its modules are imported
def cheap_first() -> tuple[tuple[Rule, ...], tuple[Rule, ...]]:
    """The rules in order, split before the first one that needs more than a character count:
    the leading cheap ones reject a document before it is measured, and which rule's reason
    wins stays the registry's order."""
    ordered = tuple(RULES.values())
    split = next((i for i, r in enumerate(ordered) if not r.cheap), len(ordered))
    return ordered[:split], ordered[split:]
