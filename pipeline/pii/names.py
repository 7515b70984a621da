"""Person names from CKIP NER (PERSON entities), for the pii stage.

Uses the NER model that the segment settings name (``segment.ner_model``, or the CKIP
alias in ``segment.model``), found the same way (folder → Hugging Face cache →
download) and run on the same inference path (``pipeline/ckip/``). Without one, names
are not detected and the stage says so once.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from pipeline.ckip import models
from pipeline.ckip.pieces import split_pieces
from pipeline.core.context import Context
from pipeline.core.errors import UserError
from pipeline.pii.detectors.base import Span


class NameFinder:
    """PERSON entities from the NER model, on the inference path segment runs too (``pipeline/ckip/inference.py``):
    the same feeding, batches sized by tokens and decoding as ``CkipNerChunker``'s, in fp32 identical."""

    def __init__(
        self,
        ner: models.ResolvedModel,
        device: str,
        batch_size: int,
        precision: str = "fp32",
        batch_tokens: int | None = None,
    ):
        from pipeline.ckip.device import torch_device
        from pipeline.ckip.inference import TokenClassifier

        self.ner = TokenClassifier(
            ner.path, device=torch_device(device), precision=precision, batch_tokens=batch_tokens
        )
        self.max_chars = self.ner.max_chars
        self.batch_size = batch_size  # kept for callers; batches are sized by tokens now

    def find(self, texts: list[str]) -> list[list[Span]]:
        jobs: list[tuple[int, int]] = []  # (document, offset) of each piece
        pieces: list[str] = []
        for i, text in enumerate(texts):
            offset = 0
            for piece, is_text in split_pieces(text, self.max_chars):
                if is_text:
                    jobs.append((i, offset))
                    pieces.append(piece)
                offset += len(piece)
        spans: list[list[Span]] = [[] for _ in texts]
        for (doc, offset), entities in zip(jobs, self.ner.entities(pieces)):
            spans[doc].extend(
                Span("person", offset + start, offset + end) for _, kind, start, end in entities if kind == "PERSON"
            )
        return spans


def name_finder_factory(ctx: Context) -> tuple[Callable[[], NameFinder] | None, str | None]:
    """What builds the name finder (once per worker; the model loads there), or None and why not."""
    s = ctx.params.segment
    configured = s.ner_model or (s.model if s.model in models.ALIASES else None)
    if configured is None:
        raise UserError(
            ctx.layout.rel(ctx.layout.params), "pii.person_names is on but there is no NER model: set segment.ner_model"
        )
    found, why = models.resolve(configured, "ner", ctx.layout.root)
    if found is None:
        if s.strict:
            raise UserError(ctx.layout.rel(ctx.layout.params), f"segment.strict is set and no NER model: {why}")
        return None, f"person names are not detected: no NER model ({why})"
    precision = models.checked_precision(s.precision, ctx.layout.rel(ctx.layout.params), "segment.precision")
    return partial(NameFinder, found, s.device, s.pieces_per_call, precision, s.batch_tokens), None
