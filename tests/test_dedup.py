"""Dedup across sources: exact and near duplicates, which copy is kept, and what is recorded."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import yaml
from conftest import REPO, add_source, context, same_rows_and_row_groups

from pipeline import stages
from pipeline.core.context import load_context
from pipeline.core.contract import source_stages
from pipeline.core.parquet import CheckedParquetFile, RowWriter, read_batches
from pipeline.core.schema import REJECT, schema_after
from pipeline.dedup import minhash
from pipeline.dedup import stage as dedup_stage
from pipeline.dedup.params import DedupParams
from pipeline.dedup.rowgroups import RowGroupWriter
from pipeline.dedup.stage import find_duplicates, text_key
from pipeline.engine.local import LocalEngine

sys.path.insert(0, str(REPO / "benchmarks"))
import dedup_memory  # noqa: E402  (the generated segment.parquet of two sources, tokens included)
from dedup_data import near_duplicate, random_document  # noqa: E402

PRESS = (
    "行政院今日召開記者會，說明智慧國家二點零推動方案的年度成果，並宣布將建置符合臺灣價值的繁體中文語料庫，"
    "促進資料開放與創新應用，同時保障個人資料與智慧財產權。"
)


DEFAULT_PARAMS = DedupParams()


def survivors_and_links(texts, params=DEFAULT_PARAMS):
    keys = [text_key(t) for t in texts]
    sigs = minhash.signatures(texts, num_perm=params.bands * params.rows, ngram=params.ngram, seed=params.seed)
    return find_duplicates(
        keys,
        sigs,
        np.arange(len(texts)),
        bands=params.bands,
        rows=params.rows,
        threshold=params.threshold,
        family_threshold=params.family_threshold,
    )


# Generated copies with 3–10 % of characters edited at random are farther from their source
# than the real copies that chose the defaults; the mechanism is tested with 3-grams at 0.5.
GENERATED = DedupParams(ngram=3, threshold=0.5, family_threshold=0.5)


def test_generated_near_duplicates_recall_and_precision():
    rng = random.Random(11)
    base = [random_document(rng) for _ in range(600)]
    copies = [near_duplicate(base[i], rng, 0.03 + 0.07 * rng.random()) for i in range(200)]
    keeper, how = survivors_and_links(base + copies, GENERATED)
    found = sum(1 for i in range(200) if keeper[600 + i] == keeper[i])
    flagged = [i for i in range(800) if keeper[i] != i]
    true = sum(1 for i in flagged if i >= 600)
    assert found / 200 >= 0.95
    assert true / len(flagged) >= 0.99
    assert set(how[flagged]) == {2}


def test_exact_copies_across_sources_keep_the_priority_source(layout):
    add_source(layout, "agency-a", {"a.txt": PRESS, "own.txt": "甲機關自己的公告內容，與其他機關無關。" * 2})
    add_source(layout, "agency-b", {"b.txt": PRESS.replace("，", "， ")})  # same text but for whitespace
    add_source(layout, "agency-c", {"c.txt": "行政院新聞稿\n" + PRESS + "\n（完）"})  # republished with a header
    params = yaml.safe_load(layout.params.read_text())
    params["dedup"] = {"source_priority": ["agency-b"]}
    layout.params.write_text(yaml.safe_dump(params, allow_unicode=True))
    metrics = stages.run_all(context(layout))
    rows = pq.read_table(layout.publish / "data").to_pylist()
    kept = {(r["source"], r["source_file"]): r for r in rows}
    assert sorted(kept) == [("agency-a", "own.txt"), ("agency-b", "b.txt")]
    b = kept[("agency-b", "b.txt")]
    assert (b["dup_cluster"], b["dup_removed"]) == (b["id"], 2)
    assert (kept[("agency-a", "own.txt")]["dup_cluster"], kept[("agency-a", "own.txt")]["dup_removed"]) == (None, 0)
    rejects = [r for r in pq.read_table(layout.rejects).to_pylist() if r["stage"] == "dedup"]
    assert [(r["source"], r["reason"], r["detail"]) for r in rejects] == [
        ("agency-a", f"duplicate-of:{b['id']}", f"exact copy of {b['id']}"),
        (
            "agency-c",
            f"duplicate-of:{b['id']}",
            f"near-duplicate (MinHash, estimated Jaccard ≥ 0.8 with it) of {b['id']}",
        ),
    ]
    assert metrics["rejects_by_reason"] == {"duplicate-of": 2}
    assert metrics["sources"]["agency-a"]["rejected"] == 1


def test_without_priority_the_first_registered_source_and_position_win(layout):
    add_source(layout, "zeta", {"a.txt": PRESS})
    add_source(layout, "alpha", {"b.txt": PRESS, "c.txt": PRESS + "\n"})  # registered later; c.txt copies b.txt
    stages.run_all(context(layout))
    rows = pq.read_table(layout.publish / "data").to_pylist()
    assert [(r["source"], r["source_file"]) for r in rows] == [("zeta", "a.txt")]
    reasons = [(r["source"], r["source_file"], r["stage"]) for r in pq.read_table(layout.rejects).to_pylist()]
    assert reasons == [("alpha", "b.txt", "dedup"), ("alpha", "c.txt", "dedup")]


def test_a_new_source_never_takes_a_document_from_an_older_one(layout):
    """The laws source publishes 政府資訊公開法; a source registered later with the same law
    (its id sorting first) loses its copy, not the laws source."""
    law = (REPO / "data" / "raw" / "laws" / "I0020026.json").read_text(encoding="utf-8")
    add_source(layout, "laws", {"I0020026.json": law}, format="lawdb")
    stages.run_all(context(layout))
    before = pq.read_table(layout.publish / "data").to_pylist()
    assert [(r["source"], r["title"]) for r in before] == [("laws", "政府資訊公開法")]
    text = before[0]["text"]
    add_source(layout, "a-gazette", {"copy.txt": "行政院公報　第12卷\n" + text})  # a copy with a page header
    stages.run_all(context(layout))
    after = pq.read_table(layout.publish / "data").to_pylist()
    assert [(r["source"], r["title"], r["dup_removed"]) for r in after] == [("laws", "政府資訊公開法", 1)]
    (reject,) = [r for r in pq.read_table(layout.rejects).to_pylist() if r["stage"] == "dedup"]
    assert (reject["source"], reject["reason"]) == ("a-gazette", f"duplicate-of:{before[0]['id']}")


def test_no_chains_a_document_goes_only_when_like_its_keeper():
    # b is like a, c is like b, but c is not like a: a chain would remove c through b
    rng = random.Random(0)
    a = random_document(rng)
    b = near_duplicate(a, rng, 0.08)
    c = near_duplicate(b, rng, 0.08)
    params = DedupParams(ngram=3, threshold=0.6, family_threshold=0.3)
    keys = [text_key(t) for t in (a, b, c)]
    sigs = minhash.signatures([a, b, c], num_perm=params.bands * params.rows, ngram=params.ngram, seed=params.seed)
    similarity = lambda i, j: float((sigs[i] == sigs[j]).mean())  # noqa: E731
    assert similarity(0, 1) >= 0.6 and similarity(1, 2) >= 0.6 and similarity(0, 2) < 0.6
    keeper, how = find_duplicates(
        keys,
        sigs,
        np.arange(3),
        bands=params.bands,
        rows=params.rows,
        threshold=params.threshold,
        family_threshold=params.family_threshold,
    )
    assert keeper.tolist() == [0, 0, 2] and how.tolist() == [0, 2, 0]


def test_template_families_are_kept_marked_and_capped(layout):
    notice = "行政院公共工程委員會公告：核准{name}換發技師執業執照，依技師法第6條第1項第2款方式執行土木工程科技師業務。"
    names = ["陳鴻輝", "許鈞程", "高金林", "林志銘"]
    add_source(layout, "pcc", {f"{i}.txt": notice.format(name=n) for i, n in enumerate(names)})
    params = yaml.safe_load(layout.params.read_text())
    params["pii"] = {"policy": {"person": "flag"}}  # keep the names so the notices differ
    params["dedup"] = {"threshold": 0.95, "family_threshold": 0.5}
    layout.params.write_text(yaml.safe_dump(params, allow_unicode=True))
    metrics = stages.run_all(context(layout))
    rows = pq.read_table(layout.publish / "data").to_pylist()
    assert len(rows) == 4 and {r["dup_family"] for r in rows} == {rows[0]["id"]}
    assert [r["dup_family_size"] for r in rows] == [4, 4, 4, 4] and metrics["rejected"] == 0
    dedup = yaml.safe_load((layout.root / "data" / "metrics" / "dedup.json").read_text())
    assert dedup["largest_families"] == [{"family": rows[0]["id"], "size": 4}]
    card = (layout.publish / "README.md").read_text(encoding="utf-8")
    assert f"| (untitled) | `{rows[0]['id']}` | 4 |" in card and "4 published documents in 1 families" in card
    params["dedup"]["max_per_family"] = 2
    layout.params.write_text(yaml.safe_dump(params, allow_unicode=True))
    metrics = stages.run_all(context(layout))
    assert [r["source_file"] for r in pq.read_table(layout.publish / "data").to_pylist()] == ["0.txt", "1.txt"]
    assert metrics["rejects_by_reason"] == {"family-cap": 2}


def test_survivors_are_the_same_on_every_run(layout):
    rng = random.Random(5)
    docs = [random_document(rng) for _ in range(30)]
    docs += [near_duplicate(d, rng, 0.05) for d in docs[:10]]
    add_source(layout, "s", {f"{i:03d}.txt": d for i, d in enumerate(docs)})
    params = yaml.safe_load(layout.params.read_text())
    params["dedup"] = {"ngram": GENERATED.ngram, "threshold": GENERATED.threshold}
    layout.params.write_text(yaml.safe_dump(params, allow_unicode=True))
    stages.run_all(context(layout))
    first = (layout.publish / "data" / "default" / "train-00000-of-00001.parquet").read_bytes()
    stages.run_all(context(layout))
    assert (layout.publish / "data" / "default" / "train-00000-of-00001.parquet").read_bytes() == first
    assert pq.read_table(layout.dedup).num_rows == 30


def test_components_and_links_are_exact_on_small_cases():
    texts = ["甲乙丙丁戊己庚辛壬癸子丑寅卯", "甲乙丙丁戊己庚辛壬癸子丑寅卯", "完全不同的另一份文件內容在此"]
    keeper, how = survivors_and_links(texts)
    assert keeper.tolist() == [0, 0, 2] and how.tolist() == [0, 1, 0]
    assert minhash.components(4, np.array([[3, 1], [1, 0]])).tolist() == [0, 0, 2, 0]


# --- memory: what each pass reads and holds, and that the bytes are what they were -------------


def old_local_copies(layout, sources, p, rank):
    """Pass 1 as it was: every row's key, id and rank as Python objects, read dedup.batch_size at a time."""
    keys, ids, ranks, sig_blocks = [], [], [], []
    for source_id in sources:
        for batch in read_batches(layout.stage_docs(source_id, source_stages()[-1]), p.batch_size, ["id", "text"]):
            texts = batch.column("text").to_pylist()
            keys.extend(text_key(t) if p.exact else len(keys).to_bytes(8, "big") for t in texts)
            ids.extend(batch.column("id").to_pylist())
            ranks.extend(rank(source_id, len(ranks) + i) for i in range(len(texts)))
            if p.near:
                sig_blocks.append(minhash.signatures(texts, num_perm=p.bands * p.rows, ngram=p.ngram, seed=p.seed))
    sigs = np.concatenate(sig_blocks) if p.near and sig_blocks else None
    links, similarity = dedup_stage.all_links(keys, sigs, p.bands, p.rows, p.family_threshold)
    return dedup_stage.copies_from(links, similarity, ranks, keys, ids, p), len(keys)


def old_pass_2(layout, sources, copies, p, docs_path, rejects_path):
    """Pass 2 as it was: batches of dedup.batch_size rows, every column, through RowWriter."""
    marks, index = dedup_stage._Marks(copies), 0
    with (
        RowWriter(docs_path, schema_after("dedup"), p.batch_size) as docs,
        RowWriter(rejects_path, REJECT, p.batch_size) as rejects,
    ):
        for source_id in sources:
            for batch in read_batches(layout.stage_docs(source_id, source_stages()[-1]), p.batch_size):
                start, index = index, index + batch.num_rows
                out, removed = marks.marked(batch, start)
                if len(removed):
                    for position, row in zip(
                        removed.tolist(), batch.select(dedup_stage._REJECT_FROM).take(removed).to_pylist()
                    ):
                        reject = dedup_stage._reject_for(copies, start + position, row, p)
                        reject.pop("count")
                        rejects.add(reject)
                    keep = np.ones(batch.num_rows, dtype=bool)
                    keep[removed] = False
                    out = out.filter(pa.array(keep))
                docs.write_batch(out)


def generated_repo(tmp_path, docs=2400) -> Path:
    root = tmp_path / "gen"
    dedup_memory.build(root, docs, seed=1, params_file=REPO / "params.yaml")
    return root


def set_dedup(root: Path, **values) -> None:
    """The shipped dedup parameters but for ``values``."""
    params = yaml.safe_load((root / "params.yaml").read_text(encoding="utf-8"))
    params["dedup"] = yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))["dedup"] | values
    (root / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_outputs_are_the_bytes_the_previous_passes_wrote(tmp_path):
    # two sources of 1,200 generated documents (tokens included) in row groups of 1,000: batches that
    # cross row groups and sources, rejects inside batches, the ranking's position within and across them
    root = generated_repo(tmp_path)
    settings = [
        dict(batch_size=10_000),
        dict(batch_size=700),
        dict(batch_size=333, exact=False),
        dict(batch_size=512, ngram=3, threshold=0.5, family_threshold=0.3, max_per_family=2),
        dict(batch_size=1_000, ngram=3, threshold=0.5, source_priority=["gen-b"]),
        dict(batch_size=7, near=False),
    ]
    for values in settings:
        set_dedup(root, **values)
        ctx = load_context(root)
        p, sources = ctx.params.dedup, ctx.sources.ids
        rank = dedup_stage.ranker(p, ctx.sources.registration_order)
        metrics = dedup_stage.run(ctx, progress=False)
        old, n = old_local_copies(ctx.layout, sources, p, rank)
        new, m = dedup_stage.find_copies(LocalEngine(), ctx.layout, sources, p, rank, False)
        assert (new.removed, new.kept_for, new.families, new.capped, m) == (
            old.removed,
            old.kept_for,
            old.families,
            old.capped,
            n,
        ), values
        assert metrics["documents_in"] == 2400 and metrics["documents"] < 2400, (values, metrics)
        docs, rejects = root / "data" / "old" / "documents.parquet", root / "data" / "old" / "rejects.parquet"
        old_pass_2(ctx.layout, sources, old, p, docs, rejects)
        assert same_rows_and_row_groups(ctx.layout.dedup, docs), values  # pages cut where the pieces were
        assert ctx.layout.dedup_rejects.read_bytes() == rejects.read_bytes(), values


def test_pass_1_reads_only_id_and_text_and_pass_2_streams_every_column(tmp_path, monkeypatch):
    root = generated_repo(tmp_path, docs=2000)
    set_dedup(root, batch_size=10_000)
    reads: list[tuple[tuple[str, ...] | None, int, int]] = []
    real = CheckedParquetFile.iter_batches

    def recorded(self, *args, **kwargs):
        for batch in real(self, *args, **kwargs):
            columns = kwargs.get("columns")
            reads.append((tuple(columns) if columns is not None else None, batch.num_rows, batch.nbytes))
            assert len(kwargs.get("row_groups") or ()) == 1  # one row group at a time: no file-wide pre-buffering
            yield batch

    monkeypatch.setattr(CheckedParquetFile, "iter_batches", recorded)
    dedup_stage.run(load_context(root), progress=False)
    first = [r for r in reads if r[0] is not None]
    second = [r for r in reads if r[0] is None]
    assert {r[0] for r in first} == {("id", "text")}  # tokens and the rest are never read for signatures
    assert sum(r[1] for r in first) == sum(r[1] for r in second) == 2000
    # about READ_BYTES at a time whatever dedup.batch_size says (the first batch of a file is sized by
    # Parquet's uncompressed size, which undercounts tokens; the rest by what the rows weigh in Arrow)
    assert max(r[2] for r in second[1:]) < 2 * dedup_stage.READ_BYTES
    assert max(r[1] for r in reads) <= 1000  # never more than a row group, never dedup.batch_size


def test_the_row_group_writer_writes_the_rows_and_row_groups_row_writer_writes(tmp_path):
    rng = random.Random(4)
    texts = [random_document(rng, rng.choice([5, 50, 500])) for _ in range(230)]
    table = pa.table(
        {
            "text": texts,
            "tokens": [[t[i : i + 2] for i in range(0, len(t), 2)] for t in texts],
            "n": list(range(230)),
            "maybe": [None if i % 3 else f"x{i}" for i in range(230)],
        }
    )
    for rows in (1, 7, 100, 230, 1000):
        for pieces in ([230], [1] * 230, [13, 100, 1, 116], [229, 1]):
            expected, got = tmp_path / "a" / f"{rows}.parquet", tmp_path / "b" / f"{rows}.parquet"
            with RowWriter(expected, table.schema, rows) as a, RowGroupWriter(got, table.schema, rows) as b:
                start = 0
                for size in pieces:
                    batch = table.slice(start, size).combine_chunks().to_batches()[0]
                    a.write_batch(batch)
                    b.write_batch(batch)
                    start += size
            assert same_rows_and_row_groups(got, expected), (rows, pieces)
            assert b.count == 230
            again = tmp_path / "c" / f"{rows}.parquet"
            with RowGroupWriter(again, table.schema, rows) as c:  # the same pieces: the same bytes
                start = 0
                for size in pieces:
                    c.write_batch(table.slice(start, size).combine_chunks().to_batches()[0])
                    start += size
            assert again.read_bytes() == got.read_bytes(), (rows, pieces)
    empty_a, empty_b = tmp_path / "a" / "empty.parquet", tmp_path / "b" / "empty.parquet"
    with RowWriter(empty_a, table.schema, 10), RowGroupWriter(empty_b, table.schema, 10):
        pass
    assert empty_b.read_bytes() == empty_a.read_bytes()


def test_a_failed_row_group_writer_leaves_the_output_as_it_was(tmp_path):
    path = tmp_path / "out.parquet"
    schema = pa.schema([("n", pa.int64())])
    with RowGroupWriter(path, schema, 2) as w:
        w.write_batch(pa.record_batch([pa.array([1, 2, 3])], schema=schema))
    before = path.read_bytes()
    try:
        with RowGroupWriter(path, schema, 2) as w:
            w.write_batch(pa.record_batch([pa.array([4, 5, 6])], schema=schema))
            raise RuntimeError("stop")
    except RuntimeError:
        pass
    assert path.read_bytes() == before
    assert pq.read_table(path).column("n").to_pylist() == [1, 2, 3]
    assert [p.name for p in path.parent.iterdir() if not p.name.endswith(".lock")] == [
        "out.parquet"
    ]  # no temporary left


def test_links_from_arrays_are_the_links_from_lists():
    rng = np.random.default_rng(2)
    sigs = rng.integers(0, 50, size=(3000, 12), dtype=np.uint32)  # few values: many shared buckets
    sigs[1500:] = sigs[:1500]  # and copies
    assert np.array_equal(minhash.candidate_links(sigs, 4, 3), minhash._candidate_links_rows(sigs, 4, 3))
    assert minhash.candidate_links(sigs[:1], 4, 3).shape == (0, 2)
    keys = [bytes(rng.integers(0, 3, size=2, dtype=np.uint8)) * 8 for _ in range(500)]
    matrix = np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(500, 16)
    assert np.array_equal(dedup_stage.exact_links(matrix), dedup_stage.exact_links(keys))
    assert dedup_stage.exact_links(np.empty((0, 16), dtype=np.uint8)).shape == (0, 2)


def test_the_ranking_position_is_the_one_pass_1_always_gave():
    # the i-th document of a batch beginning at b came at b + 2i (the list grew while the ranks were made)
    ranks: list[int] = []
    for start in range(0, 23, 5):
        ranks.extend(len(ranks) + i for i in range(min(5, 23 - start)))
    assert [dedup_stage.stream_position(i, 0, 5) for i in range(23)] == ranks
    assert dedup_stage.stream_position(np.arange(10, 33), 10, 5).tolist() == [r + 10 for r in ranks]
