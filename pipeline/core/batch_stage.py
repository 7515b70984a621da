"""Running a per-source stage that maps record batches to record batches.

Every per-source stage after ingest has the same shape: read the previous stage's
Parquet in batches, call a plain function on each batch, write the documents it keeps
and the rejects it returns, and add up its counts. Only the function differs, and the
engine (``pipeline.engine``: in-process, or Ray Data) decides where it runs; the outputs
are written here, in input order, so both engines write the same files.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc
from tqdm import tqdm

from pipeline.core.contract import previous_stage
from pipeline.core.errors import missing_input
from pipeline.core.layout import Layout
from pipeline.core.parquet import RowWriter, count_rows, read_batches
from pipeline.core.results import BatchResult, Transform
from pipeline.core.schema import REJECT, reason_key
from pipeline.core.tally import Tally
from pipeline.engine.local import LocalEngine

if TYPE_CHECKING:
    from pipeline.engine.base import Actors, Engine

__all__ = ["BatchResult", "ResultWriter", "Transform", "run_batch_stage", "text_length"]


@dataclass
class Plan:
    """What a per-source batch stage prepares on the driver for one run, before any document
    is read (its contract names the function that makes it: ``Stage.plan``). The runner
    (``pipeline.stages``) does the rest the same way for every stage: the source's
    registration, the input, the engine, the writing, the metrics file."""

    setup: Callable[[], Transform]  # run once per worker (a model loads here); returns the batch function
    scrub: Callable[[dict[str, Any]], dict[str, Any]]  # applied to every reject (see ResultWriter)
    stats: Tally | None = None  # receives every batch's counts
    actors: Actors | None = None  # declared resources: a pool of long-lived workers, each calling setup once
    unit: str = "doc"  # what the progress bar counts: documents, or characters ("char")
    finish: Callable[[dict[str, Any]], dict[str, Any]] | None = None  # the stage's own figures, written with the rest
    returned: Callable[[dict[str, Any]], dict[str, Any]] | None = None  # added to what the run returns, not written


class ResultWriter:
    """Writes a stage's results in the order they come, the kept rows and the rejects each to
    their file, and counts them; ``stats`` receives every result's counts. ``scrub`` is applied
    to every reject before it is written: rejects leave the interim files (they are gathered
    and shown to agencies), so a stage before pii passes the redaction of
    ``pipeline.pii.scrub`` — it is required so that no stage can forget it."""

    def __init__(
        self,
        docs: Path,
        rejects: Path,
        schema: pa.Schema,
        batch_size: int,
        stats: Tally | None = None,
        *,
        scrub: Callable[[dict[str, Any]], dict[str, Any]],
    ):
        self.scrub = scrub
        self.docs = RowWriter(docs, schema, batch_size)
        self.rejects = RowWriter(rejects, REJECT, batch_size)
        self.stats = stats
        self.counts = {"documents": 0, "characters": 0, "rejected": 0}
        self.reasons: Counter = Counter()

    def add(self, result: BatchResult) -> int:
        """Write one result; returns the characters it kept."""
        self.docs.write_batch(result.kept)
        characters = text_length(result.kept)
        for row in result.rejects:
            self.rejects.add(self.scrub(row))
            self.reasons[reason_key(row["reason"])] += 1
        self.counts["documents"] += result.kept.num_rows
        self.counts["characters"] += characters
        self.counts["rejected"] += len(result.rejects)
        if self.stats is not None:
            self.stats.merge(result.stats)
        return characters

    def metrics(self, documents_in: int) -> dict[str, Any]:
        return self.counts | {"documents_in": documents_in, "rejects_by_reason": dict(sorted(self.reasons.items()))}

    def __enter__(self) -> ResultWriter:
        return self

    def __exit__(self, *exc: Any) -> None:
        try:
            self.docs.__exit__(*exc)
        except BaseException:  # the documents could not be written: neither are the rejects
            self.rejects.abort()
            raise
        self.rejects.__exit__(*exc)


def run_batch_stage(
    layout: Layout,
    source_id: str,
    stage: str,
    transform: Transform | Callable[[], Transform],
    schema: pa.Schema,
    batch_size: int,
    progress: bool = True,
    *,
    engine: Engine | None = None,
    stats: Tally | None = None,
    actors: Actors | None = None,
    unit: str = "doc",
    scrub: Callable[[dict[str, Any]], dict[str, Any]],
) -> dict[str, Any]:
    """Stream one source through ``transform`` on ``engine``; returns the stage's base metrics.

    ``stats`` receives every batch's counts. With ``actors``, ``transform`` is a factory
    called once per worker (to load a model once) that returns the batch function. The
    progress bar counts documents, or characters (``unit="char"``) for stages that keep all.
    ``scrub`` redacts each reject (see ``ResultWriter``).
    """
    source = layout.stage_docs(source_id, previous_stage(stage))
    if not source.is_file():
        raise missing_input(
            layout.rel(source), f"the stages before {stage} for '{source_id}'", f"dvc repro {stage}@{source_id}"
        )
    documents_in = 0
    total = None if not progress else count_rows(source) if unit == "doc" else _characters(source)
    bar = tqdm(
        total=total, desc=f"{stage} {source_id}", unit=unit, unit_scale=unit == "char", disable=not progress or None
    )
    with ResultWriter(
        layout.stage_docs(source_id, stage),
        layout.stage_rejects(source_id, stage),
        schema,
        batch_size,
        stats,
        scrub=scrub,
    ) as out:
        for rows_in, result in (engine or LocalEngine()).map_batches(source, transform, batch_size, actors):
            characters = out.add(result)
            documents_in += rows_in
            bar.update(rows_in if unit == "doc" else characters)
    bar.close()
    return out.metrics(documents_in)


def text_length(batch: pa.RecordBatch) -> int:
    """Characters (code points) in a batch's ``text`` column."""
    return pc.sum(pc.utf8_length(batch.column("text"))).as_py() or 0


def _characters(path: Path) -> int:
    return sum(text_length(batch) for batch in read_batches(path, 10_000, ["text"]))
