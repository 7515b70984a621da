"""The ``ingest`` section of params.yaml: what ingest reads at a time and how large a file may be. The ingest contract declares it
(``Stage.sections``); ``pipeline.core.settings.build`` validates it like every section."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from pipeline.core.settings import ROWS, GiB, Ranges


@dataclass(frozen=True)
class IngestParams:
    batch_size: int = 1000  # rows per Arrow record batch: bounds the stage's memory
    max_file_bytes: int = 256 * 1024 * 1024  # larger files are rejected as too-large, unread

    RANGES: ClassVar[Ranges] = {"batch_size": ROWS, "max_file_bytes": (1, 4 * GiB)}
