"""The local engine: every batch in this process, one after the other."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from pipeline.core.parquet import read_batches
from pipeline.engine.base import Actors


class LocalEngine:
    name = "local"

    def gpus(self) -> float:
        return 0.0  # the stage's own `device` setting decides here

    def map_batches(self, path: Path, fn: Callable[..., Any], batch_size: int,
                    actors: Actors | None = None) -> Iterator[tuple[int, Any]]:
        call = fn() if actors is not None else fn  # one "actor": the factory runs once
        for batch in read_batches(path, batch_size):
            yield batch.num_rows, call(batch)

    def map_items(self, items: list[Any], fn: Callable[[Any], Iterable[Any]], where: Path | None = None) -> Iterator[Any]:
        for item in items:
            yield from fn(item)
