"""The stage contract: what every stage declares of itself, in its own package.

Each stage is a package ``pipeline/<name>/`` with a ``contract.py`` that registers one
``Stage``: its name, its place in the pipeline (``order``), whether it runs once per source
or once for all, the params sections it reads, the columns it adds (and which of them stay
out of the release), what its CLI subcommand says and prints, where its ``run`` function
lives, and where the function lives that writes its step of the dataset card (``card``, in
its own package, e.g. ``pipeline/quality/card.py``; a stage without one is described on the
card by its ``help``). Everything that lists stages is derived from here — the stage order
(``source_stages``), each stage's schema and the published one (``pipeline.core.schema``),
the in-process runners (``pipeline.stages``), the CLI subcommands, the card's numbered steps
and the rejects publish gathers — and ``tests/test_stages.py`` holds ``dvc.yaml`` to it.
Core never names a stage: the registry finds them by importing ``pipeline.<package>.contract``.

``run``, ``command`` and ``card`` are "module:function" strings, imported only when the stage
runs (``card``: when publish renders the card), so reading the contract (``twcorpus --help``,
the stage order) loads no model and no stage code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pipeline.core.registry import Registry, resolve

SOURCE = "source"  # one DVC stage per registered source (ingest@<id>): reads the stage before it
GLOBAL = "global"  # one DVC stage for all sources (dedup, decontam, publish)


def _none(metrics: dict[str, Any]) -> str:
    return ""


@dataclass(frozen=True)
class Stage:
    name: str  # the DVC stage, the CLI subcommand, data/interim/<id>/<name>.parquet for a source stage
    order: int  # its place in the pipeline: stages run by ascending order
    scope: str  # SOURCE or GLOBAL
    help: str  # the subcommand's description (`twcorpus <name> --help`)
    # How it runs, one of the two. plan: "module:function(ctx, source_id) -> Plan" for a per-source
    # batch stage (pipeline.stages runs it); run: "module:function", run(ctx, source_id, progress=...)
    # for SOURCE, run(ctx, progress=...) for GLOBAL, for a stage that is not a batch map (ingest, the globals).
    plan: str | None = None
    run: str | None = None
    params: tuple[str, ...] = ()  # the params.yaml sections (or keys) it reads: its DVC params
    # the params.yaml sections it declares: (name, frozen dataclass, usually of its params.py);
    # pipeline.core.config.params_class() puts them together, validated on every load
    sections: tuple[tuple[str, type], ...] = ()
    summary: Callable[[dict[str, Any]], str] = _none  # added to the CLI's one-line summary, from the metrics
    command: str | None = None  # "module:function" taking the CLI's arguments, when the generic one is not enough
    arguments: tuple[tuple[tuple[str, ...], dict[str, Any]], ...] = field(default=())  # extra argparse arguments
    check: str | None = None  # "module:function(params, where)": checks of params.yaml that need the stage's registries
    columns: tuple[tuple[str, Any, str], ...] = ()  # (name, Arrow type, description for the card) it adds
    unpublished: tuple[str, ...] = ()  # of those, the ones kept to the interim files (publish leaves them out)
    card: str | None = None  # "module:function(data: CardData) -> str": its step of the card's Processing, unnumbered

    def planner(self) -> Callable[..., Any] | None:
        return resolve(self.plan) if self.plan else None

    def own_runner(self) -> Callable[..., dict[str, Any]] | None:
        return resolve(self.run) if self.run else None

    def command_function(self) -> Callable[..., int] | None:
        return resolve(self.command) if self.command else None

    def params_check(self) -> Callable[..., None] | None:
        return resolve(self.check) if self.check else None

    def card_step(self) -> Callable[..., str] | None:
        """The function writing this stage's step of the card; None: the card says its ``help``."""
        return resolve(self.card) if self.card else None


STAGES: Registry[Stage] = Registry("stage", package="pipeline", module="contract")


def register(stage: Stage) -> Stage:
    """Called by each ``pipeline/<name>/contract.py``."""
    if stage.scope not in (SOURCE, GLOBAL):
        raise ValueError(f"stage '{stage.name}': scope must be '{SOURCE}' or '{GLOBAL}', got '{stage.scope}'")
    if (stage.plan is None) == (stage.run is None) or (stage.plan is not None and stage.scope != SOURCE):
        raise ValueError(f"stage '{stage.name}': name a plan (a per-source batch stage) or a run function")
    return STAGES.add(stage.name, stage, order=stage.order)


def stages() -> tuple[Stage, ...]:
    """Every stage, in pipeline order."""
    return tuple(STAGES.values())


def source_stages() -> tuple[str, ...]:
    """The per-source stages in pipeline order; the last one's output is what the global stages read."""
    return tuple(s.name for s in stages() if s.scope == SOURCE)


def global_stages() -> tuple[str, ...]:
    return tuple(s.name for s in stages() if s.scope == GLOBAL)


def previous_stage(stage: str) -> str:
    """The per-source stage whose output ``stage`` reads."""
    order = source_stages()
    return order[order.index(stage) - 1]
