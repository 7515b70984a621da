"""The segment stage's CKIP segmenter on our own inference path (``pipeline/ckip/inference.py``).

Word segmentation, and POS and NER when asked, each a ``TokenClassifier`` of the same
model files as ckip-transformers (``ckip.py``, the reference): in fp32 their tokens, tags
and entities are tested identical to plain ``CkipWordSegmenter``, ``CkipPosTagger`` and
``CkipNerChunker`` calls.
"""

from __future__ import annotations

from typing import Any

from pipeline.ckip.inference import TokenClassifier


class CkipInference:
    """The segment stage's CKIP segmenter on our own path: word segmentation, and POS and NER when given."""

    def __init__(
        self,
        ws: Any,
        *,
        device: str,
        fingerprint: str,
        precision: str = "fp32",
        batch_tokens: int | None = None,
        pos: Any = None,
        ner: Any = None,
        batch_size: int | None = None,
    ):
        from transformers.utils import logging as hf_logging

        from pipeline.ckip.device import torch_device

        hf_logging.disable_progress_bar()  # one progress bar per stage is ours
        self.device = torch_device(device)
        if precision == "int8" and self.device.type != "cpu":
            from pipeline.core.errors import UserError

            raise UserError(
                "params.yaml",
                f"segment.precision int8 (dynamic quantization) runs on CPU only, and "
                f"segment.device is {self.device}: use bf16 on a GPU",
            )
        self.name = f"ckip:{ws.name}"
        self.fingerprint = fingerprint
        self.precision = precision
        options = dict(device=self.device, precision=precision, batch_tokens=batch_tokens)
        self.ws = TokenClassifier(ws.path, **options)
        self.pos = TokenClassifier(pos.path, **options) if pos else None
        self.ner = TokenClassifier(ner.path, **options) if ner else None
        self.produces = frozenset(name for name, on in (("pos", pos), ("entities", ner)) if on)
        self.max_chars = self.ws.max_chars

    def segment(self, pieces: list[str]) -> list[dict[str, Any]]:
        words = self.ws.words(pieces)
        tags = self.pos.tags(words) if self.pos else None
        entities = self.ner.entities(pieces) if self.ner else None
        results = []
        for i, tokens in enumerate(words):
            result: dict[str, Any] = {"tokens": tokens}
            if tags is not None:
                result["pos"] = tags[i]
            if entities is not None:
                result["entities"] = [list(e) for e in entities[i]]
            results.append(result)
        return results
