"""The segment stage: word tokens for every document.

``segment_batch`` is the stage logic over one record batch: cut each document into
pieces (``pieces.py``), take what the cache already knows, send each distinct remaining
piece to the segmenter once, store the answers, and reassemble tokens whose
concatenation is the document text exactly. ``load_segmenter`` picks CKIP when a model
can be found (folder → Hugging Face cache → download) and otherwise the offline fallback
with one clear warning, or fails when ``strict`` is set.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any, Protocol

import pyarrow as pa
from tqdm import tqdm

from pipeline.core.batch_stage import BatchResult, run_batch_stage
from pipeline.core.config import SegmentParams
from pipeline.core.context import Context
from pipeline.core.errors import UserError
from pipeline.core.jsonfile import write_json
from pipeline.core.schema import SEGMENTED
from pipeline.segment import models
from pipeline.segment.cache import SegmentCache, cache_key
from pipeline.segment.fallback import FALLBACKS
from pipeline.segment.pieces import split_pieces, split_whitespace

STAGE = "segment"


class Segmenter(Protocol):
    name: str  # the `segmenter` column: ckip:<model> or fallback:<name>
    fingerprint: str  # identifies model weights and options, for the cache
    produces: frozenset[str]  # besides tokens: "pos", "entities"

    def segment(self, pieces: list[str]) -> list[dict[str, Any]]: ...


@dataclass
class Loaded:
    segmenter: Segmenter
    max_chars: int
    warning: str | None = None


def load_segmenter(ctx: Context) -> Loaded:
    p = ctx.params.segment
    ws, why = models.resolve(p.model, "ws", ctx.layout.root)
    if ws is None:
        if p.strict:
            raise UserError(ctx.layout.rel(ctx.layout.params), f"segment.strict is set and no CKIP model: {why}")
        fallback = FALLBACKS[p.fallback]()
        return Loaded(fallback, p.max_chars, f"no CKIP model: {why}; segmenting with the offline fallback "
                      f"{p.fallback} (every row says segmenter={fallback.name})")
    extra = {}
    for task, enabled, configured in (("pos", p.pos, p.pos_model), ("ner", p.ner, p.ner_model)):
        if not enabled:
            continue
        found, why = models.resolve(configured or p.model, task, ctx.layout.root)
        if found is None or (configured is None and p.model not in models.ALIASES):
            raise UserError(ctx.layout.rel(ctx.layout.params),
                            f"segment.{task} is on but no {task.upper()} model: "
                            + (why or f"set segment.{task}_model for the custom model '{p.model}'"))
        extra[task] = found
    fingerprint = "|".join([ws.name, models.fingerprint(ws.path)]
                           + [f"{task}={m.name}:{models.fingerprint(m.path)}" for task, m in sorted(extra.items())])
    from pipeline.segment.ckip import CkipBackend  # imports torch: only when a model is there

    backend = CkipBackend(ws, device=p.device, batch_size=p.batch_size, fingerprint=fingerprint, **extra)
    return Loaded(backend, min(p.max_chars, backend.max_chars))


def segment_batch(batch: pa.RecordBatch, segmenter: Segmenter, cache: SegmentCache, max_chars: int,
                  bar: tqdm | None = None) -> BatchResult:
    docs = batch.to_pylist()
    split = [split_pieces(doc["text"], max_chars) for doc in docs]
    keys: dict[str, bytes] = {}
    for pieces in split:
        for piece, is_text in pieces:
            if is_text and piece not in keys:
                keys[piece] = cache_key(segmenter.fingerprint, piece)
    known = cache.get_many(list(keys.values()))
    todo = [piece for piece, key in keys.items() if key not in known]
    if todo:
        fresh = segmenter.segment(todo)
        cache.put_many((keys[piece], result) for piece, result in zip(todo, fresh))
        known.update((keys[piece], result) for piece, result in zip(todo, fresh))
    out = []
    for doc, pieces in zip(docs, split):
        tokens: list[str] = []
        pos: list[str] | None = [] if "pos" in segmenter.produces else None
        entities: list[dict[str, Any]] | None = [] if "entities" in segmenter.produces else None
        offset = 0
        for piece, is_text in pieces:
            if not is_text:
                tokens.append(piece)
                if pos is not None:
                    pos.append("WHITESPACE")
            else:
                result = known[keys[piece]]
                tokens.extend(split_whitespace(result["tokens"]))
                if pos is not None:
                    pos.extend(_pos_for(result))
                if entities is not None:
                    entities.extend({"text": text, "type": kind, "start": offset + start, "end": offset + end}
                                    for text, kind, start, end in result.get("entities", []))
            offset += len(piece)
        if "".join(tokens) != doc["text"]:  # a broken invariant is a bug, never silently published
            raise AssertionError(f"tokens of document {doc['id']} do not reassemble its text")
        out.append(doc | {"tokens": tokens, "segmenter": segmenter.name, "pos": pos, "entities": entities})
        if bar is not None:
            bar.update(len(doc["text"]))
    return BatchResult(pa.RecordBatch.from_pylist(out, schema=SEGMENTED))


def _pos_for(result: dict[str, Any]) -> list[str]:
    """POS tags aligned with the whitespace-split tokens: whitespace inside a token is WHITESPACE."""
    tags = []
    for token, tag in zip(result["tokens"], result.get("pos", [])):
        parts = split_whitespace([token])
        tags.extend("WHITESPACE" if part.isspace() else tag for part in parts)
    return tags


def run(ctx: Context, source_id: str, progress: bool = True) -> dict[str, Any]:
    p: SegmentParams = ctx.params.segment
    ctx.sources.require(ctx.layout, source_id)
    loaded = load_segmenter(ctx)
    if loaded.warning:
        print(f"twcorpus: warning: {loaded.warning}", file=sys.stderr)
    cache = SegmentCache(ctx.layout.root / p.cache_dir / "segments.sqlite" if p.cache_dir else None)
    total = _characters(ctx, source_id)
    bar = tqdm(total=total, desc=f"segment {source_id}", unit="char", unit_scale=True, disable=not progress or None)
    try:
        metrics = run_batch_stage(
            ctx.layout, source_id, STAGE,
            lambda batch: segment_batch(batch, loaded.segmenter, cache, loaded.max_chars, bar),
            SEGMENTED, p.rows_per_batch, progress=False)
    finally:
        bar.close()
        cache.close()
    metrics.update(segmenter=loaded.segmenter.name, fallback_used=loaded.warning is not None)
    write_json(ctx.layout.stage_metrics(source_id, STAGE), metrics)  # cache counts vary with the cache: not here
    return metrics | {"cache_hits": cache.hits, "cache_misses": cache.misses}


def _characters(ctx: Context, source_id: str) -> int:
    import pyarrow.compute as pc

    from pipeline.core.layout import previous_stage
    from pipeline.core.parquet import read_batches

    path = ctx.layout.stage_docs(source_id, previous_stage(STAGE))
    return sum(pc.sum(pc.utf8_length(b.column("text"))).as_py() or 0 for b in read_batches(path, 10_000, ["text"]))
