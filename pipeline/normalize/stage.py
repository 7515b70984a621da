"""The normalize stage: clean Unicode, identify the language, convert Simplified to Taiwan Traditional.

``normalize_batch`` is the stage logic, a plain function over one record batch. Text
that is already Traditional is never passed through ``s2t``/``s2twp`` (they damage it:
李松仁→李鬆仁); only documents identified as Simplified are converted. Documents whose
language is not kept become rejects with reason ``language:<tag>``; documents that the
clean-up leaves empty become rejects with reason ``empty``.

NUL never reaches a published text: it is removed even when the ``control_chars`` step is
switched off (and counted under it). Replacement characters (U+FFFD: a character lost
before the text reached us) are kept and counted: ``replacement_chars`` in the metrics
holds the characters and the documents that have any, among the documents kept.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from functools import cache, partial
from typing import Any

import pyarrow as pa

from pipeline.core.batch_stage import BatchResult, Plan
from pipeline.core.context import Context
from pipeline.core.schema import reject_row, schema_after
from pipeline.core.tally import Tally
from pipeline.normalize.cleanup import clean
from pipeline.normalize.langid import identify, primary
from pipeline.normalize.params import NormalizeParams
from pipeline.pii.scrub import reject_scrubber

STAGE = "normalize"


@cache
def _converter(config: str):
    import opencc

    return opencc.OpenCC(config)


@dataclass
class NormalizeStats(Tally):
    detected: Counter = field(default_factory=Counter)  # language as identified, before conversion
    lang: Counter = field(default_factory=Counter)  # language as published
    converted: Counter = field(default_factory=Counter)
    cleanup_chars: Counter = field(default_factory=Counter)
    replacement_chars: Counter = field(default_factory=Counter)  # U+FFFD: characters, documents


def normalize_text(text: str, params: NormalizeParams) -> tuple[str, str, str | None, str, dict[str, int]]:
    """(text, lang, converted, detected, cleanup changes) for one document."""
    text, changes = clean(text, vars(params.cleanup))
    if "\x00" in text:  # with control_chars off: NUL is never published
        changes["control_chars"] = changes.get("control_chars", 0) + text.count("\x00")
        text = text.replace("\x00", "")
    detected, _ = identify(
        text, min_han_share=params.min_han_share, simplified_share=params.simplified_share, seed=params.langdetect_seed
    )
    lang, converted = detected, None
    if detected == "zh-Hans":
        text, lang, converted = (
            _converter(params.convert_simplified).convert(text),
            "zh-Hant",
            params.convert_simplified,
        )
    elif detected == "zh-Hant" and params.traditional_variants:
        text, converted = _converter(params.traditional_variants).convert(text), params.traditional_variants
    return text, lang, converted, detected, changes


def normalize_batch(batch: pa.RecordBatch, params: NormalizeParams) -> BatchResult:
    stats = NormalizeStats()
    keep = set(params.keep_languages)
    kept: list[dict[str, Any]] = []
    rejects: list[dict[str, Any]] = []
    for doc in batch.to_pylist():
        text, lang, converted, detected, changes = normalize_text(doc["text"], params)
        stats.detected[detected] += 1
        stats.cleanup_chars.update(changes)
        if not text.strip():
            rejects.append(reject_row(doc, STAGE, "empty", "nothing left after Unicode clean-up"))
            continue
        if primary(lang) not in keep:
            rejects.append(
                reject_row(
                    doc, STAGE, f"language:{lang}", f"identified as {lang}; kept languages: {', '.join(sorted(keep))}"
                )
            )
            continue
        stats.lang[lang] += 1
        lost = text.count("\ufffd")
        stats.replacement_chars.update(characters=lost, documents=1 if lost else 0)
        if converted:
            stats.converted[converted] += 1
        kept.append(
            doc
            | {
                "text": text,
                "lang": lang,
                "converted": converted,
                "cleanup": json.dumps(changes, sort_keys=True) if changes else None,
            }
        )
    return BatchResult(pa.RecordBatch.from_pylist(kept, schema=schema_after("normalize")), rejects, stats)


def plan(ctx: Context, source_id: str) -> Plan:
    p = ctx.params.normalize

    def finish(metrics: dict[str, Any]) -> dict[str, Any]:
        metrics.update(stats.as_metrics())
        metrics["replacement_chars"] = {"characters": 0, "documents": 0} | metrics["replacement_chars"]
        return metrics

    stats = NormalizeStats()
    return Plan(
        setup=lambda: partial(normalize_batch, params=p),
        scrub=reject_scrubber(ctx.params.pii),
        stats=stats,
        finish=finish,
    )
