"""Where everything lives, relative to the repository root.

One place for paths, so stages, the CLI and tests agree on them and ``dvc.yaml``
can be read beside this file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.core.errors import UserError

MANIFEST_NAME = "source.yaml"
# A source id names folders (data/raw/<id>, data/interim/<id>) and DVC stages (ingest@<id>):
# no separator, no dot, no upper case (case-insensitive file systems), so no path can escape.
SOURCE_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
SOURCE_ID_RULE = "lowercase letters, digits and '-', at most 64, starting with a letter or digit (e.g. moj-laws)"


def checked_source_id(source_id: str, where: str = "source id") -> str:
    """``source_id`` when it is valid; a UserError otherwise (before any path is built from it)."""
    if not isinstance(source_id, str) or not SOURCE_ID.fullmatch(source_id):
        raise UserError(where, f"{source_id!r} is not a valid source id: use {SOURCE_ID_RULE}")
    return source_id


@dataclass(frozen=True)
class Layout:
    root: Path

    @classmethod
    def at(cls, root: str | Path | None = None) -> Layout:
        return cls(Path(root or ".").resolve())

    # inputs
    @property
    def params(self) -> Path:
        return self.root / "params.yaml"

    @property
    def sources_config(self) -> Path:
        return self.root / "configs" / "sources.yaml"

    @property
    def licenses(self) -> Path:
        return self.root / "licenses"

    @property
    def raw(self) -> Path:
        return self.root / "data" / "raw"

    def source_dir(self, source_id: str) -> Path:
        return self.raw / checked_source_id(source_id)

    def manifest(self, source_id: str) -> Path:
        return self.source_dir(source_id) / MANIFEST_NAME

    # per-source stage outputs: one file per source per stage, never a growing directory
    def interim(self, source_id: str) -> Path:
        return self.root / "data" / "interim" / checked_source_id(source_id)

    def stage_docs(self, source_id: str, stage: str) -> Path:
        return self.interim(source_id) / f"{stage}.parquet"

    def stage_rejects(self, source_id: str, stage: str) -> Path:
        return self.interim(source_id) / f"{stage}.rejects.parquet"

    def source_info(self, source_id: str) -> Path:
        """The validated manifest as ingest saw it; later stages read this, not data/raw."""
        return self.interim(source_id) / "source.json"

    def stage_info(self, source_id: str, stage: str) -> Path:
        """What a stage says of its own run for the dataset card (the pii stage: the detectors
        that ran); an interim output, so publish depends on it."""
        return self.interim(source_id) / f"{stage}.json"

    def stage_metrics(self, source_id: str, stage: str) -> Path:
        return self.root / "data" / "metrics" / checked_source_id(source_id) / f"{stage}.json"

    # global outputs
    @property
    def publish(self) -> Path:
        return self.root / "data" / "publish"

    @property
    def publish_metrics(self) -> Path:
        return self.root / "data" / "metrics" / "publish.json"

    @property
    def summary_metrics(self) -> Path:
        """The headline figures `dvc metrics show` prints: one file per source, and `_total.json`
        (no source id can be `_total`)."""
        return self.root / "data" / "metrics" / "summary"

    @property
    def dedup(self) -> Path:
        """The global dedup stage's survivors: what publish reads."""
        return self.root / "data" / "dedup" / "documents.parquet"

    def global_rejects(self, stage: str) -> Path:
        """What a global stage before publish removed (data/<stage>/rejects.parquet)."""
        return self.root / "data" / stage / "rejects.parquet"

    @property
    def dedup_rejects(self) -> Path:
        return self.global_rejects("dedup")

    @property
    def dedup_metrics(self) -> Path:
        return self.root / "data" / "metrics" / "dedup.json"

    @property
    def benchmarks(self) -> Path:
        """Evaluation sets that decontam keeps out of the corpus (decontam.benchmarks name files here)."""
        return self.root / "data" / "benchmarks"

    @property
    def decontam(self) -> Path:
        """The global decontam stage's output (dedup's survivors less the contaminated): what publish reads."""
        return self.root / "data" / "decontam" / "documents.parquet"

    @property
    def decontam_rejects(self) -> Path:
        return self.global_rejects("decontam")

    @property
    def decontam_report(self) -> Path:
        """Every benchmark checked, its n-gram size and what it matched, for the dataset card."""
        return self.root / "data" / "decontam" / "benchmarks.json"

    @property
    def decontam_metrics(self) -> Path:
        return self.root / "data" / "metrics" / "decontam.json"

    @property
    def plots(self) -> Path:
        """Data behind `dvc plots show`."""
        return self.root / "data" / "plots"

    @property
    def rejects(self) -> Path:
        return self.root / "data" / "rejects" / "rejects.parquet"

    def rel(self, path: Path) -> str:
        """A path as the user should see it: relative to the root when inside it."""
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return str(path)
