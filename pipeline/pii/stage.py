"""The pii stage: find personal data, then redact, flag or drop by policy — before segmentation,
so no token ever carries what was removed.

``pii_batch`` is the stage logic over one record batch. Every document gets ``pii`` (the
spans, with offsets into the text as published) and ``pii_types``; a document holding a
type whose policy is ``drop`` becomes a reject ``pii:<type>``.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from collections.abc import Callable
from functools import partial
from typing import Any

import pyarrow as pa

from pipeline.core.batch_stage import BatchResult, reject_row, run_batch_stage
from pipeline.core.config import PiiParams
from pipeline.core.context import Context
from pipeline.core.jsonfile import write_json
from pipeline.core.schema import PII_CHECKED
from pipeline.core.tally import Tally
from pipeline.engine import engine_for, model_actors
from pipeline.pii.detect import PLACEHOLDERS, detect
from pipeline.pii.detectors.base import Span

STAGE = "pii"
# Published fields besides `text` that may hold personal data too (a contact in `meta`, a
# name in `title`): the same detectors and policy apply; only `text` gets `pii` offsets.
SCANNED_FIELDS = ("title", "url", "meta")


@dataclass
class PiiStats(Tally):
    found: Counter = field(default_factory=Counter)  # type -> items found in the text
    found_in_fields: Counter = field(default_factory=Counter)  # type -> items found in title, url, meta
    documents_with: Counter = field(default_factory=Counter)  # type -> documents holding it
    redacted: Counter = field(default_factory=Counter)
    flagged: Counter = field(default_factory=Counter)
    dropped: Counter = field(default_factory=Counter)  # type -> documents dropped for it


def apply_policy(text: str, spans: list[Span], policy: dict[str, str]) -> tuple[str, list[dict[str, Any]]]:
    """The text with redactions made, and every span with offsets into that text."""
    out: list[str] = []
    recorded: list[dict[str, Any]] = []
    cursor = shift = 0
    for span in spans:
        out.append(text[cursor:span.start])
        original = text[span.start:span.end]
        replacement = PLACEHOLDERS[span.type] if policy[span.type] == "redact" else original
        start = span.start + shift
        out.append(replacement)
        recorded.append({"type": span.type, "start": start, "end": start + len(replacement)})
        shift += len(replacement) - len(original)
        cursor = span.end
    out.append(text[cursor:])
    return "".join(out), recorded


def pii_batch(batch: pa.RecordBatch, params: PiiParams, names: Any = None) -> BatchResult:
    stats = PiiStats()
    docs = batch.to_pylist()
    person_spans = names.find([d["text"] for d in docs]) if names is not None else [[] for _ in docs]
    kept, rejects = [], []
    for doc, extra in zip(docs, person_spans):
        spans = detect(doc["text"], extra)
        fields = {name: detect(doc[name]) if doc[name] else [] for name in SCANNED_FIELDS}
        types = sorted({s.type for s in spans})
        field_types = {s.type for found in fields.values() for s in found}
        stats.found.update(s.type for s in spans)
        stats.found_in_fields.update(s.type for found in fields.values() for s in found)
        stats.documents_with.update(sorted(set(types) | field_types))
        dropping = [t for t in sorted(set(types) | field_types) if params.policy[t] == "drop"]
        if dropping:
            stats.dropped[dropping[0]] += 1
            rejects.append(reject_row(doc, STAGE, f"pii:{dropping[0]}",
                                      f"holds {', '.join(dropping)}; the policy drops such documents"))
            continue
        text, recorded = apply_policy(doc["text"], spans, params.policy)
        scrubbed = {name: apply_policy(doc[name], found, params.policy)[0] for name, found in fields.items() if found}
        for s in spans + [s for found in fields.values() for s in found]:
            (stats.redacted if params.policy[s.type] == "redact" else stats.flagged)[s.type] += 1
        kept.append(doc | scrubbed | {"text": text, "pii": recorded, "pii_types": types})
    return BatchResult(pa.RecordBatch.from_pylist(kept, schema=PII_CHECKED), rejects, stats)


def _with_names(params: PiiParams, make_finder: Callable[[], Any]) -> Callable[[pa.RecordBatch], BatchResult]:
    """The batch function of a worker that loaded the NER model once."""
    return partial(pii_batch, params=params, names=make_finder())


def run(ctx: Context, source_id: str, progress: bool = True) -> dict[str, Any]:
    p: PiiParams = ctx.params.pii
    ctx.sources.require(ctx.layout, source_id)
    make_finder, warning = None, None
    if p.person_names:
        from pipeline.pii.names import name_finder_factory

        make_finder, warning = name_finder_factory(ctx)
        if warning:
            print(f"twcorpus: warning: {warning}", file=sys.stderr)
    stats = PiiStats()
    engine = engine_for(ctx.params)
    transform, actors = partial(pii_batch, params=p), None
    if make_finder is not None:  # the NER model loads once per worker
        transform, actors = partial(_with_names, p, make_finder), model_actors(ctx.params, engine)
    metrics = run_batch_stage(ctx.layout, source_id, STAGE, transform, PII_CHECKED, p.batch_size, progress,
                              engine=engine, stats=stats, actors=actors)
    metrics.update(stats.as_metrics())
    metrics["person_names_detected"] = make_finder is not None
    write_json(ctx.layout.stage_metrics(source_id, STAGE), metrics)
    return metrics
