"""Where stage functions run: ``engine: local`` (this process) or ``engine: ray`` (Ray Data).

``ENGINES`` names every engine and the module that defines it, without importing it (as
fsspec's ``known_implementations``): the local engine never imports Ray, and ``params.yaml``'s
``engine:`` is checked against these names. Stages ask ``engine_for(params)`` for an engine
and hand it their batch functions (``base.Engine``: what every engine offers).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.core.registry import Registry
from pipeline.engine.base import Actors, Bucket, Engine, Held

if TYPE_CHECKING:
    from pipeline.core.config import Params

__all__ = ["ENGINES", "Actors", "Bucket", "Engine", "Held", "engine_for", "model_actors"]

ENGINES: Registry[type[Engine]] = Registry(
    "engine",
    lazy={
        "local": "pipeline.engine.local:LocalEngine",
        "ray": "pipeline.engine.on_ray:RayEngine",
    },
)


def engine_for(params: Params) -> Engine:
    return ENGINES.get(params.engine, "engine").from_params(params)


def model_actors(params: Params, engine: Engine, model: bool = True) -> Actors:
    """The worker pool for a model stage (segmentation, names): sizes from ``params.ray``; a GPU
    per actor when the cluster has GPUs and there is a model to run (``model``; the fallback
    segmenter needs none), unless ``ray.segment_gpus`` says otherwise."""
    r = params.ray
    gpus = r.segment_gpus if r.segment_gpus is not None else (1.0 if model and engine.gpus() else 0.0)
    return Actors(size=r.segment_actors, num_cpus=r.segment_cpus, num_gpus=gpus, batch_rows=r.segment_rows)
