"""The decontam step of the dataset card: the benchmarks checked and what each removed or
flagged (pipeline/publish/card.py numbers it among the stages' steps)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.publish.card import CardData


def _code_list(names: list[str]) -> str:
    return ", ".join(f"`{name}`" for name in names)


def step(data: CardData) -> str:
    d = data.params.decontam
    checked = data.decontam.get("benchmarks", [])
    how = (
        f"documents that share a run of {d.ngram} characters (unless a benchmark sets its own) with an item "
        "of an evaluation benchmark, after the same normalization of both (NFKC, lowercase, no whitespace, "
        "punctuation or symbols), are removed (`decontam:<benchmark>`) or kept and flagged in `contamination`, "
        "by each benchmark's policy"
    )
    if not checked:
        return (
            "**decontam** — no benchmark was named in `decontam.benchmarks`, so no document was checked "
            "against an evaluation set. When one is named, " + how + ".\n"
        )
    rows = "".join(
        f"   | `{b['name']}` | {_code_list(b['files'])} | {b['ngram']} | {b['policy']} | "
        f"{b['items']:,} | {b['documents_matched']:,} | {b['documents_removed']:,} | {b['documents_flagged']:,} |\n"
        for b in checked
    )
    return (
        f"**decontam** — {how}: {data.decontam.get('removed', 0):,} documents removed, "
        f"{data.decontam.get('flagged', 0):,} flagged.\n\n"
        "   | benchmark | files | n-gram | policy | items | documents matched | removed | flagged |\n"
        "   |---|---|---:|---|---:|---:|---:|---:|\n" + rows
    )
