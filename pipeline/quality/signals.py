"""Quality signals of a document, measured in characters (not whitespace words).

Gopher's repetition rules count words; Chinese has no spaces, so the same ideas are
applied to characters: the share of the text covered by its most frequent character
n-gram, and the share covered by character n-grams that occur more than once.

Memory is a small multiple of the text (about 30 bytes a character at the peak): lines are
read one at a time, and an n-gram is never a string. Every n-gram start gets an integer
id, equal exactly when the n-grams are equal (``_gram_ids``), so counting them is numpy
over arrays of the text's length.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass

import numpy as np

from pipeline.core.han import HAN_RANGES

# str.split()'s whitespace, which is also the regex \s (tests compare both on every code point)
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_WHITESPACE = re.compile(r"\s+")
_LINE = re.compile(r"[^\n]+")
# Han: Extension A, the unified ideographs, the compatibility ideographs, Extensions B to H
# the other letters: Latin (with Latin-1 and Extended-A/B), Kana, Hangul syllables
LETTER_RANGES = ((0x41, 0x5A), (0x61, 0x7A), (0xC0, 0x24F), (0x3040, 0x30FF), (0xAC00, 0xD7AF))
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


def char_count(text: str) -> int:
    """Characters without whitespace, counted in place: the length rules need no copy of the text."""
    return len(text) - sum(text.count(space) for space in WHITESPACE)


def without_whitespace(text: str) -> str:
    """The characters the rules count: one copy of the text, never a list of its words."""
    return _WHITESPACE.sub("", text)


def _lines(text: str) -> Iterator[str]:
    """The stripped non-empty lines, one at a time (a list of them costs ~60 bytes a line)."""
    for match in _LINE.finditer(text):
        line = match.group().strip()
        if line:
            yield line


def line_signals(text: str) -> tuple[float, float]:
    """(characters in lines that repeat an earlier line / characters in lines, boilerplate lines / lines)."""
    seen: set[str] = set()
    lines = line_chars = dup_chars = boilerplate = 0
    for line in _lines(text):
        lines += 1
        line_chars += len(line)
        if line in seen:
            dup_chars += len(line)
        else:
            seen.add(line)
        boilerplate += bool(BOILERPLATE.match(line))
    return dup_chars / (line_chars or 1), boilerplate / lines if lines else 0.0


def codes(chars: str) -> np.ndarray:
    """The code points of a text (4 bytes a character)."""
    return np.frombuffer(chars.encode("utf-32-le", "surrogatepass"), dtype="<u4")


def _dense(keys: np.ndarray) -> np.ndarray:
    """Dense ids of ``keys`` (0 .. distinct - 1), equal exactly where the keys are equal."""
    order = np.argsort(keys)
    keys = keys[order]  # sorted; the caller's array is let go when it holds no other reference
    ranks = np.zeros(len(keys), dtype=np.uint32)
    np.cumsum(keys[1:] != keys[:-1], dtype=np.uint32, out=ranks[1:])
    del keys
    ids = np.empty(len(ranks), dtype=np.uint32)
    ids[order] = ranks
    return ids


def _pair_keys(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """One 64-bit key per pair (left[i], right[i]) of 32-bit ids, built in place."""
    keys = left.astype(np.uint64)
    keys <<= np.uint64(32)
    keys |= right
    return keys


def _gram_ids(cps: np.ndarray, n: int) -> np.ndarray:
    """An id for each n-gram start (len(cps) - n + 1 of them), equal exactly when the n-grams are.

    Prefix doubling, as suffix arrays are built: the ids of 2k-grams are the ids of pairs
    of k-gram ids; an n-gram is then its two overlapping p-grams (p the largest power of
    two up to n), so ~log2(n) sorts of integer arrays replace a string per position.
    """
    if n == 1:
        return _dense(cps)
    ids, k = cps, 1
    while 2 * k <= n:
        ids = _dense(_pair_keys(ids[: len(ids) - k], ids[k:]))
        k *= 2
    if k < n:
        ids = _dense(_pair_keys(ids[: len(ids) - (n - k)], ids[n - k :]))
    return ids


def _covered(starts: np.ndarray, n: int, length: int) -> int:
    """Characters inside the n-grams that start where ``starts`` is true, each counted once."""
    edges = np.zeros(length + 1, dtype=np.int32)
    at = np.flatnonzero(starts)
    edges[at] += 1
    edges[at + n] -= 1
    return int(np.count_nonzero(np.cumsum(edges[:length], dtype=np.int32)))


def top_ngram_share(cps: np.ndarray, n: int) -> float:
    """Gopher's coverage of the most frequent n-gram: the characters inside its occurrences,
    each once (overlapping occurrences, as in ＿＿＿＿, do not count a character twice)."""
    length = len(cps)
    if length < n * 2:
        return 0.0
    ids = _gram_ids(cps, n)
    counts = np.bincount(ids)
    top_count = counts.max()
    if top_count < 2:
        return 0.0
    # Counter.most_common's choice among equal counts: the n-gram that occurs first
    top = ids[np.argmax(counts[ids] == top_count)]
    return _covered(ids == top, n, length) / length


def dup_ngram_share(cps: np.ndarray, n: int) -> float:
    """Coverage of the n-grams that occur more than once."""
    length = len(cps)
    if length < n * 2:
        return 0.0
    ids = _gram_ids(cps, n)
    return _covered(np.bincount(ids)[ids] > 1, n, length) / length


def _count_in(cps: np.ndarray, ranges: tuple[tuple[int, int], ...]) -> int:
    return sum(int(np.count_nonzero((cps >= lo) & (cps <= hi))) for lo, hi in ranges)


def han_signals(cps: np.ndarray) -> tuple[int, float]:
    """Han characters, and their share of letters."""
    han = _count_in(cps, HAN_RANGES)
    letters = han + _count_in(cps, LETTER_RANGES)
    return han, han / letters if letters else 0.0


def measure(text: str, *, top_ngram: int = 2, dup_ngram: int = 10) -> Signals:
    """Every signal of ``text``."""
    cps = codes(without_whitespace(text))  # the characters as an array; their string is let go
    dup_line_share, boilerplate_share = line_signals(text)
    han_chars, han_share = han_signals(cps)
    return Signals(
        chars=len(cps),
        han_chars=han_chars,
        han_share=han_share,
        dup_line_share=dup_line_share,
        top_ngram_share=top_ngram_share(cps, top_ngram),
        dup_ngram_share=dup_ngram_share(cps, dup_ngram),
        boilerplate_share=boilerplate_share,
    )
