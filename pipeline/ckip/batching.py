"""The one length-grouped batching of CKIP model inputs: rows sorted shortest first (stable,
so equal lengths keep their order) and cut into consecutive batches, by a number of rows
(the ckip-transformers reference path, ``segment.pieces_per_call``), by a budget of padded
tokens (our inference path, ``segment.batch_tokens``), or both. Short rows then share a
batch with rows of their own length, so little of a batch is padding."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

SPECIAL_TOKENS = 2  # [CLS] and [SEP] around every row


def length_batches(
    lengths: Sequence[int] | np.ndarray, *, rows: int | None = None, tokens: int | None = None
) -> Iterator[np.ndarray]:
    """Row indices, shortest rows first, in batches of at most ``rows`` rows and at most
    ``tokens`` tokens once padded to the batch's longest row (a row longer than the budget
    is a batch of its own)."""
    lengths = np.asarray(lengths)
    order = np.argsort(lengths, kind="stable")
    start = 0
    for end in range(1, len(order) + 1):
        size = end + 1 - start  # the batch's rows if order[end] joined it
        if (
            end == len(order)
            or (rows is not None and size > rows)
            or (tokens is not None and size * (int(lengths[order[end]]) + SPECIAL_TOKENS) > tokens)
        ):
            yield order[start:end]
            start = end
