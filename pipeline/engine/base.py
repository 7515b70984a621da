"""What an engine does for a stage: run a batch function over a Parquet file (or a function
over a list of items) and hand back the results in input order.

The stage keeps everything else (reading params, writing outputs, metrics), so changing
engine never changes a stage's files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pyarrow as pa

if TYPE_CHECKING:
    from pipeline.core.batch_stage import BatchResult


@dataclass(frozen=True)
class Actors:
    """Run the batch function in a pool of long-lived workers, each built once by a factory
    (a model is loaded once per worker, not once per batch)."""

    size: int = 1
    num_cpus: float = 1
    num_gpus: float = 0
    batch_rows: int | None = None  # rows per call on a distributed engine; None: the stage's batch size


class Engine(Protocol):
    name: str

    def gpus(self) -> float:
        """GPUs the engine can hand to workers."""
        ...

    def map_batches(self, path: Path, fn: Callable[..., Any], batch_size: int,
                    actors: Actors | None = None) -> Iterator[tuple[int, "BatchResult"]]:
        """(rows read, result) for every batch of the Parquet file at ``path``, in file order.
        With ``actors``, ``fn`` is a factory returning the batch function."""
        ...

    def map_items(self, items: list[Any], fn: Callable[[Any], Iterable["BatchResult"]],
                  where: Path | None = None) -> Iterator["BatchResult"]:
        """Every result of ``fn`` over every item, in item order (``where``: the folder the items are in)."""
        ...


def one_batch(table: pa.Table, schema: pa.Schema) -> pa.RecordBatch:
    """A table an engine handed over, as one record batch of the file's own schema."""
    table = table.select(schema.names)
    if table.schema != schema:
        table = table.cast(schema)
    batches = table.combine_chunks().to_batches()
    return batches[0] if batches else pa.RecordBatch.from_pylist([], schema=schema)
