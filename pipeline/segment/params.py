"""The ``segment`` section of params.yaml: the segmenter and how it runs. The segment contract declares it
(``Stage.sections``); ``pipeline.core.settings.build`` validates it like every section."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from pipeline.core.errors import UserError
from pipeline.core.settings import ROWS, Ranges


@dataclass(frozen=True)
class SegmentParams:
    model: str = "albert-tiny"  # CKIP alias, Hugging Face id, or local folder (relative to the repo root)
    pos_model: str | None = None  # defaults to the alias's -pos model; required for a custom model when pos is on
    ner_model: str | None = None  # likewise for NER
    pos: bool = False  # part-of-speech tags (column pos)
    ner: bool = False  # named entities with character offsets (column entities)
    strict: bool = False  # fail instead of falling back when no CKIP model can be had
    fallback: str = (
        "jieba-hant"  # the offline segmenter when no CKIP model is available (checked by the segment contract)
    )
    device: str = "auto"  # auto, cpu, cuda, cuda:N
    pieces_per_call: int = 64  # pieces per call of the ckip-transformers reference path (benchmarks, tests)
    # tokens per model batch of our inference path, padding included; null: 2,048 on CPU, 32,768 on GPU
    batch_tokens: int | None = None
    precision: str = "fp32"  # fp32 (ckip-transformers' tokens), bf16 (AVX-512 BF16/AMX CPUs, GPUs), int8 (CPU)
    max_chars: int = 500  # documents are cut into pieces of at most this many characters (< 510)
    cache_dir: str | None = ".cache/segment"  # content-addressed cache, relative to the repo root; null: none
    batch_size: int = 1000  # documents read at a time (rows, as in every section)

    RANGES: ClassVar[Ranges] = {
        "pieces_per_call": (1, 8192),
        "batch_tokens": (1, 16_777_216),
        "max_chars": (1, 509),
        "batch_size": ROWS,
    }

    def check(self, where: str, prefix: str) -> None:
        if not 1 <= self.max_chars <= 509:
            raise UserError(where, f"'{prefix}.max_chars' must be between 1 and 509 (CKIP models take 510 characters)")
        if not (self.device in ("auto", "cpu", "cuda") or self.device.startswith("cuda:")):
            raise UserError(where, f"'{prefix}.device' must be auto, cpu, cuda or cuda:N, got '{self.device}'")
        if self.precision not in ("fp32", "bf16", "int8"):
            raise UserError(where, f"'{prefix}.precision' must be fp32, bf16 or int8, got '{self.precision}'")
