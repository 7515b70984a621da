"""Scoring the detectors against the hand-labeled lines of the real gazette (tests/labels/).

Each label file holds sampled lines of the development set with what a reader found in
them (tests/labels/README.md says how they were sampled and labeled). A labeled item is
*found* when a detection of the right type covers at least ``COVER`` of its characters;
a detection is *right* when it overlaps a labeled item of its type. Exact boundaries are
counted too, but are not the criterion: a floor left out of an address still hides it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pipeline.pii.detect import detect

LABELS = Path(__file__).resolve().parent / "labels"
COVER = 0.8


def load(name: str) -> list[dict]:
    with open(LABELS / f"{name}.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def occurrences(text: str, item: str) -> list[tuple[int, int]]:
    spans, at = [], text.find(item)
    while at != -1:
        spans.append((at, at + len(item)))
        at = text.find(item, at + len(item))
    return spans


@dataclass
class Score:
    labeled: int = 0
    found: int = 0
    exact: int = 0
    detected: int = 0
    right: int = 0

    @property
    def recall(self) -> float:
        return self.found / self.labeled if self.labeled else 1.0

    @property
    def precision(self) -> float:
        return self.right / self.detected if self.detected else 1.0

    def __str__(self) -> str:
        return (
            f"recall {self.recall:.3f} ({self.found}/{self.labeled}, exact {self.exact}), "
            f"precision {self.precision:.3f} ({self.right}/{self.detected})"
        )


def score(
    rows: list[dict],
    field: str,
    key: str,
    types: set[str],
    wanted=lambda item: True,
    misses: list | None = None,
    wrong: list | None = None,
) -> Score:
    """Score detections of ``types`` against the items of ``rows[*][field]`` that ``wanted`` keeps."""
    s = Score()
    for row in rows:
        text = row["text"]
        gold: list[tuple[int, int]] = []
        other: list[tuple[int, int]] = []  # labeled items of other kinds: a detection on them is wrong
        seen: dict[str, int] = {}
        for item in row[field]:
            spans = occurrences(text, item[key])
            index = seen.get(item[key], 0)
            seen[item[key]] = index + 1
            span = spans[min(index, len(spans) - 1)]
            (gold if wanted(item) else other).append(span)
        found = [(x.start, x.end) for x in detect(text) if x.type in types]
        for g in gold:
            s.labeled += 1
            best = max((min(e, g[1]) - max(b, g[0]) for b, e in found), default=0)
            if best >= COVER * (g[1] - g[0]):
                s.found += 1
                s.exact += g in found
            elif misses is not None:
                misses.append((row["file"], row["record"], text[g[0] : g[1]], text))
        for b, e in found:
            s.detected += 1
            if any(b < g[1] and g[0] < e for g in gold):
                s.right += 1
            elif wrong is not None:
                wrong.append((row["file"], row["record"], text[b:e], text))
    return s
