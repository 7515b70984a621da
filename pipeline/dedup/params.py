"""The ``dedup`` section of params.yaml: exact and near-duplicate removal. The dedup contract declares it
(``Stage.sections``); ``pipeline.core.settings.build`` validates it like every section."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from pipeline.core.errors import UserError
from pipeline.core.settings import ROWS, SEED, SHARE, Ranges

MAX_PERMUTATIONS = 2048


@dataclass(frozen=True)
class DedupParams:
    """Exact and near-duplicate removal across all sources, after the per-source stages.
    README "dedup in detail" says how the defaults were measured."""

    exact: bool = True  # identical text (whitespace ignored)
    near: bool = True  # MinHash LSH over character n-grams
    ngram: int = 5  # shingle size in characters (chosen with the threshold on real pairs: README)
    bands: int = 42  # bands × rows = 126 permutations
    rows: int = 3  # bands × rows MinHash permutations; candidate threshold ≈ (1/bands)^(1/rows) ≈ 0.29
    threshold: float = 0.8  # estimated Jaccard similarity with the kept document that makes a copy
    family_threshold: float = 0.5  # estimated Jaccard similarity that links a template family (kept, marked)
    max_per_family: int | None = None  # publish at most this many of a template family; null: all
    seed: int = 42
    # sources whose copy is kept first, e.g. [laws]; then registration order, then position
    source_priority: tuple[str, ...] = ()
    batch_size: int = 10_000

    RANGES: ClassVar[Ranges] = {
        "ngram": (1, 100),
        "bands": (1, 1024),
        "rows": (1, 64),
        "threshold": SHARE,
        "family_threshold": SHARE,
        "max_per_family": (1, 1_000_000_000),
        "seed": SEED,
        "batch_size": ROWS,
    }

    def check(self, where: str, prefix: str) -> None:
        for key in ("threshold", "family_threshold"):
            if not 0 < getattr(self, key) <= 1:
                raise UserError(where, f"'{prefix}.{key}' must be in (0, 1]")
        if self.family_threshold > self.threshold:
            raise UserError(where, f"'{prefix}.family_threshold' must not exceed '{prefix}.threshold'")
        if self.bands * self.rows > MAX_PERMUTATIONS:  # each permutation is a hash of every shingle
            raise UserError(
                where,
                f"'{prefix}.bands' × '{prefix}.rows' must be at most {MAX_PERMUTATIONS:,} MinHash "
                f"permutations, got {self.bands * self.rows:,}",
            )
