"""Dedup's first pass on Ray Data, for corpora whose signatures do not fit one machine.

1. **Signatures in parallel.** Every row group of every source's final file is one work
   item, so each document's position in the stream (the tie-break of ``stage.resolve``) is
   known: ``offset + row``. Workers compute its text key and MinHash signature.
2. **LSH buckets grouped by a shuffle.** Each document becomes one row per band (the
   band's signature values) plus one for its text key; rows are hash-partitioned, and
   each partition finds its equal buckets with numpy and links every member to the
   bucket's smallest index — the links ``minhash.candidate_links`` and
   ``stage.exact_links`` make in memory.
3. **Verification where the links are.** Only the documents named by a link come back to
   this process, with their signatures, to keep near links whose estimated Jaccard
   similarity reaches the threshold and to pick each group's keeper.

This process holds the links and the documents that have copies, never the corpus.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.core.config import DedupParams
from pipeline.core.errors import UserError
from pipeline.core.layout import SOURCE_STAGES, Layout
from pipeline.dedup import minhash
from pipeline.dedup.stage import Copies, copies_from, text_key

EXACT_BAND = -1  # the "band" of text-key rows


def ray_copies(engine: Any, layout: Layout, sources: list[str], p: DedupParams) -> tuple[Copies, int]:
    ray = engine.ray
    parts, total = _work_items(layout, sources)
    if not total:
        return Copies(), 0
    sigs = ray.data.from_items(parts, override_num_blocks=len(parts)).map_batches(
        partial(_signatures, p), batch_size=1, batch_format="pyarrow").materialize()
    partitions = engine.params.dedup_partitions
    links = (sigs.map_batches(partial(_bucket_rows, p, partitions), batch_format="pyarrow")
             .groupby("part", num_partitions=partitions)
             .map_groups(_bucket_links, batch_format="pyarrow"))
    found = [t for t in links.iter_batches(batch_size=None, batch_format="pyarrow") if t.num_rows]
    if not found:
        return Copies(), total
    table = pa.concat_tables(found)
    pairs = np.stack([table.column("member").to_numpy(), table.column("leader").to_numpy()], axis=1)
    exact = table.column("exact").to_numpy(zero_copy_only=False)
    nodes = np.unique(pairs)
    info = pa.concat_tables(t for t in sigs.map_batches(partial(_rows_of, nodes), batch_format="pyarrow")
                            .iter_batches(batch_size=None, batch_format="pyarrow"))
    info = info.take(pa.compute.sort_indices(info, [("index", "ascending")]))
    index = info.column("index").to_numpy()
    links = [np.unique(pairs[exact], axis=0)]
    if p.near:
        candidates = np.unique(pairs[~exact], axis=0)
        sig_matrix = np.frombuffer(b"".join(info.column("sig").to_pylist()), dtype=np.uint32).reshape(len(index), -1)
        near = minhash.estimated_jaccard(sig_matrix, np.searchsorted(index, candidates)) >= p.threshold
        links.append(candidates[near])
    priority = {s: i for i, s in enumerate(p.source_priority)}
    rows = info.select(["index", "id", "source", "key"]).to_pylist()
    ranks = {r["index"]: (priority.get(r["source"], len(priority)), r["source"], r["index"]) for r in rows}
    return copies_from(np.concatenate(links), ranks, {r["index"]: r["key"] for r in rows},
                       {r["index"]: r["id"] for r in rows}), total


def _work_items(layout: Layout, sources: list[str]) -> tuple[list[dict[str, Any]], int]:
    """One item per row group of every source's final file, with the position of its first row."""
    parts, offset = [], 0
    for source_id in sources:
        path = layout.stage_docs(source_id, SOURCE_STAGES[-1])
        if not path.is_file():
            raise UserError(layout.rel(path), f"missing: run the per-source stages for '{source_id}' first (dvc repro)")
        meta = pq.ParquetFile(path).metadata
        for group in range(meta.num_row_groups):
            parts.append({"source": source_id, "path": str(path), "group": group, "offset": offset})
            offset += meta.row_group(group).num_rows
    return parts, offset


def _signatures(p: DedupParams, items: pa.Table) -> pa.Table:
    out = []
    for item in items.to_pylist():
        with pq.ParquetFile(item["path"]) as f:
            group = f.read_row_group(item["group"], columns=["id", "text"])
        texts = group.column("text").to_pylist()
        index = np.arange(item["offset"], item["offset"] + len(texts), dtype=np.int64)
        keys = [text_key(t) for t in texts] if p.exact else [int(i).to_bytes(8, "big") for i in index]
        columns = {"index": index, "id": group.column("id"), "source": [item["source"]] * len(texts), "key": keys}
        if p.near:
            sigs = minhash.signatures(texts, num_perm=p.bands * p.rows, ngram=p.ngram, seed=p.seed)
            columns["sig"] = [row.tobytes() for row in sigs]
        out.append(pa.table(columns))
    return pa.concat_tables(out)


def _bucket_rows(p: DedupParams, partitions: int, docs: pa.Table) -> pa.Table:
    """One row per (document, band) and per (document, text key); ``bucket`` (the band number and
    the values that must be equal, as fixed-width bytes) is what documents share."""
    index = docs.column("index").to_numpy()
    width = max(16, 4 * p.rows) if p.near else 16
    bands, buckets = [], []
    if p.exact:
        bands.append(np.full(len(index), EXACT_BAND, dtype=np.int64))
        buckets.extend(docs.column("key").to_pylist())
    if p.near:
        sigs = np.frombuffer(b"".join(docs.column("sig").to_pylist()), dtype=np.uint32).reshape(len(index), -1)
        for b in range(p.bands):
            bands.append(np.full(len(index), b, dtype=np.int64))
            buckets.extend(row.tobytes() for row in sigs[:, b * p.rows:(b + 1) * p.rows])
    band = np.concatenate(bands) if bands else np.empty(0, dtype=np.int64)
    keyed = [int(b).to_bytes(8, "big", signed=True) + bucket.ljust(width, b"\0") for b, bucket in zip(band, buckets)]
    # the partition: the bucket's first bytes are hash values already (MinHash values, a digest)
    part = np.array([int.from_bytes(bucket[:4], "little") for bucket in buckets], dtype=np.int64)
    return pa.table({"part": (part + band * 7919) % partitions, "band": band,
                     "bucket": pa.array(keyed, pa.binary(8 + width)), "index": np.tile(index, len(bands))})


def _bucket_links(rows: pa.Table) -> pa.Table:
    """Within one partition: (member, leader, exact) for every bucket of several documents, the
    leader being the bucket's smallest index."""
    index = rows.column("index").to_numpy()
    width = rows.schema.field("bucket").type.byte_width
    buckets = np.frombuffer(b"".join(rows.column("bucket").to_pylist()), dtype=f"V{width}")
    _, group = np.unique(buckets, return_inverse=True)
    leader = np.full(group.max() + 1 if len(group) else 0, np.iinfo(np.int64).max)
    np.minimum.at(leader, group, index)
    member = index != leader[group]
    return pa.table({"member": pa.array(index[member], pa.int64()), "leader": pa.array(leader[group][member], pa.int64()),
                     "exact": pa.array(rows.column("band").to_numpy()[member] == EXACT_BAND, pa.bool_())})


def _rows_of(nodes: np.ndarray, docs: pa.Table) -> pa.Table:
    """The documents named by a link (a sorted array), and nothing else."""
    return docs.filter(pa.array(np.isin(docs.column("index").to_numpy(), nodes)))
