"""The quality stage as the pipeline knows it (pipeline/core/contract.py)."""

from pipeline.core.contract import SOURCE, Stage, register
from pipeline.quality.columns import QUALITY_COLUMNS
from pipeline.quality.params import QualityParams

register(
    Stage(
        name="quality",
        order=30,
        scope=SOURCE,
        plan="pipeline.quality.stage:plan",
        sections=(("quality", QualityParams),),
        params=("quality", "pii.policy"),
        help="measure length, Han share, repeated lines and character n-grams and boilerplate, and reject documents "
        "outside the thresholds in params.yaml.",
        columns=tuple(QUALITY_COLUMNS),
        unpublished=("quality",),  # the signals stay in the interim files
        card="pipeline.quality.card:step",
    )
)
