"""The ingest step of the dataset card: the formats read and the encodings found
(pipeline/publish/card.py numbers it among the stages' steps)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING

from pipeline.ingest.formats import FORMATS

if TYPE_CHECKING:
    from pipeline.publish.card import CardData


def _counted(counts: Counter, name: Callable[[str], str], unit: str) -> str:
    return (
        "; ".join(
            f"{name(key)}: {n:,} {unit}{'' if n == 1 else 's'}"
            for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        )
        or "none"
    )


def step(data: CardData) -> str:
    formats: Counter = Counter()
    encodings: Counter = Counter()
    for s in data.sources:
        formats.update(s.formats)
        encodings.update(s.encodings)
    read = _counted(formats, lambda f: FORMATS[f].title if f in FORMATS else f, "file")
    decoded = _counted(encodings, lambda e: f"`{e}`", "file")
    repeats = data.rejects_by_reason.get("duplicate-in-source", 0)
    return (
        f"**ingest** — the contributed files, each read by the reader for its format: {read}. Encodings "
        f"detected: {decoded}. Dates are read into ISO 8601 (Minguo and Western forms; the written form stays in "
        f"`meta.date_written`). Undecodable, empty and malformed input is rejected with a reason; repeated texts "
        f"within a source are kept once ({repeats:,} repeats removed).\n"
    )
