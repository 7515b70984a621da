"""The publish stage: every registered source's final documents → ``data/publish/``.

Reads only what the per-source stages wrote under ``data/interim/`` (never
``data/raw/``), so its DVC dependencies are exactly its inputs. Writes:

- ``data/publish/data/train-*.parquet`` — the shards;
- ``data/publish/README.md`` — the dataset card, and ``LICENSES.md`` beside it;
- ``data/rejects/rejects.parquet`` — every reject of every source and stage;
- ``data/metrics/publish.json`` — totals, per source and per reject reason.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from tqdm import tqdm

from pipeline.core.context import Context
from pipeline.core.errors import UserError
from pipeline.core.jsonfile import read_json, write_json
from pipeline.core.layout import SOURCE_STAGES, Layout
from pipeline.core.parquet import RowWriter, read_batches
from pipeline.core.schema import PUBLISHED, REJECT, reason_key
from pipeline.publish.card import CardData, SourceSummary, render_card, render_licenses_file
from pipeline.publish.shards import write_shards

SPLIT = "train"


def _read_info(layout: Layout, source_id: str) -> dict[str, Any]:
    path = layout.source_info(source_id)
    if not path.is_file():
        raise UserError(layout.rel(path), f"missing: run the per-source stages for '{source_id}' first (dvc repro)")
    return read_json(path)


def _documents(layout: Layout, summaries: list[SourceSummary], licenses: Counter, batch_size: int,
               progress: bool) -> Iterator[pa.RecordBatch]:
    """Each source's final documents in source order, counting as they stream past."""
    final = SOURCE_STAGES[-1]
    for summary in tqdm(summaries, desc="publish", unit="source", disable=not progress or None):
        path = layout.stage_docs(summary.id, final)
        if not path.is_file():
            raise UserError(layout.rel(path), f"missing: run the per-source stages for '{summary.id}' first (dvc repro)")
        for batch in read_batches(path, batch_size):
            batch = batch.select(PUBLISHED.names)
            summary.documents += batch.num_rows
            summary.characters += pc.sum(pc.utf8_length(batch.column("text"))).as_py() or 0
            for row in pc.value_counts(batch.column("license")).to_pylist():
                licenses[row["values"]] += row["counts"]
            for row in pc.value_counts(batch.column("lang")).to_pylist():
                summary.languages[row["values"]] += row["counts"]
            summary.converted += batch.num_rows - batch.column("converted").null_count
            for row in pc.value_counts(batch.column("segmenter")).to_pylist():
                summary.segmenters[row["values"]] += row["counts"]
            yield batch


def run(ctx: Context, progress: bool = True) -> dict[str, Any]:
    layout, params, sources, registry = ctx.layout, ctx.params, ctx.sources, ctx.registry
    p = params.publish
    summaries = [SourceSummary(source_id, _read_info(layout, source_id)) for source_id in sources.ids]
    licenses: Counter = Counter()

    if layout.publish.exists():
        shutil.rmtree(layout.publish)
    shards = write_shards(
        _documents(layout, summaries, licenses, p.batch_size, progress),
        layout.publish / "data",
        PUBLISHED,
        split=SPLIT,
        max_shard_bytes=p.max_shard_bytes,
        row_group_rows=p.row_group_rows,
        compression_level=p.compression_level,
    )

    reasons: Counter = Counter()
    by_source: dict[str, Counter] = {}
    with RowWriter(layout.rejects, REJECT, p.batch_size) as out:
        for summary in summaries:
            counts = by_source.setdefault(summary.id, Counter())
            for stage in SOURCE_STAGES:
                path = layout.stage_rejects(summary.id, stage)
                if not path.is_file():
                    continue
                for batch in read_batches(path, p.batch_size):
                    for row in batch.to_pylist():
                        out.add(row)
                        counts[reason_key(row["reason"])] += 1
            summary.rejected = sum(counts.values())
            reasons.update(counts)

    for entry in licenses:
        if entry not in registry:  # ingest validated it; a stale interim file is the only way here
            raise UserError(registry.path, registry.unknown(entry))
    card = CardData(
        params=params,
        registry=registry,
        sources=summaries,
        licenses=dict(licenses),
        rejects_by_reason=dict(reasons),
        shards=[s.relative_to(layout.publish).as_posix() for s in shards],
    )
    (layout.publish / "README.md").write_text(render_card(card), encoding="utf-8")
    (layout.publish / "LICENSES.md").write_text(render_licenses_file(card), encoding="utf-8")

    metrics = {
        "documents": card.documents,
        "characters": card.characters,
        "rejected": sum(reasons.values()),
        "documents_in": card.documents + sum(reasons.values()),
        "shards": len(shards),
        "rejects_by_reason": dict(sorted(reasons.items())),
        "sources": {
            s.id: {"documents": s.documents, "characters": s.characters, "rejected": s.rejected,
                   "converted": s.converted, "manifest_ok": not s.error}
            for s in summaries
        },
        "licenses": dict(sorted(licenses.items())),
    }
    write_json(layout.publish_metrics, metrics)
    return metrics
