"""The publish stage as the pipeline knows it (pipeline/core/contract.py)."""

from pipeline.core.contract import GLOBAL, Stage, register
from pipeline.publish.params import PublishParams, PushParams

register(
    Stage(
        name="publish",
        order=80,
        scope=GLOBAL,
        run="pipeline.publish.stage:run",
        command="pipeline.publish.cli:command",
        sections=(("publish", PublishParams), ("push", PushParams)),
        # the card states the settings of every stage, and its citation names the hub repository
        params=("publish", "licenses", "normalize", "quality", "pii", "segment", "dedup", "decontam", "push.repo_id"),
        help="write data/publish/ (Parquet shards and dataset card), data/rejects/rejects.parquet and "
        "data/metrics/publish.json from every registered source.",
        card="pipeline.publish.card:publish_step",
    )
)
