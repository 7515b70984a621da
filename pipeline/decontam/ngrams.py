"""Normalized character n-grams, their 64-bit hashes, the benchmark index and the scan.

Normalization, the same for documents and benchmark items: NFKC (full-width letters,
digits and punctuation become their plain forms), lowercase, then every character that is
not a letter, a mark, a digit or a private-use character is dropped (whitespace,
punctuation, symbols, controls; ○ written for zero becomes 〇). What is left of
``依本法第 12 條規定，`` is ``依本法第12條規定``;
an n-gram is n consecutive characters of that.

Hashes are polynomial over the code points, computed for every window of a whole batch at
once with numpy (a prefix sum and two products, uint64 arithmetic wrapping modulo 2⁶⁴): the
hash of c₀…cₙ₋₁ is Σ cⱼ·B⁻ʲ, the same wherever the window starts, on every run and
machine. A hash found in the index is then checked character by character against the
item's n-gram, so a hash collision can never remove a document.

The index holds, per n-gram length in use, the sorted hashes of every benchmark's n-grams
with the first (benchmark, item, position) that has each; scanning a batch is one
``searchsorted`` per length over all its windows.
"""

from __future__ import annotations

import functools
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pipeline.decontam.benchmarks import Benchmark

BASE = 0x9E3779B97F4A7C15  # odd, so invertible modulo 2**64
BASE_INV = pow(BASE, -1, 2**64)
DROPPED = ("Z", "P", "S", "Cc", "Cf", "Cs")  # Unicode categories (or their first letter) that normalization drops
FOLDED = {0x25CB: 0x3007, 0x25EF: 0x3007}  # ○ and ◯ written for zero (一○樓) → 〇, as the gazette does both
CHUNK_CHARS = 4_000_000  # characters hashed at once: bounds the scan's memory (about 40 bytes a character)


# Code points outside these ranges are unassigned, private use or (planes 15-16) private use:
# normalization keeps them as they are.
_ASSIGNED = ((0, 0x323B0), (0xE0000, 0xE01F0))
_JAMO = ((0x1100, 0x1200), (0xA960, 0xA980), (0xD7B0, 0xD800))


@functools.lru_cache(maxsize=1)
def tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Three tables over all code points. ``fold``: the character NFKC and lowercase make of it
    on its own; ``simple``: False where that is not the whole story (it becomes several
    characters, starts with a combining mark, or composes with a neighbour: combining marks,
    Hangul jamo, final sigma), so a text holding one is normalized whole; ``kept``: True for
    the characters (after folding) that matching keeps."""
    size = sys.maxunicode + 1
    fold = np.arange(size, dtype=np.uint32)
    simple = np.ones(size, dtype=bool)
    kept = np.ones(size, dtype=bool)
    for lo, hi in _ASSIGNED:
        for cp in range(lo, hi):
            c = chr(cp)
            category = unicodedata.category(c)
            if category[0] in DROPPED or category in DROPPED:
                kept[cp] = False
            out = unicodedata.normalize("NFKC", c).lower()
            if len(out) != 1 or category[0] == "M" or unicodedata.combining(out[0]):
                simple[cp] = False
            elif out != c:
                fold[cp] = ord(out)
    for lo, hi in _JAMO:
        simple[lo:hi] = False
    simple[[0x03A3, 0x0130]] = False  # Σ lowercases by position; İ becomes two characters
    for old, new in FOLDED.items():
        fold[old], kept[old] = new, True
    return fold, simple, kept


def normalize(text: str) -> str:
    """The text as matching sees it (for display and tests; the scan works on code points)."""
    codes = _codes([text])[0]
    return codes.astype(np.uint32).tobytes().decode("utf-32-le")


@dataclass(frozen=True)
class Codes:
    """Normalized code points of several texts, concatenated, with each text's [start, end)."""

    codes: np.ndarray  # uint64
    starts: np.ndarray  # int64, per text
    ends: np.ndarray

    def owner(self) -> np.ndarray:
        """The text each position belongs to."""
        return np.repeat(np.arange(len(self.starts), dtype=np.int64), self.ends - self.starts)


def _codes(texts: Sequence[str | None]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    fold, simple, kept = tables()
    strs = [t or "" for t in texts]
    raw = np.frombuffer("".join(strs).encode("utf-32-le"), dtype=np.uint32)
    lengths = np.fromiter((len(t) for t in strs), dtype=np.int64, count=len(strs))
    bounds = np.concatenate([[0], np.cumsum(lengths)])
    complex_at = np.nonzero(~simple[raw])[0]
    if len(complex_at):  # those texts normalized whole (NFKC then lowercase), the others character by character
        slow = set(np.searchsorted(bounds, complex_at, side="right") - 1)
        pieces = []
        for i, t in enumerate(strs):
            if i in slow:
                pieces.append(np.frombuffer(unicodedata.normalize("NFKC", t).lower().encode("utf-32-le"), np.uint32))
                pieces[-1] = fold[pieces[-1]]
            else:
                pieces.append(fold[raw[bounds[i] : bounds[i + 1]]])
        folded = np.concatenate(pieces) if pieces else raw
        lengths = np.fromiter((len(x) for x in pieces), dtype=np.int64, count=len(pieces))
        bounds = np.concatenate([[0], np.cumsum(lengths)])
    else:
        folded = fold[raw]
    keep = kept[folded]
    kept_before = np.concatenate([[0], np.cumsum(keep, dtype=np.int64)])
    return folded[keep].astype(np.uint64), kept_before[bounds[:-1]], kept_before[bounds[1:]]


def normalized(texts: Sequence[str | None]) -> Codes:
    codes, starts, ends = _codes(texts)
    return Codes(codes, starts, ends)


class _Powers:
    """B⁻ᵏ and Bᵏ modulo 2⁶⁴ for k < size, grown as needed."""

    def __init__(self) -> None:
        self.inv = np.ones(1, dtype=np.uint64)
        self.pos = np.ones(1, dtype=np.uint64)

    def upto(self, size: int) -> tuple[np.ndarray, np.ndarray]:
        if len(self.inv) < size:
            n = max(size, 2 * len(self.inv), CHUNK_CHARS + 1)
            self.inv, self.pos = _power_table(BASE_INV, n), _power_table(BASE, n)
        return self.inv[:size], self.pos[:size]


def _power_table(base: int, n: int) -> np.ndarray:
    factors = np.full(n, base, dtype=np.uint64)
    factors[0] = 1
    return np.cumprod(factors, dtype=np.uint64)  # wraps modulo 2**64, as intended


_POWERS = _Powers()


def prefix_sums(codes: np.ndarray) -> np.ndarray:
    """P[i] = Σ_{k<i} c_k·B⁻ᵏ (mod 2⁶⁴), length len(codes) + 1."""
    inv, _ = _POWERS.upto(len(codes))
    out = np.zeros(len(codes) + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        np.cumsum(codes * inv, dtype=np.uint64, out=out[1:])
    return out


def window_hashes(prefix: np.ndarray, length: int) -> np.ndarray:
    """The hash of every window of ``length`` codes (position i covers codes i … i+length-1)."""
    count = len(prefix) - length
    if count <= 0:
        return np.empty(0, dtype=np.uint64)
    _, pos = _POWERS.upto(count)
    with np.errstate(over="ignore"):
        return (prefix[length:] - prefix[:count]) * pos


def range_hash(prefix: np.ndarray, start: int, length: int) -> np.uint64:
    """The hash of the window at ``start``: what ``window_hashes(prefix, length)[start]`` holds."""
    _, pos = _POWERS.upto(start + 1)
    with np.errstate(over="ignore"):
        return (prefix[start + length] - prefix[start]) * pos[start]


@dataclass(frozen=True)
class Table:
    """The index entries of one n-gram length, sorted by hash: each the first benchmark item
    (in params order, then file order) and position in it that has that n-gram."""

    hashes: np.ndarray  # uint64, sorted
    benchmark: np.ndarray  # int32, index into BenchmarkIndex.names
    item: np.ndarray  # int32, index into that benchmark's items
    position: np.ndarray  # int32, start of the n-gram in the item's normalized text
    present: np.ndarray  # bool, by the top bits of a hash: whether any entry has them (a cheap first test)

    @classmethod
    def of(cls, hashes: np.ndarray, benchmark: np.ndarray, item: np.ndarray, position: np.ndarray) -> Table:
        """A table of sorted, distinct entries, with its first-test bits (at most 1/16 of them set)."""
        bits = int(np.clip(np.ceil(np.log2(max(1, len(hashes)) * 16)), 16, 26))
        present = np.zeros(1 << bits, dtype=bool)
        present[hashes >> np.uint64(64 - bits)] = True
        return cls(hashes, benchmark, item, position, present)

    @property
    def shift(self) -> int:
        return 64 - (len(self.present).bit_length() - 1)

    def lookup(self, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The windows whose hash is in the table, and the first entry of each."""
        maybe = np.nonzero(self.present[h >> np.uint64(self.shift)])[0]
        slot = np.searchsorted(self.hashes, h[maybe])
        np.minimum(slot, len(self.hashes) - 1, out=slot)
        hit = self.hashes[slot] == h[maybe]
        return maybe[hit], slot[hit]


@dataclass(frozen=True)
class BenchmarkIndex:
    """Everything the scan needs, picklable (numpy arrays and tuples) so a worker can hold it."""

    names: tuple[str, ...]
    policies: tuple[str, ...]  # remove or flag, per benchmark
    ngrams: tuple[int, ...]  # n per benchmark
    files: tuple[tuple[str, ...], ...]
    item_ids: tuple[tuple[str, ...], ...]
    items: tuple[int, ...]  # items per benchmark
    whole: tuple[int, ...]  # items shorter than n matched whole
    skipped: tuple[int, ...]  # items shorter than min_chars: not checked
    ngram_count: tuple[int, ...]  # distinct n-grams per benchmark
    tables: dict[int, Table]  # by n-gram length
    item_codes: tuple[np.ndarray, ...]  # per benchmark: every item's normalized codes, concatenated
    item_starts: tuple[np.ndarray, ...]  # per benchmark: each item's start in item_codes

    def ngram_text(self, b: int, item: int, position: int, length: int) -> str:
        start = int(self.item_starts[b][item]) + position
        return self.item_codes[b][start : start + length].astype(np.uint32).tobytes().decode("utf-32-le")


def build_index(
    benchmarks: Sequence[Benchmark], ngrams: Sequence[int], policies: Sequence[str], min_chars: int
) -> BenchmarkIndex:
    """The index of the benchmarks' n-grams: for benchmark b, every window of ``ngrams[b]``
    normalized characters of each item; an item shorter than that but of at least
    ``min_chars`` characters is one entry, itself; shorter items are counted and left out."""
    parts: dict[int, list[tuple[np.ndarray, ...]]] = {}
    whole, skipped, counts, all_codes, all_starts = [], [], [], [], []
    for b, (bench, n) in enumerate(zip(benchmarks, ngrams)):
        c = normalized(bench.texts)
        lengths = c.ends - c.starts
        all_codes.append(c.codes)
        all_starts.append(c.starts)
        prefix = prefix_sums(c.codes)
        owner = c.owner()
        h = window_hashes(prefix, n)
        starts = np.arange(len(h), dtype=np.int64)
        ok = starts + n <= c.ends[owner[: len(h)]] if len(h) else np.zeros(0, dtype=bool)
        item = owner[: len(h)][ok]
        pieces = [(h[ok], item, starts[ok] - c.starts[item], n)]
        short = np.nonzero((lengths < n) & (lengths >= min_chars))[0]
        for i in short.tolist():
            length = int(lengths[i])
            value = range_hash(prefix, int(c.starts[i]), length)
            pieces.append((np.array([value], dtype=np.uint64), np.array([i]), np.array([0]), length))
        for hashes, items, positions, length in pieces:
            parts.setdefault(length, []).append(
                (hashes, np.full(len(hashes), b, dtype=np.int32), items.astype(np.int32), positions.astype(np.int32))
            )
        counts.append(len(np.unique(pieces[0][0])) + len(short))
        whole.append(len(short))
        skipped.append(int(((lengths < min_chars) & (lengths > 0)).sum()))
    tables = {}
    for length in sorted(parts):
        hashes, bench_of, item, position = (np.concatenate(x) for x in zip(*parts[length]))
        order = np.lexsort((position, item, bench_of, hashes))
        hashes, bench_of, item, position = hashes[order], bench_of[order], item[order], position[order]
        first = np.ones(len(hashes), dtype=bool)  # the first entry of each (hash, benchmark)
        first[1:] = (hashes[1:] != hashes[:-1]) | (bench_of[1:] != bench_of[:-1])
        hashes = hashes[first]
        if not len(hashes):
            continue
        tables[length] = Table.of(hashes, bench_of[first], item[first], position[first])
    return BenchmarkIndex(
        names=tuple(b.spec.name for b in benchmarks),
        policies=tuple(policies),
        ngrams=tuple(ngrams),
        files=tuple(b.files for b in benchmarks),
        item_ids=tuple(b.ids for b in benchmarks),
        items=tuple(len(b.texts) for b in benchmarks),
        whole=tuple(whole),
        skipped=tuple(skipped),
        ngram_count=tuple(counts),
        tables=tables,
        item_codes=tuple(all_codes),
        item_starts=tuple(all_starts),
    )


@dataclass(frozen=True)
class Hit:
    """The first place a document shares an n-gram with a benchmark."""

    benchmark: int  # index into BenchmarkIndex.names
    item: int  # index into that benchmark's items
    position: int  # start of the shared n-gram in the document's normalized text
    length: int  # its length in characters
    item_position: int  # its start in the item's normalized text


def scan(texts: Sequence[str | None], index: BenchmarkIndex) -> list[dict[int, Hit]]:
    """Per text, for each benchmark it shares an n-gram with, the first such n-gram (the
    lowest position in the text's normalized form; at one position the shorter length)."""
    out: list[dict[int, Hit]] = [{} for _ in texts]
    if not index.tables:
        return out
    start = 0
    while start < len(texts):  # chunks of at most CHUNK_CHARS characters (one longer text alone)
        stop, size = start, 0
        while stop < len(texts) and (stop == start or size + len(texts[stop] or "") <= CHUNK_CHARS):
            size += len(texts[stop] or "")
            stop += 1
        _scan_chunk(texts[start:stop], index, out[start:stop])
        start = stop
    return out


def _scan_chunk(texts: Sequence[str | None], index: BenchmarkIndex, out: list[dict[int, Hit]]) -> None:
    c = normalized(texts)
    if not len(c.codes):
        return
    prefix = prefix_sums(c.codes)
    owner = c.owner()
    columns: list[list[np.ndarray]] = [[], [], [], [], []]  # position, length, benchmark, item, item position
    for length, table in index.tables.items():
        h = window_hashes(prefix, length)
        if not len(h):
            continue
        found, first = table.lookup(h)
        inside = found + length <= c.ends[owner[found]]  # windows inside one text
        found, first = found[inside], first[inside]
        if not len(found):
            continue
        many = np.searchsorted(table.hashes, h[found], side="right") - first  # entries with that hash (benchmarks)
        rows = np.repeat(np.arange(len(found)), many)
        entry = np.repeat(first, many) + (np.arange(len(rows)) - np.repeat(np.cumsum(many) - many, many))
        for column, values in zip(
            columns,
            (found[rows], np.full(len(rows), length), table.benchmark[entry], table.item[entry], table.position[entry]),
        ):
            column.append(values.astype(np.int64))
    if not columns[0]:
        return
    position, lengths, bench, item, at = (np.concatenate(col) for col in columns)
    text = owner[position]
    # the first candidate of each (text, benchmark): lowest position, then shortest length
    key = text * len(index.names) + bench
    order = np.lexsort((lengths, position, key))
    position, lengths, bench, item, at, text, key = (a[order] for a in (position, lengths, bench, item, at, text, key))
    while len(key):
        head = np.ones(len(key), dtype=bool)
        head[1:] = key[1:] != key[:-1]
        failed = np.zeros(len(key), dtype=bool)
        for i in np.nonzero(head)[0].tolist():
            b, n, k = int(bench[i]), int(lengths[i]), int(item[i])
            begin = int(index.item_starts[b][k]) + int(at[i])
            window = c.codes[position[i] : position[i] + n]
            if np.array_equal(window, index.item_codes[b][begin : begin + n]):  # a hash collision never counts
                t = int(text[i])
                out[t][b] = Hit(b, k, int(position[i] - c.starts[t]), n, int(at[i]))
            else:
                failed[i] = True
        # what is left: the candidates after a failed first one, of the same (text, benchmark)
        done = set(key[head & ~failed].tolist())
        rest = ~head & ~np.isin(key, np.fromiter(done, dtype=np.int64, count=len(done)))
        position, lengths, bench, item, at, text, key = (
            a[rest] for a in (position, lengths, bench, item, at, text, key)
        )
