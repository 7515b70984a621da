"""What an engine does for a stage: run a batch function over a Parquet file (or a function
over a list of items) and hand back the results in input order; and hold rows where it
runs, grouping them by equal bytes, for a global stage (dedup) that must compare every
document with every other.

The stage keeps everything else (reading params, writing outputs, metrics), so changing
engine never changes a stage's files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pyarrow as pa

from pipeline.core.results import BatchResult

if TYPE_CHECKING:
    from pipeline.core.config import Params


@dataclass(frozen=True)
class Actors:
    """Run the batch function in a pool of long-lived workers, each built once by a factory
    (a model is loaded once per worker, not once per batch)."""

    size: int = 1
    num_cpus: float = 1
    num_gpus: float = 0
    batch_rows: int | None = None  # rows per call on a distributed engine; None: the stage's batch size


@dataclass(frozen=True)
class Bucket:
    """Bytes ``start:stop`` (all: ``stop`` None) of a fixed-width binary column of held rows:
    rows whose bytes there are equal fall in one bucket. The bytes should be hash values
    already (a digest, MinHash values): a distributed engine partitions by the first four."""

    column: str
    start: int = 0
    stop: int | None = None


class Held(Protocol):
    """Rows an engine made and keeps where it runs (this process's memory, a cluster's object
    store), so that only what the stage asks for comes back. Every row has a distinct int64
    ``index``, increasing in the order of the items that made them."""

    def links(self, groups: Sequence[Sequence[Bucket]]) -> list[np.ndarray]:
        """Per group of buckets: (member, leader) index pairs, unique and sorted, linking every
        row of a bucket of several to the bucket's smallest index (a star, not all pairs), over
        every bucket of the group."""
        ...

    def score(self, pairs: np.ndarray, column: str, fn: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> np.ndarray:
        """One score per (index, index) pair: ``fn`` over the bytes of ``column`` (a fixed-width
        binary column) of the pairs' two rows, given as two blocks of rows × bytes, a chunk of
        pairs at a time (``buckets.scored``). Where the rows are, or with the rows of the pairs."""
        ...

    def take(self, index: np.ndarray, columns: Sequence[str]) -> pa.Table:
        """The ``columns`` of the rows whose index is in ``index`` (sorted, unique), in that order."""
        ...


class Engine(Protocol):
    name: str

    @classmethod
    def from_params(cls, params: Params) -> Engine:
        """The engine for a run with these params (its own section, e.g. ``ray:``)."""
        ...

    def gpus(self) -> float:
        """GPUs the engine can hand to workers."""
        ...

    def map_batches(
        self, path: Path, fn: Callable[..., Any], batch_size: int, actors: Actors | None = None
    ) -> Iterator[tuple[int, BatchResult]]:
        """(rows read, result) for every batch of the Parquet file at ``path``, in file order.
        With ``actors``, ``fn`` is a factory returning the batch function."""
        ...

    def map_items(
        self,
        items: list[Any],
        fn: Callable[[Any], Iterable[BatchResult]],
        where: Path | None = None,
        cost: Sequence[int] | None = None,
    ) -> Iterator[BatchResult]:
        """Every result of ``fn`` over every item, in item order (``where``: the folder the items
        are in; ``cost``: each item's bytes to read, for an engine that decides by it whether to
        hand the items to workers). ``fn`` must pickle: an engine may run it in other processes."""
        ...

    def hold(
        self, items: list[Any], fn: Callable[[Any], pa.Table], where: Sequence[Path] = (), progress: str | None = None
    ) -> Held:
        """The rows ``fn`` makes of every item (each a table with an ``index`` column), kept by
        the engine. ``where``: the files the items read (a cluster checks every node sees
        them); ``progress``: the title of a progress bar of rows, if one is drawn."""
        ...


def one_batch(table: pa.Table, schema: pa.Schema) -> pa.RecordBatch:
    """A table an engine handed over, as one record batch of the file's own schema."""
    table = table.select(schema.names)
    if table.schema != schema:
        table = table.cast(schema)
    batches = table.combine_chunks().to_batches()
    return batches[0] if batches else pa.RecordBatch.from_pylist([], schema=schema)
