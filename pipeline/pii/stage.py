"""The pii stage: find personal data, then redact, flag or drop by policy — before segmentation,
so no token ever carries what was removed.

``pii_batch`` is the stage logic over one record batch. Every document gets ``pii`` (the
spans, with offsets into the text as published), ``pii_types`` and ``pii_fields`` (what
was found in title, url, meta and source_file); a document holding a type whose policy is ``drop``
becomes a reject ``pii:<type>``, and a register of private persons a reject
``pii:register`` (``register``). The text of those rejects is redacted too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import pyarrow as pa

from pipeline.core.batch_stage import BatchResult, Plan
from pipeline.core.context import Context
from pipeline.core.jsonfile import write_json
from pipeline.core.notices import warn_once
from pipeline.core.schema import reject_row, schema_after
from pipeline.core.tally import Tally
from pipeline.engine import engine_for, model_actors
from pipeline.pii.detect import REGEX_DETECTORS, detect
from pipeline.pii.detectors import person
from pipeline.pii.detectors.base import Span
from pipeline.pii.params import PiiParams
from pipeline.pii.register import density, is_register
from pipeline.pii.scrub import apply_policy, redact, rekeyed, unchanged
from pipeline.pii.sensitive import categories, describe, sensitive_categories

STAGE = "pii"
# Published fields besides `text` that may hold personal data too (a contact in `meta`, a
# name in `title`, a file named after a person): the same detectors and policy apply; only
# `text` gets `pii` offsets. Rejects are redacted the same way (the agency finds the file from
# the rest of its name and `source_line`). Every row leaves with its published id.
SCANNED_FIELDS = ("title", "url", "meta", "source_file")


@dataclass
class PiiStats(Tally):
    found: Counter = field(default_factory=Counter)  # type -> items found in the text
    found_in_fields: Counter = field(default_factory=Counter)  # type -> items found in title, url, meta
    documents_with: Counter = field(default_factory=Counter)  # type -> documents holding it
    redacted: Counter = field(default_factory=Counter)  # type -> items redacted, text and fields
    flagged: Counter = field(default_factory=Counter)
    dropped: Counter = field(default_factory=Counter)  # type (or register) -> documents dropped for it
    registers: Counter = field(default_factory=Counter)  # "flagged" -> registers kept (dropped ones: in `dropped`)
    sensitive: Counter = field(default_factory=Counter)  # category -> documents (kept and flagged, or dropped)


def pii_batch(batch: pa.RecordBatch, params: PiiParams, names: Any = None) -> BatchResult:
    stats = PiiStats()
    docs = batch.to_pylist()
    person_spans = names.find([d["text"] for d in docs]) if names is not None else [[] for _ in docs]
    kept, rejects = [], []
    for doc, extra in zip(docs, person_spans):
        fields = {name: detect(doc[name]) if doc[name] else [] for name in SCANNED_FIELDS}
        spans = detect(doc["text"], extra + _names_from(fields, doc, doc["text"]))
        types = sorted({s.type for s in spans})
        in_fields = [(name, s.type) for name, found in fields.items() for s in found]
        all_types = sorted(set(types) | {kind for _, kind in in_fields})
        stats.found.update(s.type for s in spans)
        stats.found_in_fields.update(kind for _, kind in in_fields)
        stats.documents_with.update(all_types)
        evidence = sensitive_categories(doc["text"], spans)
        stats.sensitive.update(e.category for e in evidence)
        reason = _drop_reason(doc["text"], spans, all_types, params, stats)
        if reason is None and evidence and params.sensitive == "drop":
            stats.dropped["sensitive"] += 1
            reason = "pii:sensitive", f"special categories of personal data (PDPA Art. 6): {describe(evidence)}"
        if reason:
            held = {name: redact(doc[name], found, params.policy) for name, found in fields.items() if found}
            row = reject_row(doc | held, STAGE, *reason) | {"text": redact(doc["text"], spans, params.policy)}
            rejects.append(rekeyed(row))
            continue
        text, recorded = apply_policy(doc["text"], spans, params.policy)
        scrubbed = {name: apply_policy(doc[name], found, params.policy)[0] for name, found in fields.items() if found}
        for kind in [s.type for s in spans] + [kind for _, kind in in_fields]:
            (stats.redacted if params.policy[kind] == "redact" else stats.flagged)[kind] += 1
        kept.append(
            rekeyed(
                doc
                | scrubbed
                | {
                    "text": text,
                    "pii": recorded,
                    "pii_types": types,
                    "sensitive": categories(evidence),
                    "pii_fields": [{"field": name, "type": kind} for name, kind in in_fields],
                }
            )
        )
    return BatchResult(pa.RecordBatch.from_pylist(kept, schema=schema_after("pii")), rejects, stats)


def _names_from(fields: dict[str, list[Span]], doc: dict[str, Any], text: str) -> list[Span]:
    """A name the title or meta gives (董事長陳隆輝君 in the title) wherever the text repeats it,
    where no context of its own says it is a name."""
    names = {
        doc[name][s.start : s.end]: s.type
        for name, found in fields.items()
        for s in found
        if s.type in ("person", "official") and s.end - s.start >= 2
    }
    return list(person.everywhere(text, names)) if names else []


def _drop_reason(
    text: str, spans: list[Span], types: list[str], params: PiiParams, stats: PiiStats
) -> tuple[str, str] | None:
    """The (reason, detail) of a reject when the policy drops the document, else None."""
    dropping = [t for t in types if params.policy[t] == "drop"]
    if dropping:
        stats.dropped[dropping[0]] += 1
        return f"pii:{dropping[0]}", f"holds {', '.join(dropping)}; the policy drops such documents"
    measured = density(text, spans)
    if is_register(measured, params.register):
        if params.register.policy == "drop":
            stats.dropped["register"] += 1
            return "pii:register", f"a register of private persons: {measured.describe()}"
        stats.registers["flagged"] += 1
    return None


def _with_names(params: PiiParams, make_finder: Callable[[], Any]) -> Callable[[pa.RecordBatch], BatchResult]:
    """The batch function of a worker that loaded the NER model once."""
    return partial(pii_batch, params=params, names=make_finder())


def plan(ctx: Context, source_id: str) -> Plan:
    p: PiiParams = ctx.params.pii
    make_finder, warning = None, None
    if p.person_names:
        from pipeline.pii.names import name_finder_factory

        make_finder, warning = name_finder_factory(ctx)
        if warning:
            warn_once(ctx.layout.root, warning)
    stats = PiiStats()
    ner = make_finder is not None

    def finish(metrics: dict[str, Any]) -> dict[str, Any]:
        metrics.update(stats.as_metrics())
        metrics["detectors"] = {"rules": True, "ner": ner}
        metrics["person_names_detected"] = ner
        # what the card says of this run: the detectors that ran
        write_json(
            ctx.layout.stage_info(source_id, STAGE), {"detectors": [d.name for d in REGEX_DETECTORS], "ner": ner}
        )
        return metrics

    if make_finder is not None:  # the NER model loads once per worker
        finder = make_finder
        return Plan(
            setup=partial(_with_names, p, finder),
            scrub=unchanged,
            stats=stats,
            actors=model_actors(ctx.params, engine_for(ctx.params)),
            finish=finish,
        )
    return Plan(setup=lambda: partial(pii_batch, params=p), scrub=unchanged, stats=stats, finish=finish)
