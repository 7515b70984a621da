"""The one validated place for configuration: ``params.yaml`` and ``configs/sources.yaml``.

``params.yaml`` holds ``engine`` and one section per concern, each a frozen dataclass
validated by ``pipeline.core.settings.build`` (unknown keys, wrong types and bad values
are one-line errors). Core declares the sections that are no stage's (``Params``); every
other section is declared by the stage that reads it (``Stage.sections``, the dataclass in
``pipeline/<stage>/params.py``), so a new stage's settings need no edit here. ``configs/sources.yaml`` registers sources:
``sources: {<id>: {...overrides of the source's manifest...}}``.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pipeline.core.contract import stages
from pipeline.core.errors import UserError, did_you_mean
from pipeline.core.layout import Layout, checked_source_id
from pipeline.core.settings import build, made_dataclass
from pipeline.core.yamlio import load_yaml
from pipeline.engine import ENGINES
from pipeline.engine.params import LocalParams, RayParams


@dataclass(frozen=True)
class LicensesParams:
    """The publication policy. Each group becomes a config of the dataset on the hub; a license
    in no group is never published (its documents are rejects license:<id>). NC and ND licenses
    can never be published, and share-alike gets a group of its own (pipeline/core/policy.py)."""

    groups: dict[str, tuple[str, ...]] = field(
        default_factory=lambda: {
            "default": (
                "LicenseRef-TW-Copyright-Act-Art9",
                "LicenseRef-Public-Domain",
                "OGDL-Taiwan-1.0",
                "CC0-1.0",
                "CC-BY-4.0",
            ),
            "share-alike": ("CC-BY-SA-4.0",),
        }
    )
    default_group: str = "default"  # the hub's default config

    def check(self, where: str, prefix: str) -> None:
        if self.default_group not in self.groups:
            raise UserError(
                where,
                f"'{prefix}.default_group' is '{self.default_group}', which is not a group "
                f"(groups: {', '.join(self.groups)})",
            )
        for name in self.groups:
            if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
                raise UserError(where, f"'{prefix}.groups.{name}': a group name is lowercase letters, digits and '-'")


@dataclass(frozen=True)
class Params:
    """What params.yaml holds whatever the stages are: where they run (``engine``, ``local``, ``ray``) and
    the publication policy that ingest and publish both apply (``licenses``). A loaded params.yaml
    is a ``params_class()``: this with one more field per section a stage declares, read as
    attributes (``params.quality``)."""

    # Where the stage functions run: local (this machine) or ray (Ray Data on the cluster named by
    # RAY_ADDRESS, or a local Ray instance); any name in pipeline.engine.ENGINES. Outputs are the same
    # files either way, so none of this, local and ray is a DVC dependency (README: "Running on a cluster").
    engine: str = "local"
    local: LocalParams = field(default_factory=LocalParams)
    ray: RayParams = field(default_factory=RayParams)
    licenses: LicensesParams = field(default_factory=LicensesParams)

    def check(self, where: str, prefix: str) -> None:
        if self.engine not in ENGINES:  # by name: checking an engine never imports it
            names = ENGINES.names()
            raise UserError(
                where,
                f"'engine' must be one of {', '.join(names)}, got '{self.engine}'{did_you_mean(self.engine, names)}",
            )

    if TYPE_CHECKING:

        def __getattr__(self, name: str) -> Any: ...  # a stage's section: a field of params_class()


@functools.cache
def params_class() -> type[Params]:
    """``Params`` with every stage's sections (``Stage.sections``), in stage order."""
    sections: list[tuple[str, Any, Any]] = []
    owner: dict[str, str] = {f.name: "core" for f in dataclasses.fields(Params)}
    for stage in stages():
        for name, cls in stage.sections:
            if name in owner:
                raise ValueError(f"params section '{name}' of stage '{stage.name}' is declared by {owner[name]} too")
            owner[name] = f"stage '{stage.name}'"
            sections.append((name, cls, field(default_factory=cls)))
    return made_dataclass("StageParams", sections, module=__name__, bases=(Params,))


def __getattr__(name: str) -> object:
    if name == "StageParams":
        return params_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def default_params() -> Params:
    """Every section at its defaults: what a missing params.yaml means."""
    return params_class()()


def load_params(layout: Layout) -> Params:
    if not layout.params.exists():
        return default_params()
    where = layout.rel(layout.params)
    params = build(params_class(), load_yaml(layout.params, where), where)
    for stage in stages():  # checks that need a stage's own registries (segment: its fallbacks)
        check = stage.params_check()
        if check is not None:
            check(params, where)
    return params


@dataclass(frozen=True)
class SourcesConfig:
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)

    def check(self, where: str, prefix: str) -> None:
        for source_id, overrides in self.sources.items():
            checked_source_id(source_id, f"{where}: sources")
            if overrides is not None and not isinstance(overrides, dict):
                raise UserError(where, f"'sources.{source_id}' must be a mapping of overrides ({{}} for none)")
            if overrides and "id" in overrides:
                raise UserError(where, f"'sources.{source_id}.id' cannot be overridden")

    @property
    def ids(self) -> list[str]:
        return sorted(self.sources)

    @property
    def registration_order(self) -> list[str]:
        """The sources in the order they were registered (``twcorpus register`` appends)."""
        return list(self.sources)

    def require(self, layout: Layout, source_id: str) -> None:
        """A one-line error when a stage is asked to run for a source nobody registered."""
        if source_id not in self.sources:
            raise UserError(
                layout.rel(layout.sources_config),
                f"source '{source_id}' is not registered; run: twcorpus register data/raw/{source_id}",
            )

    def overrides(self, source_id: str) -> dict[str, Any]:
        return dict(self.sources.get(source_id) or {})


def load_sources(layout: Layout) -> SourcesConfig:
    where = layout.rel(layout.sources_config)
    if not layout.sources_config.exists():
        return SourcesConfig()
    return build(SourcesConfig, load_yaml(layout.sources_config, where), where)
