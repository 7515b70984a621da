"""Running a per-source stage that maps record batches to record batches.

Every per-source stage after ingest has the same shape: read the previous stage's
Parquet in batches, call a plain function on each batch, write the documents it keeps
and the rejects it returns, and count. Only the function differs, so a distributed
engine can later call the same function on its own batches.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from tqdm import tqdm

from pipeline.core.errors import UserError
from pipeline.core.layout import Layout, previous_stage
from pipeline.core.parquet import RowWriter, count_rows, read_batches
from pipeline.core.schema import REJECT, reason_key


@dataclass
class BatchResult:
    kept: pa.RecordBatch
    rejects: list[dict[str, Any]] = field(default_factory=list)


def reject_row(doc: dict[str, Any], stage: str, reason: str, detail: str) -> dict[str, Any]:
    """A reject for a document that reached a stage after ingest."""
    return {
        "source": doc["source"],
        "source_file": doc["source_file"],
        "source_line": doc["source_line"],
        "stage": stage,
        "reason": reason,
        "detail": detail,
        "id": doc["id"],
        "text": doc["text"],
    }


def run_batch_stage(layout: Layout, source_id: str, stage: str, transform: Callable[[pa.RecordBatch], BatchResult],
                    schema: pa.Schema, batch_size: int, progress: bool = True) -> dict[str, Any]:
    """Stream one source through ``transform``; returns (and writes) the stage's base metrics."""
    source = layout.stage_docs(source_id, previous_stage(stage))
    if not source.is_file():
        raise UserError(layout.rel(source), f"missing: run the stages before {stage} for '{source_id}' first "
                        f"(dvc repro {stage}@{source_id})")
    metrics: dict[str, Any] = {"documents_in": 0, "documents": 0, "characters": 0, "rejected": 0}
    reasons: Counter = Counter()
    bar = tqdm(total=count_rows(source), desc=f"{stage} {source_id}", unit="doc", disable=not progress or None)
    with RowWriter(layout.stage_docs(source_id, stage), schema, batch_size) as docs, \
            RowWriter(layout.stage_rejects(source_id, stage), REJECT, batch_size) as rejects:
        for batch in read_batches(source, batch_size):
            result = transform(batch)
            docs.write_batch(result.kept)
            for row in result.rejects:
                rejects.add(row)
                reasons[reason_key(row["reason"])] += 1
            metrics["documents_in"] += batch.num_rows
            metrics["documents"] += result.kept.num_rows
            metrics["characters"] += pc.sum(pc.utf8_length(result.kept.column("text"))).as_py() or 0
            metrics["rejected"] += len(result.rejects)
            bar.update(batch.num_rows)
    bar.close()
    metrics["rejects_by_reason"] = dict(sorted(reasons.items()))
    return metrics

