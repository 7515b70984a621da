"""The ingest stage: ``data/raw/<id>/`` → documents, rejects, metrics.

``FileReader`` is the stage logic: one contributed file → ``BatchResult`` chunks of
document rows and reject rows, so files can be read anywhere (in this process, in worker
processes on this machine's other CPUs once a source holds 25 MB, ``local.workers``, or by
Ray workers). ``run`` takes the chunks in file order, drops second copies of a text within
the source (``FirstCopies``), and streams them into Parquet, so memory is bounded by the
batch size (plus 16 bytes per document for the duplicate check; with worker processes, by
the documents of the files read ahead of their turn: at most four per process and 256 MB).

A source whose manifest is invalid does not stop the pipeline: its error is printed as
one line, every file in it becomes a reject with reason ``manifest``, and the other
sources go on. ``twcorpus validate`` fails on the same error for the contributor.

No input stops a source either (``pipeline.ingest.sanitize``): a file name that is not
UTF-8 or holds control characters is a reject ``file-name`` under a printable form of
the name; a field holding a lone surrogate makes its record a reject ``undecodable``;
controls are removed from the metadata fields; a file that gives nothing at all is a
reject ``empty``.
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

import pyarrow as pa
from tqdm import tqdm

from pipeline.core.batch_stage import BatchResult, ResultWriter
from pipeline.core.context import Context
from pipeline.core.errors import UserError
from pipeline.core.ids import document_id
from pipeline.core.jsonfile import write_json
from pipeline.core.layout import MANIFEST_NAME
from pipeline.core.policy import Policy
from pipeline.core.schema import DOCUMENT, reject_row
from pipeline.core.tally import Tally
from pipeline.engine import Engine, engine_for
from pipeline.engine.local import LocalEngine
from pipeline.ingest.dates import to_iso
from pipeline.ingest.encoding import Undecodable, sniff
from pipeline.ingest.formats import FORMATS, LINE_FORMATS, format_for, known_formats
from pipeline.ingest.manifest import Manifest, load_manifest
from pipeline.ingest.params import IngestParams
from pipeline.ingest.readers.base import Problem, Record
from pipeline.ingest.sanitize import clean_field, entry_hazard, escape, escape_surrogates, lone_surrogates, name_problem

STAGE = "ingest"


@dataclass
class Doc:
    row: dict[str, Any]


@dataclass
class Reject:
    row: dict[str, Any]


@dataclass
class IngestStats(Tally):
    files_by_format: Counter = field(default_factory=Counter)
    files_by_encoding: Counter = field(default_factory=Counter)
    dates: Counter = field(default_factory=Counter)  # iso (as written), converted, unreadable


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


@dataclass(frozen=True)
class FileReader:
    """Reads one contributed file of a source into result chunks; picklable, so any worker can run it.

    Each chunk holds at most ``batch_size`` documents; the file's last chunk carries its
    counts (``stats``), so a chunk with counts means the file is done.
    """

    folder: Path
    manifest: Manifest
    policy: Policy
    limits: IngestParams = IngestParams()

    def __call__(self, rel: str) -> Iterator[BatchResult]:
        stats = IngestStats()
        docs: list[dict[str, Any]] = []
        rejects: list[dict[str, Any]] = []
        with tempfile.TemporaryDirectory(prefix="twcorpus-ingest-") as scratch:
            for item in _file_items(self.folder, rel, Path(scratch), self.manifest, self.policy, stats, self.limits):
                (docs if isinstance(item, Doc) else rejects).append(item.row)
                if len(docs) + len(rejects) >= self.limits.batch_size:
                    yield _chunk(docs, rejects)
                    docs, rejects = [], []
        yield _chunk(docs, rejects, stats)


def _chunk(docs: list[dict[str, Any]], rejects: list[dict[str, Any]], stats: IngestStats | None = None) -> BatchResult:
    return BatchResult(pa.RecordBatch.from_pylist(docs, schema=DOCUMENT), rejects, stats)


class FirstCopies:
    """Within a source, the first document with a given text is kept; later ones become rejects
    ``duplicate-in-source`` naming the first copy's file and line (never its id: the id at
    this stage is a digest of the unredacted text). Runs where the chunks arrive in order (the driver). A file's
    duplicate rejects follow its other rejects, so the order does not depend on chunk sizes."""

    def __init__(self) -> None:
        self.seen: dict[str, str] = {}  # id -> file:line of its first occurrence
        self.held: list[dict[str, Any]] = []  # this file's duplicate rejects, until its last chunk

    def __call__(self, result: BatchResult) -> BatchResult:
        kept = []
        for row in result.kept.to_pylist():
            where = row["source_file"] + (f":{row['source_line']}" if row["source_line"] is not None else "")
            if row["id"] in self.seen:
                self.held.append(
                    _reject(
                        row["source"],
                        row["source_file"],
                        Problem(
                            "duplicate-in-source",
                            f"{where}: same text as {self.seen[row['id']]}",
                            row["source_line"],
                            row["text"],
                        ),
                        row["id"],
                    ).row
                )
            else:
                self.seen[row["id"]] = where
                kept.append(row)
        rejects = list(result.rejects)
        if result.stats is not None:  # the file's last chunk
            rejects, self.held = rejects + self.held, []
        if len(kept) == result.kept.num_rows:
            return BatchResult(result.kept, rejects, result.stats)
        return BatchResult(pa.RecordBatch.from_pylist(kept, schema=DOCUMENT), rejects, result.stats)


_NO_LIMITS_GIVEN = IngestParams()  # ingest_items' default limits: one shared (frozen) instance


def ingest_items(
    folder: Path,
    manifest: Manifest,
    policy: Policy,
    stats: IngestStats | None = None,
    progress: bool = False,
    limits: IngestParams = _NO_LIMITS_GIVEN,
    workers: int | None = 1,
) -> Iterator[Doc | Reject]:
    """Every document and every reject of one source, in a deterministic order, read on this
    machine: in this process, or with ``workers`` processes as the local engine reads a large
    source (``local.workers``; None: one per CPU); the order and rows are the same."""
    stats = stats if stats is not None else IngestStats()
    files = source_files(folder, manifest.exclude)
    bar = tqdm(total=len(files), desc=f"ingest {manifest.id}", unit="file", disable=not progress or None)
    for result in _read(LocalEngine(workers), folder, files, manifest, policy, limits):
        yield from (Doc(row) for row in result.kept.to_pylist())
        yield from (Reject(row) for row in result.rejects)
        stats.merge(result.stats)
        if result.stats is not None:  # a file's last chunk
            bar.update(1)
    bar.close()


def _read(
    engine: Engine, folder: Path, files: list[str], manifest: Manifest, policy: Policy, limits: IngestParams
) -> Iterator[BatchResult]:
    """The result chunks of the source's ``files`` in file order, read by ``engine`` (each file's
    size is what it costs), second copies of a text within the source made rejects."""
    read = FileReader(folder, manifest, policy, limits)
    cost = [_size(folder / rel) for rel in files]
    return map(FirstCopies(), engine.map_items(files, read, where=folder, cost=cost))


def _snapshot(path: Path, scratch: Path, limits: IngestParams) -> Path | Problem:
    """A private copy of the file to read, so a file that changes during the run is caught, not
    half-read: the copy is taken only if size and modification time are the same after copying."""
    before = path.lstat()
    if before.st_size > limits.max_file_bytes:
        return Problem(
            "too-large", f"{before.st_size:,} bytes; the limit is ingest.max_file_bytes = {limits.max_file_bytes:,}"
        )
    copy = scratch / f"snapshot{path.suffix}"
    shutil.copyfile(path, copy)
    after = path.lstat()
    if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns):
        return Problem(
            "changed-during-read",
            "the file changed while it was being read; run ingest again once the contribution is complete",
        )
    return copy


def _file_items(
    folder: Path, rel: str, scratch: Path, manifest: Manifest, policy: Policy, stats: IngestStats, limits: IngestParams
) -> Iterator[Doc | Reject]:
    path = folder / rel
    bad_name = name_problem(rel)
    if bad_name:  # not UTF-8 (Parquet cannot store it, DVC cannot hash it), or controls
        yield _reject(manifest.id, bad_name[0], Problem("file-name", bad_name[1]))
        return
    mode = path.lstat().st_mode
    if not stat.S_ISREG(mode):  # links, fifos, devices: never followed or read
        kind = "a symbolic link" if stat.S_ISLNK(mode) else "not a regular file"
        # a dangling or looping link, a pipe: say so, since dvc fails or hangs on them too
        detail = entry_hazard(path, path.name) or f"{kind}: not read (contribute the file itself)"
        yield _reject(manifest.id, rel, Problem("not-a-file", detail))
        return
    fmt = format_for(path, manifest.format, manifest.formats, rel)
    if fmt is None:
        stats.files_by_format["unsupported"] += 1
        yield _reject(
            manifest.id,
            rel,
            Problem(
                "unsupported-format",
                f"no reader for '{path.suffix or path.name}' files; set 'format' in {MANIFEST_NAME} or use one of: "
                + known_formats(),
            ),
        )
        return
    stats.files_by_format[fmt] += 1
    try:
        snapshot = _snapshot(path, scratch, limits)
        if isinstance(snapshot, Problem):
            yield _reject(manifest.id, rel, snapshot)
            return
        found = False
        for item in FORMATS[fmt].read(snapshot, manifest):
            found = True
            where = f"{rel}!{escape(item.member)}" if item.member else rel
            if isinstance(item, Problem):
                yield _reject(manifest.id, where, item)
            else:
                yield _accept(manifest, policy, where, item, stats)
        if not found:  # every reader says why a file is empty; this catches any that does not
            yield _reject(manifest.id, rel, Problem("empty", "the file holds no document"))
        stats.files_by_encoding[_encoding_of(snapshot, fmt in LINE_FORMATS)] += 1
    except OSError as exc:
        yield _reject(manifest.id, rel, Problem("unreadable", f"cannot read the file ({exc.strerror or exc})"))
    except Exception as exc:  # a reader bug must not take the source down; the reject names it
        yield _reject(manifest.id, rel, Problem("reader-error", f"{fmt} reader failed: {type(exc).__name__}: {exc}"))


def _accept(manifest: Manifest, policy: Policy, rel: str, record: Record, stats: IngestStats) -> Doc | Reject:
    where = f"{rel}:{record.line}" if record.line is not None else rel
    broken = lone_surrogates(
        {
            "text": record.text,
            "title": record.title,
            "url": record.url,
            "date": record.date,
            "license": record.license,
            "meta": record.meta,
        }
    )
    if broken:  # a JSON escape such as \ud800 is no character: Parquet cannot store it
        return _reject(
            manifest.id,
            rel,
            Problem(
                "undecodable",
                f"{where}: {', '.join(broken)} holds a lone surrogate (an invalid \\u escape)",
                record.line,
            ),
        )
    # NUL and other controls never reach a metadata field (the text is cleaned by normalize)
    title, url, date, meta = (clean_field(v) for v in (record.title, record.url, record.date, record.meta))
    license_id = clean_field(record.license) or manifest.license
    if license_id not in policy.registry:
        return _reject(
            manifest.id,
            rel,
            Problem("unknown-license", f"{where}: {policy.registry.unknown(license_id)}", record.line, record.text),
        )
    if policy.group(license_id) is None:  # never normalized, segmented or published
        return _reject(
            manifest.id,
            rel,
            Problem(
                f"license:{license_id}",
                f"{where}: not published: {policy.refusal(license_id)}",
                record.line,
                record.text,
            ),
        )
    date, meta = _read_date(date, meta, stats)
    return Doc(
        {
            "id": document_id(manifest.id, record.text),
            "text": record.text,
            "source": manifest.id,
            "source_file": rel,
            "source_line": record.line,
            "license": license_id,
            "title": title,
            "url": url,
            "date": date,
            "meta": json.dumps(meta, ensure_ascii=False, sort_keys=True, default=str) if meta else None,
        }
    )


def _read_date(
    written: Any, meta: dict[str, Any] | None, stats: IngestStats
) -> tuple[str | None, dict[str, Any] | None]:
    """``date`` in ISO 8601 (Minguo years converted); the form as written goes to ``meta``
    (``date_written``) when it differs, and a date that cannot be read is None there."""
    if written is None:
        return None, meta
    written = str(written)
    date = to_iso(written)
    stats.dates["iso" if date == written else "converted" if date else "unreadable"] += 1
    if date == written:
        return date, meta
    return date, {**(meta or {}), "date_written": written}


def _reject(source: str, rel: str | None, problem: Problem, doc_id: str | None = None) -> Reject:
    """A reject row; whatever a reader put in it is made storable and one line (escapes)."""
    # the text is kept for the agency to see, but never with a NUL (normalize removes them from documents)
    text = None if problem.text is None else escape_surrogates(problem.text).replace("\x00", "")
    doc = {
        "source": source,
        "source_file": None if rel is None else escape(rel),
        "source_line": problem.line,
        "id": doc_id,
        "text": text,
    }
    return Reject(reject_row(doc, STAGE, problem.reason, escape(problem.detail)))


def _size(path: Path) -> int:
    try:
        return path.lstat().st_size  # a link's own size: links are never followed
    except OSError:  # gone, or a name the file system refuses: its reject says so
        return 0


def _encoding_of(path: Path, lines: bool = False) -> str:
    try:
        return sniff(path, lines)
    except Undecodable:
        return "undecodable"


def quarantine_items(folder: Path, source_id: str, error: UserError) -> Iterator[Reject]:
    """Every file of a source whose manifest is invalid, as a reject naming the error."""
    files = source_files(folder)  # run() has checked that the folder exists
    if not files:
        yield _reject(source_id, None, Problem("manifest", str(error)))
    for rel in files:
        yield _reject(source_id, (name_problem(rel) or (rel,))[0], Problem("manifest", str(error)))


def run(ctx: Context, source_id: str, progress: bool = True) -> dict[str, Any]:
    """Run ingest for one source and write its outputs; returns the metrics."""
    layout, params, sources = ctx.layout, ctx.params, ctx.sources
    sources.require(layout, source_id)
    folder = layout.source_dir(source_id)
    if not folder.is_dir():  # nothing to quarantine: an error, and nothing written
        raise UserError(
            layout.rel(folder),
            f"no such source folder; contribute it or remove '{source_id}' from {layout.rel(layout.sources_config)}",
        )
    stats = IngestStats()
    manifest_error: UserError | None = None
    try:
        manifest = load_manifest(layout, source_id, ctx.registry, sources.overrides(source_id))
        files = source_files(folder, manifest.exclude)
        results = _read(engine_for(params), folder, files, manifest, ctx.policy, params.ingest)
        info: dict[str, Any] = manifest.to_json()
    except UserError as exc:
        manifest_error = exc
        files = []
        results = iter([_chunk([], [r.row for r in quarantine_items(folder, source_id, exc)])])
        info = {"id": source_id, "error": str(exc)}

    # here, not at the top: a worker process that reads files imports this module, and never
    # scrubs (the detectors' patterns are a fifth of the module's import)
    from pipeline.pii.scrub import reject_scrubber

    bar = tqdm(total=len(files), desc=f"ingest {source_id}", unit="file", disable=not progress or None)
    with ResultWriter(
        layout.stage_docs(source_id, STAGE),
        layout.stage_rejects(source_id, STAGE),
        DOCUMENT,
        params.ingest.batch_size,
        stats,
        scrub=reject_scrubber(params.pii),
    ) as out:
        for result in results:
            out.add(result)
            if result.stats is not None:  # a file's last chunk carries its counts
                bar.update(1)
    bar.close()
    metrics = out.metrics(out.counts["documents"] + out.counts["rejected"])
    metrics["files_by_format"] = dict(sorted(stats.files_by_format.items()))
    metrics["files_by_encoding"] = dict(sorted(stats.files_by_encoding.items()))
    metrics["dates"] = {kind: stats.dates[kind] for kind in ("iso", "converted", "unreadable")}
    metrics["manifest_ok"] = manifest_error is None

    # what the card says was read: the formats of the files, not of every format there is
    info["files_by_format"] = {fmt: n for fmt, n in metrics["files_by_format"].items() if fmt in FORMATS}
    info["files_by_encoding"] = metrics["files_by_encoding"]
    write_json(layout.source_info(source_id), info)
    write_json(layout.stage_metrics(source_id, STAGE), metrics)
    if manifest_error is not None:
        metrics["error"] = str(manifest_error)
    return metrics
