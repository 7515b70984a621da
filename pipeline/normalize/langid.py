"""Script and language identification, decided from the characters first.

langdetect labels Traditional Chinese as Korean (see the field notes), so it is never
asked about text that is mostly Han. The decision:

1. Count units: Han characters, Kana, Hangul, and Latin *words* (a run of Latin letters
   counts once, as a Han character is about one word).
2. Mostly Han (``min_han_share``) with little Kana and Hangul → Chinese. Its script comes
   from the characters that exist only in Traditional or only in Simplified (OpenCC's
   tables): Simplified when the Simplified-only share of those reaches
   ``simplified_share``, Traditional otherwise (including when no character tells).
3. Enough Kana → ``ja``; enough Hangul → ``ko`` (Japanese and Korean may contain Han).
4. Anything else → langdetect, seeded so the answer is the same every run.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from pipeline.core.han import HAN_RANGES
from pipeline.normalize.tables import script_chars

_KANA = ((0x3040, 0x30FF), (0x31F0, 0x31FF), (0xFF66, 0xFF9F))
_HANGUL = ((0x1100, 0x11FF), (0x3130, 0x318F), (0xAC00, 0xD7AF))
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]+")
# langdetect's Chinese labels, mapped to script subtags
_LANGDETECT_TAGS = {"zh-cn": "zh-Hans", "zh-tw": "zh-Hant"}
SAMPLE_CHARS = 20_000  # identification reads at most this much of a document


@dataclass(frozen=True)
class Evidence:
    han: int
    kana: int
    hangul: int
    latin_words: int
    traditional: int  # Traditional-only characters
    simplified: int  # Simplified-only characters

    @property
    def units(self) -> int:
        return self.han + self.kana + self.hangul + self.latin_words


def _in(ranges: tuple[tuple[int, int], ...], cp: int) -> bool:
    return any(lo <= cp <= hi for lo, hi in ranges)


def evidence(text: str) -> Evidence:
    # Count each distinct character once (C speed), then classify the few thousand
    # distinct ones in Python: far cheaper than one regex pass per class.
    sample = text[:SAMPLE_CHARS]
    traditional, simplified = script_chars()
    han = kana = hangul = trad = simp = 0
    for ch, n in Counter(sample).items():
        cp = ord(ch)
        if cp < 0x1100:
            continue
        if _in(HAN_RANGES, cp):
            han += n
            trad += n if ch in traditional else 0
            simp += n if ch in simplified else 0
        elif _in(_KANA, cp):
            kana += n
        elif _in(_HANGUL, cp):
            hangul += n
    return Evidence(
        han=han,
        kana=kana,
        hangul=hangul,
        latin_words=len(_LATIN_WORD.findall(sample)),
        traditional=trad,
        simplified=simp,
    )


def identify(
    text: str,
    *,
    min_han_share: float = 0.5,
    simplified_share: float = 0.5,
    min_kana_share: float = 0.05,
    min_hangul_share: float = 0.3,
    seed: int = 0,
) -> tuple[str, Evidence]:
    """The BCP-47 tag of a text (``zh-Hant``, ``zh-Hans``, ``ja``, ``ko``, ``en``, …, or ``und``)."""
    ev = evidence(text)
    if ev.units == 0:
        return "und", ev
    if ev.kana / ev.units >= min_kana_share and ev.kana + ev.han >= ev.units / 2:
        return "ja", ev
    if ev.hangul / ev.units >= min_hangul_share:
        return "ko", ev
    if ev.han / ev.units >= min_han_share:
        telling = ev.traditional + ev.simplified
        if telling and ev.simplified / telling >= simplified_share:
            return "zh-Hans", ev
        return "zh-Hant", ev
    return _langdetect(text[:SAMPLE_CHARS], seed), ev


def _langdetect(text: str, seed: int) -> str:
    from langdetect import DetectorFactory, detect
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = seed
    try:
        tag = detect(text)
    except LangDetectException:
        return "und"
    return _LANGDETECT_TAGS.get(tag, tag)


def primary(tag: str) -> str:
    """``zh-Hant`` → ``zh``."""
    return tag.split("-", 1)[0]
