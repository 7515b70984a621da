"""The quality step of the dataset card: the rules' thresholds and the regional-vocabulary
signal (pipeline/publish/card.py numbers it among the stages' steps)."""

from __future__ import annotations

from pipeline.publish.card import CardData, Statistics
from pipeline.quality.regional import card_section as regional_card_section
from pipeline.quality.rules import RULES as QUALITY_RULES


def step(data: CardData) -> str:
    q = data.params.quality
    removed = sum(n for reason, n in data.rejects_by_reason.items() if reason.startswith("quality:"))
    rules = "".join(rule.card(q) for rule in QUALITY_RULES.values() if rule.card)  # each phrase has its joint
    return f"**quality** — documents are measured in characters and removed ({removed:,}) when {rules}.\n" + _regional(
        data
    )


def _regional(data: CardData) -> str:
    q = data.params.quality
    shares = data.stats.mainland_shares
    n = sum(shares.values())
    quantiles = {}
    if n:
        at = Statistics.quantiles(shares, (0.5, 0.9, 0.99))
        quantiles = {"p50": at[0.5], "p90": at[0.9], "p99": at[0.99], "max": max(shares)}
    section = regional_card_section(
        documents=data.documents,
        measured=data.stats.regional["measured"],
        with_terms=n,
        mainland_documents=data.stats.regional["mainland"],
        share_quantiles=quantiles,
        variant_documents=data.stats.regional["variant"],
        rejected=data.rejects_by_reason.get("quality:mainland_vocabulary", 0),
        max_mainland_share=q.max_mainland_share,
        min_terms=q.regional_min_terms,
    )
    return "\n   " + section.replace("### ", "**", 1).replace("\n\n", "** — ", 1).replace("\n", "\n   ").rstrip() + "\n"
