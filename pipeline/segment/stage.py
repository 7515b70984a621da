"""The segment stage: word tokens for every document.

``segment_batch`` is the stage logic over one record batch: cut each document into
pieces (``pieces.py``), take what the cache already knows, send each distinct remaining
piece to the segmenter once, store the answers, and reassemble tokens whose
concatenation is the document text exactly.

Memory is bounded by a window, not by the longest document: the batch's pieces are cut
lazily and worked through ``WINDOW_PIECES`` pieces or ``WINDOW_CHARS`` characters at a
time. A window's distinct pieces go to the segmenter in one call (the CKIP backend sorts
them by length), and windows run across documents, so many short documents' pieces still
share a call, as before windows; a batch that fits a window is exactly one call. Each
window's tokens are checked against its part of the text and kept only as their UTF-8
lengths: since a row's tokens concatenate to its text, the ``tokens`` column's values are
the text column's own bytes, cut at new offsets (4 bytes a token). ``pos`` and
``entities`` become an Arrow array per window, concatenated at the end, with entity
offsets counted from the start of the document.

``plan_segmenter`` picks CKIP when a model can be found (folder → Hugging Face cache →
download) and otherwise the offline fallback with one clear warning, or fails when
``strict`` is set. Each worker (this process, or each Ray actor) loads the model and
opens the cache once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from itertools import accumulate
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.ckip import models
from pipeline.ckip.pieces import iter_pieces, split_whitespace
from pipeline.core.batch_stage import BatchResult
from pipeline.core.batch_stage import Plan as StagePlan  # this module's Plan is the segmenter's
from pipeline.core.context import Context
from pipeline.core.errors import UserError
from pipeline.core.notices import warn_once
from pipeline.core.schema import schema_after
from pipeline.core.tally import Tally
from pipeline.engine import engine_for, model_actors
from pipeline.pii.scrub import unchanged
from pipeline.segment.cache import SegmentCache, cache_key
from pipeline.segment.contract import ENTITY
from pipeline.segment.fallbacks import FALLBACKS
from pipeline.segment.params import SegmentParams

STAGE = "segment"
# A window: the pieces segmented, cached and turned into Arrow at a time, across documents.
# Its Python objects (pieces, results, tokens) take ~80 bytes a character: ~16 MB here.
WINDOW_PIECES = 10_000
WINDOW_CHARS = 200_000


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
        fallback = FALLBACKS.get(p.fallback, "segment.fallback")
        return Plan(
            fallback.name,
            fallback,
            f"no CKIP model: {why}; segmenting with the offline fallback "
            f"{p.fallback} (every row says segmenter={fallback.name})",
        )
    extra = {}
    for task, enabled, configured in (("pos", p.pos, p.pos_model), ("ner", p.ner, p.ner_model)):
        if not enabled:
            continue
        found, why = models.resolve(configured or p.model, task, ctx.layout.root)
        if found is None or (configured is None and p.model not in models.ALIASES):
            raise UserError(
                ctx.layout.rel(ctx.layout.params),
                f"segment.{task} is on but no {task.upper()} model: "
                + (why or f"set segment.{task}_model for the custom model '{p.model}'"),
            )
        extra[task] = found
    precision = precision_of(ctx)
    fingerprint = "|".join(
        [ws.name, models.fingerprint(ws.path)]
        + [f"{task}={m.name}:{models.fingerprint(m.path)}" for task, m in sorted(extra.items())]
        # fp32 gives ckip-transformers' tokens: its cache entries stay valid
        + ([f"precision={precision}"] if precision != "fp32" else [])
    )
    return Plan(
        f"ckip:{ws.name}",
        partial(
            _ckip,
            ws,
            device=p.device,
            batch_size=p.pieces_per_call,
            fingerprint=fingerprint,
            precision=precision,
            batch_tokens=p.batch_tokens,
            **extra,
        ),
    )


def precision_of(ctx: Context) -> str:
    """``segment.precision`` (fp32, bf16 or int8), checked."""
    return models.checked_precision(
        ctx.params.segment.precision, ctx.layout.rel(ctx.layout.params), "segment.precision"
    )


def _ckip(*args: Any, **kwargs: Any) -> Segmenter:
    from pipeline.segment.inference import CkipInference  # imports torch: only where a model is loaded

    return CkipInference(*args, **kwargs)


def _max_chars(p: SegmentParams, segmenter: Segmenter) -> int:
    return min(p.max_chars, getattr(segmenter, "max_chars", p.max_chars))


def _worker(plan: Plan, p: SegmentParams, cache_path: Path | None) -> Callable[[pa.RecordBatch], BatchResult]:
    """A worker's batch function: the model loaded and the cache opened once."""
    segmenter = plan.build()
    return partial(
        segment_batch, segmenter=segmenter, cache=SegmentCache(cache_path), max_chars=_max_chars(p, segmenter)
    )


def segment_batch(
    batch: pa.RecordBatch,
    segmenter: Segmenter,
    cache: SegmentCache,
    max_chars: int,
    *,
    window_pieces: int | None = None,
    window_chars: int | None = None,
) -> BatchResult:
    """The batch with its ``tokens`` (and ``pos``/``entities``), built window by window."""
    limit_pieces, limit_chars = window_pieces or WINDOW_PIECES, window_chars or WINDOW_CHARS
    columns = _Columns(batch.num_rows, segmenter.produces)
    stats = SegmentStats(Counter(hits=0, misses=0))
    ids, texts = batch.column("id"), batch.column("text")
    lengths = []
    window: list[tuple[int, str, bool]] = []  # (row, piece, is_text)
    window_texts: dict[int, str] = {}  # the text of every row with a piece in the window
    chars = 0
    for row in range(batch.num_rows):
        text = texts[row].as_py()
        lengths.append(len(text))
        for piece, is_text in iter_pieces(text, max_chars):
            if row not in window_texts:
                window_texts[row] = text
            window.append((row, piece, is_text))
            chars += len(piece)
            if len(window) >= limit_pieces or chars >= limit_chars:
                stats.merge(columns.add_window(window, window_texts, ids, segmenter, cache))
                window, window_texts, chars = [], {}, 0
    if window:
        stats.merge(columns.add_window(window, window_texts, ids, segmenter, cache))
    for row, length in enumerate(lengths):
        if columns.offsets[row] != length:  # every window reassembled its part: the parts must be the whole
            raise AssertionError(f"tokens of document {ids[row].as_py()} do not reassemble its text")
    return BatchResult(columns.batch(batch, segmenter.name), stats=stats)


class _Columns:
    """The segment columns of one batch, built a window at a time: per window, the tokens' UTF-8
    lengths and the ``pos`` and ``entities`` arrays; per row, characters, tokens and entities so far."""

    def __init__(self, rows: int, produces: frozenset[str]):
        self.rows = rows
        self.offsets = [0] * rows  # characters of each row reassembled so far
        self.token_bytes: list[np.ndarray] = []  # each token's UTF-8 length, a chunk per window
        self.token_counts = [0] * rows
        self.pos: list[pa.Array] | None = [] if "pos" in produces else None
        self.entities: list[pa.Array] | None = [] if "entities" in produces else None
        self.entity_counts = [0] * rows

    def add_window(
        self,
        window: list[tuple[int, str, bool]],
        texts: dict[int, str],
        ids: pa.Array,
        segmenter: Segmenter,
        cache: SegmentCache,
    ) -> SegmentStats:
        """Segment a window's distinct pieces (the cache first), check and keep its tokens."""
        keys: dict[str, bytes] = {}
        for _, piece, is_text in window:
            if is_text and piece not in keys:
                keys[piece] = cache_key(segmenter.fingerprint, piece)
        known = cache.get_many(list(keys.values()))
        todo = [piece for piece, key in keys.items() if key not in known]
        stats = SegmentStats(Counter(hits=len(known), misses=len(todo)))
        if todo:
            fresh = segmenter.segment(todo)
            cache.put_many((keys[piece], result) for piece, result in zip(todo, fresh))
            known.update((keys[piece], result) for piece, result in zip(todo, fresh))
        tokens: list[str] = []
        pos: list[str] | None = [] if self.pos is not None else None
        entities: list[dict[str, Any]] | None = [] if self.entities is not None else None
        row, first_token, first_char = -1, 0, 0
        for r, piece, is_text in window:
            if r != row:
                self._close(row, tokens, first_token, first_char, texts, ids)
                row, first_token, first_char = r, len(tokens), self.offsets[r]
            offset = self.offsets[row]
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
                    found = result.get("entities", [])
                    entities.extend(
                        {"text": text, "type": kind, "start": offset + start, "end": offset + end}
                        for text, kind, start, end in found
                    )
                    self.entity_counts[row] += len(found)
            self.offsets[row] = offset + len(piece)
        self._close(row, tokens, first_token, first_char, texts, ids)
        self.token_bytes.append(pc.binary_length(pa.array(tokens, pa.string())).to_numpy())
        if pos is not None and self.pos is not None:
            self.pos.append(pa.array(pos, pa.string()))
        if entities is not None and self.entities is not None:
            self.entities.append(pa.array(entities, ENTITY))
        return stats

    def _close(
        self, row: int, tokens: list[str], first: int, first_char: int, texts: dict[int, str], ids: pa.Array
    ) -> None:
        """A row's tokens in this window: they must reassemble its text from ``first_char`` on."""
        if row < 0:
            return
        if "".join(tokens[first:]) != texts[row][first_char : self.offsets[row]]:
            # a broken invariant is a bug, never silently published
            raise AssertionError(f"tokens of document {ids[row].as_py()} do not reassemble its text")
        self.token_counts[row] += len(tokens) - first

    def _tokens(self, text: pa.Array, ids: pa.Array) -> pa.Array:
        """The tokens column. A row's tokens concatenate to its text, so their bytes are the text
        column's own bytes: only the offsets where tokens end are new (4 bytes a token)."""
        text_offsets = np.zeros(self.rows + 1, np.int32)
        if self.rows:
            text_offsets = np.frombuffer(text.buffers()[1], np.int32)[text.offset : text.offset + self.rows + 1]
        offsets = np.empty(sum(len(chunk) for chunk in self.token_bytes) + 1, np.int32)
        offsets[0] = text_offsets[0]
        at = 1
        for chunk in self.token_bytes:  # offsets[i + 1] = offsets[i] + the bytes of token i
            np.cumsum(chunk, out=offsets[at : at + len(chunk)])
            offsets[at : at + len(chunk)] += offsets[at - 1]
            at += len(chunk)
        self.token_bytes.clear()
        rows = np.zeros(self.rows + 1, np.int32)  # where each row's tokens start
        np.cumsum(self.token_counts, out=rows[1:])
        bad = np.flatnonzero(offsets[rows] != text_offsets)  # the windows checked it: a check of the offsets
        if len(bad):  # a broken invariant is a bug, never silently published
            raise AssertionError(f"tokens of document {ids[int(bad[0]) - 1].as_py()} do not reassemble its text")
        data = text.buffers()[2] if self.rows else None
        values = pa.StringArray.from_buffers(
            len(offsets) - 1, pa.py_buffer(offsets), pa.py_buffer(b"") if data is None else data
        )
        return pa.ListArray.from_arrays(pa.array(rows), values, type=pa.list_(pa.string()))

    def batch(self, batch: pa.RecordBatch, name: str) -> pa.RecordBatch:
        """The batch's columns as schema_after("segment") has them, with the segment columns built here."""
        text = batch.column("text")
        if text.type != pa.string():
            text = text.cast(pa.string())
        built = {
            "tokens": self._tokens(text, batch.column("id")),
            "segmenter": pa.array([name] * self.rows, pa.string()),
            "pos": _lists(self.pos, self.token_counts, pa.string()),
            "entities": _lists(self.entities, self.entity_counts, ENTITY),
        }
        arrays = []
        for f in schema_after("segment"):
            if f.name in built:
                column = built[f.name] if built[f.name] is not None else pa.nulls(self.rows, f.type)
            elif f.name in batch.schema.names:
                column = batch.column(f.name)
                if column.type != f.type:
                    column = column.cast(f.type)
            else:  # a column of a stage the batch did not pass (tests)
                column = pa.nulls(self.rows, f.type)
            arrays.append(column)
        return pa.RecordBatch.from_arrays(arrays, schema=schema_after("segment"))


def _lists(chunks: list[pa.Array] | None, counts: list[int], value_type: pa.DataType) -> pa.Array | None:
    """One list per row, ``counts[row]`` values each, from the windows' chunks in order."""
    if chunks is None:
        return None
    values = pa.concat_arrays(chunks) if chunks else pa.array([], value_type)
    chunks.clear()  # the chunks go before the next column is concatenated
    offsets = pa.array(list(accumulate(counts, initial=0)), pa.int32())
    return pa.ListArray.from_arrays(offsets, values, type=pa.list_(value_type))


def _pos_for(result: dict[str, Any]) -> list[str]:
    """POS tags aligned with the whitespace-split tokens: whitespace inside a token is WHITESPACE."""
    tags: list[str] = []
    for token, tag in zip(result["tokens"], result.get("pos", [])):
        parts = split_whitespace([token])
        tags.extend("WHITESPACE" if part.isspace() else tag for part in parts)
    return tags


def plan(ctx: Context, source_id: str) -> StagePlan:
    p: SegmentParams = ctx.params.segment
    segmenter = plan_segmenter(ctx)
    if segmenter.warning:
        warn_once(ctx.layout.root, segmenter.warning)
    cache_path = ctx.layout.root / p.cache_dir / "segments.sqlite" if p.cache_dir else None
    stats = SegmentStats()
    return StagePlan(
        setup=partial(_worker, segmenter, p, cache_path),
        scrub=unchanged,
        stats=stats,
        actors=model_actors(ctx.params, engine_for(ctx.params), model=segmenter.name.startswith("ckip:")),
        unit="char",
        finish=lambda metrics: metrics | {"segmenter": segmenter.name, "fallback_used": segmenter.warning is not None},
        # cache counts vary with the cache: returned, not written
        returned=lambda metrics: metrics | {"cache_hits": stats.cache["hits"], "cache_misses": stats.cache["misses"]},
    )
