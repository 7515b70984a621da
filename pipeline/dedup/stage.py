"""The dedup stage (global): exact and near-duplicate removal across all sources.

Pass 1 streams every source's final per-source output and keeps, per document, only what
dedup needs: a hash of the text without whitespace, a MinHash signature, and where the
document came from. Exact copies share the hash; near copies are found by LSH over the
signatures (``minhash.py``). In each group of copies one document is kept: the one whose
source comes first in ``dedup.source_priority``, then by source id, then by position —
the same choice on every run. Pass 2 streams the documents again and writes the survivors
(with ``dup_cluster`` and ``dup_removed``) and a reject ``duplicate-of:<id>`` for each copy.

On the local engine, memory grows with the number of documents (a 126-value signature
each, about 0.5 KB), not with their length. On the Ray engine (``on_ray.py``) signatures
are computed by workers and LSH buckets grouped by a Ray Data shuffle, so this process
holds only the documents that have copies; the survivors are the same.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar, Union

import numpy as np
import pyarrow as pa
from tqdm import tqdm

from pipeline.core.config import DedupParams
from pipeline.core.context import Context
from pipeline.core.errors import UserError
from pipeline.core.jsonfile import write_json
from pipeline.core.layout import SOURCE_STAGES, Layout
from pipeline.core.parquet import RowWriter, read_batches
from pipeline.core.schema import DEDUPED, REJECT
from pipeline.dedup import minhash
from pipeline.engine import engine_for

STAGE = "dedup"
T = TypeVar("T")
Lookup = Union[Sequence[T], Mapping[int, T]]  # by document index


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


@dataclass
class Copies:
    """What dedup removes: each copy's index (its position in the stream of all sources' documents)
    with its keeper's id and whether it is an exact copy; and, per keeper, how many copies it
    stands for. Holds only documents that have copies, so it is small next to the corpus."""

    removed: dict[int, tuple[str, bool]] = field(default_factory=dict)
    kept_for: Counter = field(default_factory=Counter)


def exact_links(keys: list[bytes]) -> np.ndarray:
    """(i, j) for every document i whose key an earlier document j (the first) has."""
    links, first = [], {}
    for i, key in enumerate(keys):
        if key in first:
            links.append((i, first[key]))
        else:
            first[key] = i
    return np.array(links, dtype=np.int64).reshape(-1, 2)


def resolve(links: np.ndarray, ranks: list[tuple[int, str, int]], keys: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """Over the documents that links mention (``ranks``/``keys`` are theirs, in index order, and
    ``links`` index them): the keeper of each, the best-ranked (priority, source id, position)
    of its connected component; and how it is linked (0: kept, 1: exact copy, 2: near copy)."""
    roots = minhash.components(len(ranks), links)
    best: dict[int, int] = {}
    for i, root in enumerate(roots.tolist()):
        if root not in best or ranks[i] < ranks[best[root]]:
            best[root] = i
    keeper = np.array([best[root] for root in roots.tolist()], dtype=np.int64)
    how = np.array([0 if k == i else 1 if keys[i] == keys[k] else 2 for i, k in enumerate(keeper.tolist())],
                   dtype=np.int8)
    return keeper, how


def near_links(sigs: np.ndarray, bands: int, rows: int, threshold: float) -> np.ndarray:
    """LSH candidates whose estimated Jaccard similarity reaches the threshold."""
    candidates = minhash.candidate_links(sigs, bands, rows)
    return candidates[minhash.estimated_jaccard(sigs, candidates) >= threshold]


def ranker(p: DedupParams) -> Callable[[str, int], tuple[int, str, int]]:
    """The order in which copies are kept, the same on every engine: ``dedup.source_priority``,
    then source id, then position in the stream."""
    priority = {s: i for i, s in enumerate(p.source_priority)}
    return lambda source_id, index: (priority.get(source_id, len(priority)), source_id, index)


def find_duplicates(keys: list[bytes], sigs: np.ndarray | None, rank: np.ndarray, *, bands: int, rows: int,
                    threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """In memory, for every document: the index of the document kept for its group, and how
    the link was made (0: none, 1: exact copy, 2: near copy)."""
    near = near_links(sigs, bands, rows, threshold) if sigs is not None and len(keys) else np.empty((0, 2), np.int64)
    ranks = [(int(r), "", i) for i, r in enumerate(rank)]
    return resolve(np.concatenate([exact_links(keys), near]), ranks, keys)


def copies_from(links: np.ndarray, ranks: Lookup[tuple[int, str, int]], keys: Lookup[bytes], ids: Lookup[str]) -> Copies:
    """Copies from links between documents given by index, with the rank, key and id of each
    (lists over all documents, or mappings holding the linked ones)."""
    nodes = np.unique(links)
    keeper, how = resolve(np.searchsorted(nodes, links), [ranks[int(n)] for n in nodes],
                          [keys[int(n)] for n in nodes])
    copies = Copies()
    for i, (k, h) in enumerate(zip(keeper.tolist(), how.tolist())):
        if h:
            copies.removed[int(nodes[i])] = (ids[int(nodes[k])], h == 1)
            copies.kept_for[int(nodes[k])] += 1
    return copies


def _local_copies(layout: Layout, sources: list[str], p: DedupParams, progress: bool) -> tuple[Copies, int]:
    """Pass 1 in this process: every document's key and signature in memory."""
    rank = ranker(p)
    keys: list[bytes] = []
    ids: list[str] = []
    ranks: list[tuple[int, str, int]] = []
    sig_blocks: list[np.ndarray] = []
    bar = tqdm(desc="dedup: signatures", unit="doc", disable=not progress or None)
    for source_id, batch in _final_batches(layout, sources, p.batch_size):
        texts = batch.column("text").to_pylist()
        keys.extend(text_key(t) if p.exact else len(keys).to_bytes(8, "big") for t in texts)
        ids.extend(batch.column("id").to_pylist())
        ranks.extend(rank(source_id, len(ranks) + i) for i in range(len(texts)))
        if p.near:
            sig_blocks.append(minhash.signatures(texts, num_perm=p.bands * p.rows, ngram=p.ngram, seed=p.seed))
        bar.update(len(texts))
    bar.close()
    links = [exact_links(keys)]
    if p.near and sig_blocks:
        links.append(near_links(np.concatenate(sig_blocks), p.bands, p.rows, p.threshold))
    return copies_from(np.concatenate(links), ranks, keys, ids), len(keys)


def run(ctx: Context, progress: bool = True) -> dict[str, Any]:
    layout, p = ctx.layout, ctx.params.dedup
    sources = ctx.sources.ids
    if ctx.params.engine == "ray":
        from pipeline.dedup.on_ray import ray_copies

        copies, documents_in = ray_copies(engine_for(ctx.params), layout, sources, p)
    else:
        copies, documents_in = _local_copies(layout, sources, p, progress)

    index = 0
    counts: Counter = Counter()
    with RowWriter(layout.dedup, DEDUPED, p.batch_size) as docs, RowWriter(layout.dedup_rejects, REJECT,
                                                                          p.batch_size) as rejects:
        for _, batch in _final_batches(layout, sources, p.batch_size):
            for row in batch.to_pylist():
                i, index = index, index + 1
                if i not in copies.removed:
                    n = copies.kept_for.get(i, 0)
                    docs.add(row | {"dup_cluster": row["id"] if n else None, "dup_removed": n})
                    continue
                keeper_id, exact = copies.removed[i]
                counts["exact" if exact else "near"] += 1
                kind = "exact copy" if exact else "near-duplicate (MinHash)"
                rejects.add({"source": row["source"], "source_file": row["source_file"],
                             "source_line": row["source_line"], "stage": STAGE, "id": row["id"], "text": row["text"],
                             "reason": f"duplicate-of:{keeper_id}", "detail": f"{kind} of {keeper_id}"})
    metrics = {"documents_in": documents_in, "documents": documents_in - sum(counts.values()),
               "exact_duplicates": counts["exact"], "near_duplicates": counts["near"],
               "clusters": len(copies.kept_for)}
    write_json(layout.dedup_metrics, metrics)
    return metrics
