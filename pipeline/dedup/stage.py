"""The dedup stage (global): exact and near-duplicate removal across all sources.

Pass 1 streams every source's final per-source output and keeps, per document, only what
dedup needs: a hash of the text without whitespace, a MinHash signature, and where the
document came from. Exact copies share the hash; near copies are found by LSH over the
signatures (``minhash.py``). In each group of copies one document is kept: the one whose
source comes first in ``dedup.source_priority``, then by source id, then by position —
the same choice on every run. Pass 2 streams the documents again and writes the survivors
(with ``dup_cluster`` and ``dup_removed``) and a reject ``duplicate-of:<id>`` for each copy.

Memory grows with the number of documents (a 126-value signature each, about 1 KB), not
with their length; the Ray engine (see the issues) is the way past one machine.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator
from typing import Any

import numpy as np
import pyarrow as pa
from tqdm import tqdm

from pipeline.core.context import Context
from pipeline.core.errors import UserError
from pipeline.core.jsonfile import write_json
from pipeline.core.layout import SOURCE_STAGES, Layout
from pipeline.core.parquet import RowWriter, read_batches
from pipeline.core.schema import DEDUPED, REJECT
from pipeline.dedup import minhash

STAGE = "dedup"


def text_key(text: str) -> bytes:
    return hashlib.sha256("".join(text.split()).encode("utf-8")).digest()[:16]


def _final_batches(layout: Layout, sources: list[str], batch_size: int) -> Iterator[tuple[str, pa.RecordBatch]]:
    final = SOURCE_STAGES[-1]
    for source_id in sources:
        path = layout.stage_docs(source_id, final)
        if not path.is_file():
            raise UserError(layout.rel(path), f"missing: run the per-source stages for '{source_id}' first (dvc repro)")
        for batch in read_batches(path, batch_size):
            yield source_id, batch


def find_duplicates(keys: list[bytes], sigs: np.ndarray | None, rank: np.ndarray, *, bands: int, rows: int,
                    threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """For each document, the index of the document kept for its group, and how the link was made
    (0: none, 1: exact copy, 2: near copy)."""
    n = len(keys)
    links = []
    first: dict[bytes, int] = {}
    for i, key in enumerate(keys):
        if key in first:
            links.append((i, first[key]))
        else:
            first[key] = i
    exact = np.array(links, dtype=np.int64).reshape(-1, 2)
    near = np.empty((0, 2), dtype=np.int64)
    if sigs is not None and n:
        candidates = minhash.candidate_links(sigs, bands, rows)
        near = candidates[minhash.estimated_jaccard(sigs, candidates) >= threshold]
    roots = minhash.components(n, np.concatenate([exact, near]))
    # the survivor of each component: the best rank (priority, source id, position)
    best: dict[int, int] = {}
    for i, root in enumerate(roots):
        root = int(root)
        if root not in best or rank[i] < rank[best[root]]:
            best[root] = i
    keeper = np.array([best[int(root)] for root in roots])
    how = np.zeros(n, dtype=np.int8)
    for i in range(n):
        if keeper[i] != i:
            how[i] = 1 if keys[i] == keys[keeper[i]] else 2  # same text as its keeper: an exact copy
    return keeper, how


def run(ctx: Context, progress: bool = True) -> dict[str, Any]:
    layout, p = ctx.layout, ctx.params.dedup
    sources = ctx.sources.ids
    priority = {s: i for i, s in enumerate(p.source_priority)}

    keys: list[bytes] = []
    ranks: list[tuple[int, str, int]] = []
    sig_blocks: list[np.ndarray] = []
    bar = tqdm(desc="dedup: signatures", unit="doc", disable=not progress or None)
    for source_id, batch in _final_batches(layout, sources, p.batch_size):
        texts = batch.column("text").to_pylist()
        keys.extend(text_key(t) for t in texts)
        ranks.extend((priority.get(source_id, len(priority)), source_id, len(ranks) + i) for i in range(len(texts)))
        if p.near:
            sig_blocks.append(minhash.signatures(texts, num_perm=p.bands * p.rows, ngram=p.ngram, seed=p.seed))
        bar.update(len(texts))
    bar.close()
    order = sorted(range(len(ranks)), key=ranks.__getitem__)
    rank = np.empty(len(ranks), dtype=np.int64)
    rank[order] = np.arange(len(ranks))
    sigs = np.concatenate(sig_blocks) if sig_blocks else None
    if not p.exact:  # near-duplicate detection alone: exact copies are found by LSH too
        keys = [i.to_bytes(8, "big") for i in range(len(keys))]
    keeper, how = find_duplicates(keys, sigs if p.near else None, rank, bands=p.bands, rows=p.rows,
                                  threshold=p.threshold)
    removed = Counter(int(k) for i, k in enumerate(keeper) if k != i)

    ids: list[str] = []
    index = 0
    counts: Counter = Counter()
    with RowWriter(layout.dedup, DEDUPED, p.batch_size) as docs, RowWriter(layout.dedup_rejects, REJECT,
                                                                          p.batch_size) as rejects:
        pending: dict[int, list[dict[str, Any]]] = {}  # copies waiting for their keeper's id
        for _, batch in _final_batches(layout, sources, p.batch_size):
            for row in batch.to_pylist():
                ids.append(row["id"])
                i, index = index, index + 1
                k = int(keeper[i])
                if k == i:
                    n = removed.get(i, 0)
                    docs.add(row | {"dup_cluster": row["id"] if n else None, "dup_removed": n})
                    continue
                counts["exact" if how[i] == 1 else "near"] += 1
                reject = {"source": row["source"], "source_file": row["source_file"], "source_line": row["source_line"],
                          "stage": STAGE, "id": row["id"], "text": row["text"],
                          "detail": "exact copy" if how[i] == 1 else "near-duplicate (MinHash)"}
                if k < i:
                    reject["reason"] = f"duplicate-of:{ids[k]}"
                    reject["detail"] += f" of {ids[k]}"
                    rejects.add(reject)
                else:
                    pending.setdefault(k, []).append(reject)  # the keeper comes later in the stream
            for k in [k for k in pending if k < index]:
                for reject in pending.pop(k):
                    reject["reason"] = f"duplicate-of:{ids[k]}"
                    reject["detail"] += f" of {ids[k]}"
                    rejects.add(reject)
    metrics = {"documents_in": len(keys), "documents": len(keys) - sum(counts.values()),
               "exact_duplicates": counts["exact"], "near_duplicates": counts["near"],
               "clusters": len(removed)}
    write_json(layout.dedup_metrics, metrics)
    return metrics
