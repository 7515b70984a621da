"""MinHash signatures over character n-grams, LSH banding, and clusters of near-duplicates.

Signatures come from rensa (Rust; 30× faster than datasketch at equal accuracy here, see
``benchmarks/minhash_libraries.py``), fed the shingles of a text in chunks made as they are
needed, so a long document never holds a string per n-gram. Banding and grouping are numpy
over the signature matrix, so they are deterministic and vectorised: per band, documents
whose band rows are equal share a bucket, and each is linked to the bucket's first member
(a star, not all pairs, so a bucket of k identical documents costs k links, not k²). A link
is kept when the signatures' estimated Jaccard similarity reaches the threshold; clusters
are the connected components of the kept links.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from pipeline.engine.buckets import PAIR_CHUNK, scored, star_links, star_links_rows

BLOCK = 65_536  # characters of text taken at a time: at most that many shingles exist at once


def stripped_blocks(text: str, size: int = BLOCK) -> Iterator[str]:
    """The text without whitespace (``"".join(text.split())``), in consecutive non-empty pieces
    made from ``size`` characters of the text at a time, so no whitespace-free copy of a long
    text is ever whole. Removing whitespace is per character, so the pieces joined are that copy."""
    for start in range(0, len(text), size):
        block = "".join(text[start : start + size].split())
        if block:
            yield block


def shingle_chunks(text: str, n: int, size: int = BLOCK) -> Iterator[list[str]]:
    """``shingles(text, n)`` in consecutive lists of at most ``size`` n-grams, made lazily: memory
    holds one list, not a string per n-gram of a long document. Each block carries the last
    n - 1 characters of the one before, so the n-grams across a boundary are all there."""
    carry, emitted = "", False
    for block in stripped_blocks(text, size):
        chars = carry + block
        if len(chars) >= n:
            yield [chars[i : i + n] for i in range(len(chars) - n + 1)]
            emitted = True
        carry = chars[max(0, len(chars) - n + 1) :]  # all of it while shorter than n
    if not emitted:  # fewer than n characters in all: ``carry`` holds them
        yield [carry]


def shingles(text: str, n: int) -> list[str]:
    """Character n-grams of the text without whitespace (layout must not hide a copy); a text of
    at most n characters is one shingle, itself (the empty string when it has none)."""
    return [s for chunk in shingle_chunks(text, n) for s in chunk]


def signatures(texts: list[str], *, num_perm: int, ngram: int, seed: int, out: np.ndarray | None = None) -> np.ndarray:
    """One MinHash signature per text, over its shingles fed in chunks (a minimum over all of
    them either way: the same values as one call with the whole list); written into ``out``
    (``len(texts)`` rows of ``num_perm`` uint32) when given, so a caller fills one matrix."""
    from rensa import RMinHash

    if out is None:
        out = np.empty((len(texts), num_perm), dtype=np.uint32)  # rensa's hash values are 32-bit
    elif out.shape != (len(texts), num_perm) or out.dtype != np.uint32:
        raise ValueError(f"out: {out.shape} {out.dtype}, not ({len(texts)}, {num_perm}) uint32")
    for i, text in enumerate(texts):
        m = RMinHash(num_perm=num_perm, seed=seed)
        for chunk in shingle_chunks(text, ngram):
            m.update(chunk)
            del chunk  # before the next one is made: one chunk at a time
        out[i] = m.digest()
    return out


def candidate_links(sigs: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """(i, j) pairs, i > j, that share at least one band bucket; j is the bucket's first member.
    Sorted by i, then j (``buckets.star_links`` over the bands, each made when it is needed)."""
    return star_links((sigs[:, b * rows : (b + 1) * rows] for b in range(bands)), len(sigs))


def _candidate_links_rows(sigs: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """``candidate_links`` for more documents than an int64 pair key allows: pairs as rows."""
    return star_links_rows(sigs[:, b * rows : (b + 1) * rows] for b in range(bands))


def estimated_jaccard(sigs: np.ndarray, links: np.ndarray, chunk: int = PAIR_CHUNK) -> np.ndarray:
    """Share of equal signature values per link, in chunks so memory stays bounded (two gathered
    blocks of ``chunk`` signatures: 4 MB each at 126 values)."""
    return scored(links, sigs.__getitem__, agreement, chunk)


def agreement(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per row, the share of equal values of two signature blocks: the estimated Jaccard similarity."""
    return (a == b).mean(axis=1)


def signature_agreement(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``agreement`` of signatures given as their bytes (rows of ``4 × num_perm`` uint8), as held."""
    return agreement(a.view(np.uint32), b.view(np.uint32))


def components(n: int, links: np.ndarray) -> np.ndarray:
    """Union-find over the links; returns each document's component root (the smallest index)."""
    parent = np.arange(n)

    def find(x: int) -> int:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for i, j in links:
        a, b = find(int(i)), find(int(j))
        if a != b:
            parent[max(a, b)] = min(a, b)
    return np.array([find(i) for i in range(n)])
