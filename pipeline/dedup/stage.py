"""The dedup stage (global): exact and near-duplicate removal across all sources.

Pass 1 streams every source's final per-source output and keeps, per document, only what
dedup needs: a hash of the text without whitespace, a MinHash signature, and where the
document came from. Exact copies share the hash; near copies are found by LSH over the
signatures (``minhash.py``). In each group of copies one document is kept: the one whose
source comes first in ``dedup.source_priority``, then by source id, then by position —
the same choice on every run. Pass 2 streams the documents again and writes the survivors
(with ``dup_cluster`` and ``dup_removed``, added to each batch as Arrow columns: no document
becomes Python objects but the few removed) and a reject ``duplicate-of:<id>`` for each copy.

Memory is bounded by what each pass needs, not by ``dedup.batch_size``. Pass 1 reads only
the columns it uses (``text``, and ``id``; the source and the position come from the file and
the row), about ``READ_BYTES`` of them at a time, into arrays made once per row group: per
document a 126-value signature (504 bytes), its 16-byte key, its index and its id, nothing per
document as a Python object; the rank and id of a document are looked up only for the
documents that links name. Pass 2 streams every column in pieces of about ``READ_BYTES``
and writes the survivors in row groups of ``dedup.batch_size`` rows without combining the
pieces (``rowgroups.py``), so it holds one row group once.

Pass 1 runs on the engine (``find_copies``): every engine holds the keys and signatures
where it runs and groups them by equal bytes (``Engine.hold``, ``Held.links``), so the
stage never asks which engine it is on. The local engine holds them in arrays in this
process; Ray holds them in its object store and groups the LSH buckets by a shuffle, so
this process holds only the documents that have copies; the survivors are the same.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Protocol, TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.core.context import Context
from pipeline.core.contract import source_stages
from pipeline.core.errors import missing_input
from pipeline.core.jsonfile import write_json
from pipeline.core.layout import Layout
from pipeline.core.parquet import CheckedParquetFile, RowWriter, open_parquet
from pipeline.core.schema import REJECT, reject_row, schema_after
from pipeline.dedup import minhash
from pipeline.dedup.params import DedupParams
from pipeline.dedup.rowgroups import RowGroupWriter, give_back
from pipeline.engine import Bucket, Engine, engine_for
from pipeline.engine.buckets import fixed_width

STAGE = "dedup"
READ_BYTES = 1 * 2**20  # about this much of the columns read is decoded at a time (Parquet's uncompressed size)
T_co = TypeVar("T_co", covariant=True)


class Lookup(Protocol[T_co]):
    """By document index: a list over all documents, a mapping holding the linked ones, or a ``_ByIndex``."""

    def __getitem__(self, i: int, /) -> T_co: ...


def text_key(text: str) -> bytes:
    """SHA-256 of the text without whitespace (its first 16 bytes), hashed piece by piece: the
    digest of ``"".join(text.split())`` without making that copy of a long text."""
    digest = hashlib.sha256()
    for block in minhash.stripped_blocks(text):
        digest.update(block.encode("utf-8"))
    return digest.digest()[:16]


def _final_files(layout: Layout, sources: list[str]) -> list[tuple[str, Path]]:
    """Every source's final per-source file, in source order; a missing one is an error before any is read."""
    final, files = source_stages()[-1], []
    for source_id in sources:
        path = layout.stage_docs(source_id, final)
        if not path.is_file():
            raise missing_input(layout.rel(path), f"the per-source stages for '{source_id}'")
        files.append((source_id, path))
    return files


def rows_per_read(meta: pq.FileMetaData, columns: Sequence[str] | None, most: int, budget: int = READ_BYTES) -> int:
    """How many rows of ``columns`` (all: None) make about ``budget`` bytes, by the file's own
    uncompressed sizes; at least 1, at most ``most``. Documents of any length, any batch size."""
    wanted = None if columns is None else set(columns)
    size = sum(
        group.column(c).total_uncompressed_size
        for group in (meta.row_group(g) for g in range(meta.num_row_groups))
        for c in range(group.num_columns)
        if wanted is None or group.column(c).path_in_schema.split(".")[0] in wanted
    )
    return max(1, min(most, budget * meta.num_rows // max(1, size)))


def stream(
    f: CheckedParquetFile,
    columns: Sequence[str] | None,
    most: int,
    row_groups: Sequence[int] | None = None,
    budget: int = READ_BYTES,
) -> Iterator[pa.RecordBatch]:
    """The file's rows (of ``row_groups``, all: None) in record batches of at most ``most`` rows
    and about ``budget`` bytes of ``columns`` (all: None). One row group at a time: reading
    the whole file at once pre-buffers every row group's column chunks (the file, compressed,
    in memory). The batch size follows what the rows weigh in Arrow, which can be ten times
    Parquet's size (a dictionary-encoded ``tokens`` column), as measured on the batches read."""
    rows = rows_per_read(f.metadata, columns, most, budget)
    for group in range(f.num_row_groups) if row_groups is None else row_groups:
        for batch in f.iter_batches(batch_size=rows, row_groups=[group], columns=columns, use_threads=False):
            if batch.num_rows:
                rows = max(1, min(rows, most, budget * batch.num_rows // max(1, batch.nbytes)))
            yield batch


def _final_batches(
    layout: Layout, sources: list[str], batch_size: int, columns: list[str] | None = None
) -> Iterator[tuple[str, pa.RecordBatch]]:
    """Every source's documents, in order, in record batches of at most ``batch_size`` rows and
    about ``READ_BYTES`` of the columns read (all: None)."""
    for source_id, path in _final_files(layout, sources):
        with open_parquet(path) as f:
            for batch in stream(f, columns, batch_size):
                yield source_id, batch


@dataclass
class Copies:
    """What dedup removes and marks: each copy's index (its position in the stream of all
    sources' documents) with its keeper's id and whether it is an exact copy; per keeper, how
    many copies it stands for; per kept member of a template family, the family's id and size;
    and the family members beyond ``dedup.max_per_family``. Holds only documents that have
    copies or siblings, so it is small next to the corpus."""

    removed: dict[int, tuple[str, bool]] = field(default_factory=dict)
    kept_for: Counter = field(default_factory=Counter)
    families: dict[int, tuple[str, int]] = field(default_factory=dict)
    capped: dict[int, str] = field(default_factory=dict)


def exact_links(keys: list[bytes] | np.ndarray) -> np.ndarray:
    """(i, j) for every document i whose key an earlier document j (the first) has, in the order
    of i. ``keys``: a list of bytes, or an array with one key per row (the same links)."""
    if isinstance(keys, np.ndarray):
        if not len(keys):
            return np.empty((0, 2), dtype=np.int64)
        flat = np.ascontiguousarray(keys).view(np.dtype((np.void, keys.dtype.itemsize * keys.shape[1]))).ravel()
        _, first, inverse = np.unique(flat, return_index=True, return_inverse=True)  # first: first occurrences
        leader = first[inverse.ravel()]
        members = np.nonzero(leader != np.arange(len(flat)))[0]
        return np.stack([members, leader[members]], axis=1).astype(np.int64).reshape(-1, 2)
    links: list[tuple[int, int]] = []
    first_at: dict[bytes, int] = {}
    for i, key in enumerate(keys):
        if key in first_at:
            links.append((i, first_at[key]))
        else:
            first_at[key] = i
    return np.array(links, dtype=np.int64).reshape(-1, 2)


def resolve(
    links: np.ndarray, similarity: np.ndarray, ranks: list[tuple[int, int, int]], keys: list[bytes], threshold: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Over the documents that links mention (``ranks``/``keys`` are theirs, in index order;
    ``links`` index them, ``similarity`` is each link's estimated Jaccard, 1 for exact copies):
    the keeper of each, how it is linked (0: kept, 1: exact copy, 2: near copy), and its
    connected component (its smallest index): the template family of the ones kept.

    Documents are taken in rank order; each one not yet removed is kept and removes the
    later-ranked documents similar to *it* by at least ``threshold`` — never through a chain
    (A≈B≈C with A and C unalike keeps C). Identical texts count as one document here."""
    n = len(ranks)
    order = sorted(range(n), key=ranks.__getitem__)
    position = np.empty(n, dtype=np.int64)
    position[order] = np.arange(n)
    leader: dict[bytes, int] = {}
    group = np.empty(n, dtype=np.int64)  # the first-ranked document with the same text
    for i in order:
        group[i] = leader.setdefault(keys[i], i)
    strongest: dict[tuple[int, int], float] = {}
    for (a, b), sim in zip(links.tolist(), similarity.tolist()):
        ga, gb = int(group[a]), int(group[b])
        if ga != gb:
            pair = (ga, gb) if position[ga] < position[gb] else (gb, ga)
            strongest[pair] = max(sim, strongest.get(pair, 0.0))
    later: dict[int, list[int]] = {}
    for (first, second), sim in strongest.items():
        if sim >= threshold:
            later.setdefault(first, []).append(second)
    removed_by: dict[int, int] = {}
    for g in order:
        if group[g] == g and g not in removed_by:
            for other in later.get(g, ()):
                removed_by.setdefault(other, g)
    keeper = np.arange(n, dtype=np.int64)
    how = np.zeros(n, dtype=np.int8)
    for i in range(n):
        g = int(group[i])
        if g in removed_by:
            keeper[i], how[i] = removed_by[g], 2
        elif g != i:
            keeper[i], how[i] = g, 1
    return keeper, how, minhash.components(n, links)


def near_links(sigs: np.ndarray, bands: int, rows: int, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """LSH candidates whose estimated Jaccard similarity reaches the threshold, and that similarity."""
    candidates = minhash.candidate_links(sigs, bands, rows)
    similarity = minhash.estimated_jaccard(sigs, candidates)
    keep = similarity >= threshold
    return candidates[keep], similarity[keep]


def ranker(p: DedupParams, registered: Sequence[str]) -> Callable[[str, int], tuple[int, int, int]]:
    """The order in which copies are kept, the same on every engine: ``dedup.source_priority``,
    then registration order (``configs/sources.yaml``: a new source never takes a document
    away from an older one), then position in the stream."""
    priority = {s: i for i, s in enumerate(p.source_priority)}
    registration = {s: i for i, s in enumerate(registered)}
    return lambda source_id, index: (priority.get(source_id, len(priority)), registration[source_id], index)


def find_duplicates(
    keys: list[bytes],
    sigs: np.ndarray | None,
    rank: np.ndarray,
    *,
    bands: int,
    rows: int,
    threshold: float,
    family_threshold: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """In memory, for every document: the index of the document kept for it, and how the
    link was made (0: none, 1: exact copy, 2: near copy)."""
    links, similarity = all_links(keys, sigs, bands, rows, family_threshold or threshold)
    ranks = [(int(r), 0, i) for i, r in enumerate(rank)]
    keeper, how, _ = resolve(links, similarity, ranks, keys, threshold)
    return keeper, how


def all_links(
    keys: list[bytes], sigs: np.ndarray | None, bands: int, rows: int, threshold: float
) -> tuple[np.ndarray, np.ndarray]:
    """Exact links (similarity 1) and near links at or above ``threshold``."""
    exact = exact_links(keys)
    links, similarity = [exact], [np.ones(len(exact))]
    if sigs is not None and len(keys):
        near, sim = near_links(sigs, bands, rows, threshold)
        links.append(near)
        similarity.append(sim)
    return np.concatenate(links), np.concatenate(similarity)


def copies_from(
    links: np.ndarray,
    similarity: np.ndarray,
    ranks: Lookup[tuple[int, int, int]],
    keys: Lookup[bytes],
    ids: Lookup[str],
    p: DedupParams,
) -> Copies:
    """Copies and families from links between documents given by index, with the rank, key
    and id of each (lists over all documents, or mappings holding the linked ones)."""
    copies = Copies()
    if not len(links):
        return copies
    nodes = np.unique(links)
    node_ranks = [ranks[int(x)] for x in nodes]
    keeper, how, family = resolve(
        np.searchsorted(nodes, links), similarity, node_ranks, [keys[int(x)] for x in nodes], p.threshold
    )
    members: dict[int, list[int]] = {}
    for i, (k, h, f) in enumerate(zip(keeper.tolist(), how.tolist(), family.tolist())):
        if h:
            copies.removed[int(nodes[i])] = (ids[int(nodes[k])], h == 1)
            copies.kept_for[int(nodes[k])] += 1
        else:
            members.setdefault(f, []).append(i)
    for kept in members.values():
        if len(kept) < 2:
            continue
        kept.sort(key=node_ranks.__getitem__)
        family_id = ids[int(nodes[kept[0]])]
        for place, i in enumerate(kept):
            copies.families[int(nodes[i])] = (family_id, len(kept))
            if p.max_per_family is not None and place >= p.max_per_family:
                copies.capped[int(nodes[i])] = family_id
    return copies


def stream_position(index: Any, start: Any, batch_size: int) -> Any:
    """The position the ranking has given document ``index`` (of a source whose first document
    is ``start``; ints or arrays) since the first release: pass 1 read each source in batches
    of ``dedup.batch_size`` and counted, within a batch, two per document (its list grew while
    the positions of the batch were being made), so the i-th document of a batch beginning at
    ``b`` came at ``b + 2 i``. Kept so that the survivors stay what they were, byte for byte:
    a document still comes after every earlier one of its batch, but not always after the
    previous batch. Every engine ranks by it (pass 1 ranks here, not on the engine)."""
    offset = index - start
    return start + offset // batch_size * batch_size + 2 * (offset % batch_size)


class _ByIndex:
    """``Lookup`` of one value per linked document, made from its index when asked."""

    def __init__(self, make: Callable[[int], Any]):
        self.make = make

    def __getitem__(self, i: int) -> Any:
        return self.make(int(i))


def _work_items(layout: Layout, sources: list[str]) -> tuple[list[dict[str, Any]], np.ndarray]:
    """One item per row group (with rows) of every source's final file, with the index of its
    first document; and the index of each source's first document, then the count of all."""
    items, sizes = [], []
    offset = 0
    for _, path in _final_files(layout, sources):
        with open_parquet(path) as f:
            meta = f.metadata
        for group in range(meta.num_row_groups):
            rows = meta.row_group(group).num_rows
            if rows:
                items.append({"path": str(path), "group": group, "offset": offset})
                offset += rows
        sizes.append(meta.num_rows)
    return items, np.cumsum([0] + sizes)


def _documents(p: DedupParams, item: dict[str, Any]) -> pa.Table:
    """``index``, ``id``, ``key`` (the text key, or the index where ``dedup.exact`` is off: no
    two alike) and ``sig`` (the MinHash signature, where ``dedup.near``) of every document of
    one work item, from its ``id`` and ``text`` only, a few MiB of them at a time. Runs where
    the engine runs (a worker), so it reads the file itself."""
    with open_parquet(Path(item["path"])) as f:
        rows = f.metadata.row_group(item["group"]).num_rows
        sigs = np.empty((rows, p.bands * p.rows), dtype=np.uint32) if p.near else None
        keys, ids, at = [], [], 0
        for batch in stream(f, ["id", "text"], p.batch_size, row_groups=[item["group"]]):
            texts = batch.column("text").to_pylist()
            if p.exact:
                keys.append(b"".join(map(text_key, texts)))
            if sigs is not None:
                minhash.signatures(
                    texts, num_perm=p.bands * p.rows, ngram=p.ngram, seed=p.seed, out=sigs[at : at + len(texts)]
                )
            ids.append(batch.column("id"))
            at += len(texts)
    index = np.arange(item["offset"], item["offset"] + rows, dtype=np.int64)
    key = b"".join(keys) if p.exact else index.astype(">i8").tobytes()
    columns = {
        "index": index,
        "id": pa.chunked_array(ids, pa.string()),
        "key": pa.FixedSizeBinaryArray.from_buffers(pa.binary(16 if p.exact else 8), rows, [None, pa.py_buffer(key)]),
    }
    if sigs is not None:
        columns["sig"] = pa.FixedSizeBinaryArray.from_buffers(
            pa.binary(sigs.shape[1] * 4), rows, [None, pa.py_buffer(sigs)]
        )
    return pa.table(columns)


def find_copies(
    engine: Engine,
    layout: Layout,
    sources: list[str],
    p: DedupParams,
    rank: Callable[[str, int], tuple[int, int, int]],
    progress: bool = True,
) -> tuple[Copies, int]:
    """Pass 1, on any engine: every document's key and signature made and held where the engine
    runs (``_documents``, one work item per row group); documents sharing a text key (exact) or
    an LSH band (near candidates) linked by the engine's grouping (``Held.links``); the near
    links kept whose estimated Jaccard similarity, scored where the signatures are
    (``Held.score``), reaches ``dedup.family_threshold``; and only the documents so linked
    brought to this process, to pick each group's keeper. Returns the copies and the number of
    documents."""
    items, starts = _work_items(layout, sources)
    n = int(starts[-1])
    if not n:
        return Copies(), 0
    held = engine.hold(
        items,
        partial(_documents, p),
        where=sorted({Path(i["path"]) for i in items}),
        progress="dedup: signatures" if progress else None,
    )
    groups = ([[Bucket("key")]] if p.exact else []) + (
        [[Bucket("sig", 4 * b * p.rows, 4 * (b + 1) * p.rows) for b in range(p.bands)]] if p.near else []
    )
    found = held.links(groups)
    none = np.empty((0, 2), dtype=np.int64)
    exact = found.pop(0) if p.exact else none
    candidates = found.pop(0) if p.near else none
    links, similarity = [exact], [np.ones(len(exact))]
    if p.near and len(candidates):
        estimated = held.score(candidates, "sig", minhash.signature_agreement)
        near = estimated >= p.family_threshold
        links.append(candidates[near])
        similarity.append(estimated[near])
    links_all, similarity_all = np.concatenate(links), np.concatenate(similarity)
    nodes = np.unique(links_all)
    if not len(nodes):
        del held
        give_back()
        return Copies(), n
    linked = held.take(nodes, ["id", "key"])
    del held  # the corpus's keys and signatures: what remains is the linked documents'
    keys = fixed_width(linked.column("key"), copy=False).reshape(len(nodes), -1)
    node_ids = dict(zip(nodes.tolist(), linked.column("id").to_pylist()))
    source_ids = list(sources)

    def rank_of(i: int) -> tuple[int, int, int]:
        source = int(np.searchsorted(starts, i, side="right")) - 1
        return rank(source_ids[source], int(stream_position(i, int(starts[source]), p.batch_size)))

    def key_of(i: int) -> bytes:
        return keys[int(np.searchsorted(nodes, i))].tobytes()

    copies = copies_from(links_all, similarity_all, _ByIndex(rank_of), _ByIndex(key_of), node_ids, p)
    give_back()  # what pass 1 freed, for pass 2
    return copies, n


def _reject_for(copies: Copies, i: int, row: dict[str, Any], p: DedupParams) -> dict[str, Any] | None:
    """The reject of document ``i`` when dedup removes it (with the metrics bucket under
    ``count``), else None."""
    if i in copies.removed:
        keeper_id, exact = copies.removed[i]
        kind = "exact copy" if exact else f"near-duplicate (MinHash, estimated Jaccard ≥ {p.threshold:g} with it)"
        reason, detail, count = f"duplicate-of:{keeper_id}", f"{kind} of {keeper_id}", "exact" if exact else "near"
    elif i in copies.capped:
        family = copies.capped[i]
        reason, count = f"family-cap:{family}", "capped"
        detail = f"member of template family {family} beyond dedup.max_per_family ({p.max_per_family})"
    else:
        return None
    return reject_row(row, STAGE, reason, detail) | {"count": count}


_REJECT_FROM = ["source", "source_file", "source_line", "id", "text"]  # what a reject row copies


class _Marks:
    """The columns dedup adds, made per batch as Arrow arrays (no row becomes Python objects):
    the documents of ``Copies`` as sorted index arrays, looked up by the batch's index range."""

    def __init__(self, copies: Copies):
        self.removed = np.array(sorted(copies.removed.keys() | copies.capped.keys()), dtype=np.int64)
        kept = sorted(copies.kept_for)
        self.kept = np.array(kept, dtype=np.int64)
        self.kept_n = np.array([copies.kept_for[i] for i in kept], dtype=np.int64)
        members = sorted(copies.families)
        self.members = np.array(members, dtype=np.int64)
        self.family = [copies.families[i][0] for i in members]
        self.family_size = np.array([copies.families[i][1] for i in members], dtype=np.int64)

    @staticmethod
    def _window(keys: np.ndarray, start: int, rows: int) -> tuple[int, int]:
        lo, hi = np.searchsorted(keys, [start, start + rows])
        return int(lo), int(hi)

    def marked(self, batch: pa.RecordBatch, start: int) -> tuple[pa.RecordBatch, np.ndarray]:
        """The batch (documents ``start``… of the stream) with ``dup_cluster``, ``dup_removed``,
        ``dup_family`` and ``dup_family_size``, as ``schema_after("dedup")``; and the positions in it of the
        documents dedup removes (duplicates, and family members beyond the cap)."""
        rows = batch.num_rows
        lo, hi = self._window(self.removed, start, rows)
        removed = self.removed[lo:hi] - start
        lo, hi = self._window(self.kept, start, rows)
        dup_removed = np.zeros(rows, dtype=np.int64)
        dup_removed[self.kept[lo:hi] - start] = self.kept_n[lo:hi]
        lo, hi = self._window(self.members, start, rows)
        family: list[str | None] = [None] * rows
        for position, family_id in zip((self.members[lo:hi] - start).tolist(), self.family[lo:hi]):
            family[position] = family_id
        family_size = np.zeros(rows, dtype=np.int64)
        family_size[self.members[lo:hi] - start] = self.family_size[lo:hi]
        added = {
            "dup_cluster": pc.if_else(
                pa.array(dup_removed != 0), batch.column("id").cast(pa.string()), pa.scalar(None, pa.string())
            ),
            "dup_removed": pa.array(dup_removed),
            "dup_family": pa.array(family, type=pa.string()),
            "dup_family_size": pa.array(family_size),
        }
        names = set(batch.schema.names)
        columns = []
        for f in schema_after("dedup"):
            if f.name in added:
                column = added[f.name]
            elif f.name in names:
                column = batch.column(f.name)
            else:  # as a row without the key became: null
                column = pa.nulls(rows, f.type)
            columns.append(column if column.type == f.type else column.cast(f.type))
        return pa.RecordBatch.from_arrays(columns, schema=schema_after("dedup")), removed


def run(ctx: Context, progress: bool = True) -> dict[str, Any]:
    layout, p = ctx.layout, ctx.params.dedup
    sources = ctx.sources.ids
    rank = ranker(p, ctx.sources.registration_order)
    copies, documents_in = find_copies(engine_for(ctx.params), layout, sources, p, rank, progress)

    marks = _Marks(copies)
    index = 0
    counts: Counter = Counter()
    with (
        RowGroupWriter(layout.dedup, schema_after("dedup"), p.batch_size) as docs,
        RowWriter(layout.dedup_rejects, REJECT, p.batch_size) as rejects,
    ):
        for _, batch in _final_batches(layout, sources, p.batch_size):
            start, index = index, index + batch.num_rows
            out, removed = marks.marked(batch, start)
            if len(removed):
                for position, row in zip(removed.tolist(), batch.select(_REJECT_FROM).take(removed).to_pylist()):
                    reject = _reject_for(copies, start + position, row, p)
                    assert reject is not None  # a removed document: dedup removes it
                    counts[reject.pop("count")] += 1
                    rejects.add(reject)
                keep = np.ones(batch.num_rows, dtype=bool)
                keep[removed] = False
                out = out.filter(pa.array(keep))
            docs.write_batch(out)
    families = Counter(family for family, _ in copies.families.values())
    metrics = {
        "documents_in": documents_in,
        "documents": documents_in - sum(counts.values()),
        "exact_duplicates": counts["exact"],
        "near_duplicates": counts["near"],
        "clusters": len(copies.kept_for),
        "families": len(families),
        "family_members": sum(families.values()),
        "family_capped": counts["capped"],
        "largest_families": [
            {"family": f, "size": n} for f, n in sorted(families.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
        ],
    }
    write_json(layout.dedup_metrics, metrics)
    return metrics
