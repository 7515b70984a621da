"""The segment stage as the pipeline knows it (pipeline/core/contract.py)."""

from pipeline.core.contract import SOURCE, Stage, register

register(Stage(
    name="segment", order=50, scope=SOURCE, run="pipeline.segment.stage:run", params=("segment",),
    help="word tokens with CKIP (model from a local folder, the Hugging Face cache or a download), or with the "
         "offline fallback when no model is available.",
    summary=lambda m: f", tokens by {m['segmenter']}, cache {m['cache_hits']} hits / {m['cache_misses']} misses",
))
