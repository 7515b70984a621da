"""CKIP word segmentation (and optional POS and NER) through ckip-transformers.

The real ckip-transformers classes load and run the model; this module only feeds them
well. A plain ``CkipWordSegmenter()(texts)`` pads every input to the longest text of
the whole call; here pieces are sorted by length and sent in groups of ``batch_size``,
so each group pads only to its own longest piece. Results are put back in input order.

This is the reference, no longer the stage's path: the stage runs the same model files on
our own inference path (``pipeline/ckip/inference.py``: no per-call tokenizer, batches
sized by tokens, labels decoded by array operations), whose fp32 tokens are tested
identical to these classes' and which ``benchmarks/segment_speed.py`` measures against
this backend.
"""

from __future__ import annotations

from typing import Any

from pipeline.ckip.batching import length_batches
from pipeline.ckip.device import torch_device
from pipeline.ckip.models import ResolvedModel


class CkipBackend:
    def __init__(
        self,
        ws: ResolvedModel,
        *,
        device: str,
        batch_size: int,
        fingerprint: str,
        pos: ResolvedModel | None = None,
        ner: ResolvedModel | None = None,
    ):
        from ckip_transformers.nlp import CkipNerChunker, CkipPosTagger, CkipWordSegmenter
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # one progress bar per stage is ours

        self.device = torch_device(device)
        self.batch_size = batch_size
        self.name = f"ckip:{ws.name}"
        self.fingerprint = fingerprint
        self.ws = CkipWordSegmenter(model_name=str(ws.path), device=self.device)
        self.pos = CkipPosTagger(model_name=str(pos.path), device=self.device) if pos else None
        self.ner = CkipNerChunker(model_name=str(ner.path), device=self.device) if ner else None
        self.produces = frozenset(name for name, on in (("pos", pos), ("entities", ner)) if on)
        # Pieces must fit the model: [CLS] + text + [SEP].
        self.max_chars = self.ws.tokenizer.model_max_length - 2

    def segment(self, pieces: list[str]) -> list[dict[str, Any]]:
        results: list[dict[str, Any]] = [{}] * len(pieces)
        for batch in length_batches([len(p) for p in pieces], rows=self.batch_size):
            group = batch.tolist()
            texts = [pieces[i] for i in group]
            options = dict(batch_size=len(texts), show_progress=False)
            words = self.ws(texts, **options)
            tags = self.pos(words, **options) if self.pos else None
            entities = self.ner(texts, **options) if self.ner else None
            for j, i in enumerate(group):
                result: dict[str, Any] = {"tokens": words[j]}
                if tags is not None:
                    result["pos"] = tags[j]
                if entities is not None:
                    result["entities"] = [[e.word, e.ner, e.idx[0], e.idx[1]] for e in entities[j]]
                results[i] = result
        return results
