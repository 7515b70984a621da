"""Quality signals of a document, measured in characters (not whitespace words).

Gopher's repetition rules count words; Chinese has no spaces, so the same ideas are
applied to characters: the share of the text covered by its most frequent character
n-gram, and the share covered by character n-grams that occur more than once.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f\u3040-\u30ff\uac00-\ud7af]")
# Lines that are page furniture or site navigation rather than text.
BOILERPLATE = re.compile(
    r"^\s*(?:"
    r"第\s*\d+\s*頁(?:\s*[，,/／]?\s*共\s*\d+\s*頁)?"
    r"|(?:回首頁|回上頁|上一頁|下一頁|網站導覽|友善列印|列印|分享|字級|瀏覽人次|點閱次數|更新日期|發布日期|資料來源|"
    r"隱私權(?:保護)?政策|資訊安全政策|政府網站資料開放宣告|版權所有|Copyright|回到頁首|:::|TOP)[^\n]{0,40}"
    r"|(?:首頁\s*[>＞/／]\s*)+[^\n]*"
    r")\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Signals:
    chars: int  # characters, whitespace excluded
    han_chars: int  # Han characters
    han_share: float  # Han characters / letters (Han, Latin, Kana, Hangul); digits and punctuation do not count
    dup_line_share: float  # characters in lines that repeat an earlier line / characters in lines
    top_ngram_share: float  # characters covered by the most frequent character n-gram
    dup_ngram_share: float  # characters covered by character n-grams seen more than once
    boilerplate_share: float  # lines that are page furniture or navigation / lines

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def _coverage(chars: str, n: int) -> tuple[float, float]:
    """(top n-gram coverage, duplicated n-gram coverage) of a whitespace-free text."""
    if len(chars) < n * 2:
        return 0.0, 0.0
    grams = [chars[i:i + n] for i in range(len(chars) - n + 1)]
    counts = Counter(grams)
    top_gram, top_count = counts.most_common(1)[0]
    covered = bytearray(len(chars))
    top = 0.0
    if top_count > 1:
        # Gopher's coverage: the characters inside the top n-gram's occurrences, each once
        # (overlapping occurrences, as in ＿＿＿＿, do not count a character twice)
        for i, gram in enumerate(grams):
            if gram == top_gram:
                covered[i:i + n] = b"\x01" * n
        top = sum(covered) / len(chars)
        covered = bytearray(len(chars))
    for i, gram in enumerate(grams):
        if counts[gram] > 1:
            covered[i:i + n] = b"\x01" * n
    return top, sum(covered) / len(chars)


def _han(chars: str) -> tuple[int, float]:
    """Han characters, and their share of letters."""
    han = len(_HAN.findall(chars))
    letters = han + len(_LETTER.findall(chars))
    return han, han / letters if letters else 0.0


def measure(text: str, *, top_ngram: int = 2, dup_ngram: int = 10) -> Signals:
    chars = "".join(text.split())
    n = len(chars)
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    seen: set[str] = set()
    dup_chars = 0
    for line in lines:
        if line in seen:
            dup_chars += len(line)
        seen.add(line)
    line_chars = sum(len(line) for line in lines) or 1
    top, _ = _coverage(chars, top_ngram)
    _, dup = _coverage(chars, dup_ngram)
    han_chars, han_share = _han(chars)
    return Signals(
        chars=n,
        han_chars=han_chars,
        han_share=han_share,
        dup_line_share=dup_chars / line_chars,
        top_ngram_share=top,
        dup_ngram_share=dup,
        boilerplate_share=sum(1 for line in lines if BOILERPLATE.match(line)) / len(lines) if lines else 0.0,
    )
