"""han_share: a text that is not Chinese.

What ``quality.min_han_share`` bounds here: ``han_share`` = Han characters / letters, over the
whole text without whitespace, where every letter counts once per character: Han (Extension A,
the unified and compatibility ideographs, Extensions B to H), Latin (A-Z, a-z, U+00C0-U+024F),
Kana (U+3040-U+30FF) and Hangul syllables; digits and punctuation do not count
(``signals.han_signals``). It is not what ``normalize.min_han_share`` bounds: normalize counts a
run of Latin letters as one unit (a word), reads only the first 20,000 characters, and calls a
text Chinese from its share up (``normalize/langid.py``). So "Notice 公告" is 2/8 here and 2/3
there. A bilingual text (a treaty, a tariff list) is judged by its Chinese part: from
``bilingual_han_chars`` Han characters it is kept whatever its share.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.core.settings import SHARE
from pipeline.quality.rules import Measured, Threshold, rule

if TYPE_CHECKING:
    from pipeline.quality.params import QualityParams


@rule(
    "han_share",
    order=30,
    thresholds=(
        Threshold(
            "min_han_share",
            0.3,
            SHARE,
            "Han characters / letters (Han, Latin, Kana, Hangul), each letter counted; not normalize.min_han_share, "
            "which counts a Latin word once (rules/han_share.py says both)",
        ),
        Threshold(
            "bilingual_han_chars",
            300,
            (0, 1_000_000_000),
            "from this many Han characters a text is judged by its Chinese part (treaties, tariff lists)",
        ),
    ),
    signals=("han_share", "han_chars"),
    card=lambda p: f", when Han characters are under {p.min_han_share:.0%} of letters",
)
def han_share(s: Measured, p: QualityParams) -> str | None:
    if s["han_share"] < p.min_han_share and s["han_chars"] < p.bilingual_han_chars:
        return (
            f"Han share {s['han_share']:.2f} < {p.min_han_share} and {s['han_chars']} Han characters "
            f"< {p.bilingual_han_chars}"
        )
    return None
