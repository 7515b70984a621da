"""The local engine's worker processes: a list of items (ingest's files) read by this process
and by workers gives exactly what this process alone gives, in item order; what goes wrong in
a worker is one error here, and an error is the first one in item order.

Where a test needs workers to read some items, the items read in this process wait until the
pool is up (``wait_for_workers``: the engine's ``_start_workers`` is wrapped to say when):
otherwise this process could read everything while the pool starts, and the test would pass
without a worker."""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import os
import threading
import time
from dataclasses import dataclass, field

import pytest
import yaml
from conftest import add_source, context
from test_ingest import MESSY

from pipeline.core.errors import UserError
from pipeline.engine import local
from pipeline.engine.local import WORKERS_FROM_BYTES, LocalEngine
from pipeline.ingest import stage
from pipeline.validate import validate

PARENT = os.getpid()  # the test process (a worker that imports this module has its own: compare with a field)


def enough(n: int) -> list[int]:
    """Costs of ``n`` items that add up to what starts the workers."""
    return [WORKERS_FROM_BYTES // n + 1] * n


POOL_UP = threading.Event()  # set in the test process once the engine's pool has a worker


@pytest.fixture(autouse=True)
def _pool_up(monkeypatch):
    start = local._start_workers

    def started(*args):
        start(*args)  # sets the engine's own event first: it reads no more items alone after this
        POOL_UP.set()

    POOL_UP.clear()
    monkeypatch.setattr(local, "_start_workers", started)


def wait_for_workers(parent: int) -> None:
    """In the test process ``parent``, until the pool is up (at most a minute: then the test
    fails, not hangs); in a worker, not at all."""
    if os.getpid() == parent:
        POOL_UP.wait(60)


@dataclass(frozen=True)
class Slow:
    """An item's results, slowly, and which process read it (module level: workers import it)."""

    seconds: float = 0.05
    fail_on: tuple[int, ...] = ()
    fail_in_workers: bool = False
    die_in_workers: bool = False
    wait: bool = True  # wait_for_workers before reading here (only where workers are started)
    parent: int = field(default_factory=os.getpid)  # made in the test process, sent to the workers

    def __call__(self, item: int):
        in_worker = os.getpid() != self.parent
        if self.wait:
            wait_for_workers(self.parent)
        if self.die_in_workers and in_worker:
            os._exit(3)  # as the kernel's OOM killer ends a worker
        if item in self.fail_on or (self.fail_in_workers and in_worker):
            raise UserError(f"item {item}", "cannot be read" + (" in a worker" if in_worker else ""))
        time.sleep(self.seconds)
        for part in range(3):
            yield item, part, os.getpid()


def test_workers_and_this_process_read_the_items_and_the_results_come_in_item_order():
    items = list(range(12))
    alone = list(LocalEngine(workers=1).map_items(items, Slow(wait=False), cost=enough(12)))
    shared = list(LocalEngine(workers=2).map_items(items, Slow(), cost=enough(12)))
    assert [(item, part) for item, part, _ in shared] == [(item, part) for item in items for part in range(3)]
    assert [(item, part) for item, part, _ in alone] == [(item, part) for item, part, _ in shared]
    assert {pid for *_, pid in alone} == {PARENT}
    readers = {pid for *_, pid in shared}
    assert PARENT in readers and len(readers) == 2  # the first item here, while the worker starts


def test_small_or_single_item_work_stays_in_this_process():
    small = list(LocalEngine(workers=2).map_items(list(range(4)), Slow(0, wait=False), cost=[1, 1, 1, 1]))
    unknown = list(LocalEngine(workers=2).map_items(list(range(4)), Slow(0, wait=False)))
    single = list(LocalEngine(workers=2).map_items([0], Slow(0, wait=False), cost=enough(1)))
    assert {pid for *_, pid in small + unknown + single} == {PARENT}
    with pytest.raises(ValueError, match="cost: 1 values for 4 items"):
        LocalEngine(workers=2).map_items(list(range(4)), Slow(0), cost=[1])


def test_a_user_error_read_in_a_worker_is_the_same_error_here():
    with pytest.raises(UserError, match=r"^item \d+: cannot be read in a worker$"):
        list(LocalEngine(workers=2).map_items(list(range(12)), Slow(fail_in_workers=True), cost=enough(12)))


def test_the_error_raised_is_the_first_in_item_order_whoever_read_the_items():
    # with workers: item 0 is read here while the pool starts, items 1 and 2 are handed to the
    # worker, and item 3 is read here while the worker reads 1: item 3 fails first in time
    for workers in (1, 2):
        read = Slow(fail_on=(2, 3), wait=workers > 1)
        with pytest.raises(UserError, match=r"^item 2: cannot be read"):
            list(LocalEngine(workers=workers).map_items(list(range(20)), read, cost=enough(20)))


def test_a_worker_that_dies_is_one_error_that_names_the_way_out():
    with pytest.raises(UserError) as caught:
        list(LocalEngine(workers=2).map_items(list(range(12)), Slow(die_in_workers=True), cost=enough(12)))
    assert "a worker process died" in str(caught.value) and "local.workers: 1" in str(caught.value)


@pytest.mark.parametrize("where", ["pool", "worker"])
def test_without_workers_this_process_reads_everything_and_says_why(where, monkeypatch, capsys):
    if where == "pool":  # no semaphores for the pool's queues, as in a container without /dev/shm
        monkeypatch.setattr(local, "ProcessPoolExecutor", _no_semaphores)
    else:  # the pool is made, its first worker cannot start
        monkeypatch.setattr(local, "_start_method", lambda: _NoProcesses())
    results = list(LocalEngine(workers=2).map_items(list(range(6)), Slow(wait=False), cost=enough(6)))
    assert [(item, part) for item, part, _ in results] == [(item, part) for item in range(6) for part in range(3)]
    assert {pid for *_, pid in results} == {PARENT}
    assert capsys.readouterr().err == (
        "twcorpus: warning: worker processes could not start (OSError: [Errno 38] Function not implemented); "
        "the files are read in this process (local.workers: 1 in params.yaml says so for good)\n"
    )


def _no_semaphores(*args, **kwargs):
    raise OSError(38, "Function not implemented")


class _NoProcesses:
    """A start method whose processes cannot start."""

    def __getattr__(self, name):
        return getattr(multiprocessing.get_context("spawn"), name)

    def Process(self, *args, **kwargs):  # noqa: N802  # the name multiprocessing contexts give it
        raise OSError(38, "Function not implemented")


@dataclass(frozen=True)
class NotingReader(stage.FileReader):
    """The stage's reader, noting which process read each file."""

    parent: int = field(default_factory=os.getpid)

    def __call__(self, rel: str):
        reads = self.folder.parents[2] / "reads"  # beside data/, outside the source
        reads.mkdir(exist_ok=True)
        (reads / f"{rel.replace('/', '_')}.{os.getpid()}").touch()
        return super().__call__(rel)


@dataclass(frozen=True)
class ReaderWaitingForWorkers(NotingReader):
    """In the test process, waits until a worker exists first, so that workers read some files."""

    def __call__(self, rel: str):
        wait_for_workers(self.parent)
        return super().__call__(rel)


def by_workers(layout, monkeypatch, run):
    """``run()`` with ``local.workers`` 1 and 2 (workers started whatever the files' size), and the
    processes that read the files in each."""
    monkeypatch.setattr(local, "WORKERS_FROM_BYTES", 1)  # test files are small: start the workers anyway
    results, readers = {}, {}
    for workers in (1, 2):
        params = yaml.safe_load(layout.params.read_text(encoding="utf-8"))
        params["local"]["workers"] = workers
        layout.params.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
        monkeypatch.setattr(stage, "FileReader", ReaderWaitingForWorkers if workers > 1 else NotingReader)
        results[workers] = run()
        reads = layout.root / "reads"
        readers[workers] = {int(path.suffix[1:]) for path in reads.iterdir()}
        for path in reads.iterdir():
            path.unlink()
    assert readers[1] == {PARENT} and PARENT in readers[2] and len(readers[2]) == 2
    return results


def test_ingest_with_workers_writes_the_same_bytes_as_in_one_process(layout, monkeypatch):
    """Documents, rejects (duplicates across files, a bad file, an unsupported one) and metrics."""
    add_source(layout, "messy", MESSY)
    paths = [
        layout.stage_docs("messy", "ingest"),
        layout.stage_rejects("messy", "ingest"),
        layout.stage_metrics("messy", "ingest"),
        layout.source_info("messy"),
    ]

    def ingest():
        stage.run(context(layout), "messy", progress=False)
        return [path.read_bytes() for path in paths]

    written = by_workers(layout, monkeypatch, ingest)
    assert written[1] == written[2]
    metrics = json.loads(written[2][2])
    assert metrics["documents"] == 5 and metrics["rejected"] == 7  # as tests/test_ingest.py has them
    assert metrics["rejects_by_reason"]["duplicate-in-source"] == 1  # good.txt, a copy of copy.txt: across files


def test_validate_with_workers_reports_what_one_process_reports(layout, monkeypatch):
    add_source(layout, "messy", MESSY)
    reports = by_workers(layout, monkeypatch, lambda: dataclasses.asdict(validate(context(layout), "messy")))
    assert reports[1] == reports[2]
    assert reports[2]["documents"] == 5 and reports[2]["rejects_by_reason"]["duplicate-in-source"] == 1
