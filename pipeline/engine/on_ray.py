"""The Ray engine: the same batch functions, run by Ray Data on a cluster.

``ray.init`` connects to the cluster named by ``RAY_ADDRESS``, or starts a local Ray
instance when none is set (``ray.num_cpus`` CPUs). A stage's input is read with
``ray.data.read_parquet``, its batch function runs in ``map_batches`` (tasks, or a pool of
actors for model stages), and the results come back to this process in input order
(``preserve_order``), where the stage writes them: the outputs are the same files, with
the same bytes, as the local engine's.

A batch function returns a ``BatchResult`` (kept rows, rejects, counts); Ray Data
moves tables, so each result travels pickled in one row of an envelope table.

Held rows (``hold``, for dedup) are a materialized dataset in the object store, never in
this process: their buckets are grouped by a hash-partitioned shuffle (one row per row and
bucket), each partition finding its equal buckets with numpy, and only the rows asked for
(``take``) come back.
"""

from __future__ import annotations

import logging
import os
import pickle
import socket
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

import pipeline
from pipeline.core.config import Params
from pipeline.core.errors import UserError
from pipeline.core.parquet import open_parquet
from pipeline.engine.base import Actors, Bucket, one_batch
from pipeline.engine.buckets import fixed_width, scored
from pipeline.engine.params import RayParams

MAX_BLOCKS = 4096  # held items are grouped into at most this many blocks
# × ~50 bytes: about 0.5 GB per shuffle partition (250,000 documents of dedup's 43 buckets)
BUCKET_ROWS_PER_PARTITION = 250_000 * 43

ENVELOPE = pa.schema([("rows_in", pa.int64()), ("result", pa.large_binary())])


def _envelope(rows_in: int, result: Any) -> pa.Table:
    return pa.table(
        {"rows_in": [rows_in], "result": [pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)]}, schema=ENVELOPE
    )


class _Task:
    """A batch function as a Ray Data task: table in, envelope out."""

    def __init__(self, fn: Callable[..., Any], schema: pa.Schema):
        self.fn, self.schema = fn, schema

    def __call__(self, table: pa.Table) -> pa.Table:
        try:
            result = self.fn(one_batch(table, self.schema))
        except UserError as exc:  # the driver raises it: one line, not Ray's wrapped traceback
            result = exc
        return _envelope(table.num_rows, result)


class _Actor(_Task):
    """The same on a long-lived worker: the factory (loading a model) runs once per actor. A
    UserError while loading is kept and returned by the first call, so it reaches the user
    as its one line rather than as Ray's actor-died traceback."""

    def __init__(self, factory: Callable[[], Callable[..., Any]], schema: pa.Schema):
        try:
            fn = factory()
        except UserError as exc:
            fn = partial(_raise, exc)
        super().__init__(fn, schema)


def _raise(exc: Exception, *_: Any) -> Any:
    raise exc


class RayEngine:
    name = "ray"
    _shared: ClassVar[RayEngine | None] = None

    def __init__(self, params: RayParams):
        self.params = params
        self.ray = _connect(params)
        self._visible: set[str] = set()  # paths every node was found to see

    @classmethod
    def from_params(cls, params: Params) -> RayEngine:
        return cls.shared(params.ray)

    @classmethod
    def shared(cls, params: RayParams) -> RayEngine:
        """One connection per process: stages run in-process one after another share it."""
        if cls._shared is None or cls._shared.params != params or not cls._shared.ray.is_initialized():
            cls._shared = cls(params)
        return cls._shared

    def gpus(self) -> float:
        return float(self.ray.cluster_resources().get("GPU", 0))

    def map_batches(
        self, path: Path, fn: Callable[..., Any], batch_size: int, actors: Actors | None = None
    ) -> Iterator[tuple[int, Any]]:
        with open_parquet(path) as f:
            rows, schema = f.metadata.num_rows, f.schema_arrow
            for _ in f.iter_batches(batch_size=batch_size):  # Ray's reader does not verify page checksums
                pass
        if not rows:
            return iter(())  # nothing to distribute (and an actor pool with no input only warns)
        self.check_visible(path)
        ds = self.ray.data.read_parquet(str(path), schema=schema)
        if actors is None:
            ds = ds.map_batches(_Task(fn, schema), batch_size=batch_size, batch_format="pyarrow")
        else:
            self._check_room(actors)
            ds = ds.map_batches(
                _Actor,
                fn_constructor_args=(fn, schema),
                batch_size=actors.batch_rows or batch_size,
                batch_format="pyarrow",
                compute=self.ray.data.ActorPoolStrategy(size=actors.size),
                num_cpus=actors.num_cpus,
                num_gpus=actors.num_gpus,
            )
        return self._results(ds)

    def _check_room(self, actors: Actors) -> None:
        """A pool the cluster cannot hold would wait forever: say so instead."""
        have = self.ray.cluster_resources()
        cpus, gpus = actors.size * actors.num_cpus, actors.size * actors.num_gpus
        if cpus >= have.get("CPU", 0):
            raise UserError(
                "params.yaml",
                f"ray.segment_actors × ray.segment_cpus = {cpus:g} CPUs, but the cluster has "
                f"{have.get('CPU', 0):g}: leave at least one for reading (lower them)",
            )
        if gpus > have.get("GPU", 0):
            raise UserError(
                "params.yaml",
                f"ray.segment_actors × GPUs per actor = {gpus:g} GPUs, but the cluster has "
                f"{have.get('GPU', 0):g} (lower ray.segment_actors or set ray.segment_gpus)",
            )

    def check_visible(self, path: Path) -> None:
        """Workers open stage files by path: on a cluster of several machines the repository
        must be on storage every node mounts at the same path. Ask each node, once per path."""
        nodes = [n for n in self.ray.nodes() if n.get("Alive")]
        if len(nodes) < 2 or str(path) in self._visible:
            return
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        exists = self.ray.remote(num_cpus=0)(os.path.exists)
        answers = self.ray.get(
            [
                exists.options(scheduling_strategy=NodeAffinitySchedulingStrategy(n["NodeID"], soft=False)).remote(
                    str(path)
                )
                for n in nodes
            ]
        )
        missing = [n["NodeManagerAddress"] for n, ok in zip(nodes, answers) if not ok]
        if missing:
            raise UserError(
                str(path),
                f"not visible on Ray node(s) {', '.join(missing)}: the repository must be on "
                "storage every node mounts at the same path (README: Running on a cluster)",
            )
        self._visible.add(str(path))

    def map_items(
        self,
        items: list[Any],
        fn: Callable[[Any], Iterable[Any]],
        where: Path | None = None,
        cost: Sequence[int] | None = None,  # every item is a task of its own, whatever it costs
    ) -> Iterator[Any]:
        if not items:
            return iter(())
        if where is not None:
            self.check_visible(where)

        def run(table: pa.Table) -> Iterator[pa.Table]:
            for i in table.column("item").to_pylist():
                try:
                    for result in fn(items[i]):
                        yield _envelope(0, result)
                except UserError as exc:
                    yield _envelope(0, exc)

        ds = self.ray.data.from_items(
            [{"item": i} for i in range(len(items))], override_num_blocks=min(len(items), 1000)
        )
        return (result for _, result in self._results(ds.map_batches(run, batch_size=1, batch_format="pyarrow")))

    def hold(
        self, items: list[Any], fn: Callable[[Any], pa.Table], where: Sequence[Path] = (), progress: str | None = None
    ) -> RayHeld:
        for path in sorted(set(map(str, where))):
            self.check_visible(Path(path))

        def run(table: pa.Table) -> pa.Table:
            return pa.concat_tables([fn(items[i]) for i in table.column("item").to_pylist()])

        ds = None
        if items:
            ds = (
                self.ray.data.from_items(
                    [{"item": i} for i in range(len(items))], override_num_blocks=min(len(items), MAX_BLOCKS)
                )
                .map_batches(run, batch_size=1, batch_format="pyarrow")
                .materialize()
            )
        return RayHeld(self, ds)

    def _results(self, ds: Any) -> Iterator[tuple[int, Any]]:
        for table in ds.iter_batches(batch_size=None, batch_format="pyarrow"):
            for rows_in, blob in zip(table.column("rows_in").to_pylist(), table.column("result").to_pylist()):
                result = pickle.loads(blob)
                if isinstance(result, UserError):
                    raise result
                yield rows_in, result


def _connect(params: RayParams) -> Any:
    try:
        import ray
        import ray.data  # noqa: F401  (ray without its data extra has no ray.data)
    except ImportError:
        raise UserError(
            "params.yaml", "engine is 'ray' but Ray Data is not installed: pip install -e '.[ray]'"
        ) from None

    if not ray.is_initialized():
        address = os.environ.get("RAY_ADDRESS")
        options: dict[str, Any] = dict(
            include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR, configure_logging=True
        )
        if address:  # a cluster: ship this package to its workers; they need the dependencies installed
            _check_reachable(address)
            options["runtime_env"] = {"py_modules": [str(Path(pipeline.__file__).parent)]}
        else:  # "local": a new instance, never one that `ray start` left running on this machine
            address, options["num_cpus"] = "local", params.num_cpus
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ray.init(address=address, **options)
        except Exception as exc:  # a wrong RAY_ADDRESS, a version mismatch with the cluster
            where = "RAY_ADDRESS" if address != "local" else "ray.init"
            raise UserError(
                where,
                f"cannot start or reach Ray at '{address}': {type(exc).__name__}: "
                f"{str(exc).splitlines()[0] if str(exc) else ''}",
            ) from None
    warnings.filterwarnings("ignore", module=r"ray\.")  # tuning hints about Ray's internals, not for users
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True  # results come back in input order: same outputs
    context.enable_progress_bars = False  # the stage draws its own bar in this process
    # Its notices (progress bars off, plans) are noise here, and a failure arrives as the exception.
    logging.getLogger("ray.data").setLevel(logging.CRITICAL)
    return ray


def _check_reachable(address: str, timeout: float = 5.0) -> None:
    """Ray retries an address that does not answer for minutes: check host:port first."""
    host_port = address.split("://", 1)[-1]
    if address == "auto" or ":" not in host_port:
        return
    host, port = host_port.rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            pass
    except (OSError, ValueError) as exc:
        raise UserError(
            "RAY_ADDRESS",
            f"nothing answers at '{address}' ({getattr(exc, 'strerror', None) or exc}): start the Ray "
            "cluster, fix RAY_ADDRESS, or unset it to use a local Ray instance",
        ) from None


class RayHeld:
    """Held rows as a materialized Ray dataset (``ds``; None: no rows)."""

    def __init__(self, engine: RayEngine, ds: Any):
        self.engine, self.ds = engine, ds

    def links(self, groups: Sequence[Sequence[Bucket]]) -> list[np.ndarray]:
        empty = [np.empty((0, 2), dtype=np.int64) for _ in groups]
        buckets = [(g, b) for g, group in enumerate(groups) for b in group]
        if self.ds is None or not buckets:
            return empty
        # a partition is one block on one worker: enough of them that each stays small
        partitions = max(
            self.engine.params.dedup_partitions, -(-self.ds.count() * len(buckets) // BUCKET_ROWS_PER_PARTITION)
        )
        found = [
            t
            for t in self.ds.map_batches(partial(_bucket_rows, buckets, partitions), batch_format="pyarrow")
            .groupby("part", num_partitions=partitions)
            .map_groups(_bucket_links, batch_format="pyarrow")
            .iter_batches(batch_size=None, batch_format="pyarrow")
            if t.num_rows
        ]
        if not found:
            return empty
        table = pa.concat_tables(found)
        pairs = np.stack([table.column("member").to_numpy(), table.column("leader").to_numpy()], axis=1)
        group = table.column("group").to_numpy()
        return [np.unique(pairs[group == g], axis=0).reshape(-1, 2) for g in range(len(groups))]

    def score(self, pairs: np.ndarray, column: str, fn: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> np.ndarray:
        """With the rows of the pairs brought to this process (only those: the documents linked)."""
        index = np.unique(pairs)
        rows = self.take(index, [column])
        matrix = fixed_width(rows.column(column)).reshape(len(index), -1)
        return scored(pairs, lambda i: matrix[np.searchsorted(index, i)], fn)

    def take(self, index: np.ndarray, columns: Sequence[str]) -> pa.Table:
        if self.ds is None:
            return pa.table({c: [] for c in columns})
        ref = self.engine.ray.put(np.asarray(index))  # shipped to the object store once, not with every task
        found = [
            t
            for t in self.ds.map_batches(_rows_of, fn_args=(ref,), batch_format="pyarrow").iter_batches(
                batch_size=None, batch_format="pyarrow"
            )
        ]
        if not found:
            schema = self.ds.schema()
            return pa.schema(list(zip(schema.names, schema.types))).empty_table().select(list(columns))
        rows = pa.concat_tables(found)
        return rows.take(pc.sort_indices(rows, [("index", "ascending")])).select(list(columns))


def _bucket_rows(buckets: list[tuple[int, Bucket]], partitions: int, rows: pa.Table) -> pa.Table:
    """One row per (held row, bucket). ``bucket`` is what rows share when they fall together:
    the bucket's number, then its bytes (zero-padded to the widest), as fixed-width bytes."""
    index = rows.column("index").to_numpy()
    n = len(index)
    columns = {
        c: fixed_width(rows.column(c)).reshape(n, rows.schema.field(c).type.byte_width)
        for c in {b.column for _, b in buckets}
    }
    slices = [columns[b.column][:, b.start : b.stop] for _, b in buckets]
    width = max(s.shape[1] for s in slices)
    blocks = []
    for k, values in enumerate(slices):
        block = np.zeros((n, 8 + width), dtype=np.uint8)
        block[:, :8] = np.array([k], dtype=">i8").view(np.uint8)
        block[:, 8 : 8 + values.shape[1]] = values
        blocks.append(block)
    data = np.concatenate(blocks)
    number = np.repeat(np.arange(len(buckets), dtype=np.int64), n)
    group = np.repeat(np.array([g for g, _ in buckets], dtype=np.int64), n)
    # the partition: the first bytes of a bucket are hash values already (MinHash values, a digest)
    part = (np.ascontiguousarray(data[:, 8:12]).view("<u4").ravel().astype(np.int64) + number * 7919) % partitions
    bucket = pa.FixedSizeBinaryArray.from_buffers(pa.binary(8 + width), len(data), [None, pa.py_buffer(data.tobytes())])
    return pa.table({"part": part, "group": group, "bucket": bucket, "index": np.tile(index, len(buckets))})


def _bucket_links(rows: pa.Table) -> pa.Table:
    """Within one partition: (member, leader, group) for every bucket of several rows, the
    leader being the bucket's smallest index."""
    index = rows.column("index").to_numpy()
    width = rows.schema.field("bucket").type.byte_width
    buckets = fixed_width(rows.column("bucket")).view(f"V{width}")
    _, group = np.unique(buckets, return_inverse=True)
    leader = np.full(group.max() + 1 if len(group) else 0, np.iinfo(np.int64).max)
    np.minimum.at(leader, group, index)
    member = index != leader[group]
    return pa.table(
        {
            "member": pa.array(index[member], pa.int64()),
            "leader": pa.array(leader[group][member], pa.int64()),
            "group": pa.array(rows.column("group").to_numpy()[member], pa.int64()),
        }
    )


def _rows_of(rows: pa.Table, index: Any) -> pa.Table:
    """The rows whose index is in ``index`` (sorted; in the object store), and nothing else."""
    import ray

    index = ray.get(index) if isinstance(index, ray.ObjectRef) else index
    own = rows.column("index").to_numpy()
    if not len(index):
        return rows.slice(0, 0)
    at = np.minimum(np.searchsorted(index, own), len(index) - 1)
    return rows.filter(pa.array(index[at] == own))
