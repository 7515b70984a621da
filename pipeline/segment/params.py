"""The ``segment`` section of params.yaml: the segmenter and how it runs. The segment contract declares it
(``Stage.sections``); ``pipeline.core.settings.build`` validates it like every section."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from pipeline.core.errors import UserError
from pipeline.core.settings import ROWS, Ranges


@dataclass(frozen=True)
class SegmentParams:
    model: str = "albert-tiny"  # CKIP alias (albert-tiny, albert-base, bert-tiny, bert-base), hub id, or local folder
    pos_model: str | None = None  # POS model; defaults to the alias's -pos model
    ner_model: str | None = None  # NER model; defaults to the alias's -ner model
    pos: bool = False  # part-of-speech tags (column pos, not published)
    ner: bool = False  # named entities with offsets (column entities, not published; used for personal data)
    strict: bool = False  # true: fail when no CKIP model can be had instead of using the fallback
    fallback: str = "jieba-hant"  # offline segmenter when no CKIP model is available
    device: str = "auto"  # auto (GPU when present), cpu, cuda, cuda:N
    pieces_per_call: int = 64  # pieces per call of the ckip-transformers reference path
    batch_tokens: int | None = None  # tokens per model batch, padding included (null: 2,048 on CPU, 32,768 on GPU)
    precision: str = "fp32"  # fp32 (ckip-transformers' tokens), bf16 (CPUs with AVX-512 BF16/AMX, GPUs), int8 (CPU)
    max_chars: int = 500  # documents are cut into pieces of at most this many characters
    cache_dir: str | None = ".cache/segment"  # content-addressed cache of segmentations; null turns it off
    batch_size: int = 1000  # documents read at a time (rows, as batch_size is in every section)

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
