"""Reading benchmark files: local JSON Lines, CSV or Parquet, as a user downloads an exam set.

An item is the text of the benchmark's named fields joined in the order given (question,
choices, answer, …). A field's value may be text, a number, or a list of them (choices as
one list); null or absent counts as empty. Every problem is one ``UserError`` naming the
file (and the field, the line): a missing file, a field no row has, a line that is not JSON,
a file that is not UTF-8, a benchmark without a single item that has text.
"""

from __future__ import annotations

import csv
import glob
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.core.errors import UserError, did_you_mean
from pipeline.decontam.params import BenchmarkSpec

GLOB_CHARS = set("*?[")
# A benchmark's format from its file's extension (params.BENCHMARK_FORMATS names the same three).
EXTENSIONS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}


@dataclass(frozen=True)
class Benchmark:
    """A loaded benchmark: its spec, the files read (as written relative to the root), and
    per item its id and text (fields joined with line breaks)."""

    spec: BenchmarkSpec
    files: tuple[str, ...]
    ids: tuple[str, ...]
    texts: tuple[str, ...]


def benchmark_files(spec: BenchmarkSpec, root: Path) -> list[Path]:
    """The files a benchmark names: its path, or every file its glob matches, sorted."""
    if GLOB_CHARS & set(spec.path):
        found = sorted(Path(p) for p in glob.glob(str(root / spec.path), recursive=True) if Path(p).is_file())
        if not found:
            raise UserError(spec.path, f"benchmark '{spec.name}': no file matches this pattern")
        return found
    path = root / spec.path
    if not path.is_file():
        what = "is a folder; name a file or a glob such as <folder>/*.csv" if path.is_dir() else "file not found"
        raise UserError(spec.path, f"benchmark '{spec.name}': {what}")
    return [path]


def format_of(spec: BenchmarkSpec, path: Path, where: str) -> str:
    if spec.format is not None:
        return spec.format
    fmt = EXTENSIONS.get(path.suffix.lower())
    if fmt is None:
        raise UserError(
            where,
            f"benchmark '{spec.name}': cannot tell the format from the extension "
            f"'{path.suffix}'; set format: jsonl, csv or parquet",
        )
    return fmt


def _text(value: Any, where: str, spec: BenchmarkSpec, field: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, int, float)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "\n".join(_text(v, where, spec, field) for v in value)
    raise UserError(
        where,
        f"benchmark '{spec.name}': field '{field}' holds {type(value).__name__}, not text, a number or a list of them",
    )


def _missing(spec: BenchmarkSpec, where: str, have: set[str]) -> None:
    """One error for the first named field the file does not have (id_field included)."""
    for field in (*spec.fields, *([spec.id_field] if spec.id_field else [])):
        if field not in have:
            names = ", ".join(sorted(have)[:20]) or "none"
            raise UserError(
                where, f"benchmark '{spec.name}': no field '{field}'{did_you_mean(field, have)} (the file has: {names})"
            )


def _jsonl_rows(path: Path, where: str, spec: BenchmarkSpec) -> Iterator[tuple[int, dict[str, Any]]]:
    seen: set[str] = set()
    with open(path, encoding="utf-8-sig") as f:
        try:
            for line_no, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise UserError(
                        f"{where}:{line_no}", f"benchmark '{spec.name}': not valid JSON ({exc.msg})"
                    ) from exc
                if not isinstance(row, dict):
                    raise UserError(f"{where}:{line_no}", f"benchmark '{spec.name}': a line must be a JSON object")
                seen.update(row)
                yield line_no, row
        except UnicodeDecodeError as exc:
            raise UserError(where, f"benchmark '{spec.name}': not UTF-8 (byte {exc.start}); save it as UTF-8") from exc
    _missing(spec, where, seen)  # after the rows: a field only some rows have is there


def _csv_rows(path: Path, where: str, spec: BenchmarkSpec) -> Iterator[tuple[int, dict[str, Any]]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        try:
            reader = csv.DictReader(f)
            _missing(spec, where, set(reader.fieldnames or ()))
            yield from enumerate(reader, start=1)
        except UnicodeDecodeError as exc:
            raise UserError(where, f"benchmark '{spec.name}': not UTF-8 (byte {exc.start}); save it as UTF-8") from exc
        except csv.Error as exc:
            raise UserError(f"{where}:{reader.line_num}", f"benchmark '{spec.name}': not valid CSV ({exc})") from exc


def _parquet_rows(path: Path, where: str, spec: BenchmarkSpec) -> Iterator[tuple[int, dict[str, Any]]]:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several kinds for a file that is not Parquet
        raise UserError(where, f"benchmark '{spec.name}': not a Parquet file ({exc})") from exc
    _missing(spec, where, set(pf.schema_arrow.names))
    columns = list(dict.fromkeys([*spec.fields, *([spec.id_field] if spec.id_field else [])]))
    row_no = 0
    for batch in pf.iter_batches(columns=columns, batch_size=10_000):
        for row in batch.to_pylist():
            row_no += 1
            yield row_no, row


READERS = {"jsonl": _jsonl_rows, "csv": _csv_rows, "parquet": _parquet_rows}


def load_benchmark(spec: BenchmarkSpec, root: Path) -> Benchmark:
    """Every item of the benchmark, in file order, or a UserError naming the file."""
    ids: list[str] = []
    texts: list[str] = []
    files = benchmark_files(spec, root)
    written = []
    for path in files:
        where = _rel(path, root)
        written.append(where)
        stem = path.name
        for row_no, row in READERS[format_of(spec, path, where)](path, where, spec):
            texts.append("\n".join(_text(row.get(f), f"{where}:{row_no}", spec, f) for f in spec.fields))
            if spec.id_field:
                ids.append(
                    _text(row.get(spec.id_field), f"{where}:{row_no}", spec, spec.id_field) or f"{stem}:{row_no}"
                )
            else:
                ids.append(f"{stem}:{row_no}")
    if not any(t.strip() for t in texts):
        what = "no rows" if not texts else f"no row with text in {', '.join(spec.fields)}"
        raise UserError(
            ", ".join(written) if len(written) <= 3 else f"{spec.path} ({len(written)} files)",
            f"benchmark '{spec.name}' is empty: {what}",
        )
    return Benchmark(spec, tuple(written), tuple(ids), tuple(texts))


def _rel(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)
