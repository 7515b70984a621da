"""The local engine: every batch in this process, one after the other."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
from tqdm import tqdm

from pipeline.core.arrow_setup import without_implied_pandas
from pipeline.core.parquet import read_batches
from pipeline.engine.base import Actors, Bucket
from pipeline.engine.buckets import byte_slice, fixed_width, scored, star_links

if TYPE_CHECKING:
    from pipeline.core.config import Params


class LocalEngine:
    name = "local"

    @classmethod
    def from_params(cls, params: Params) -> LocalEngine:
        without_implied_pandas()  # everything runs here, on Arrow: pandas would be 46 MiB for nothing
        return cls()

    def gpus(self) -> float:
        return 0.0  # the stage's own `device` setting decides here

    def map_batches(
        self, path: Path, fn: Callable[..., Any], batch_size: int, actors: Actors | None = None
    ) -> Iterator[tuple[int, Any]]:
        call = fn() if actors is not None else fn  # one "actor": the factory runs once
        for batch in read_batches(path, batch_size):
            yield batch.num_rows, call(batch)

    def map_items(
        self, items: list[Any], fn: Callable[[Any], Iterable[Any]], where: Path | None = None
    ) -> Iterator[Any]:
        for item in items:
            yield from fn(item)

    def hold(
        self, items: list[Any], fn: Callable[[Any], pa.Table], where: Sequence[Path] = (), progress: str | None = None
    ) -> LocalHeld:
        tables = []
        bar = tqdm(desc=progress, unit="doc", disable=progress is None or None)
        for item in items:
            tables.append(fn(item))
            bar.update(tables[-1].num_rows)
        bar.close()
        return LocalHeld(tables)


class LocalHeld:
    """Held rows as the tables the items made, in this process's memory: a column is copied
    whole only while a bucket of it is grouped (its bytes there), and ``take`` copies only the
    rows taken."""

    def __init__(self, tables: list[pa.Table]):
        self.tables = [t for t in tables if t.num_rows]
        self.table = pa.concat_tables(self.tables) if self.tables else pa.table({"index": pa.array([], pa.int64())})
        self.index = self.table.column("index").to_numpy()
        self.starts = np.cumsum([0] + [t.num_rows for t in self.tables])

    def links(self, groups: Sequence[Sequence[Bucket]]) -> list[np.ndarray]:
        n, out = self.table.num_rows, []
        for group in groups:
            positions = star_links((byte_slice(self.table.column(b.column), b.start, b.stop) for b in group), n)
            out.append(self.index[positions] if len(positions) else positions)
        return out

    def score(self, pairs: np.ndarray, column: str, fn: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> np.ndarray:
        views = [fixed_width(t.column(column), copy=False).reshape(t.num_rows, -1) for t in self.tables]
        width = self.table.schema.field(column).type.byte_width

        def rows_of(index: np.ndarray) -> np.ndarray:  # gathered from each table's own buffer, not a copy of all
            positions = np.searchsorted(self.index, index)
            which = np.searchsorted(self.starts, positions, side="right") - 1
            out = np.empty((len(index), width), dtype=np.uint8)
            for t in np.unique(which).tolist():
                at = which == t
                out[at] = views[t][positions[at] - self.starts[t]]
            return out

        return scored(pairs, rows_of, fn)

    def take(self, index: np.ndarray, columns: Sequence[str]) -> pa.Table:
        # table by table: Arrow's take over the whole chunked table would first combine each column
        positions = np.searchsorted(self.index, index)
        which = np.searchsorted(self.starts, positions, side="right") - 1
        parts = [
            self.tables[t].select(list(columns)).take(pa.array(positions[which == t] - self.starts[t]))
            for t in np.unique(which).tolist()
        ]
        return pa.concat_tables(parts) if parts else self.table.select(list(columns)).slice(0, 0)
