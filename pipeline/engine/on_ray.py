"""The Ray engine: the same batch functions, run by Ray Data on a cluster.

``ray.init`` connects to the cluster named by ``RAY_ADDRESS``, or starts a local Ray
instance when none is set (``ray.num_cpus`` CPUs). A stage's input is read with
``ray.data.read_parquet``, its batch function runs in ``map_batches`` (tasks, or a pool of
actors for model stages), and the results come back to this process in input order
(``preserve_order``), where the stage writes them: the outputs are the same files, with
the same bytes, as the local engine's.

A batch function returns a ``BatchResult`` (kept rows, rejects, counts); Ray Data
moves tables, so each result travels pickled in one row of an envelope table.
"""

from __future__ import annotations

import logging
import os
import pickle
import socket
import warnings
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa

import pipeline
from pipeline.core.config import RayParams
from pipeline.core.errors import UserError
from pipeline.core.parquet import open_parquet
from pipeline.engine.base import Actors, one_batch

ENVELOPE = pa.schema([("rows_in", pa.int64()), ("result", pa.large_binary())])


def _envelope(rows_in: int, result: Any) -> pa.Table:
    return pa.table({"rows_in": [rows_in], "result": [pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)]},
                    schema=ENVELOPE)


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
    def shared(cls, params: RayParams) -> RayEngine:
        """One connection per process: stages run in-process one after another share it."""
        if cls._shared is None or cls._shared.params != params or not cls._shared.ray.is_initialized():
            cls._shared = cls(params)
        return cls._shared

    def gpus(self) -> float:
        return float(self.ray.cluster_resources().get("GPU", 0))

    def map_batches(self, path: Path, fn: Callable[..., Any], batch_size: int,
                    actors: Actors | None = None) -> Iterator[tuple[int, Any]]:
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
            ds = ds.map_batches(_Actor, fn_constructor_args=(fn, schema), batch_size=actors.batch_rows or batch_size,
                                batch_format="pyarrow", compute=self.ray.data.ActorPoolStrategy(size=actors.size),
                                num_cpus=actors.num_cpus, num_gpus=actors.num_gpus)
        return self._results(ds)

    def _check_room(self, actors: Actors) -> None:
        """A pool the cluster cannot hold would wait forever: say so instead."""
        have = self.ray.cluster_resources()
        cpus, gpus = actors.size * actors.num_cpus, actors.size * actors.num_gpus
        if cpus >= have.get("CPU", 0):
            raise UserError("params.yaml", f"ray.segment_actors × ray.segment_cpus = {cpus:g} CPUs, but the cluster has "
                            f"{have.get('CPU', 0):g}: leave at least one for reading (lower them)")
        if gpus > have.get("GPU", 0):
            raise UserError("params.yaml", f"ray.segment_actors × GPUs per actor = {gpus:g} GPUs, but the cluster has "
                            f"{have.get('GPU', 0):g} (lower ray.segment_actors or set ray.segment_gpus)")

    def check_visible(self, path: Path) -> None:
        """Workers open stage files by path: on a cluster of several machines the repository
        must be on storage every node mounts at the same path. Ask each node, once per path."""
        nodes = [n for n in self.ray.nodes() if n.get("Alive")]
        if len(nodes) < 2 or str(path) in self._visible:
            return
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        exists = self.ray.remote(num_cpus=0)(os.path.exists)
        answers = self.ray.get([exists.options(scheduling_strategy=NodeAffinitySchedulingStrategy(
            n["NodeID"], soft=False)).remote(str(path)) for n in nodes])
        missing = [n["NodeManagerAddress"] for n, ok in zip(nodes, answers) if not ok]
        if missing:
            raise UserError(str(path), f"not visible on Ray node(s) {', '.join(missing)}: the repository must be on "
                            "storage every node mounts at the same path (README: Running on a cluster)")
        self._visible.add(str(path))

    def map_items(self, items: list[Any], fn: Callable[[Any], Iterable[Any]], where: Path | None = None) -> Iterator[Any]:
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

        ds = self.ray.data.from_items([{"item": i} for i in range(len(items))],
                                      override_num_blocks=min(len(items), 1000))
        return (result for _, result in self._results(ds.map_batches(run, batch_size=1, batch_format="pyarrow")))

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
        raise UserError("params.yaml", "engine is 'ray' but Ray Data is not installed: pip install -e '.[ray]'") \
            from None

    if not ray.is_initialized():
        address = os.environ.get("RAY_ADDRESS")
        options: dict[str, Any] = dict(include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR,
                                       configure_logging=True)
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
            raise UserError(where, f"cannot start or reach Ray at '{address}': {type(exc).__name__}: "
                            f"{str(exc).splitlines()[0] if str(exc) else ''}") from None
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
        raise UserError("RAY_ADDRESS", f"nothing answers at '{address}' ({exc.strerror or exc}): start the Ray "
                        "cluster, fix RAY_ADDRESS, or unset it to use a local Ray instance") from None
