"""The stages in order, for running a whole pipeline in-process.

DVC is the interface for data engineers (``dvc repro``); this is for tests, notebooks and
benchmarks, which need the same stages without a subprocess each. The stages and their
order come from their contracts (``pipeline/<stage>/contract.py``); each runs on the engine
that ``params.yaml`` names (``pipeline.engine``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from pipeline.core.batch_stage import Plan, run_batch_stage
from pipeline.core.context import Context
from pipeline.core.contract import SOURCE, STAGES, Stage, source_stages, stages
from pipeline.core.jsonfile import write_json
from pipeline.core.results import Transform
from pipeline.core.schema import schema_after
from pipeline.engine import engine_for


def runner(name: str) -> Callable[..., dict[str, Any]]:
    """The function that runs the stage called ``name``: its own ``run``, or, for a per-source
    batch stage, ``run_planned`` with its plan."""
    stage = STAGES.get(name)
    own = stage.own_runner()
    if own is not None:
        return own
    return partial(run_planned, stage)


def run_planned(stage: Stage, ctx: Context, source_id: str, progress: bool = True) -> dict[str, Any]:
    """A per-source batch stage, the same way for every one: the source must be registered,
    the stage's plan is made on the driver (models are loaded by ``setup``, once per worker),
    the previous stage's output streams through the batch function on the configured engine
    (``params.<stage>.batch_size`` rows at a time), documents and rejects are written in input
    order, and ``data/metrics/<source>/<stage>.json`` gets the base figures and the stage's own."""
    ctx.sources.require(ctx.layout, source_id)
    planner = stage.planner()
    assert planner is not None  # runner() sends only stages with a plan here
    plan: Plan = planner(ctx, source_id)
    transform: Transform | Callable[[], Transform] = plan.setup if plan.actors else plan.setup()
    metrics = run_batch_stage(
        ctx.layout,
        source_id,
        stage.name,
        transform,
        schema_after(stage.name),
        getattr(ctx.params, stage.name).batch_size,
        progress,
        engine=engine_for(ctx.params),
        stats=plan.stats,
        actors=plan.actors,
        unit=plan.unit,
        scrub=plan.scrub,
    )
    if plan.finish is not None:
        metrics = plan.finish(metrics)
    write_json(ctx.layout.stage_metrics(source_id, stage.name), metrics)
    return plan.returned(metrics) if plan.returned is not None else metrics


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
            metrics = runner(stage.name)(ctx, progress=progress)
    return metrics
