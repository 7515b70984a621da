"""Regional vocabulary of a document: Mainland terms against their Taiwan forms, and variant characters.

The lexicon (``regional_lexicon.tsv``, derived and pruned by ``benchmarks/regional_lexicon.py``
from OpenCC's own Taiwan phrase and variant tables) has four kinds of rows:

- ``mainland``: a Mainland term as it appears in Traditional script (軟件, 視頻, 鼠標), with its
  Taiwan forms; kept only when it is (nearly) absent from Taiwanese government text;
- ``taiwan``: a Taiwan form of a kept Mainland term (軟體, 影片, 滑鼠);
- ``guard``: a word that holds a term across a word boundary (電視頻道 holds 視頻, 反光標識
  holds 光標) or a phrase OpenCC keeps as it is in Taiwan (海內存知己): matched, never counted;
- ``variant``: a character Taiwan writes otherwise: OpenCC's standard forms that Taiwan
  changes (爲, 裏, 着 as the Mainland's Traditional text and s2t write them) and Hong Kong
  forms (説, 綫, 衞).

Terms are matched as OpenCC matches them, longest first from left to right, so a term inside
a longer entry (打印 in 打印機, 視頻 in 電視頻道) counts only as that entry. The scan is numpy
over the code points: one hash of each character pair against the two-character beginnings of
the entries, then a dictionary look-up at the few positions that pass.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from pipeline.quality.signals import codes

LEXICON_FILE = Path(__file__).with_name("regional_lexicon.tsv")
KINDS = ("mainland", "taiwan", "guard", "variant")
_HASH_BITS = 20
_MULTIPLIER = np.uint32(0x9E3779B1)
_SHIFT = np.uint32(32 - _HASH_BITS)


@dataclass(frozen=True)
class Regional:
    mainland_terms: int  # Mainland terms (軟件, 視頻 …) as whole entries
    taiwan_terms: int  # their Taiwan forms (軟體, 影片 …)
    mainland_share: float | None  # mainland / (mainland + taiwan); None when both are 0
    variant_chars: int  # characters Taiwan writes otherwise (爲, 裏, 説 …)

    def as_dict(self) -> dict[str, float | int | None]:
        return asdict(self)


@dataclass(frozen=True)
class Lexicon:
    entries: dict[str, str]  # term -> "mainland", "taiwan" or "guard"
    taiwan_forms: dict[str, tuple[str, ...]]  # Mainland term -> its Taiwan forms
    variants: dict[str, str]  # character -> what it is (hk or mainland, and the Taiwan form)


def read_lexicon(path: Path = LEXICON_FILE) -> Lexicon:
    entries: dict[str, str] = {}
    forms: dict[str, tuple[str, ...]] = {}
    variants: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line or line.startswith("#"):
            continue
        kind, term, rest = (line.split("\t") + ["", ""])[:3]
        if kind not in KINDS or not term:
            raise ValueError(f"{path.name}:{number}: expected kind<TAB>term<TAB>note, got {line!r}")
        if kind == "variant":
            if len(term) != 1:
                raise ValueError(f"{path.name}:{number}: a variant is one character, got {term!r}")
            variants[term] = rest
            continue
        if len(term) < 2:
            raise ValueError(f"{path.name}:{number}: a term has at least two characters, got {term!r}")
        if entries.get(term, kind) != kind:
            raise ValueError(f"{path.name}:{number}: {term} is both {entries[term]} and {kind}")
        entries[term] = kind
        if kind == "mainland":
            forms[term] = tuple(rest.split())
    return Lexicon(entries, forms, variants)


def _pair_hash(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """A 20-bit hash of each (first[i], second[i]) code point pair (uint32 arithmetic wraps)."""
    h = first * _MULTIPLIER
    h ^= second
    h *= _MULTIPLIER
    h >>= _SHIFT
    return h


class Scanner:
    """Counts a lexicon's entries in a text, longest match first from left to right."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self._entries = lexicon.entries
        lengths: dict[str, set[int]] = {}
        for term in lexicon.entries:
            lengths.setdefault(term[:2], set()).add(len(term))
        self._lengths = {prefix: sorted(ls, reverse=True) for prefix, ls in lengths.items()}
        self._table = np.zeros(1 << _HASH_BITS, dtype=bool)
        if lengths:
            pairs = codes("".join(lengths))
            self._table[_pair_hash(pairs[0::2].copy(), pairs[1::2].copy())] = True
        self._variant = np.zeros(0x110000, dtype=bool)
        if lexicon.variants:
            self._variant[codes("".join(lexicon.variants))] = True

    def candidates(self, cps: np.ndarray) -> np.ndarray:
        """Positions whose character pair may begin an entry (a superset: hash collisions)."""
        if len(cps) < 2:
            return np.zeros(0, dtype=np.intp)
        return np.flatnonzero(self._table[_pair_hash(cps[:-1], cps[1:])])

    def matches(self, text: str, cps: np.ndarray | None = None):
        """(start, term, kind) of every entry matched, left to right."""
        cps = codes(text) if cps is None else cps
        end = 0
        lengths, entries = self._lengths, self._entries
        for i in self.candidates(cps).tolist():
            if i < end:
                continue
            for n in lengths.get(text[i : i + 2], ()):
                term = text[i : i + n]
                kind = entries.get(term)
                if kind is not None:
                    yield i, term, kind
                    end = i + n
                    break

    def measure(self, text: str) -> Regional:
        cps = codes(text)
        mainland = taiwan = 0
        for _, _, kind in self.matches(text, cps):
            if kind == "mainland":
                mainland += 1
            elif kind == "taiwan":
                taiwan += 1
        variants = int(np.count_nonzero(self._variant[cps])) if len(cps) else 0
        total = mainland + taiwan
        return Regional(
            mainland_terms=mainland,
            taiwan_terms=taiwan,
            mainland_share=mainland / total if total else None,
            variant_chars=variants,
        )


@lru_cache(maxsize=1)
def scanner() -> Scanner:
    """The committed lexicon's scanner, built once per process."""
    return Scanner(read_lexicon())


def measure_regional(text: str) -> Regional:
    """The regional vocabulary of ``text``."""
    return scanner().measure(text)


def card_section(
    documents: int,
    measured: int,
    with_terms: int,
    mainland_documents: int,
    share_quantiles: dict[str, float],
    variant_documents: int,
    rejected: int,
    max_mainland_share: float | None,
    min_terms: int,
) -> str:
    """The dataset card's paragraph on regional vocabulary, from counts over the published documents.

    ``documents``: published documents; ``measured``: of them, those with a ``regional`` value
    (all, once every source has run the quality stage with this signal); ``with_terms``: those
    with at least ``min_terms`` Mainland and Taiwan terms together (the ones a share says
    something about); ``mainland_documents``: those with at least one Mainland term;
    ``share_quantiles``: {"p50", "p90", "p99", "max"} of ``mainland_share`` over the
    ``with_terms`` documents; ``variant_documents``: documents with at least one variant
    character; ``rejected``: documents removed as ``quality:mainland_vocabulary``.
    """
    lexicon = scanner().lexicon
    mainland = sum(1 for kind in lexicon.entries.values() if kind == "mainland")
    taiwan = sum(1 for kind in lexicon.entries.values() if kind == "taiwan")
    rule = (
        f"documents with at least {min_terms} terms whose Mainland share is over {max_mainland_share:.0%} were "
        f"removed ({rejected:,})"
        if max_mainland_share is not None
        else "no document is removed for its vocabulary (`quality.max_mainland_share` is off)"
    )
    if not with_terms:
        shares = f"no document has {min_terms} or more regional terms."
    else:
        q = {k: share_quantiles.get(k, 0.0) for k in ("p50", "p90", "p99", "max")}
        shares = (
            f"{with_terms:,} documents have {min_terms} or more of them; their Mainland share (Mainland terms / "
            f"both) is {q['p50']:.2f} at the median, {q['p90']:.2f} at the 90th percentile, {q['p99']:.2f} at "
            f"the 99th and {q['max']:.2f} at most."
        )
    return (
        "### Regional vocabulary\n\n"
        f"Each document's Mainland terms in Traditional script (軟件, 視頻, 鼠標 …; {mainland:,} terms) and their "
        f"Taiwan forms (軟體, 影片, 滑鼠 …; {taiwan:,}) are counted, from OpenCC's Taiwan phrase table pruned of every "
        f"term Taiwanese government text uses; and the characters Taiwan writes otherwise ({len(lexicon.variants)}: "
        f"爲, 裏, 説 …, from OpenCC's variant tables). Of {documents:,} published documents ({measured:,} measured), "
        f"{mainland_documents:,} hold a Mainland term and {variant_documents:,} a variant character; {shares} "
        f"By the configuration, {rule}.\n"
    )


def card_counts(values, min_terms: int) -> dict[str, object]:
    """card_section's counts from the ``regional`` values of the published documents (dicts, or
    None for a document measured before this signal existed): documents, measured, with_terms,
    mainland_documents, share_quantiles and variant_documents. Memory grows with the documents
    that have ``min_terms`` terms (one float each)."""
    documents = measured = mainland = variant = 0
    shares: list[float] = []
    for r in values:
        documents += 1
        if r is None:
            continue
        measured += 1
        mainland += bool(r["mainland_terms"])
        variant += bool(r["variant_chars"])
        if r["mainland_share"] is not None and r["mainland_terms"] + r["taiwan_terms"] >= min_terms:
            shares.append(r["mainland_share"])
    shares.sort()
    quantiles = (
        {
            name: shares[min(len(shares) - 1, int(f * len(shares)))]
            for name, f in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99))
        }
        if shares
        else {}
    )
    if shares:
        quantiles["max"] = shares[-1]
    return {
        "documents": documents,
        "measured": measured,
        "with_terms": len(shares),
        "mainland_documents": mainland,
        "share_quantiles": quantiles,
        "variant_documents": variant,
    }
