"""The decontam stage (global, after dedup): documents that share an n-gram with a benchmark
item are removed (reject ``decontam:<benchmark>``) or flagged (column ``contamination``), by
each benchmark's policy.

``load_index`` reads the benchmarks named in params once, on the driver, before any
document is read (a bad benchmark file is an error before work); ``decontam_batch`` is the
pure batch function the engine runs: one record batch of documents to the documents kept
(with the ``contamination`` column) and the rejects, with its counts. ``run`` reads
``data/dedup/documents.parquet`` and writes ``data/decontam/`` (documents, rejects, and
``benchmarks.json`` for the card) and ``data/metrics/decontam.json``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
from tqdm import tqdm

from pipeline.core.batch_stage import BatchResult, ResultWriter
from pipeline.core.context import Context
from pipeline.core.errors import missing_input
from pipeline.core.jsonfile import write_json
from pipeline.core.parquet import count_rows
from pipeline.core.schema import reject_row, schema_after
from pipeline.core.tally import Tally
from pipeline.decontam.benchmarks import load_benchmark
from pipeline.decontam.contract import DECONTAM_COLUMNS
from pipeline.decontam.ngrams import BenchmarkIndex, Hit, build_index, scan
from pipeline.decontam.params import DecontamParams
from pipeline.engine import engine_for
from pipeline.pii.scrub import unchanged

STAGE = "decontam"
(CONTAMINATION,) = DECONTAM_COLUMNS
_ROW_FIELDS = ("id", "text", "source", "source_file", "source_line")
NGRAM_SHOWN = 40  # characters of the shared n-gram quoted in a reject's detail


def load_index(p: DecontamParams, root: Path) -> BenchmarkIndex:
    """Every benchmark of ``decontam.benchmarks`` read (paths relative to ``root``) and indexed;
    a UserError naming the file and field for a missing file, an unknown field, an empty benchmark."""
    benchmarks = [load_benchmark(spec, root) for spec in p.benchmarks]
    return build_index(
        benchmarks, [p.ngram_of(b) for b in p.benchmarks], [p.policy_of(b) for b in p.benchmarks], p.min_chars
    )


@dataclass(frozen=True)
class Match:
    """A document's first shared n-gram with one benchmark, for the reject's detail."""

    benchmark: str
    item_id: str
    position: int  # in the document's normalized text
    ngram: str  # the shared characters, normalized

    def detail(self, index: BenchmarkIndex) -> str:
        shown = self.ngram if len(self.ngram) <= NGRAM_SHOWN else self.ngram[:NGRAM_SHOWN] + "…"
        return (
            f"shares a {len(self.ngram)}-character sequence with {self.benchmark} item {self.item_id} "
            f"(…{shown}…, at character {self.position} of the normalized text)"
        )


def find_matches(batch: pa.RecordBatch, index: BenchmarkIndex) -> list[list[Match]]:
    """Per row of the batch, its matches: one per benchmark it shares an n-gram with, in
    benchmark (params) order, each the first place in the document. Empty for a clean row."""
    hits = scan(batch.column("text").to_pylist(), index)
    return [[_match(index, h) for _, h in sorted(row.items())] for row in hits]


def _match(index: BenchmarkIndex, h: Hit) -> Match:
    return Match(
        index.names[h.benchmark],
        index.item_ids[h.benchmark][h.item],
        h.position,
        index.ngram_text(h.benchmark, h.item, h.item_position, h.length),
    )


@dataclass
class DecontamStats(Tally):
    """Per benchmark: documents that share an n-gram with it (matched), and those it removed
    (a document matched by several is removed under the first in params order) or flagged."""

    matched: Counter = field(default_factory=Counter)
    removed: Counter = field(default_factory=Counter)
    flagged: Counter = field(default_factory=Counter)
    documents: Counter = field(default_factory=Counter)  # "in", "kept", "flagged" (kept with a flag)


def decontam_batch(batch: pa.RecordBatch, index: BenchmarkIndex) -> BatchResult:
    """The batch's documents that no ``remove`` benchmark matches, with column ``contamination``
    (the ``flag`` benchmarks each matches, in params order); a reject ``decontam:<benchmark>``
    for each other document; and the counts."""
    matches = find_matches(batch, index)
    policy = dict(zip(index.names, index.policies))
    stats = DecontamStats()
    stats.documents["in"] += batch.num_rows
    keep = np.ones(batch.num_rows, dtype=bool)
    flags: list[list[str]] = [[] for _ in range(batch.num_rows)]
    removed_at: dict[int, Match] = {}
    for row, found in enumerate(matches):
        for m in found:
            stats.matched[m.benchmark] += 1
        remover = next((m for m in found if policy[m.benchmark] == "remove"), None)
        if remover is not None:
            keep[row] = False
            removed_at[row] = remover
            stats.removed[remover.benchmark] += 1
        else:
            flags[row] = [m.benchmark for m in found]
            stats.flagged.update(flags[row])
            stats.documents["flagged"] += bool(found)
    rejects: list[dict[str, Any]] = []
    if removed_at:
        positions = sorted(removed_at)
        names = set(batch.schema.names)
        columns = [f for f in _ROW_FIELDS if f in names]
        rows = batch.select(columns).take(pa.array(positions)).to_pylist()
        for position, found_row in zip(positions, rows):
            doc = {f: found_row.get(f) for f in _ROW_FIELDS}
            m = removed_at[position]
            rejects.append(reject_row(doc, STAGE, f"{STAGE}:{m.benchmark}", m.detail(index)))
    kept = batch.append_column(pa.field(CONTAMINATION[0], CONTAMINATION[1]), pa.array(flags, type=CONTAMINATION[1]))
    if not keep.all():
        kept = kept.filter(pa.array(keep))
    stats.documents["kept"] += kept.num_rows
    return BatchResult(kept, rejects, stats)


def report(index: BenchmarkIndex, stats: DecontamStats) -> dict[str, Any]:
    """The stage's metrics, and what the card lists: per benchmark, its files, n-gram size,
    policy, items (matched whole when shorter than n; too short to check), and documents."""
    return {
        "documents_in": stats.documents["in"],
        "documents": stats.documents["kept"],
        "removed": sum(stats.removed.values()),
        "flagged": stats.documents["flagged"],
        "benchmarks": [
            {
                "name": name,
                "files": list(index.files[b]),
                "ngram": index.ngrams[b],
                "policy": index.policies[b],
                "items": index.items[b],
                "items_matched_whole": index.whole[b],
                "items_too_short": index.skipped[b],
                "ngrams": index.ngram_count[b],
                "documents_matched": stats.matched[name],
                "documents_removed": stats.removed[name],
                "documents_flagged": stats.flagged[name],
            }
            for b, name in enumerate(index.names)
        ],
    }


def run(ctx: Context, progress: bool = True) -> dict[str, Any]:
    """dedup's survivors through every benchmark of ``decontam.benchmarks``, on the configured
    engine; with none, every document passes (with an empty ``contamination``)."""
    layout, p = ctx.layout, ctx.params.decontam
    if not layout.dedup.is_file():
        raise missing_input(layout.rel(layout.dedup), "the dedup stage")
    index = load_index(p, layout.root)
    stats = DecontamStats()
    bar = tqdm(total=count_rows(layout.dedup), desc="decontam", unit="doc", disable=not progress or None)
    # rejects after pii are redacted already: written unchanged
    with ResultWriter(
        layout.decontam, layout.decontam_rejects, schema_after("decontam"), p.batch_size, stats, scrub=unchanged
    ) as out:
        for rows_in, result in engine_for(ctx.params).map_batches(
            layout.dedup, partial(decontam_batch, index=index), p.batch_size
        ):
            out.add(result)
            bar.update(rows_in)
    bar.close()
    summary = report(index, stats)
    write_json(layout.decontam_report, summary)
    metrics = {key: summary[key] for key in ("documents_in", "documents", "removed", "flagged")}
    metrics["rejects_by_reason"] = dict(sorted(out.reasons.items()))
    write_json(layout.decontam_metrics, metrics)
    return metrics
