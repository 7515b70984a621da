"""Quality rules, one module each: a new rule is one new file here (and its test).

Each module registers its rule with ``@rule(...)``, declaring:

- its **name**: a document that breaks it becomes the reject ``quality:<name>``;
- its **order**: when a document breaks several rules, the first in order gives the reason;
- the **thresholds** it brings: each a ``quality.*`` key of params.yaml with its default, its
  range and its comment there (``Threshold``); ``QualityParams`` is made of them, in rule order;
- the other **params** it reads: keys another rule brings (the repetition rules share
  ``repetition_min_chars``, which the first of them brings);
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
from typing import TYPE_CHECKING, Any

from pipeline.core.registry import Registry
from pipeline.quality.regional import Regional
from pipeline.quality.signals import Signals

if TYPE_CHECKING:  # QualityParams is made of the rules' thresholds: it imports this module, not the reverse
    from pipeline.quality.params import QualityParams

Measured = Mapping[str, Any]  # signal name -> value, for one document
Check = Callable[[Measured, "QualityParams"], "str | None"]

# What a rule may read: every measured value of Signals, and the regional record.
SIGNALS: tuple[str, ...] = (*(f.name for f in fields(Signals)), "regional")
# Counted without a copy of the text (signals.char_count): the rules that read only these and
# come first in order are decided before anything else is measured.
CHEAP_SIGNALS = frozenset({"chars"})


@dataclass(frozen=True)
class Threshold:
    """A ``quality.*`` key of params.yaml that a rule brings."""

    name: str
    default: int | float | None
    range: tuple[float, float]  # lowest and highest allowed (a value outside is a one-line error)
    note: str = ""  # what it means: its comment in params.yaml (a long one goes above the key)
    type: Any = None  # int, float, or float | None for one that can be off; from the default when not given

    @property
    def hint(self) -> Any:
        return self.type or type(self.default)


@dataclass(frozen=True)
class Rule:
    name: str
    params: tuple[str, ...]  # every quality.* key it reads: its thresholds' and those it shares
    signals: tuple[str, ...]
    check: Check
    card: Callable[[QualityParams], str] | None = None
    thresholds: tuple[Threshold, ...] = ()
    # a check of its thresholds together: the message for settings that contradict each other, or None
    consistent: Callable[[QualityParams, str], str | None] | None = None

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
    signals: Iterable[str],
    thresholds: Iterable[Threshold] = (),
    params: Iterable[str] = (),
    card: Callable[[QualityParams], str] | None = None,
    consistent: Callable[[QualityParams, str], str | None] | None = None,
) -> Callable[[Check], Check]:
    """Register the decorated check function as the rule ``name`` (the function is returned as it is);
    ``params`` names the keys it reads besides its own ``thresholds``."""

    def decorate(check: Check) -> Check:
        own = tuple(thresholds)
        reads = (*(t.name for t in own), *params)
        RULES.add(name, Rule(name, reads, tuple(signals), check, card, own, consistent), order=order)
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
