"""Rows grouped by equal bytes, in memory: the links ``Held.links`` returns, made with numpy.

The local engine groups all rows here; a distributed engine groups each partition of its
shuffle the same way. Per bucket, rows whose bytes are equal are found with ``np.unique``
over the bytes as one opaque value, and each is linked to the first (the smallest index):
a star, so k equal rows cost k links, not k².
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pyarrow as pa

MAX_PAIR_KEY_ROWS = 3_037_000_499  # from this many rows on, i * n + j no longer fits in an int64
PAIR_CHUNK = 8_192  # pairs scored at a time: two gathered blocks of this many rows


def fixed_width(column: pa.ChunkedArray | pa.Array, copy: bool = True) -> np.ndarray:
    """The bytes of a fixed-size binary column, without a Python object per value: a copy, or
    (``copy=False``) a read-only view of the column's own buffer when it is one chunk."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    width = array.type.byte_width
    data = np.frombuffer(array.buffers()[1], dtype=np.uint8) if len(array) else np.empty(0, dtype=np.uint8)
    data = data[array.offset * width : (array.offset + len(array)) * width]
    return data.copy() if copy else data


def byte_slice(column: pa.ChunkedArray | pa.Array, start: int = 0, stop: int | None = None) -> np.ndarray:
    """Bytes ``start:stop`` of every value of a fixed-size binary column, one row each, made
    chunk by chunk (the column whole is never copied)."""
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    width = column.type.byte_width
    stop = width if stop is None else stop
    parts = []
    for chunk in chunks:
        data = np.frombuffer(chunk.buffers()[1], dtype=np.uint8) if len(chunk) else np.empty(0, dtype=np.uint8)
        rows = data[chunk.offset * width : (chunk.offset + len(chunk)) * width].reshape(len(chunk), width)
        parts.append(rows[:, start:stop])
    return np.ascontiguousarray(np.concatenate(parts)) if parts else np.empty((0, stop - start), dtype=np.uint8)


def _leaders(block: np.ndarray) -> np.ndarray:
    """Per row of ``block`` (rows × values), the first row equal to it."""
    block = np.ascontiguousarray(block)
    keys = block.view(np.dtype((np.void, block.dtype.itemsize * block.shape[1]))).ravel()
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    return first[inverse.ravel()]


def star_links(blocks: Iterable[np.ndarray], n: int) -> np.ndarray:
    """(i, j) pairs, i > j, of rows equal in at least one block (each ``n`` rows × values); j is
    the first row equal to i there. Unique, sorted by i, then j. A pair is one int64
    (``i * n + j``) until the end, and the pairs of every few blocks are deduplicated as they
    come: rows alike in one block are often alike in most, so memory follows the distinct
    pairs, not the pairs times the blocks."""
    if n >= MAX_PAIR_KEY_ROWS:
        return star_links_rows(blocks)
    found, pending, pending_size = np.empty(0, dtype=np.int64), [], 0
    for block in blocks:  # one block at a time: a caller's generator makes each as it is needed
        leader = _leaders(block)
        del block
        members = np.nonzero(leader != np.arange(n))[0]
        if len(members):
            pending.append(members.astype(np.int64) * n + leader[members])
            pending_size += len(members)
        if pending and pending_size >= len(found):
            found, pending, pending_size = np.unique(np.concatenate([found, *pending])), [], 0
    if pending:
        found = np.unique(np.concatenate([found, *pending]))
    return np.stack([found // n, found % n], axis=1) if len(found) else np.empty((0, 2), dtype=np.int64)


def star_links_rows(blocks: Iterable[np.ndarray]) -> np.ndarray:
    """``star_links`` for more rows than an int64 pair key allows: pairs as rows."""
    links = []
    for block in blocks:
        leader = _leaders(block)
        members = np.nonzero(leader != np.arange(len(leader)))[0]
        if len(members):
            links.append(np.stack([members, leader[members]], axis=1))
    if not links:
        return np.empty((0, 2), dtype=np.int64)
    return np.unique(np.concatenate(links), axis=0)


def scored(
    pairs: np.ndarray,
    rows_of: Callable[[np.ndarray], np.ndarray],
    fn: Callable[[np.ndarray, np.ndarray], np.ndarray],
    chunk: int = PAIR_CHUNK,
) -> np.ndarray:
    """``fn`` over the rows of both sides of every pair (``rows_of``: the rows of some indexes),
    ``chunk`` pairs at a time so memory stays bounded: one score per pair."""
    out = np.empty(len(pairs))
    for start in range(0, len(pairs), chunk):
        part = pairs[start : start + chunk]
        out[start : start + chunk] = fn(rows_of(part[:, 0]), rows_of(part[:, 1]))
    return out
