"""The per-source stages by name, in order, for running a whole pipeline in-process.

DVC is the interface for data engineers (``dvc repro``); this is for tests, notebooks and
benchmarks, which need the same stages without a subprocess each. Each stage runs on the
engine that ``params.yaml`` names (``pipeline.engine``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pipeline.core.context import Context
from pipeline.core.layout import SOURCE_STAGES
from pipeline.decontam import stage as decontam
from pipeline.dedup import stage as dedup
from pipeline.ingest import stage as ingest
from pipeline.normalize import stage as normalize
from pipeline.pii import stage as pii
from pipeline.publish import stage as publish
from pipeline.quality import stage as quality
from pipeline.segment import stage as segment

# Keys in SOURCE_STAGES order (a test holds the two together).
RUNNERS: dict[str, Callable[..., dict[str, Any]]] = {
    "ingest": ingest.run,
    "normalize": normalize.run,
    "quality": quality.run,
    "pii": pii.run,
    "segment": segment.run,
}


def run_source(ctx: Context, source_id: str, progress: bool = False, until: str | None = None) -> dict[str, dict[str, Any]]:
    """The per-source stages in order, for one source; ``until`` stops after that stage."""
    stages = SOURCE_STAGES[:SOURCE_STAGES.index(until) + 1] if until else SOURCE_STAGES
    return {name: RUNNERS[name](ctx, source_id, progress=progress) for name in stages}


def run_all(ctx: Context, progress: bool = False) -> dict[str, Any]:
    """Every registered source through every per-source stage, then dedup, decontam and publish."""
    for source_id in ctx.sources.ids:
        run_source(ctx, source_id, progress)
    dedup.run(ctx, progress=progress)
    decontam.run(ctx, progress=progress)
    return publish.run(ctx, progress=progress)
