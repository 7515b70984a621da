"""The dedup step of the dataset card: exact and near copies removed, and the template
families kept (pipeline/publish/card.py numbers it among the stages' steps)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.publish.card import CardData


def step(data: CardData) -> str:
    d = data.params.dedup
    removed = data.rejects_by_reason.get("duplicate-of", 0)
    capped = data.rejects_by_reason.get("family-cap", 0)
    families = data.stats.families
    cap = (
        f"at most {d.max_per_family} of a family are published ({capped:,} documents removed for it)"
        if d.max_per_family
        else "all of them are published (`dedup.max_per_family` caps them)"
    )
    largest = "".join(
        f"   | {data.stats.family_titles[f]} | `{f}` | {n:,} |\n"
        for f, n in sorted(families.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    )
    table = (
        (
            "\n   The largest template families:\n\n   | first member's title | `dup_family` | documents |\n"
            "   |---|---|---:|\n" + largest
        )
        if largest
        else ""
    )
    return (
        f"**dedup** — across all sources, exact copies (same text, whitespace ignored) and near copies "
        f"(MinHash LSH over character {d.ngram}-grams, {d.bands} bands × {d.rows} rows) are removed "
        f"({removed:,} documents). Documents are ranked by source priority, then the order sources were "
        f"registered in (a new source never takes a document away from an older one), then position; each kept "
        f"document removes the later ones whose estimated Jaccard similarity with *it* is at least {d.threshold} "
        "(never through a chain of similar documents). `dup_cluster` and `dup_removed` mark the survivors. "
        f"Documents linked at a similarity of at least {d.family_threshold} that are not copies are a template "
        "family — one form filled in for different people, companies or periods — and are kept: "
        f"{sum(families.values()):,} published documents in {len(families):,} families carry `dup_family` and "
        f"`dup_family_size`; {cap}.\n" + table
    )
