"""The ``local`` and ``ray`` sections of params.yaml: how stages use this machine (``engine:
local``) and a Ray cluster (``engine: ray``). Core's ``Params`` holds them beside ``engine``:
none is a stage's section, and none changes a stage's output, so DVC does not track them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from pipeline.core.settings import ROWS, Ranges


@dataclass(frozen=True)
class LocalParams:
    """How stages use this machine when engine is local. None of these change a stage's output,
    so DVC does not track them."""

    workers: int | None = None  # processes reading a source's files (ingest); null: one per CPU; 1: this one

    RANGES: ClassVar[Ranges] = {"workers": (1, 1024)}


@dataclass(frozen=True)
class RayParams:
    """How stages use a Ray cluster when engine is ray (README: "Running on a cluster").
    None of these change a stage's output, so DVC does not track them."""

    num_cpus: int | None = None  # CPUs of a local Ray instance (RAY_ADDRESS unset); null: all of them
    segment_actors: int = 1  # segmentation (and NER) actors; each loads the model once
    segment_cpus: float = 1.0  # CPUs reserved per actor
    segment_gpus: float | None = None  # GPUs per actor; null: 1 when the cluster has GPUs, else 0
    segment_rows: int = 256  # documents per actor call
    dedup_partitions: int = 16  # hash partitions of dedup's LSH bucket shuffle

    RANGES: ClassVar[Ranges] = {
        "num_cpus": (1, 100_000),
        "segment_actors": (1, 10_000),
        "segment_cpus": (0, 1024),
        "segment_gpus": (0, 64),
        "segment_rows": ROWS,
        "dedup_partitions": (1, 100_000),
    }
