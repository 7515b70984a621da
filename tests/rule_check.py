"""check_rule: a quality rule's test in a few lines, as datatrove's check_filter makes a filter's."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from pipeline.quality.params import QualityParams
from pipeline.quality.regional import measure_regional
from pipeline.quality.rules import RULES, Rule, measured
from pipeline.quality.signals import measure

DEFAULTS = QualityParams()


def check_rule(rule: str | Rule, text: str, broken: bool | str, params: QualityParams = DEFAULTS) -> str | None:
    """Measure ``text`` and ask the rule (a name in the registry, or a Rule) for its verdict,
    handing it only the signals and params it declares: reading any other fails (KeyError,
    AttributeError), so the declaration is tested too. ``broken``: True (rejected), False (kept),
    or the detail line expected. Returns the rule's detail line, None when it keeps the text."""
    r = RULES.get(rule) if isinstance(rule, str) else rule
    values = measured(measure(text, top_ngram=params.top_ngram, dup_ngram=params.dup_ngram), measure_regional(text))
    declared: Any = SimpleNamespace(**{key: getattr(params, key) for key in r.params})  # stands in for the params
    detail = r.check({signal: values[signal] for signal in r.signals}, declared)
    if isinstance(broken, str):
        assert detail == broken
    else:
        assert (detail is not None) == broken, f"{r.name}: {detail!r}"
    if r.card:
        assert r.card(declared)  # the card's phrase reads only declared params too
    return detail
