"""Person names from CKIP NER (PERSON entities), for the pii stage.

Uses the NER model that the segment settings name (``segment.ner_model``, or the CKIP
alias in ``segment.model``), found the same way (folder → Hugging Face cache →
download). Without one, names are not detected and the stage says so once.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from pipeline.core.context import Context
from pipeline.core.errors import UserError
from pipeline.pii.detectors.base import Span
from pipeline.segment import models
from pipeline.segment.pieces import split_pieces


class NameFinder:
    def __init__(self, ner: models.ResolvedModel, device: str, batch_size: int):
        from ckip_transformers.nlp import CkipNerChunker

        from pipeline.segment.ckip import torch_device

        self.ner = CkipNerChunker(model_name=str(ner.path), device=torch_device(device))
        self.max_chars = self.ner.tokenizer.model_max_length - 2
        self.batch_size = batch_size

    def find(self, texts: list[str]) -> list[list[Span]]:
        jobs: list[tuple[int, int, str]] = []  # (document, offset, piece)
        for i, text in enumerate(texts):
            offset = 0
            for piece, is_text in split_pieces(text, self.max_chars):
                if is_text:
                    jobs.append((i, offset, piece))
                offset += len(piece)
        jobs.sort(key=lambda job: len(job[2]))  # length-grouped batches, as in segment
        spans: list[list[Span]] = [[] for _ in texts]
        for start in range(0, len(jobs), self.batch_size):
            group = jobs[start:start + self.batch_size]
            results = self.ner([piece for _, _, piece in group], batch_size=len(group), show_progress=False)
            for (doc, offset, _), entities in zip(group, results):
                spans[doc].extend(Span("person", offset + e.idx[0], offset + e.idx[1])
                                  for e in entities if e.ner == "PERSON")
        return spans


def name_finder_factory(ctx: Context) -> tuple[Callable[[], NameFinder] | None, str | None]:
    """What builds the name finder (once per worker; the model loads there), or None and why not."""
    s = ctx.params.segment
    configured = s.ner_model or (s.model if s.model in models.ALIASES else None)
    if configured is None:
        raise UserError(ctx.layout.rel(ctx.layout.params),
                        "pii.person_names is on but there is no NER model: set segment.ner_model")
    found, why = models.resolve(configured, "ner", ctx.layout.root)
    if found is None:
        if s.strict:
            raise UserError(ctx.layout.rel(ctx.layout.params), f"segment.strict is set and no NER model: {why}")
        return None, f"person names are not detected: no NER model ({why})"
    return partial(NameFinder, found, s.device, s.batch_size), None
