"""``twcorpus validate``: check a source folder the way the pipeline will read it, writing nothing.

Ingest reads the folder; then normalize, quality and pii run on the documents in memory
(``*_batch``, the stages' own functions, without a NER model), so an agency learns before
contributing what each stage would drop and why, with the characters it would lose.
Dedup is across sources and is not previewed.

Before reading anything it fails, with one line naming the entry and the fix, on what
would make ``dvc status``/``dvc repro`` fail or hang for every source (a file name that is
not UTF-8, a dangling or looping symbolic link, a named pipe: ``pipeline.ingest.sanitize``),
since ingest alone would only reject those files and the contributor would learn of it
from DVC's traceback.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from pipeline.core.context import Context
from pipeline.core.errors import UserError
from pipeline.core.schema import DOCUMENT, reason_key
from pipeline.ingest.manifest import Manifest, XmlOptions, load_manifest
from pipeline.ingest.sanitize import dvc_hazard
from pipeline.ingest.stage import Doc, IngestStats, ingest_items, source_files
from pipeline.normalize.stage import normalize_batch
from pipeline.pii.stage import pii_batch
from pipeline.quality.stage import quality_batch

SAMPLES = 3
SHOWN_REJECTS = 10


@dataclass
class Report:
    source: str
    ok: bool
    error: str | None = None
    registered: bool = False
    files: int = 0
    documents: int = 0
    characters: int = 0
    rejects_by_reason: dict[str, int] = field(default_factory=dict)
    rejects: list[dict[str, Any]] = field(default_factory=list)
    samples: list[dict[str, Any]] = field(default_factory=list)
    files_by_encoding: dict[str, int] = field(default_factory=dict)
    # stage -> reason -> {documents, characters, sample: {where, detail}}: what the stages after ingest drop
    dropped: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)  # documents and characters that go on to dedup
    problems: list[str] = field(default_factory=list)  # read, but not as the manifest says: exit 1


class _Preview:
    """normalize, quality and pii over the ingested documents, batch by batch, in memory."""

    def __init__(self, ctx: Context):
        p = ctx.params
        self.stages = [
            ("normalize", lambda b: normalize_batch(b, p.normalize)),
            ("quality", lambda b: quality_batch(b, p.quality)),
            ("pii", lambda b: pii_batch(b, p.pii)),
        ]
        self.dropped: dict[str, dict[str, dict[str, Any]]] = {}
        self.kept = {"documents": 0, "characters": 0}

    def run(self, rows: list[dict[str, Any]]) -> None:
        batch = pa.RecordBatch.from_pylist(rows, schema=DOCUMENT)
        for stage, fn in self.stages:
            result = fn(batch)
            for reject in result.rejects:
                entry = self.dropped.setdefault(stage, {}).setdefault(
                    reject["reason"], {"documents": 0, "characters": 0, "sample": None}
                )
                entry["documents"] += 1
                entry["characters"] += len(reject["text"] or "")
                if entry["sample"] is None:
                    where = reject["source_file"] + (f":{reject['source_line']}" if reject["source_line"] else "")
                    entry["sample"] = {"where": where, "detail": reject["detail"]}
            batch = result.kept
        self.kept["documents"] += batch.num_rows
        self.kept["characters"] += sum(len(t) for t in batch.column("text").to_pylist())


def validate(ctx: Context, source_id: str) -> Report:
    layout, sources = ctx.layout, ctx.sources
    report = Report(source_id, ok=False, registered=source_id in sources.sources)
    try:
        manifest = load_manifest(layout, source_id, ctx.registry, sources.overrides(source_id))
    except UserError as exc:
        report.error = str(exc)
        return report
    folder = layout.source_dir(source_id)
    hazard = dvc_hazard(folder, layout.rel(folder))
    if hazard:
        report.error = str(hazard)
        return report
    report.files = len(source_files(folder, manifest.exclude))
    stats = IngestStats()
    reasons: Counter = Counter()
    found: Counter = Counter()  # column -> documents where it has a value
    preview, pending = _Preview(ctx), []
    items = ingest_items(
        folder, manifest, ctx.policy, stats, limits=ctx.params.ingest, workers=ctx.params.local.workers
    )
    for item in items:
        row = item.row
        if isinstance(item, Doc):
            pending.append(row)
            if len(pending) >= ctx.params.ingest.batch_size:
                preview.run(pending)
                pending = []
            report.documents += 1
            report.characters += len(row["text"])
            found.update(c for c in ("title", "url", "date") if row[c] is not None)
            found.update(["license"] if row["license"] != manifest.license else [])
            found.update(["date"] if row["meta"] and '"date_written"' in row["meta"] else [])
            if len(report.samples) < SAMPLES:
                report.samples.append(
                    {k: row[k] for k in ("source_file", "source_line", "title")} | {"text": _preview(row["text"])}
                )
        else:
            reasons[reason_key(row["reason"])] += 1
            if len(report.rejects) < SHOWN_REJECTS:
                report.rejects.append({k: row[k] for k in ("source_file", "source_line", "reason", "detail")})
    if pending:
        preview.run(pending)
    report.dropped = {stage: dict(sorted(by_reason.items())) for stage, by_reason in preview.dropped.items()}
    report.kept = preview.kept
    report.rejects_by_reason = dict(sorted(reasons.items()))
    report.files_by_encoding = dict(sorted(stats.files_by_encoding.items()))
    report.problems = _problems(layout.rel(layout.manifest(source_id)), manifest, report, found)
    report.ok = True
    return report


def _configured_fields(manifest: Manifest) -> list[tuple[str, str, str]]:
    """(manifest key, its value, the document column it fills) for every field the manifest
    names explicitly (a default that a source does not use is no error)."""
    xml_defaults, named = XmlOptions(), []
    for key, column in (("title_field", "title"), ("url_field", "url"), ("date_field", "date")):
        value = getattr(manifest.xml, key)
        if value is not None and value != getattr(xml_defaults, key):
            named.append((f"xml.{key}", value, column))
    for key, column in (
        ("title_column", "title"),
        ("url_column", "url"),
        ("date_column", "date"),
        ("license_column", "license"),
    ):
        value = getattr(manifest.csv, key)
        if value is not None:
            named.append((f"csv.{key}", value, column))
    return named


def _problems(where: str, manifest: Manifest, report: Report, found: Counter) -> list[str]:
    if not report.documents:
        return [
            f"{where}: the folder yields no document ({report.files} files, "
            f"{sum(report.rejects_by_reason.values())} rejects): check the format and its options"
        ]
    return [
        f"{where}: '{key}: {value}' never appears: none of the {report.documents:,} documents has a {column}"
        for key, value, column in _configured_fields(manifest)
        if not found[column]
    ]


def _preview(text: str, width: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def render(report: Report) -> str:
    """The short human report (English, with the Chinese words an agency will look for)."""
    if not report.ok:
        return f"✗ {report.source}: {report.error}"
    rejected = sum(report.rejects_by_reason.values())
    lines = [
        f"✓ {report.source}: manifest valid 清單有效"
        + ("" if report.registered else f" (not registered yet: twcorpus register data/raw/{report.source})"),
        f"  files 檔案: {report.files}   encodings 編碼: "
        + (", ".join(f"{k} {v}" for k, v in report.files_by_encoding.items()) or "-"),
        f"  documents 文件: {report.documents}   characters 字數: {report.characters:,}   rejected 退件: {rejected}",
    ]
    for reason, count in report.rejects_by_reason.items():
        lines.append(f"    {reason}: {count}")
    for r in report.rejects:
        where = r["source_file"] + (f":{r['source_line']}" if r["source_line"] is not None else "")
        lines.append(f"  ! {where}: {r['reason']} — {r['detail']}")
    if rejected > len(report.rejects):
        lines.append(f"  … and {rejected - len(report.rejects)} more")
    if report.documents:
        lines.append("  after ingest 讀取之後 (normalize, quality, personal data; nothing written):")
        for stage, by_reason in report.dropped.items():
            for reason, d in by_reason.items():
                lines.append(
                    f"    {stage} {reason}: {d['documents']:,} documents, {d['characters']:,} characters"
                    f" — e.g. {d['sample']['where']}: {d['sample']['detail']}"
                )
        lines.append(
            f"    go on to dedup and publish 進入去重與發布: {report.kept['documents']:,} documents, "
            f"{report.kept['characters']:,} characters"
        )
    for s in report.samples:
        where = s["source_file"] + (f":{s['source_line']}" if s["source_line"] is not None else "")
        title = f" 《{s['title']}》" if s["title"] else ""
        lines.append(f"  · {where}{title} {s['text']}")
    lines.extend(f"✗ {problem}" for problem in report.problems)
    return "\n".join(lines)
