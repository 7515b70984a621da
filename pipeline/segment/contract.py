"""The segment stage as the pipeline knows it (pipeline/core/contract.py)."""

import pyarrow as pa

from pipeline.core.contract import SOURCE, Stage, register
from pipeline.segment.params import SegmentParams

ENTITY = pa.struct([("text", pa.string()), ("type", pa.string()), ("start", pa.int64()), ("end", pa.int64())])
# Added by segment. `pos` and `entities` are filled only when enabled; entities (names!)
# are not published.
SEGMENT_COLUMNS = [
    ("tokens", pa.list_(pa.string()), "Word tokens; their concatenation is `text` exactly, whitespace included."),
    (
        "segmenter",
        pa.string(),
        "What produced `tokens`: ckip:<model> for a CKIP model, fallback:<name> for the offline fallback.",
    ),
    ("pos", pa.list_(pa.string()), "CKIP part-of-speech tag of each token (WHITESPACE for whitespace), when enabled."),
    ("entities", pa.list_(ENTITY), "CKIP named entities with character offsets into `text`, when enabled."),
]

register(
    Stage(
        name="segment",
        order=50,
        scope=SOURCE,
        plan="pipeline.segment.stage:plan",
        check="pipeline.segment.fallbacks:check_params",
        sections=(("segment", SegmentParams),),
        params=("segment",),
        help="word tokens with CKIP (model from a local folder, the Hugging Face cache or a download), or with the "
        "offline fallback when no model is available.",
        summary=lambda m: f", tokens by {m['segmenter']}, cache {m['cache_hits']} hits / {m['cache_misses']} misses",
        columns=tuple(SEGMENT_COLUMNS),
        unpublished=("pos", "entities"),
        card="pipeline.segment.card:step",
    )
)
