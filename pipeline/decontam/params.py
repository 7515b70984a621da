"""The ``decontam`` section of params.yaml: the benchmarks kept out of the corpus. The decontam contract declares it
(``Stage.sections``); ``pipeline.core.settings.build`` validates it like every section."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from pipeline.core.errors import UserError
from pipeline.core.settings import ROWS, Ranges

# The decontam section. Benchmark files live under data/benchmarks/, the folder the stage
# depends on in dvc.yaml: a file elsewhere would change nothing DVC watches, and the stage
# would not re-run (README: "decontam in detail").
DECONTAM_NGRAM = (4, 1000)  # characters; fewer than 4 Han characters match everywhere

DECONTAM_POLICIES = ("remove", "flag")
BENCHMARK_FORMATS = ("jsonl", "csv", "parquet")  # the readers of pipeline/decontam/benchmarks.py
BENCHMARK_NAME = re.compile(r"[a-z0-9][a-z0-9._-]*")
BENCHMARK_FOLDER = "data/benchmarks"  # a dependency of the decontam stage in dvc.yaml


@dataclass(frozen=True)
class BenchmarkSpec:
    """One evaluation set to keep out of the corpus: a local file (or a glob of files, as
    TMMLU+ ships one CSV per subject), and the fields whose text makes up an item."""

    name: str  # lowercase letters, digits, '.', '_', '-': the reject reason is decontam:<name>
    path: str  # under data/benchmarks/, relative to the repository root; a glob (*, ?, [...]) reads every matching file, sorted
    fields: tuple[str, ...]  # fields / columns joined into an item's text, e.g. [question, A, B, C, D, answer]
    format: str | None = (
        None  # jsonl, csv or parquet; null: from the extension (.jsonl/.ndjson/.json, .csv, .parquet/.pq)
    )
    id_field: str | None = None  # field holding the item's id; null: <file>:<row> (rows count from 1)
    ngram: int | None = None  # this benchmark's n-gram size in characters; null: decontam.ngram
    policy: str | None = None  # remove or flag for this benchmark; null: decontam.policy

    RANGES: ClassVar[Ranges] = {"ngram": DECONTAM_NGRAM}

    def check(self, where: str, prefix: str) -> None:
        if not BENCHMARK_NAME.fullmatch(self.name):
            raise UserError(
                where,
                f"'{prefix}.name' must be lowercase letters, digits, '.', '_' or '-' "
                f"(it becomes the reject reason decontam:<name>), got '{self.name}'",
            )
        if not self.path.strip():
            raise UserError(where, f"'{prefix}.path' is empty")
        parts = self.path.replace("\\", "/").split("/")
        if self.path.startswith("/") or ".." in parts or "/".join(parts[:2]) != BENCHMARK_FOLDER or len(parts) < 3:
            raise UserError(
                where,
                f"'{prefix}.path' must be a file or glob under {BENCHMARK_FOLDER}/ (the folder DVC watches "
                f"for the decontam stage), got '{self.path}'",
            )
        if not self.fields:
            raise UserError(where, f"'{prefix}.fields' must name at least one field (e.g. [question, answer])")
        if any(not f for f in self.fields):
            raise UserError(where, f"'{prefix}.fields' holds an empty field name")
        if self.format is not None and self.format not in BENCHMARK_FORMATS:
            raise UserError(
                where, f"'{prefix}.format' must be null or one of {', '.join(BENCHMARK_FORMATS)}, got '{self.format}'"
            )
        if self.policy is not None and self.policy not in DECONTAM_POLICIES:
            raise UserError(where, f"'{prefix}.policy' must be null, remove or flag, got '{self.policy}'")


@dataclass(frozen=True)
class DecontamParams:
    """After dedup: documents that share a long character n-gram with an evaluation benchmark's
    items are removed (reject decontam:<name>) or flagged (column contamination). Both sides are
    normalized first (NFKC, lowercase; whitespace, punctuation and symbols dropped), so n counts
    letters, digits and Han characters only. Benchmark files go under data/benchmarks/ (README:
    "decontam in detail"), e.g.
      benchmarks:
        - name: tmmlu-plus
          path: data/benchmarks/tmmluplus/*_test.csv
          fields: [question, A, B, C, D]"""

    benchmarks: tuple[BenchmarkSpec, ...] = ()  # none: every document passes
    ngram: int = 18  # characters (letters, digits, Han; after normalization) a match shares; measured (README)
    min_chars: int = 10  # an item shorter than ngram is matched whole from this many characters
    policy: str = "remove"  # remove or flag; a benchmark may set its own ngram and policy
    batch_size: int = 10_000  # documents per record batch

    RANGES: ClassVar[Ranges] = {"ngram": DECONTAM_NGRAM, "min_chars": DECONTAM_NGRAM, "batch_size": ROWS}

    def check(self, where: str, prefix: str) -> None:
        if self.policy not in DECONTAM_POLICIES:
            raise UserError(where, f"'{prefix}.policy' must be remove or flag, got '{self.policy}'")
        if self.min_chars > self.ngram:
            raise UserError(where, f"'{prefix}.min_chars' must not exceed '{prefix}.ngram'")
        seen: set[str] = set()
        for i, b in enumerate(self.benchmarks):
            if b.name in seen:
                raise UserError(where, f"'{prefix}.benchmarks[{i}].name': '{b.name}' is used twice")
            seen.add(b.name)
            if b.ngram is not None and b.ngram < self.min_chars:
                raise UserError(where, f"'{prefix}.benchmarks[{i}].ngram' must not be below '{prefix}.min_chars'")

    def ngram_of(self, b: BenchmarkSpec) -> int:
        return b.ngram if b.ngram is not None else self.ngram

    def policy_of(self, b: BenchmarkSpec) -> str:
        return b.policy if b.policy is not None else self.policy
