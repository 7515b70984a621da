"""The decontam stage as the pipeline knows it (pipeline/core/contract.py)."""

from pipeline.core.contract import GLOBAL, Stage, register

register(Stage(
    name="decontam", order=70, scope=GLOBAL, run="pipeline.decontam.stage:run", params=("decontam",),
    help="remove (or flag) documents that share a long character n-gram with an item of an evaluation benchmark "
         "named in decontam.benchmarks (files under data/benchmarks/).",
    summary=lambda m: (f": {m['documents']} kept of {m['documents_in']}; removed {m['removed']}, "
                       f"flagged {m['flagged']}"),
))
