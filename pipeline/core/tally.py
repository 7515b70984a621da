"""Counts that a stage adds up over its batches.

A batch function returns its counts with its results instead of updating a shared
object, so the batch can run anywhere (another process, another machine) and the
driver adds the counts up: ``total.merge(batch_counts)``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, fields
from typing import Any


@dataclass
class Tally:
    """A dataclass whose fields are all Counters; subclasses name the fields."""

    def merge(self, other: Tally | None) -> Tally:
        if other is not None:
            for f in fields(self):
                counter: Counter = getattr(self, f.name)
                counter.update(getattr(other, f.name))
        return self

    def as_metrics(self) -> dict[str, Any]:
        return {f.name: dict(sorted(getattr(self, f.name).items())) for f in fields(self)}
