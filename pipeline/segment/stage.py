"""The segment stage: word tokens for every document.

``segment_batch`` is the stage logic over one record batch: cut each document into
pieces (``pieces.py``), take what the cache already knows, send each distinct remaining
piece to the segmenter once, store the answers, and reassemble tokens whose
concatenation is the document text exactly. ``plan_segmenter`` picks CKIP when a model
can be found (folder → Hugging Face cache → download) and otherwise the offline fallback
with one clear warning, or fails when ``strict`` is set. Each worker (this process, or
each Ray actor) loads the model and opens the cache once.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa

from pipeline.core.batch_stage import BatchResult, run_batch_stage
from pipeline.core.config import SegmentParams
from pipeline.core.context import Context
from pipeline.core.errors import UserError
from pipeline.core.jsonfile import write_json
from pipeline.core.schema import SEGMENTED
from pipeline.core.tally import Tally
from pipeline.engine import engine_for, model_actors
from pipeline.segment import models
from pipeline.segment.cache import SegmentCache, cache_key
from pipeline.segment.fallback import FALLBACKS
from pipeline.segment.pieces import split_pieces, split_whitespace
from pipeline.pii.scrub import unchanged

STAGE = "segment"


class Segmenter(Protocol):
    name: str  # the `segmenter` column: ckip:<model> or fallback:<name>
    fingerprint: str  # identifies model weights and options, for the cache
    produces: frozenset[str]  # besides tokens: "pos", "entities"

    def segment(self, pieces: list[str]) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class Plan:
    """The segmenter a run uses, chosen without loading it: ``build`` loads it, once per worker."""

    name: str  # the `segmenter` column
    build: Callable[[], Segmenter]
    warning: str | None = None


@dataclass
class SegmentStats(Tally):
    cache: Counter = field(default_factory=Counter)  # distinct pieces: hits, misses


def plan_segmenter(ctx: Context) -> Plan:
    """CKIP when a model can be found (folder → Hugging Face cache → download), else the fallback
    with a warning, or a UserError when ``strict`` is set or a POS/NER model is missing."""
    p = ctx.params.segment
    ws, why = models.resolve(p.model, "ws", ctx.layout.root)
    if ws is None:
        if p.strict:
            raise UserError(ctx.layout.rel(ctx.layout.params), f"segment.strict is set and no CKIP model: {why}")
        fallback = FALLBACKS[p.fallback]
        return Plan(fallback.name, fallback, f"no CKIP model: {why}; segmenting with the offline fallback "
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
    return Plan(f"ckip:{ws.name}", partial(_ckip, ws, device=p.device, batch_size=p.batch_size,
                                           fingerprint=fingerprint, **extra))


def _ckip(*args: Any, **kwargs: Any) -> Segmenter:
    from pipeline.segment.ckip import CkipBackend  # imports torch: only where a model is loaded

    return CkipBackend(*args, **kwargs)


def _max_chars(p: SegmentParams, segmenter: Segmenter) -> int:
    return min(p.max_chars, getattr(segmenter, "max_chars", p.max_chars))


def _worker(plan: Plan, p: SegmentParams, cache_path: Path | None) -> Callable[[pa.RecordBatch], BatchResult]:
    """A worker's batch function: the model loaded and the cache opened once."""
    segmenter = plan.build()
    return partial(segment_batch, segmenter=segmenter, cache=SegmentCache(cache_path),
                   max_chars=_max_chars(p, segmenter))


def segment_batch(batch: pa.RecordBatch, segmenter: Segmenter, cache: SegmentCache, max_chars: int) -> BatchResult:
    docs = batch.to_pylist()
    split = [split_pieces(doc["text"], max_chars) for doc in docs]
    keys: dict[str, bytes] = {}
    for pieces in split:
        for piece, is_text in pieces:
            if is_text and piece not in keys:
                keys[piece] = cache_key(segmenter.fingerprint, piece)
    known = cache.get_many(list(keys.values()))
    todo = [piece for piece, key in keys.items() if key not in known]
    stats = SegmentStats(Counter(hits=len(known), misses=len(todo)))
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
    return BatchResult(pa.RecordBatch.from_pylist(out, schema=SEGMENTED), stats=stats)


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
    plan = plan_segmenter(ctx)
    if plan.warning:
        print(f"twcorpus: warning: {plan.warning}", file=sys.stderr)
    cache_path = ctx.layout.root / p.cache_dir / "segments.sqlite" if p.cache_dir else None
    engine = engine_for(ctx.params)
    stats = SegmentStats()
    metrics = run_batch_stage(ctx.layout, source_id, STAGE, partial(_worker, plan, p, cache_path), SEGMENTED,
                              p.rows_per_batch, progress, engine=engine, stats=stats,
                              actors=model_actors(ctx.params, engine, model=plan.name.startswith("ckip:")), unit="char",
                              scrub=unchanged)
    metrics.update(segmenter=plan.name, fallback_used=plan.warning is not None)
    write_json(ctx.layout.stage_metrics(source_id, STAGE), metrics)  # cache counts vary with the cache: not here
    return metrics | {"cache_hits": stats.cache["hits"], "cache_misses": stats.cache["misses"]}
