"""The normalize stage as the pipeline knows it (pipeline/core/contract.py)."""

import pyarrow as pa

from pipeline.core.contract import SOURCE, Stage, register
from pipeline.normalize.params import NormalizeParams

# Added by normalize. `cleanup` stays in the interim files for audit; the others are published.
NORMALIZE_COLUMNS = [
    (
        "lang",
        pa.string(),
        "BCP-47 tag of the published text, identified from its characters (zh-Hant for Traditional Chinese).",
    ),
    (
        "converted",
        pa.string(),
        "The OpenCC configuration applied to the text (s2twp for Simplified text converted to Taiwan Traditional), or null when the text was not converted.",
    ),
    (
        "cleanup",
        pa.string(),
        "Characters changed by each Unicode clean-up step, as a JSON object; null when nothing changed.",
    ),
]

register(
    Stage(
        name="normalize",
        order=20,
        scope=SOURCE,
        plan="pipeline.normalize.stage:plan",
        sections=(("normalize", NormalizeParams),),
        params=("normalize", "pii.policy"),
        help="clean Unicode, identify script and language from the characters, convert Simplified to Taiwan "
        "Traditional (OpenCC), reject languages not kept.",
        summary=lambda m: f", converted {sum(m['converted'].values())}",
        columns=tuple(NORMALIZE_COLUMNS),
        unpublished=("cleanup",),
        card="pipeline.normalize.card:step",
    )
)
