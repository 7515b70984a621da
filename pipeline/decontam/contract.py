"""The decontam stage as the pipeline knows it (pipeline/core/contract.py)."""

import pyarrow as pa

from pipeline.core.contract import GLOBAL, Stage, register
from pipeline.decontam.params import DecontamParams

# Added by the global decontam stage.
DECONTAM_COLUMNS = [
    (
        "contamination",
        pa.list_(pa.string()),
        "Evaluation benchmarks (decontam.benchmarks with policy flag) this document shares a long character n-gram with: benchmark text the corpus contains; empty when none. Documents matched by a benchmark with policy remove are not published.",
    ),
]

register(
    Stage(
        name="decontam",
        order=70,
        scope=GLOBAL,
        run="pipeline.decontam.stage:run",
        sections=(("decontam", DecontamParams),),
        params=("decontam",),
        help="remove (or flag) documents that share a long character n-gram with an item of an evaluation benchmark "
        "named in decontam.benchmarks (files under data/benchmarks/).",
        summary=lambda m: (
            f": {m['documents']} kept of {m['documents_in']}; removed {m['removed']}, flagged {m['flagged']}"
        ),
        columns=tuple(DECONTAM_COLUMNS),
        card="pipeline.decontam.card:step",
    )
)
