"""MinHash signatures over character n-grams, LSH banding, and clusters of near-duplicates.

Signatures come from rensa (Rust; 30× faster than datasketch at equal accuracy here, see
``benchmarks/minhash_libraries.py``). Banding and grouping are numpy over the signature
matrix, so they are deterministic and vectorised: per band, documents whose band rows are
equal share a bucket, and each is linked to the bucket's first member (a star, not all
pairs, so a bucket of k identical documents costs k links, not k²). A link is kept when the
signatures' estimated Jaccard similarity reaches the threshold; clusters are the connected
components of the kept links.
"""

from __future__ import annotations

import numpy as np


def shingles(text: str, n: int) -> list[str]:
    """Character n-grams of the text without whitespace (layout must not hide a copy)."""
    chars = "".join(text.split())
    if len(chars) <= n:
        return [chars] if chars else [""]
    return [chars[i:i + n] for i in range(len(chars) - n + 1)]


def signatures(texts: list[str], *, num_perm: int, ngram: int, seed: int) -> np.ndarray:
    from rensa import RMinHash

    out = np.empty((len(texts), num_perm), dtype=np.uint32)  # rensa's hash values are 32-bit
    for i, text in enumerate(texts):
        m = RMinHash(num_perm=num_perm, seed=seed)
        m.update(shingles(text, ngram))
        out[i] = m.digest()
    return out


def candidate_links(sigs: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """(i, j) pairs, i > j, that share at least one band bucket; j is the bucket's first member."""
    links = []
    for b in range(bands):
        block = np.ascontiguousarray(sigs[:, b * rows:(b + 1) * rows])
        keys = block.view(np.dtype((np.void, block.dtype.itemsize * rows))).ravel()
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        leader = first[inverse]
        members = np.nonzero(leader != np.arange(len(keys)))[0]
        if len(members):
            links.append(np.stack([members, leader[members]], axis=1))
    if not links:
        return np.empty((0, 2), dtype=np.int64)
    return np.unique(np.concatenate(links), axis=0)


def estimated_jaccard(sigs: np.ndarray, links: np.ndarray, chunk: int = 65_536) -> np.ndarray:
    """Share of equal signature values per link, in chunks so memory stays bounded."""
    out = np.empty(len(links))
    for start in range(0, len(links), chunk):
        part = links[start:start + chunk]
        out[start:start + chunk] = (sigs[part[:, 0]] == sigs[part[:, 1]]).mean(axis=1)
    return out


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
