"""The dedup stage as the pipeline knows it (pipeline/core/contract.py)."""

from pipeline.core.contract import GLOBAL, Stage, register

register(Stage(
    name="dedup", order=60, scope=GLOBAL, run="pipeline.dedup.stage:run", params=("dedup",),
    help="remove exact and near-duplicate documents across all sources (MinHash LSH over character n-grams); "
         "keeps one copy of each by source priority.",
    summary=lambda m: (f": {m['documents']} kept of {m['documents_in']}; removed {m['exact_duplicates']} exact and "
                       f"{m['near_duplicates']} near duplicates"),
))
