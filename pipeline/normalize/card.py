"""The normalize step of the dataset card: the clean-up, the script and language identification
and the conversion, as configured (pipeline/publish/card.py numbers it among the stages' steps)."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.publish.card import CardData


def step(data: CardData) -> str:
    n = data.params.normalize
    steps = ", ".join(name.replace("_", " ") for name, on in vars(n.cleanup).items() if on) or "none"
    languages: Counter = Counter()
    for s in data.sources:
        languages.update(s.languages)
    converted = sum(s.converted for s in data.sources)
    variants = (
        f"; Traditional text is variant-normalized with `{n.traditional_variants}`"
        if n.traditional_variants
        else ("; text identified as Traditional is never passed through OpenCC")
    )
    return (
        f"**normalize** — Unicode clean-up ({steps}). Script and language are identified from the "
        "characters: the shares of Han, Kana, Hangul and Latin, and the characters that exist only in "
        f"Traditional or only in Simplified Chinese (OpenCC's tables); langdetect (seed {n.langdetect_seed}) "
        f"only for text that is not mostly Han. Text identified as Simplified is converted with OpenCC "
        f"`{n.convert_simplified}` ({converted:,} documents){variants}. Languages kept: "
        f"{', '.join(n.keep_languages)}; others are removed as `language:<tag>`. Published languages: "
        + (", ".join(f"`{tag}` {count:,}" for tag, count in sorted(languages.items())) or "none")
        + ".\n"
    )
