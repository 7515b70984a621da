"""The ``publish`` and ``push`` sections of params.yaml: the release: its name, shards and hub repository. The publish contract declares
them (``Stage.sections``); ``pipeline.core.settings.build`` validates them like every section."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from pipeline.core.errors import UserError
from pipeline.core.settings import ROWS, GiB, Ranges


@dataclass(frozen=True)
class PublishParams:
    pretty_name: str = "Taiwan Traditional-Chinese Public Text Corpus"
    description: str = (
        "Taiwanese government and cultural text in Traditional Chinese, contributed by the agencies that publish it, "
        "with provenance and license for every document."
    )
    max_shard_bytes: int = 256 * 1024 * 1024  # cut a new shard after this much UTF-8 text (256 MiB)
    row_group_rows: int = 10_000  # rows per Parquet row group (small groups keep the hub viewer fast)
    compression_level: int = 9  # zstd level
    batch_size: int = 1000

    RANGES: ClassVar[Ranges] = {
        "max_shard_bytes": (1, 16 * GiB),
        "row_group_rows": (1, 10_000_000),
        "compression_level": (1, 22),
        "batch_size": ROWS,
    }


@dataclass(frozen=True)
class PushParams:
    """Where `twcorpus push` uploads data/publish/ (HF_TOKEN comes from the environment)."""

    repo_id: str = ""  # <org>/<name> on the Hugging Face hub; empty: push refuses to run
    private: bool = True  # create the repository private

    def check(self, where: str, prefix: str) -> None:
        if self.repo_id and not re.fullmatch(r"[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*", self.repo_id):
            raise UserError(where, f"'{prefix}.repo_id' must look like org/name, got '{self.repo_id}'")
