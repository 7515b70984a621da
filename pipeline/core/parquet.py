"""Streaming Parquet I/O with byte-reproducible output.

Files are written from Arrow directly (no pandas metadata), with fixed writer options,
no timestamps, and rows in the order they arrive, so the same inputs give the same bytes.
Writes go to a temporary file that is renamed at the end: a crashed stage never leaves
a half-written output that looks complete.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq


def writer_options(compression_level: int = 9, *, for_hub: bool = False) -> dict[str, Any]:
    options: dict[str, Any] = dict(
        compression="zstd",
        compression_level=compression_level,
        write_statistics=True,
        store_schema=True,
    )
    if for_hub:
        # The page index lets the dataset viewer and readers seek; content-defined
        # chunking keeps page boundaries stable so an update uploads only changed pages.
        options.update(write_page_index=True, use_content_defined_chunking=True)
    return options


class RowWriter:
    """Collects rows (dicts or record batches) and writes them as row groups of ``batch_size`` rows.

    Memory is bounded by one batch. Row groups depend only on the rows, not on how they
    arrived, so engines that batch differently write the same bytes. The file always
    exists after ``close`` (an empty file with the schema when no rows came), so DVC
    always finds its outputs.
    """

    def __init__(self, path: Path, schema: pa.Schema, batch_size: int, **options: Any):
        self.path = path
        self.schema = schema
        self.batch_size = batch_size
        self.options = options or writer_options()
        self.rows: list[dict[str, Any]] = []
        self.pending: list[pa.RecordBatch] = []  # batches not yet written, fewer than batch_size rows in all
        self.pending_rows = 0
        self.count = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = path.with_name(f".{path.name}.tmp")
        self._writer = pq.ParquetWriter(self._tmp, schema, **self.options)

    def add(self, row: dict[str, Any]) -> None:
        self.rows.append(row)
        if len(self.rows) >= self.batch_size:
            self._take_rows()

    def write_batch(self, batch: pa.RecordBatch) -> None:
        """Add a record batch (after any rows added before it, keeping the order)."""
        self._take_rows()
        self._queue(batch)

    def _take_rows(self) -> None:
        if self.rows:
            self._queue(pa.RecordBatch.from_pylist(self.rows, schema=self.schema))
            self.rows = []

    def _queue(self, batch: pa.RecordBatch) -> None:
        if batch.num_rows:
            self.pending.append(batch)
            self.pending_rows += batch.num_rows
        while self.pending_rows >= self.batch_size:
            self._write(self.batch_size)

    def _write(self, rows: int) -> None:
        table = pa.Table.from_batches(self.pending, schema=self.schema)
        head, rest = table.slice(0, rows).combine_chunks(), table.slice(rows)  # one chunk: pages cut the same way
        self._writer.write_table(head, row_group_size=rows)
        self.count += head.num_rows
        self.pending = rest.combine_chunks().to_batches() if rest.num_rows else []
        self.pending_rows = rest.num_rows

    def flush(self) -> None:
        self._take_rows()
        if self.pending_rows:
            self._write(self.pending_rows)

    def close(self) -> None:
        self.flush()
        self._writer.close()
        os.replace(self._tmp, self.path)

    def abort(self) -> None:
        self._writer.close()
        self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> "RowWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def read_batches(path: Path, batch_size: int, columns: list[str] | None = None) -> Iterator[pa.RecordBatch]:
    """Stream a Parquet file as record batches of at most ``batch_size`` rows."""
    with pq.ParquetFile(path) as f:
        yield from f.iter_batches(batch_size=batch_size, columns=columns)


def count_rows(path: Path) -> int:
    return pq.ParquetFile(path).metadata.num_rows


def iter_rows(batches: Iterable[pa.RecordBatch]) -> Iterator[dict[str, Any]]:
    for batch in batches:
        yield from batch.to_pylist()
