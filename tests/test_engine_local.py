"""The local engine's worker processes: a list of items (ingest's files) read by this process
and by workers gives exactly what this process alone gives, in item order; what goes wrong in
a worker is one error here."""

from __future__ import annotations

import json
import multiprocessing
import os
import time
from dataclasses import dataclass

import pytest
import yaml
from conftest import add_source, context
from test_ingest import MESSY

from pipeline.core.errors import UserError
from pipeline.engine import local
from pipeline.engine.local import WORKERS_FROM_BYTES, LocalEngine
from pipeline.ingest import stage

ENOUGH = [WORKERS_FROM_BYTES]  # a cost at which two workers start


@dataclass(frozen=True)
class Slow:
    """An item's results, slowly, and which process read it (module level: workers import it)."""

    seconds: float
    fail_on: int | None = None
    die_in_workers: bool = False
    parent: int = os.getpid()

    def __call__(self, item: int):
        if self.die_in_workers and os.getpid() != self.parent:
            os._exit(3)  # as the kernel's OOM killer ends a worker
        if item == self.fail_on:
            raise UserError(f"item {item}", "cannot be read")
        time.sleep(self.seconds)
        for part in range(3):
            yield item, part, os.getpid()


def test_workers_and_this_process_read_the_items_and_the_results_come_in_item_order():
    items = list(range(12))
    alone = list(LocalEngine(workers=1).map_items(items, Slow(0.2), cost=ENOUGH))
    shared = list(LocalEngine(workers=2).map_items(items, Slow(0.2), cost=ENOUGH))
    assert [(item, part) for item, part, _ in shared] == [(item, part) for item in items for part in range(3)]
    assert [(item, part) for item, part, _ in alone] == [(item, part) for item, part, _ in shared]
    assert {pid for *_, pid in alone} == {os.getpid()}
    readers = {pid for *_, pid in shared}
    assert os.getpid() in readers and len(readers) == 2  # the first item here, while the worker starts


def test_small_or_single_item_work_stays_in_this_process():
    small = list(LocalEngine(workers=2).map_items(list(range(4)), Slow(0), cost=[WORKERS_FROM_BYTES - 1]))
    unknown = list(LocalEngine(workers=2).map_items(list(range(4)), Slow(0)))
    single = list(LocalEngine(workers=2).map_items([0], Slow(0), cost=ENOUGH))
    assert {pid for *_, pid in small + unknown + single} == {os.getpid()}


def test_a_user_error_read_in_a_worker_is_the_same_error_here():
    with pytest.raises(UserError, match=r"^item 7: cannot be read$"):
        list(LocalEngine(workers=2).map_items(list(range(12)), Slow(0.1, fail_on=7), cost=ENOUGH))


def test_a_worker_that_dies_is_one_error_that_names_the_way_out():
    with pytest.raises(UserError) as caught:
        list(LocalEngine(workers=2).map_items(list(range(12)), Slow(0.2, die_in_workers=True), cost=ENOUGH))
    assert "a worker process died" in str(caught.value) and "local.workers: 1" in str(caught.value)


@pytest.mark.parametrize("where", ["pool", "worker"])
def test_without_workers_this_process_reads_everything_and_says_why(where, monkeypatch, capsys):
    if where == "pool":  # no semaphores for the pool's queues, as in a container without /dev/shm
        monkeypatch.setattr(local, "ProcessPoolExecutor", _no_semaphores)
    else:  # the pool is made, its first worker cannot start
        monkeypatch.setattr(local, "_start_method", lambda fn: _NoProcesses())
    results = list(LocalEngine(workers=2).map_items(list(range(6)), Slow(0.05), cost=ENOUGH))
    assert [(item, part) for item, part, _ in results] == [(item, part) for item in range(6) for part in range(3)]
    assert {pid for *_, pid in results} == {os.getpid()}
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


def test_ingest_with_workers_writes_the_same_bytes_as_in_one_process(layout, monkeypatch):
    """Documents, rejects (duplicates across files, a bad file, an unsupported one) and metrics."""
    add_source(layout, "messy", MESSY)
    monkeypatch.setattr(local, "WORKERS_FROM_BYTES", 1)  # these files are small: start the workers anyway
    written = {}
    for workers in (1, 2):
        params = yaml.safe_load(layout.params.read_text(encoding="utf-8"))
        params["local"]["workers"] = workers
        layout.params.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
        stage.run(context(layout), "messy", progress=False)
        paths = [
            layout.stage_docs("messy", "ingest"),
            layout.stage_rejects("messy", "ingest"),
            layout.stage_metrics("messy", "ingest"),
            layout.source_info("messy"),
        ]
        written[workers] = [path.read_bytes() for path in paths]
    assert written[1] == written[2]
    metrics = json.loads(written[2][2])
    assert metrics["documents"] == 5 and metrics["rejected"] == 7  # as tests/test_ingest.py has them
    assert metrics["rejects_by_reason"]["duplicate-in-source"] == 1  # good.txt, a copy of copy.txt: across files
