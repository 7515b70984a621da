"""The quality stage: measure every document, reject those outside the thresholds.

Runs before personal data and segmentation, so no model time is spent on junk. The
signals are kept per document (column ``quality``, and in each reject's detail), so a
threshold can be re-tuned by re-running this stage alone.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import pyarrow as pa

from pipeline.core.batch_stage import BatchResult, reject_row, run_batch_stage
from pipeline.core.config import QualityParams
from pipeline.core.context import Context
from pipeline.core.jsonfile import write_json
from pipeline.core.schema import QUALITY_CHECKED
from pipeline.core.tally import Tally
from pipeline.engine import engine_for
from pipeline.quality.regional import Regional, measure_regional
from pipeline.quality.signals import Signals, char_count, measure
from pipeline.pii.scrub import reject_scrubber

STAGE = "quality"


def length_rule(chars: int, p: QualityParams) -> tuple[str, str] | None:
    """too_short or too_long, with its detail line: decided on the character count alone."""
    if chars < p.min_chars:
        return "too_short", f"{chars} characters < min_chars {p.min_chars}"
    if chars > p.max_chars:
        return "too_long", f"{chars} characters > max_chars {p.max_chars}"
    return None


def regional_rule(r: Regional | None, p: QualityParams) -> tuple[str, str] | None:
    """mainland_vocabulary, when the rule is on and the document has enough regional terms to judge."""
    if p.max_mainland_share is None or r is None or r.mainland_share is None:
        return None
    terms = r.mainland_terms + r.taiwan_terms
    if terms >= p.regional_min_terms and r.mainland_share > p.max_mainland_share:
        return ("mainland_vocabulary", f"Mainland terms are {r.mainland_share:.2f} of {terms} regional terms "
                f"({r.mainland_terms} Mainland, {r.taiwan_terms} Taiwan) > {p.max_mainland_share}")
    return None


def failed_rule(s: Signals, p: QualityParams, regional: Regional | None = None) -> tuple[str, str] | None:
    """The first rule a document breaks, with a detail line; None when it passes. The regional
    rule comes last, and only with ``regional`` measured."""
    length = length_rule(s.chars, p)
    if length:
        return length
    repetitive = s.chars >= p.repetition_min_chars
    rules = [
        # a bilingual text (a treaty, a tariff list) is judged by its Chinese part
        ("han_share", s.han_share < p.min_han_share and s.han_chars < p.bilingual_han_chars,
         f"Han share {s.han_share:.2f} < {p.min_han_share} and {s.han_chars} Han characters < {p.bilingual_han_chars}"),
        ("dup_lines", repetitive and s.dup_line_share > p.max_dup_line_share,
         f"repeated lines cover {s.dup_line_share:.2f} > {p.max_dup_line_share}"),
        ("top_ngram", repetitive and s.top_ngram_share > p.max_top_ngram_share,
         f"the most frequent character {p.top_ngram}-gram covers {s.top_ngram_share:.2f} > {p.max_top_ngram_share}"),
        ("dup_ngrams", repetitive and s.dup_ngram_share > p.max_dup_ngram_share,
         f"repeated character {p.dup_ngram}-grams cover {s.dup_ngram_share:.2f} > {p.max_dup_ngram_share}"),
        ("boilerplate", s.boilerplate_share > p.max_boilerplate_share,
         f"boilerplate lines are {s.boilerplate_share:.2f} of lines > {p.max_boilerplate_share}"),
    ]
    return next(((rule, detail) for rule, broken, detail in rules if broken), None) or regional_rule(regional, p)


def judge(text: str, p: QualityParams) -> tuple[Signals | None, tuple[str, str] | None]:
    """(signals, the rule broken), cheap first: a document outside the length bounds is
    rejected on a count of its characters, before a copy, a line or an n-gram of it is made
    (signals None)."""
    signals, _, failed = judge_all(text, p)
    return signals, failed


def judge_all(text: str, p: QualityParams) -> tuple[Signals | None, Regional | None, tuple[str, str] | None]:
    """(signals, regional vocabulary, the rule broken); both None for a document outside the length bounds."""
    failed = length_rule(char_count(text), p)
    if failed:
        return None, None, failed
    signals = measure(text, top_ngram=p.top_ngram, dup_ngram=p.dup_ngram)
    regional = measure_regional(text)
    return signals, regional, failed_rule(signals, p, regional)


SHARE_BUCKETS = 20  # the distribution of mainland_share is kept in steps of 0.05


@dataclass
class RegionalStats(Tally):
    """Regional vocabulary of the documents quality keeps (the dataset card's distribution)."""

    regional: Counter = field(default_factory=Counter)  # documents and terms counted
    mainland_share: Counter = field(default_factory=Counter)  # "0.05" (lower bound of a step) -> documents

    def count(self, r: Regional, min_terms: int) -> None:
        self.regional.update(documents=1, mainland_terms=r.mainland_terms, taiwan_terms=r.taiwan_terms,
                             variant_chars=r.variant_chars, with_mainland_terms=bool(r.mainland_terms),
                             with_variant_chars=bool(r.variant_chars))
        if r.mainland_share is not None and r.mainland_terms + r.taiwan_terms >= min_terms:
            self.regional["with_min_terms"] += 1
            step = min(int(r.mainland_share * SHARE_BUCKETS), SHARE_BUCKETS - 1)
            self.mainland_share[f"{step / SHARE_BUCKETS:.2f}"] += 1


def quality_batch(batch: pa.RecordBatch, params: QualityParams) -> BatchResult:
    kept, rejects = [], []
    stats = RegionalStats()
    for doc in batch.to_pylist():
        signals, regional, failed = judge_all(doc["text"], params)
        if failed:
            rejects.append(reject_row(doc, STAGE, f"quality:{failed[0]}", failed[1]))
        else:
            stats.count(regional, params.regional_min_terms)
            kept.append(doc | {"quality": signals.as_dict(), "regional": regional.as_dict()})
    return BatchResult(pa.RecordBatch.from_pylist(kept, schema=QUALITY_CHECKED), rejects, stats)


def run(ctx: Context, source_id: str, progress: bool = True) -> dict[str, Any]:
    p = ctx.params.quality
    ctx.sources.require(ctx.layout, source_id)
    stats = RegionalStats()
    metrics = run_batch_stage(ctx.layout, source_id, STAGE, partial(quality_batch, params=p), QUALITY_CHECKED,
                              p.batch_size, progress, engine=engine_for(ctx.params), stats=stats,
                              scrub=reject_scrubber(ctx.params.pii))
    metrics |= stats.as_metrics()
    write_json(ctx.layout.stage_metrics(source_id, STAGE), metrics)
    return metrics
