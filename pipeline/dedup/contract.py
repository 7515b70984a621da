"""The dedup stage as the pipeline knows it (pipeline/core/contract.py)."""

import pyarrow as pa

from pipeline.core.contract import GLOBAL, Stage, register
from pipeline.dedup.params import DedupParams

# Added by the global dedup stage.
DEDUP_COLUMNS = [
    (
        "dup_cluster",
        pa.string(),
        "When copies of this document were removed as duplicates: the id of its cluster (this document's own id); null otherwise.",
    ),
    ("dup_removed", pa.int64(), "How many copies of this document (exact or near) were removed."),
    (
        "dup_family",
        pa.string(),
        "When this document belongs to a template family (the same form filled in for another person, company or period; not a copy, so kept): the family's id, the id of its first-ranked member; null otherwise.",
    ),
    ("dup_family_size", pa.int64(), "How many documents of its template family dedup kept (0 when in none)."),
]

register(
    Stage(
        name="dedup",
        order=60,
        scope=GLOBAL,
        run="pipeline.dedup.stage:run",
        sections=(("dedup", DedupParams),),
        params=("dedup",),
        help="remove exact and near-duplicate documents across all sources (MinHash LSH over character n-grams); "
        "keeps one copy of each by source priority.",
        summary=lambda m: (
            f": {m['documents']} kept of {m['documents_in']}; removed {m['exact_duplicates']} exact and "
            f"{m['near_duplicates']} near duplicates"
        ),
        columns=tuple(DEDUP_COLUMNS),
        card="pipeline.dedup.card:step",
    )
)
