"""``twcorpus validate``: check a source folder the way ingest will read it, writing nothing."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pipeline.core.context import Context
from pipeline.core.errors import UserError
from pipeline.core.schema import reason_key
from pipeline.ingest.manifest import load_manifest
from pipeline.ingest.stage import Doc, IngestStats, ingest_items, source_files

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


def validate(ctx: Context, source_id: str) -> Report:
    layout, sources = ctx.layout, ctx.sources
    report = Report(source_id, ok=False, registered=source_id in sources.sources)
    try:
        manifest = load_manifest(layout, source_id, ctx.registry, sources.overrides(source_id))
    except UserError as exc:
        report.error = str(exc)
        return report
    folder = layout.source_dir(source_id)
    report.files = len(source_files(folder, manifest.exclude))
    stats = IngestStats()
    reasons: Counter = Counter()
    for item in ingest_items(folder, manifest, ctx.policy, stats, limits=ctx.params.ingest):
        row = item.row
        if isinstance(item, Doc):
            report.documents += 1
            report.characters += len(row["text"])
            if len(report.samples) < SAMPLES:
                report.samples.append({k: row[k] for k in ("source_file", "source_line", "title")} |
                                      {"text": _preview(row["text"])})
        else:
            reasons[reason_key(row["reason"])] += 1
            if len(report.rejects) < SHOWN_REJECTS:
                report.rejects.append({k: row[k] for k in ("source_file", "source_line", "reason", "detail")})
    report.rejects_by_reason = dict(sorted(reasons.items()))
    report.files_by_encoding = dict(sorted(stats.files_by_encoding.items()))
    report.ok = True
    return report


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
    for s in report.samples:
        where = s["source_file"] + (f":{s['source_line']}" if s["source_line"] is not None else "")
        title = f" 《{s['title']}》" if s["title"] else ""
        lines.append(f"  · {where}{title} {s['text']}")
    return "\n".join(lines)
