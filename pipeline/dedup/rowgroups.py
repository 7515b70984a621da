"""Dedup's survivors written in row groups of ``dedup.batch_size`` rows, each column in the pieces it came in.

``RowWriter`` (``pipeline/core/parquet.py``) holds the record batches of a row group and
then combines them all at once (``Table.combine_chunks``) before writing: for a moment the
row group is in memory twice. Here nothing is combined: each column of a row group is a
chunked array of the pieces pass 2 read, which Arrow writes chunk after chunk into the one
column chunk of the row group, so a row group costs its size once. The rows and row groups
are ``RowWriter``'s; the pages are cut where the pieces meet, so the bytes are the same
whenever the same pieces come (every run and engine: pass 2 reads in this process, in
pieces of a fixed size), not ``RowWriter``'s bytes. Written with the same options, under
the same lock and temporary file (``OutputGuard``) as ``RowWriter``'s.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.core.parquet import OutputGuard, writer_options


def _libc_trim() -> Callable[[int], Any] | None:
    try:
        return ctypes.CDLL(None).malloc_trim  # glibc: free heap pages back to the system
    except (OSError, AttributeError):
        return None


_TRIM = _libc_trim()
GIVE_BACK_BYTES = 16 * 2**20  # a row group at least this large gives back what was freed around it


def give_back() -> None:
    """Return to the system what was freed but is still held: Arrow's memory pool keeps freed
    pages (mimalloc), and the C heap keeps what numpy and rensa freed below its top. Called
    between row groups and between the passes, so the next one reuses pages instead of adding."""
    pa.default_memory_pool().release_unused()
    if _TRIM is not None:
        _TRIM(0)


class RowGroupWriter:
    """Record batches in, row groups of exactly ``rows`` rows out (the last one: what is left);
    an empty file with the schema when no rows came. Locked from the start to ``close``/``abort``."""

    def __init__(self, path: Path, schema: pa.Schema, rows: int):
        self.path = path
        self.schema = schema
        self.rows = rows
        self.count = 0
        self._pieces: list[list[pa.Array]] = [[] for _ in schema]  # per column, the row group so far
        self._pending = 0
        self._done = False
        self._guard = OutputGuard(path).acquire()
        try:
            self._tmp = self._guard.temp_file()
            self._writer = pq.ParquetWriter(self._tmp, schema, **{**writer_options(), "write_page_checksum": True})
        except BaseException:
            self._guard.release()
            raise

    def write_batch(self, batch: pa.RecordBatch) -> None:
        if batch.schema != self.schema:
            raise ValueError(f"{self.path}: a batch of another schema")
        start = 0
        while start < batch.num_rows:
            take = min(self.rows - self._pending, batch.num_rows - start)
            part = batch.slice(start, take)
            for pieces, column in zip(self._pieces, part.columns):
                pieces.append(column)
            self._pending += take
            start += take
            if self._pending == self.rows:
                self._write()

    def _write(self) -> None:
        # each column stays in the pieces it came in: Arrow writes a chunked column chunk by chunk into one
        # column chunk of the row group, so nothing is combined (no second copy of the largest column)
        columns = []
        for j, f in enumerate(self.schema):
            pieces, self._pieces[j] = self._pieces[j], []
            columns.append(pa.chunked_array(pieces, f.type))
        table = pa.Table.from_arrays(columns, schema=self.schema)
        del columns
        large = table.nbytes >= GIVE_BACK_BYTES  # small row groups: what the pool keeps is small, and reused
        self._writer.write_table(table, row_group_size=self._pending)
        self.count += self._pending
        self._pending = 0
        del table
        if large:
            give_back()

    def close(self) -> None:
        if self._done:
            return
        try:
            if self._pending:
                self._write()
            self._writer.close()
            self._guard.commit(self._tmp)
        except BaseException:
            self.abort()
            raise
        self._done = True
        self._guard.release()

    def abort(self) -> None:
        """Drop what was written: the output stays as it was, the temporary file goes."""
        if self._done:
            return
        self._done = True
        self._pieces = [[] for _ in self.schema]
        try:
            self._writer.close()
        except Exception:  # a writer that failed may fail again on close: the file goes anyway
            pass
        finally:
            self._guard.release()

    def __enter__(self) -> RowGroupWriter:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
