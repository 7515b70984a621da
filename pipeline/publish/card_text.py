"""Helpers the dataset card shares with the stages' steps of it (``pipeline/<stage>/card.py``):
the card's table cells, the segmenters that ran and the personal-data detectors that ran.
A stage's step imports these; ``card.py`` reaches the steps only through the contracts."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from pipeline.pii.detect import REGEX_DETECTORS

if TYPE_CHECKING:
    from pipeline.publish.card import CardData


def cell(text: Any) -> str:
    return str(text if text is not None else "").replace("|", "\\|").replace("\n", " ")


def segmenters(data: CardData) -> Counter:
    total: Counter = Counter()
    for s in data.sources:
        total.update(s.segmenters)
    return total


def detectors_run(data: CardData) -> tuple[list[Any], bool, bool]:
    """The rule detectors that ran (as the pii stage recorded them), whether NER ran for every
    source and whether it ran for any."""
    runs = [s.pii_run for s in data.sources if not s.error]
    names = {name for run in runs for name in run.get("detectors", [])}
    ner = [bool(run.get("ner")) for run in runs]
    return [d for d in REGEX_DETECTORS if d.name in names], bool(ner) and all(ner), any(ner)
