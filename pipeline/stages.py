"""The stages in order, for running a whole pipeline in-process.

DVC is the interface for data engineers (``dvc repro``); this is for tests, notebooks and
benchmarks, which need the same stages without a subprocess each. The stages and their
order come from their contracts (``pipeline/<stage>/contract.py``); each runs on the engine
that ``params.yaml`` names (``pipeline.engine``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pipeline.core.context import Context
from pipeline.core.contract import SOURCE, STAGES, source_stages, stages


def runner(name: str) -> Callable[..., dict[str, Any]]:
    """The ``run`` function of the stage called ``name``."""
    return STAGES.get(name).runner()


def run_source(
    ctx: Context, source_id: str, progress: bool = False, until: str | None = None
) -> dict[str, dict[str, Any]]:
    """The per-source stages in order, for one source; ``until`` stops after that stage."""
    names = source_stages()
    names = names[: names.index(until) + 1] if until else names
    return {name: runner(name)(ctx, source_id, progress=progress) for name in names}


def run_all(ctx: Context, progress: bool = False) -> dict[str, Any]:
    """Every registered source through every per-source stage, then each global stage; the
    metrics of the last (publish)."""
    for source_id in ctx.sources.ids:
        run_source(ctx, source_id, progress)
    metrics: dict[str, Any] = {}
    for stage in stages():
        if stage.scope != SOURCE:
            metrics = stage.runner()(ctx, progress=progress)
    return metrics
