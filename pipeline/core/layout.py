"""Where everything lives, relative to the repository root.

One place for paths, so stages, the CLI and tests agree on them and ``dvc.yaml``
can be read beside this file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

MANIFEST_NAME = "source.yaml"


@dataclass(frozen=True)
class Layout:
    root: Path

    @classmethod
    def at(cls, root: str | Path | None = None) -> "Layout":
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
        return self.raw / source_id

    def manifest(self, source_id: str) -> Path:
        return self.source_dir(source_id) / MANIFEST_NAME

    # per-source stage outputs: one file per source per stage, never a growing directory
    def interim(self, source_id: str) -> Path:
        return self.root / "data" / "interim" / source_id

    def stage_docs(self, source_id: str, stage: str) -> Path:
        return self.interim(source_id) / f"{stage}.parquet"

    def stage_rejects(self, source_id: str, stage: str) -> Path:
        return self.interim(source_id) / f"{stage}.rejects.parquet"

    def source_info(self, source_id: str) -> Path:
        """The validated manifest as ingest saw it; later stages read this, not data/raw."""
        return self.interim(source_id) / "source.json"

    def stage_metrics(self, source_id: str, stage: str) -> Path:
        return self.root / "data" / "metrics" / source_id / f"{stage}.json"

    # global outputs
    @property
    def publish(self) -> Path:
        return self.root / "data" / "publish"

    @property
    def publish_metrics(self) -> Path:
        return self.root / "data" / "metrics" / "publish.json"

    @property
    def dedup(self) -> Path:
        """The global dedup stage's survivors: what publish reads."""
        return self.root / "data" / "dedup" / "documents.parquet"

    @property
    def dedup_rejects(self) -> Path:
        return self.root / "data" / "dedup" / "rejects.parquet"

    @property
    def dedup_metrics(self) -> Path:
        return self.root / "data" / "metrics" / "dedup.json"

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


# The per-source stages in pipeline order. The last one's output is what publish reads.
# Later stages (normalize, segment, flag) append themselves here and in dvc.yaml.
SOURCE_STAGES: tuple[str, ...] = ("ingest", "normalize", "quality", "pii", "segment")


def previous_stage(stage: str) -> str:
    """The per-source stage whose output ``stage`` reads."""
    return SOURCE_STAGES[SOURCE_STAGES.index(stage) - 1]
