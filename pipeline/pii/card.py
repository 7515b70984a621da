"""The personal-data step of the dataset card: the detectors that ran and what they cannot find,
the policy and the items found (pipeline/publish/card.py numbers it among the stages' steps)."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from pipeline.publish.card_text import cell, detectors_run

if TYPE_CHECKING:
    from pipeline.publish.card import CardData


def _measured(d: Any) -> str:
    m = d.measured
    if m is None:
        return "—"
    precision = f", precision ≥ {m.precision:.0%}" if m.precision is not None else ""
    return f"recall ≥ {m.recall:.0%}{precision} on {m.labeled:,} items of {m.on}"


def step(data: CardData) -> str:
    p = data.params.pii
    in_text: Counter = Counter()
    in_fields: Counter = Counter()
    for s in data.sources:
        in_text.update(s.pii)
        in_fields.update(s.pii_fields)
    dropped = {reason.split(":", 1)[1]: n for reason, n in data.rejects_by_reason.items() if reason.startswith("pii:")}
    rows = "\n".join(
        f"   | `{kind}` | {action} | {in_text.get(kind, 0):,} | {in_fields.get(kind, 0):,} | {dropped.get(kind, 0):,} |"
        for kind, action in p.policy.items()
    )
    per_source = "\n".join(
        f"   | {s.id} | {sum(s.pii.values()) + sum(s.pii_fields.values()):,} | "
        + (", ".join(f"{k} {v:,}" for k, v in sorted((s.pii + s.pii_fields).items())) or "—")
        + " |"
        for s in data.sources
        if not s.error
    )
    detectors, ner_all, ner_any = detectors_run(data)
    table = "\n".join(
        f"   | `{d.name}` | {', '.join(f'`{t}`' for t in d.types)} | {cell(d.finds)} | "
        f"{cell(d.misses)} | {cell(_measured(d))} |"
        for d in detectors
    )
    ner_model = data.params.segment.ner_model or f"{data.params.segment.model} (its -ner model)"
    if ner_all:
        table += f"\n   | CKIP NER (`{cell(ner_model)}`) | `person`, `official` | names of persons anywhere in the text | names the model misses | — |"
        ner = "CKIP NER adds the names it finds to the rules'"
    elif ner_any:
        ner = "CKIP NER ran for some sources only (see the `pii` metrics); elsewhere names come from the rules alone"
    else:
        ner = "no NER model ran: names written outside the rules' contexts are **not** found"
    r = p.register
    return (
        f"**personal data** — found by the detectors below ({ner}). Items are handled by the policy "
        "below in `text` and in `title`, `url`, `meta` and `source_file` alike; a redacted item becomes a typed "
        "placeholder such as `[TW_ID]` before segmentation; items in `text` are listed in the `pii` column with "
        "offsets, those in other fields in `pii_fields`. "
        f"A document naming at least {r.min_persons} private persons with at least {r.min_density:g} personal "
        f"items per 1,000 characters is a register of private persons (policy: {r.policy}).\n\n"
        "   | detector | types | finds | does not find | measured on real text (floors a test keeps) |\n"
        "   |---|---|---|---|---|\n" + (table or "   | none ran | | | | |") + "\n\n"
        "   | type | policy | in `text` | in `title`/`url`/`meta`/`source_file` | documents dropped |\n"
        "   |---|---|---:|---:|---:|\n" + rows + "\n"
        f"   | register | {r.policy} | | | {dropped.get('register', 0):,} |\n\n"
        "   | source | items redacted or flagged (published documents) | by type |\n   |---|---:|---|\n"
        + per_source
        + "\n"
    )
