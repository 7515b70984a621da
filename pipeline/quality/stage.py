"""The quality stage: measure every document, reject those that break a rule (``rules/``).

Runs before personal data and segmentation, so no model time is spent on junk. The
signals are kept per document (column ``quality``, and in each reject's detail), so a
threshold can be re-tuned by re-running this stage alone.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import partial

import pyarrow as pa

from pipeline.core.batch_stage import BatchResult, Plan
from pipeline.core.context import Context
from pipeline.core.schema import reject_row, schema_after
from pipeline.core.tally import Tally
from pipeline.pii.scrub import reject_scrubber
from pipeline.quality.params import QualityParams
from pipeline.quality.regional import Regional, measure_regional
from pipeline.quality.rules import RULES, cheap_first, first_broken, measured
from pipeline.quality.signals import Signals, char_count, measure

STAGE = "quality"


def failed_rule(s: Signals, p: QualityParams, regional: Regional | None = None) -> tuple[str, str] | None:
    """(name, detail) of the first rule (``rules/``, in their order) a measured document breaks;
    None when it passes. Without ``regional`` the regional rule does not judge."""
    return first_broken(RULES.values(), measured(s, regional), p)


def judge_all(text: str, p: QualityParams) -> tuple[Signals | None, Regional | None, tuple[str, str] | None]:
    """(signals, regional vocabulary, the rule broken), cheap first: a document outside the
    length bounds is rejected on a count of its characters, before a copy, a line or an n-gram
    of it is made (signals and regional None)."""
    cheap, rest = cheap_first()
    failed = first_broken(cheap, {"chars": char_count(text)}, p)
    if failed:
        return None, None, failed
    signals = measure(text, top_ngram=p.top_ngram, dup_ngram=p.dup_ngram)
    regional = measure_regional(text)
    return signals, regional, first_broken(rest, measured(signals, regional), p)


SHARE_BUCKETS = 20  # the distribution of mainland_share is kept in steps of 0.05


@dataclass
class RegionalStats(Tally):
    """Regional vocabulary of the documents quality keeps (the dataset card's distribution)."""

    regional: Counter = field(default_factory=Counter)  # documents and terms counted
    mainland_share: Counter = field(default_factory=Counter)  # "0.05" (lower bound of a step) -> documents

    def count(self, r: Regional, min_terms: int) -> None:
        self.regional.update(
            documents=1,
            mainland_terms=r.mainland_terms,
            taiwan_terms=r.taiwan_terms,
            variant_chars=r.variant_chars,
            with_mainland_terms=bool(r.mainland_terms),
            with_variant_chars=bool(r.variant_chars),
        )
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
            assert signals is not None and regional is not None  # judge_all gives both when nothing failed
            stats.count(regional, params.regional_min_terms)
            kept.append(doc | {"quality": signals.as_dict(), "regional": regional.as_dict()})
    return BatchResult(pa.RecordBatch.from_pylist(kept, schema=schema_after("quality")), rejects, stats)


def plan(ctx: Context, source_id: str) -> Plan:
    p = ctx.params.quality
    stats = RegionalStats()
    return Plan(
        setup=lambda: partial(quality_batch, params=p),
        scrub=reject_scrubber(ctx.params.pii),
        stats=stats,
        finish=lambda metrics: metrics | stats.as_metrics(),
    )
