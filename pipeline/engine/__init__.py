"""Where stage functions run: ``engine: local`` (this process) or ``engine: ray`` (Ray Data).

Stages ask ``engine_for(params)`` for an engine and hand it their batch functions; the
local engine never imports Ray.
"""

from __future__ import annotations

from pipeline.core.config import Params
from pipeline.engine.base import Actors, Engine
from pipeline.engine.local import LocalEngine

__all__ = ["Actors", "Engine", "LocalEngine", "engine_for", "model_actors"]


def engine_for(params: Params) -> Engine:
    if params.engine == "ray":
        from pipeline.engine.on_ray import RayEngine

        return RayEngine.shared(params.ray)
    return LocalEngine()


def model_actors(params: Params, engine: Engine, model: bool = True) -> Actors:
    """The worker pool for a model stage (segmentation, names): sizes from ``params.ray``; a GPU
    per actor when the cluster has GPUs and there is a model to run (``model``; the fallback
    segmenter needs none), unless ``ray.segment_gpus`` says otherwise."""
    r = params.ray
    gpus = r.segment_gpus if r.segment_gpus is not None else (1.0 if model and engine.gpus() else 0.0)
    return Actors(size=r.segment_actors, num_cpus=r.segment_cpus, num_gpus=gpus, batch_rows=r.segment_rows)
