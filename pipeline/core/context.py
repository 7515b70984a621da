"""Everything a stage needs to know about the run, loaded and validated once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.core.config import Params, SourcesConfig, load_params, load_sources
from pipeline.core.layout import Layout
from pipeline.core.licenses import Registry, load_registry
from pipeline.core.policy import Policy, build_policy


@dataclass(frozen=True)
class Context:
    layout: Layout
    params: Params
    sources: SourcesConfig
    registry: Registry
    policy: Policy


def load_context(root: str | Path | None = None) -> Context:
    layout = Layout.at(root)
    params, registry = load_params(layout), load_registry(layout)
    policy = build_policy(params.licenses, registry, layout.rel(layout.params))
    return Context(layout, params, load_sources(layout), registry, policy)
