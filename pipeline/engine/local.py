"""The local engine: every batch in this process, one after the other; a list of items
(ingest's files) in worker processes on this machine's CPUs when there is enough to read."""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
from tqdm import tqdm

from pipeline.core.arrow_setup import without_implied_pandas
from pipeline.core.errors import UserError
from pipeline.core.parquet import read_batches
from pipeline.engine.base import Actors, Bucket
from pipeline.engine.buckets import byte_slice, fixed_width, scored, star_links

if TYPE_CHECKING:
    from pipeline.core.config import Params


# Items go to worker processes only when their cost (bytes to read) is at least this: a worker
# reads about half a second after it is asked for (a forkserver starts, the worker imports the
# stage). Measured
# on the gazette's XML (benchmarks/ingest_speed.py; 2 CPUs), against one process: 22 MB 0.96x,
# 29 MB 1.13x, 44 MB 1.19x, 109 MB 1.5x, 543 MB 1.7x.
WORKERS_FROM_BYTES = 24 << 20


class LocalEngine:
    name = "local"

    def __init__(self, workers: int | None = None):
        self.workers = workers or _usable_cpus()

    @classmethod
    def from_params(cls, params: Params) -> LocalEngine:
        without_implied_pandas()  # everything runs here, on Arrow: pandas would be 46 MiB for nothing
        return cls(params.local.workers)

    def gpus(self) -> float:
        return 0.0  # the stage's own `device` setting decides here

    def map_batches(
        self, path: Path, fn: Callable[..., Any], batch_size: int, actors: Actors | None = None
    ) -> Iterator[tuple[int, Any]]:
        call = fn() if actors is not None else fn  # one "actor": the factory runs once
        for batch in read_batches(path, batch_size):
            yield batch.num_rows, call(batch)

    def map_items(
        self,
        items: list[Any],
        fn: Callable[[Any], Iterable[Any]],
        where: Path | None = None,
        cost: Sequence[int] | None = None,
    ) -> Iterator[Any]:
        if cost is not None and len(cost) != len(items):
            raise ValueError(f"cost: {len(cost)} values for {len(items)} items")
        helpers = min(self.workers, len(items)) - 1  # this process reads too
        if helpers < 1 or cost is None or sum(cost) < WORKERS_FROM_BYTES:
            return (result for item in items for result in fn(item))
        return _in_order(items, fn, helpers, cost)

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


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))  # what this process may run on (a container's or taskset's share)
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _in_order(items: list[Any], fn: Callable[[Any], Iterable[Any]], helpers: int, cost: Sequence[int]) -> Iterator[Any]:
    """Every item's results in item order, the items read by ``helpers`` worker processes and by
    this one. The pool starts on another thread (a forkserver is a fresh interpreter, and
    ``submit`` blocks until a worker runs: a few tenths of a second); until it is up this
    process reads the items itself. Then the pool is handed the first items of the window that
    no one reads yet, only as many as it runs and queues at once (nothing handed over is ever
    taken back); whenever the next item in order is still being read, this process reads the
    first item no one has, so it never waits while there is work. An error of an item read
    ahead is raised at that item's turn, as in one process. The window holds at most four
    items per process and ``AHEAD_BYTES`` of their input beyond what keeps every process busy
    (memory: their documents). If the pool cannot start, this process reads everything; the
    pool is shut down however this ends."""
    ahead, slots = 4 * (helpers + 1), helpers + 1  # slots: one running per worker, the pool's queue of one more
    try:
        pool = ProcessPoolExecutor(helpers, mp_context=_start_method(), initializer=without_implied_pandas)
    except (OSError, NotImplementedError) as exc:  # no semaphores for its queues (a container without /dev/shm)
        _no_workers(exc)
        yield from (result for item in items for result in fn(item))
        return
    up = threading.Event()
    failed: list[BaseException] = []
    starter = threading.Thread(target=_start_workers, args=(pool, up, failed), name="twcorpus-pool-start", daemon=True)
    starter.start()
    rest = deque(_Entry(item, size) for item, size in zip(items, cost))
    window: deque[_Entry] = deque()
    try:
        while rest and not (up.is_set() and not failed):
            yield from fn(rest.popleft().item)
        while rest or window:
            while (
                rest
                and len(window) < ahead
                and (len(window) < slots + 1 or sum(entry.cost for entry in window) + rest[0].cost <= AHEAD_BYTES)
            ):
                window.append(rest.popleft())
            held = sum(1 for entry in window if entry.future is not None and not entry.future.done())
            for entry in (entry for entry in window if entry.free()):
                if held >= slots:
                    break
                entry.future, held = pool.submit(_results_of, fn, entry.item), held + 1
            head = window[0]
            if not head.ready():
                spare = next((entry for entry in window if entry.free()), None)
                if spare is not None:
                    spare.read_here(fn)
                    continue
                head.wait()
            yield from window.popleft().taken()
    except BrokenProcessPool:
        raise UserError(
            str(window[0].item if window else "a worker"),
            "a worker process died while this or a later item was read (out of memory?); "
            "local.workers: 1 in params.yaml reads in one process",
        ) from None
    finally:
        starter.join()
        pool.shutdown(cancel_futures=True)


def _start_workers(pool: ProcessPoolExecutor, up: threading.Event, failed: list[BaseException]) -> None:
    """On a thread of its own: the pool's first worker started (``up``), or why not (``failed``)."""
    try:
        pool.submit(int).result()  # the first worker is running: later submits do not block
    except Exception as exc:  # no pool: this process reads everything
        failed.append(exc)
        _no_workers(exc)
    up.set()


# Input bytes of the items read before their turn, beyond those that keep every process busy:
# what bounds the documents held in memory (ingest.max_file_bytes bounds one file).
AHEAD_BYTES = 256 << 20


@dataclass
class _Entry:
    """An item of the window: handed to the pool (``future``), read here (``results`` or
    ``error``), or neither yet."""

    item: Any
    cost: int
    future: Future | None = None
    results: list[Any] | None = None
    error: Exception | None = None

    def free(self) -> bool:
        return self.future is None and self.results is None and self.error is None

    def ready(self) -> bool:
        return not self.free() and (self.future is None or self.future.done())

    def read_here(self, fn: Callable[[Any], Iterable[Any]]) -> None:
        try:
            self.results = list(fn(self.item))
        except Exception as exc:  # raised at this item's turn, after the items before it
            self.error = exc

    def wait(self) -> None:
        assert self.future is not None, "not free and not read here: the pool has it"
        wait([self.future])

    def taken(self) -> list[Any]:
        if self.error is not None:
            raise self.error
        if self.results is not None:
            return self.results
        assert self.future is not None
        return self.future.result()


def _no_workers(exc: BaseException) -> None:
    print(
        f"twcorpus: warning: worker processes could not start ({type(exc).__name__}: {exc}); "
        "the files are read in this process (local.workers: 1 in params.yaml says so for good)",
        file=sys.stderr,
    )


def _start_method() -> multiprocessing.context.BaseContext:
    """``forkserver`` where there is one (Linux), preloading nothing, so that it runs no thread
    when it forks a worker (each worker imports what it needs); never ``fork`` of this process,
    whose threads (pyarrow's, OpenBLAS's, the pool's own) a child would copy the locks of without
    the threads; else ``spawn``."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([])  # not even __main__, which imports pyarrow and starts threads
        return context
    return multiprocessing.get_context("spawn")


def _results_of(fn: Callable[[Any], Iterable[Any]], item: Any) -> list[Any]:
    return list(fn(item))  # an item's results travel back together, in one message
