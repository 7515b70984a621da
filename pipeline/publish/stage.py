"""The publish stage: every registered source's final documents → ``data/publish/``.

Reads only what the per-source stages wrote under ``data/interim/`` (never
``data/raw/``), so its DVC dependencies are exactly its inputs. Writes:

- ``data/publish/data/<group>/train-*.parquet`` — the shards, one folder per license
  group of the publication policy (each a config of the dataset on the hub);
- ``data/publish/README.md`` — the dataset card, and ``LICENSES.md`` beside it;
- ``data/rejects/rejects.parquet`` — every reject of every source and stage;
- ``data/metrics/publish.json`` — totals, per source, per license, per group, per reason.

The release folder is never half there: shards, card and licenses are written into a
staging folder under ``.tmp/`` and swapped in with one atomic rename at the end
(``OutputGuard.swap_in``), while a lock keeps a second publish out. A publish that fails
or is killed leaves the previous release as it was.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from tqdm import tqdm

from pipeline.core.batch_stage import BatchResult
from pipeline.core.context import Context
from pipeline.core.contract import global_stages, source_stages
from pipeline.core.errors import UserError, missing_input
from pipeline.core.jsonfile import read_json, write_json
from pipeline.core.layout import Layout
from pipeline.core.parquet import OutputGuard, RowWriter, count_rows, read_batches
from pipeline.core.schema import REJECT, RELEASED_REJECT, published_schema, reason_key
from pipeline.engine import engine_for
from pipeline.publish.card import CardData, GroupSummary, SourceSummary, Statistics, render_card, render_licenses_file
from pipeline.publish.plots import CHART_TITLES, render_charts, write_plots
from pipeline.publish.provenance import provenance
from pipeline.publish.shards import ShardWriter

STAGE = "publish"
SPLIT = "train"


def _summary(layout: Layout, source_id: str) -> SourceSummary:
    """A source as its stages described their run: the manifest and files (ingest), the
    detectors that ran (pii; absent when the manifest was invalid and nothing ran)."""

    def missing(path: Path) -> UserError:
        return missing_input(layout.rel(path), f"the per-source stages for '{source_id}'")

    path = layout.source_info(source_id)
    if not path.is_file():
        raise missing(path)
    info = read_json(path)
    pii_run = layout.stage_info(source_id, "pii")
    if not info.get("error") and not pii_run.is_file():
        raise missing(pii_run)
    return SourceSummary(source_id, info, read_json(pii_run) if pii_run.is_file() else {})


def published_batch(batch: pa.RecordBatch) -> BatchResult:
    """The stage function: a batch of decontam's survivors as published (the published columns)."""
    return BatchResult(batch.select(published_schema().names))


def _documents(
    ctx: Context, summaries: list[SourceSummary], stats: Statistics, batch_size: int, progress: bool
) -> Iterator[pa.RecordBatch]:
    """The decontam stage's survivors (dedup's, less the contaminated), in source order, counting
    per source as they stream past."""
    layout = ctx.layout
    if not layout.decontam.is_file():
        raise missing_input(layout.rel(layout.decontam), "the decontam stage")
    by_id = {s.id: s for s in summaries}
    bar = tqdm(total=count_rows(layout.decontam), desc="publish", unit="doc", disable=not progress or None)
    for _, result in engine_for(ctx.params).map_batches(layout.decontam, published_batch, batch_size):
        batch = result.kept
        stats.count(batch, ctx.params.quality.regional_min_terms)
        present = pc.unique(batch.column("source")).to_pylist()
        for source_id in present:
            if source_id not in by_id:
                raise UserError(
                    layout.rel(layout.decontam),
                    f"holds source '{source_id}', which is no longer "
                    "registered: re-run the dedup and decontam stages (dvc repro)",
                )
            # a batch of one source is counted as it is: no copy of it (counts never see buffers)
            by_id[source_id].count(
                batch if len(present) == 1 else batch.filter(pc.equal(batch.column("source"), source_id))
            )
        bar.update(batch.num_rows)
        yield batch
    bar.close()


def run(ctx: Context, progress: bool = True) -> dict[str, Any]:
    layout = ctx.layout
    summaries = [_summary(layout, source_id) for source_id in ctx.sources.ids]
    with OutputGuard(layout.publish) as guard:
        staging = guard.temp_dir()  # becomes data/publish when complete
        card = _release(ctx, summaries, staging, progress)
        guard.swap_in(staging)
    reasons = card.rejects_by_reason

    metrics = {
        "documents": card.documents,
        "characters": card.characters,
        "rejected": sum(reasons.values()),
        "documents_in": card.documents + sum(reasons.values()),
        "shards": sum(len(g.shards) for g in card.groups),
        "rejects_by_reason": dict(sorted(reasons.items())),
        "sources": {
            s.id: {
                "documents": s.documents,
                "characters": s.characters,
                "rejected": s.rejected,
                "converted": s.converted,
                "manifest_ok": not s.error,
            }
            for s in summaries
        },
        "licenses": {
            license_id: {"documents": docs, "characters": card.license_characters[license_id]}
            for license_id, docs in sorted(card.license_documents.items())
        },
        "groups": {
            g.name: {"documents": g.documents, "characters": g.characters, "shards": len(g.shards)} for g in card.groups
        },
        "characters_per_document": Statistics.summary(card.stats.lengths),
        "tokens_per_document": Statistics.summary(card.stats.token_counts),
        "pii": dict(sorted(sum((s.pii for s in summaries), Counter()).items())),  # in `text`
        "pii_fields": dict(sorted(sum((s.pii_fields for s in summaries), Counter()).items())),
    }
    write_json(layout.publish_metrics, metrics)
    _write_summary(layout.summary_metrics, metrics)
    write_plots(layout.plots, card)
    return metrics


def _write_summary(folder: Path, metrics: dict[str, Any]) -> None:
    """The headline table: per source and in total, documents in, published, rejected and the
    characters published. The detail stays in the per-stage JSON files beside it."""
    if folder.exists():
        shutil.rmtree(folder)  # a source no longer registered leaves no row behind
    for name, m in [("_total", metrics), *metrics["sources"].items()]:
        write_json(
            folder / f"{name}.json",
            {
                "documents_in": m["documents"] + m["rejected"],
                "published": m["documents"],
                "rejected": m["rejected"],
                "characters": m["characters"],
            },
        )


def _decontam_report(layout: Layout) -> dict[str, Any]:
    """What decontam checked (each benchmark, its n-gram size, what it matched), for the card."""
    if not layout.decontam_report.is_file():
        raise missing_input(layout.rel(layout.decontam_report), "the decontam stage")
    return read_json(layout.decontam_report)


def _release(ctx: Context, summaries: list[SourceSummary], folder: Path, progress: bool) -> CardData:
    """The whole release (shards, card, licenses) in ``folder``, and data/rejects/rejects.parquet."""
    layout, params, policy = ctx.layout, ctx.params, ctx.policy
    p = params.publish
    groups = {name: GroupSummary(name) for name in policy.groups}
    writers: dict[str, ShardWriter] = {}
    stats = Statistics()
    for batch in _documents(ctx, summaries, stats, p.batch_size, progress):
        licenses = batch.column("license").to_pylist()
        names = sorted({policy.group(license_id) or "" for license_id in licenses})
        for name in names:
            if not name:  # ingest applies the same policy; a stale interim file is the only way here
                raise UserError(
                    layout.rel(layout.params),
                    "a published document's license is in no group: re-run the per-source stages (dvc repro)",
                )
            part = batch.filter(pa.array([policy.group(license_id) == name for license_id in licenses]))
            # counted from the copy even when the batch is all this group: the card's num_bytes adds up
            # the copy's nbytes, which are not the batch's (filter gives the arrays other validity
            # buffers). A batch of one group is then written as it is, and the copy goes right away.
            groups[name].count(part)
            if len(names) == 1:
                part = batch
            if name not in writers:
                writers[name] = ShardWriter(
                    folder / "data" / name,
                    published_schema(),
                    split=SPLIT,
                    max_shard_bytes=p.max_shard_bytes,
                    row_group_rows=p.row_group_rows,
                    compression_level=p.compression_level,
                )
            writers[name].write(part)
    if not writers:  # an empty release is still a loadable dataset: its default config, empty
        writers[policy.default_group] = ShardWriter(
            folder / "data" / policy.default_group,
            published_schema(),
            split=SPLIT,
            max_shard_bytes=p.max_shard_bytes,
            row_group_rows=p.row_group_rows,
            compression_level=p.compression_level,
        )
    for name, writer in writers.items():
        shards = writer.close()
        groups[name].shards = [s.relative_to(folder).as_posix() for s in shards]
        groups[name].download_size = sum(s.stat().st_size for s in shards)

    reasons = _gather_rejects(layout, summaries, p.batch_size, folder / "rejects.parquet")
    card = CardData(
        params=params,
        registry=ctx.registry,
        sources=summaries,
        groups=[groups[name] for name in policy.groups if groups[name].shards],
        default_group=policy.default_group,
        rejects_by_reason=dict(reasons),
        stats=stats,
        provenance=provenance(layout.root),
        decontam=_decontam_report(layout),
        charts=CHART_TITLES,
    )
    (folder / "plots").mkdir()  # the charts the card shows, swapped in with the rest of the release
    for name, svg in render_charts(card).items():
        (folder / "plots" / name).write_text(svg, encoding="utf-8")
    (folder / "README.md").write_text(render_card(card), encoding="utf-8")
    (folder / "LICENSES.md").write_text(render_licenses_file(card), encoding="utf-8")
    return card


def _gather_rejects(layout: Layout, summaries: list[SourceSummary], batch_size: int, released: Path) -> Counter:
    """Every reject of every source and stage (per-source stages, then dedup, decontam) into one file,
    and into ``released`` without the text; counts by reason."""
    reasons: Counter = Counter()
    by_id = {s.id: s for s in summaries}
    paths = [layout.stage_rejects(s.id, stage) for s in summaries for stage in source_stages()]
    paths += [layout.global_rejects(stage) for stage in global_stages() if stage != STAGE]
    with (
        RowWriter(layout.rejects, REJECT, batch_size) as out,
        RowWriter(released, RELEASED_REJECT, batch_size) as listed,
    ):
        for path in paths:
            if not path.is_file():
                continue
            for batch in read_batches(path, batch_size):
                out.write_batch(batch.select(REJECT.names))
                listed.write_batch(batch.select(RELEASED_REJECT.names))
                for source_id, stage, reason in zip(
                    batch.column("source").to_pylist(),
                    batch.column("stage").to_pylist(),
                    batch.column("reason").to_pylist(),
                ):
                    reasons[reason_key(reason)] += 1
                    if source_id in by_id:
                        by_id[source_id].rejected += 1
                        by_id[source_id].removed[(stage, reason_key(reason))] += 1
    return reasons
