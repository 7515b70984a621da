"""The ingest stage: ``data/raw/<id>/`` → documents, rejects, metrics.

``ingest_items`` is the stage logic, a generator over one source's files that yields
document rows and reject rows. ``run`` streams them into Parquet in record batches, so
memory is bounded by the batch size (plus 16 bytes per document for duplicate checks).

A source whose manifest is invalid does not stop the pipeline: its error is printed as
one line, every file in it becomes a reject with reason ``manifest``, and the other
sources go on. ``twcorpus validate`` fails on the same error for the contributor.
"""

from __future__ import annotations

import fnmatch
import json
import os
import shutil
import stat
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from pipeline.core.config import IngestParams
from pipeline.core.context import Context
from pipeline.core.errors import UserError
from pipeline.core.ids import document_id
from pipeline.core.jsonfile import write_json
from pipeline.core.layout import MANIFEST_NAME, Layout
from pipeline.core.policy import Policy
from pipeline.core.parquet import RowWriter
from pipeline.core.schema import DOCUMENT, REJECT, reason_key
from pipeline.ingest.encoding import Undecodable, sniff
from pipeline.ingest.formats import FORMATS, format_for
from pipeline.ingest.manifest import Manifest, load_manifest
from pipeline.ingest.readers.base import Problem, Record

STAGE = "ingest"


@dataclass
class Doc:
    row: dict[str, Any]


@dataclass
class Reject:
    row: dict[str, Any]


@dataclass
class IngestStats:
    files_by_format: Counter = field(default_factory=Counter)
    files_by_encoding: Counter = field(default_factory=Counter)


def source_files(folder: Path, exclude: tuple[str, ...] = ()) -> list[str]:
    """Contributed files, relative and sorted: everything but the manifest, dotfiles and excludes.

    Symbolic links are listed (so they are rejected, not silently skipped) but never
    followed: a link could otherwise publish any file the build user can read.
    """
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):  # followlinks=False
        base = Path(dirpath)
        linked_dirs = [d for d in dirnames if (base / d).is_symlink()]
        dirnames[:] = [d for d in dirnames if not d.startswith(".") and d not in linked_dirs]
        for name in filenames + linked_dirs:
            rel = (base / name).relative_to(folder).as_posix()
            if rel == MANIFEST_NAME or name.startswith("."):
                continue
            if any(fnmatch.fnmatch(rel, pattern) for pattern in exclude):
                continue
            found.append(rel)
    return sorted(found)


def ingest_items(
    folder: Path, manifest: Manifest, policy: Policy, stats: IngestStats | None = None, progress: bool = False,
    limits: IngestParams = IngestParams(),
) -> Iterator[Doc | Reject]:
    """Every document and every reject of one source, in a deterministic order."""
    stats = stats if stats is not None else IngestStats()
    seen: dict[str, str] = {}  # id -> file:line of its first occurrence
    files = source_files(folder, manifest.exclude)
    with tempfile.TemporaryDirectory(prefix="twcorpus-ingest-") as scratch:
        for rel in tqdm(files, desc=f"ingest {manifest.id}", unit="file", disable=not progress or None):
            yield from _file_items(folder, rel, Path(scratch), manifest, policy, stats, limits, seen)


def _snapshot(path: Path, scratch: Path, limits: IngestParams) -> tuple[Path | None, Problem | None]:
    """A private copy of the file to read, so a file that changes during the run is caught, not
    half-read: the copy is taken only if size and modification time are the same after copying."""
    before = path.lstat()
    if before.st_size > limits.max_file_bytes:
        return None, Problem("too-large", f"{before.st_size:,} bytes; the limit is ingest.max_file_bytes "
                             f"= {limits.max_file_bytes:,}")
    copy = scratch / f"snapshot{path.suffix}"
    shutil.copyfile(path, copy)
    after = path.lstat()
    if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns):
        return None, Problem("changed-during-read", "the file changed while it was being read; run ingest again "
                             "once the contribution is complete")
    return copy, None


def _file_items(folder: Path, rel: str, scratch: Path, manifest: Manifest, policy: Policy, stats: IngestStats,
                limits: IngestParams, seen: dict[str, str]) -> Iterator[Doc | Reject]:
    path = folder / rel
    mode = path.lstat().st_mode
    if not stat.S_ISREG(mode):  # links, fifos, devices: never followed or read
        kind = "a symbolic link" if stat.S_ISLNK(mode) else "not a regular file"
        yield _reject(manifest.id, rel, Problem("not-a-file", f"{kind}: not read (contribute the file itself)"))
        return
    fmt = format_for(path, manifest.format, manifest.formats, rel)
    if fmt is None:
        stats.files_by_format["unsupported"] += 1
        yield _reject(manifest.id, rel, Problem(
            "unsupported-format",
            f"no reader for '{path.suffix or path.name}' files; set 'format' in {MANIFEST_NAME} or use one of: "
            + ", ".join(sorted(FORMATS)),
        ))
        return
    stats.files_by_format[fmt] += 1
    try:
        snapshot, problem = _snapshot(path, scratch, limits)
        if problem is not None:
            yield _reject(manifest.id, rel, problem)
            return
        for item in FORMATS[fmt](snapshot, manifest):
            where = f"{rel}!{item.member}" if item.member else rel
            if isinstance(item, Problem):
                yield _reject(manifest.id, where, item)
            else:
                yield _accept(manifest, policy, where, item, seen)
        stats.files_by_encoding[_encoding_of(snapshot)] += 1
    except OSError as exc:
        yield _reject(manifest.id, rel, Problem("unreadable", f"cannot read the file ({exc.strerror or exc})"))
    except Exception as exc:  # a reader bug must not take the source down; the reject names it
        yield _reject(manifest.id, rel, Problem("reader-error", f"{fmt} reader failed: {type(exc).__name__}: {exc}"))


def _accept(manifest: Manifest, policy: Policy, rel: str, record: Record, seen: dict[str, str]) -> Doc | Reject:
    where = f"{rel}:{record.line}" if record.line is not None else rel
    license_id = record.license or manifest.license
    if license_id not in policy.registry:
        return _reject(manifest.id, rel, Problem(
            "unknown-license", f"{where}: {policy.registry.unknown(license_id)}", record.line, record.text
        ))
    if policy.group(license_id) is None:  # never normalized, segmented or published
        return _reject(manifest.id, rel, Problem(
            f"license:{license_id}", f"{where}: not published: {policy.refusal(license_id)}", record.line, record.text
        ))
    broken = [name for name, value in (("text", record.text), ("title", record.title), ("meta", json.dumps(
        record.meta, ensure_ascii=False, default=str))) if value and not _encodable(value)]
    if broken:  # a JSON escape such as \ud800 is no character: Parquet cannot store it
        return _reject(manifest.id, rel, Problem(
            "undecodable", f"{where}: {', '.join(broken)} holds a lone surrogate (an invalid \\u escape)", record.line
        ))
    doc_id = document_id(manifest.id, record.text)
    if doc_id in seen:
        return _reject(manifest.id, rel, Problem(
            f"duplicate-of:{doc_id}", f"{where}: same text as {seen[doc_id]}", record.line, record.text
        ), doc_id)
    seen[doc_id] = where
    return Doc({
        "id": doc_id,
        "text": record.text,
        "source": manifest.id,
        "source_file": rel,
        "source_line": record.line,
        "license": license_id,
        "title": record.title,
        "url": record.url,
        "date": record.date,
        "meta": json.dumps(record.meta, ensure_ascii=False, sort_keys=True, default=str) if record.meta else None,
    })


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _reject(source: str, rel: str | None, problem: Problem, doc_id: str | None = None) -> Reject:
    return Reject({
        "source": source,
        "source_file": rel,
        "source_line": problem.line,
        "stage": STAGE,
        "reason": problem.reason,
        "detail": problem.detail,
        "id": doc_id,
        "text": problem.text,
    })


def _encoding_of(path: Path) -> str:
    try:
        return sniff(path)
    except Undecodable:
        return "undecodable"


def quarantine_items(folder: Path, source_id: str, error: UserError) -> Iterator[Reject]:
    """Every file of a source whose manifest is invalid, as a reject naming the error."""
    files = source_files(folder) if folder.is_dir() else []
    if not files:
        yield _reject(source_id, None, Problem("manifest", str(error)))
    for rel in files:
        yield _reject(source_id, rel, Problem("manifest", str(error)))


def run(ctx: Context, source_id: str, progress: bool = True) -> dict[str, Any]:
    """Run ingest for one source and write its outputs; returns the metrics."""
    layout, params, sources = ctx.layout, ctx.params, ctx.sources
    sources.require(layout, source_id)
    folder = layout.source_dir(source_id)
    stats = IngestStats()
    manifest_error: UserError | None = None
    try:
        manifest = load_manifest(layout, source_id, ctx.registry, sources.overrides(source_id))
        items: Iterator[Doc | Reject] = ingest_items(folder, manifest, ctx.policy, stats, progress, params.ingest)
        info: dict[str, Any] = manifest.to_json()
    except UserError as exc:
        manifest_error = exc
        items = quarantine_items(folder, source_id, exc)
        info = {"id": source_id, "error": str(exc)}

    metrics: dict[str, Any] = {"documents": 0, "characters": 0, "rejected": 0}
    reasons: Counter = Counter()
    batch = params.ingest.batch_size
    with RowWriter(layout.stage_docs(source_id, STAGE), DOCUMENT, batch) as docs, \
            RowWriter(layout.stage_rejects(source_id, STAGE), REJECT, batch) as rejects:
        for item in items:
            if isinstance(item, Doc):
                docs.add(item.row)
                metrics["documents"] += 1
                metrics["characters"] += len(item.row["text"])
            else:
                rejects.add(item.row)
                metrics["rejected"] += 1
                reasons[reason_key(item.row["reason"])] += 1
    metrics["documents_in"] = metrics["documents"] + metrics["rejected"]
    metrics["rejects_by_reason"] = dict(sorted(reasons.items()))
    metrics["files_by_format"] = dict(sorted(stats.files_by_format.items()))
    metrics["files_by_encoding"] = dict(sorted(stats.files_by_encoding.items()))
    metrics["manifest_ok"] = manifest_error is None

    write_json(layout.source_info(source_id), info)
    write_json(layout.stage_metrics(source_id, STAGE), metrics)
    if manifest_error is not None:
        metrics["error"] = str(manifest_error)
    return metrics

