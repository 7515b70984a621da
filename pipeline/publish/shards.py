"""Writing documents into hub-named Parquet shards, streaming.

Shards are cut by the UTF-8 size of the text they hold (``max_shard_bytes``), row
groups by row count (``row_group_rows``). Both depend only on the data, so re-runs give
the same files byte for byte. Names follow the hub's pattern
``data/train-00000-of-00003.parquet``; shards are written under temporary names and
renamed once their number is known. Every page carries a checksum (``writer_options``).

The folder is meant to be a staging folder (the publish stage writes the whole release
into one under ``.tmp/`` and swaps it in at the end), so no reader ever sees a shard
whose siblings are missing.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.core.parquet import writer_options


class ShardWriter:
    def __init__(
        self,
        folder: Path,
        schema: pa.Schema,
        *,
        split: str,
        max_shard_bytes: int,
        row_group_rows: int,
        compression_level: int,
    ):
        self.folder = folder
        self.schema = schema
        self.split = split
        self.max_shard_bytes = max_shard_bytes
        self.row_group_rows = row_group_rows
        self.options = writer_options(compression_level, for_hub=True)
        self.pending: list[pa.RecordBatch] = []
        self.pending_rows = 0
        self.shard_bytes = 0
        self.writer: pq.ParquetWriter | None = None
        self.temp_paths: list[Path] = []
        folder.mkdir(parents=True, exist_ok=True)

    def write(self, batch: pa.RecordBatch) -> None:
        sizes = pc.binary_length(batch.column("text").cast(pa.binary())).to_pylist()
        start = 0
        for i, size in enumerate(sizes):
            if self.shard_bytes and self.shard_bytes + (size or 0) > self.max_shard_bytes:
                self._add(batch.slice(start, i - start))
                start = i
                self._close_shard()
            self.shard_bytes += size or 0
        self._add(batch.slice(start))

    def _add(self, batch: pa.RecordBatch) -> None:
        while batch.num_rows:
            room = self.row_group_rows - self.pending_rows
            self.pending.append(batch.slice(0, room))
            self.pending_rows += min(room, batch.num_rows)
            batch = batch.slice(room)
            if self.pending_rows >= self.row_group_rows:
                self._flush_row_group()

    def _flush_row_group(self) -> None:
        if not self.pending_rows:
            return
        if self.writer is None:
            path = self.folder / f".{self.split}-{len(self.temp_paths):05d}.parquet.tmp"
            self.temp_paths.append(path)
            self.writer = pq.ParquetWriter(path, self.schema, **self.options)
        table = pa.Table.from_batches(self.pending, schema=self.schema)
        self.writer.write_table(table, row_group_size=self.row_group_rows)
        self.pending, self.pending_rows = [], 0

    def _close_shard(self) -> None:
        self._flush_row_group()
        if self.writer is not None:
            self.writer.close()
            self.writer = None
        self.shard_bytes = 0

    def close(self) -> list[Path]:
        """Finish the last shard and give every shard its final name; returns them in order."""
        self._close_shard()
        if not self.temp_paths:  # an empty corpus is still a loadable dataset
            path = self.folder / f".{self.split}-00000.parquet.tmp"
            pq.write_table(self.schema.empty_table(), path, **self.options)
            self.temp_paths.append(path)
        total = len(self.temp_paths)
        final = []
        for i, tmp in enumerate(self.temp_paths):
            path = self.folder / f"{self.split}-{i:05d}-of-{total:05d}.parquet"
            os.replace(tmp, path)
            final.append(path)
        return final


def write_shards(batches: Iterable[pa.RecordBatch], folder: Path, schema: pa.Schema, **options) -> list[Path]:
    writer = ShardWriter(folder, schema, **options)
    for batch in batches:
        writer.write(batch)
    return writer.close()
