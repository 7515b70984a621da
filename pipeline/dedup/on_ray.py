"""Dedup's first pass on Ray Data, for corpora whose signatures do not fit one machine.

1. **Signatures in parallel.** Every row group of every source's final file is one work
   item, so each document's position in the stream (the tie-break of ``stage.resolve``) is
   known: ``offset + row``. Workers compute its text key and MinHash signature, reading
   only ``id`` and ``text``, a few MiB at a time (``stage.stream``).
2. **LSH buckets grouped by a shuffle.** Each document becomes one row per band (the
   band's signature values) plus one for its text key; rows are hash-partitioned, and
   each partition finds its equal buckets with numpy and links every member to the
   bucket's smallest index — the links ``minhash.candidate_links`` and
   ``stage.exact_links`` make in memory.
3. **Verification where the links are.** Only the documents named by a link come back to
   this process, with their signatures, to keep near links whose estimated Jaccard
   similarity reaches the threshold and to pick each group's keeper.

This process holds the links and the documents that have copies, never the corpus; the
second pass, which writes the outputs, is the local one (``stage.run``), streamed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.core.config import DedupParams
from pipeline.core.errors import UserError
from pipeline.core.layout import SOURCE_STAGES, Layout
from pipeline.core.parquet import open_parquet
from pipeline.dedup import minhash
from pipeline.dedup.stage import Copies, copies_from, stream, text_key

EXACT_BAND = -1  # the "band" of text-key rows
DOCS_PER_PARTITION = 250_000  # × 43 bucket rows × ~50 bytes: about 0.5 GB per shuffle partition
MAX_BLOCKS = 4096  # work items (row groups) are grouped into at most this many blocks


def ray_copies(engine: Any, layout: Layout, sources: list[str], p: DedupParams,
               rank: Callable[[str, int], tuple[int, int, int]]) -> tuple[Copies, int]:
    ray = engine.ray
    parts, total = _work_items(layout, sources)
    if not total:
        return Copies(), 0
    for path in sorted({part["path"] for part in parts}):
        engine.check_visible(Path(path))
    sigs = ray.data.from_items(parts, override_num_blocks=min(len(parts), MAX_BLOCKS)).map_batches(
        partial(_signatures, p), batch_size=1, batch_format="pyarrow").materialize()
    # a partition is one block on one worker: enough of them that each stays small
    partitions = max(engine.params.dedup_partitions, -(-total // DOCS_PER_PARTITION))
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
    nodes_ref = ray.put(nodes)  # shipped to the object store once, not with every task
    info = pa.concat_tables(t for t in sigs.map_batches(_rows_of, fn_args=(nodes_ref,), batch_format="pyarrow")
                            .iter_batches(batch_size=None, batch_format="pyarrow"))
    info = info.take(pc.sort_indices(info, [("index", "ascending")]))
    index = info.column("index").to_numpy()
    exact_pairs = np.unique(pairs[exact], axis=0)
    links, similarity = [exact_pairs], [np.ones(len(exact_pairs))]
    if p.near:
        candidates = np.unique(pairs[~exact], axis=0)
        sig_matrix = _fixed_width(info.column("sig")).view(np.uint32).reshape(len(index), -1)
        estimated = minhash.estimated_jaccard(sig_matrix, np.searchsorted(index, candidates))
        near = estimated >= p.family_threshold
        links.append(candidates[near])
        similarity.append(estimated[near])
    rows = info.select(["index", "id", "source", "key"]).to_pylist()
    ranks = {r["index"]: rank(r["source"], r["index"]) for r in rows}
    return copies_from(np.concatenate(links), np.concatenate(similarity), ranks, {r["index"]: r["key"] for r in rows},
                       {r["index"]: r["id"] for r in rows}, p), total


def _work_items(layout: Layout, sources: list[str]) -> tuple[list[dict[str, Any]], int]:
    """One item per row group of every source's final file, with the position of its first row."""
    parts, offset = [], 0
    for source_id in sources:
        path = layout.stage_docs(source_id, SOURCE_STAGES[-1])
        if not path.is_file():
            raise UserError(layout.rel(path), f"missing: run the per-source stages for '{source_id}' first (dvc repro)")
        meta = open_parquet(path).metadata
        for group in range(meta.num_row_groups):
            parts.append({"source": source_id, "path": str(path), "group": group, "offset": offset})
            offset += meta.row_group(group).num_rows
    return parts, offset


def _signatures(p: DedupParams, items: pa.Table) -> pa.Table:
    """Key and signature of every document of each work item (one row group), read as
    ``stage.stream`` reads: only ``id`` and ``text``, a few MiB of them at a time."""
    out = []
    for item in items.to_pylist():
        with open_parquet(item["path"]) as f:
            rows = f.metadata.row_group(item["group"]).num_rows
            sigs = np.empty((rows, p.bands * p.rows), dtype=np.uint32) if p.near else None
            keys, ids, at = [], [], 0
            for batch in stream(f, ["id", "text"], p.batch_size, row_groups=[item["group"]]):
                texts = batch.column("text").to_pylist()
                if p.exact:
                    keys.extend(text_key(t) for t in texts)
                if sigs is not None:
                    minhash.signatures(texts, num_perm=p.bands * p.rows, ngram=p.ngram, seed=p.seed,
                                       out=sigs[at:at + len(texts)])
                ids.append(batch.column("id"))
                at += len(texts)
        index = np.arange(item["offset"], item["offset"] + rows, dtype=np.int64)
        if not p.exact:
            keys = [int(i).to_bytes(8, "big") for i in index]
        columns = {"index": index, "id": pa.chunked_array(ids, pa.string()), "source": [item["source"]] * rows,
                   "key": pa.array(keys, pa.binary(16 if p.exact else 8))}
        if sigs is not None:
            columns["sig"] = pa.FixedSizeBinaryArray.from_buffers(pa.binary(sigs.shape[1] * 4), len(sigs),
                                                                  [None, pa.py_buffer(sigs.tobytes())])
        out.append(pa.table(columns))
    return pa.concat_tables(out)


def _bucket_rows(p: DedupParams, partitions: int, docs: pa.Table) -> pa.Table:
    """One row per (document, band) and per (document, text key). ``bucket`` is what documents
    share when they fall together: the band number, then the band's signature values (or the
    text key), as fixed-width bytes."""
    index = docs.column("index").to_numpy()
    n, width = len(index), max(16, 4 * p.rows)
    blocks, bands = [], []

    def block(band: int, values: np.ndarray) -> None:
        rows = np.zeros((n, 8 + width), dtype=np.uint8)
        rows[:, :8] = np.array([band], dtype=">i8").view(np.uint8)
        rows[:, 8:8 + values.shape[1]] = values
        blocks.append(rows)
        bands.append(np.full(n, band, dtype=np.int64))

    if p.exact:
        block(EXACT_BAND, _fixed_width(docs.column("key")).reshape(n, -1))
    if p.near:
        sigs = _fixed_width(docs.column("sig")).view(np.uint32).reshape(n, -1)
        for b in range(p.bands):
            block(b, np.ascontiguousarray(sigs[:, b * p.rows:(b + 1) * p.rows]).view(np.uint8))
    rows = np.concatenate(blocks) if blocks else np.zeros((0, 8 + width), dtype=np.uint8)
    band = np.concatenate(bands) if bands else np.zeros(0, dtype=np.int64)
    # the partition: the first bucket bytes are hash values already (MinHash values, a digest)
    part = (np.ascontiguousarray(rows[:, 8:12]).view("<u4").ravel().astype(np.int64) + band * 7919) % partitions
    bucket = pa.FixedSizeBinaryArray.from_buffers(pa.binary(8 + width), len(rows), [None, pa.py_buffer(rows.tobytes())])
    return pa.table({"part": part, "band": band, "bucket": bucket, "index": np.tile(index, len(bands))})


def _bucket_links(rows: pa.Table) -> pa.Table:
    """Within one partition: (member, leader, exact) for every bucket of several documents, the
    leader being the bucket's smallest index."""
    index = rows.column("index").to_numpy()
    width = rows.schema.field("bucket").type.byte_width
    buckets = _fixed_width(rows.column("bucket")).view(f"V{width}")
    _, group = np.unique(buckets, return_inverse=True)
    leader = np.full(group.max() + 1 if len(group) else 0, np.iinfo(np.int64).max)
    np.minimum.at(leader, group, index)
    member = index != leader[group]
    return pa.table({"member": pa.array(index[member], pa.int64()), "leader": pa.array(leader[group][member], pa.int64()),
                     "exact": pa.array(rows.column("band").to_numpy()[member] == EXACT_BAND, pa.bool_())})


def _rows_of(docs: pa.Table, nodes: Any) -> pa.Table:
    """The documents named by a link (``nodes``: their sorted indexes, in the object store), and nothing else."""
    import ray

    nodes = ray.get(nodes) if isinstance(nodes, ray.ObjectRef) else nodes
    index = docs.column("index").to_numpy()
    at = np.minimum(np.searchsorted(nodes, index), len(nodes) - 1)
    return docs.filter(pa.array(nodes[at] == index))


def _fixed_width(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """The bytes of a fixed-size binary column, without a Python object per value."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    width = array.type.byte_width
    data = np.frombuffer(array.buffers()[1], dtype=np.uint8)
    return data[array.offset * width:(array.offset + len(array)) * width].copy()
