"""Dedup across sources: exact and near duplicates, which copy is kept, and what is recorded."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import yaml

from conftest import REPO, add_source, context
from pipeline import stages
from pipeline.core.config import DedupParams
from pipeline.dedup import minhash
from pipeline.dedup.stage import find_duplicates, text_key

sys.path.insert(0, str(REPO / "benchmarks"))
from dedup_data import near_duplicate, random_document  # noqa: E402

PRESS = ("行政院今日召開記者會，說明智慧國家二點零推動方案的年度成果，並宣布將建置符合臺灣價值的繁體中文語料庫，"
         "促進資料開放與創新應用，同時保障個人資料與智慧財產權。")


def survivors_and_links(texts, params=DedupParams()):
    keys = [text_key(t) for t in texts]
    sigs = minhash.signatures(texts, num_perm=params.bands * params.rows, ngram=params.ngram, seed=params.seed)
    return find_duplicates(keys, sigs, np.arange(len(texts)), bands=params.bands, rows=params.rows,
                           threshold=params.threshold, family_threshold=params.family_threshold)


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
        ("agency-c", f"duplicate-of:{b['id']}", f"near-duplicate (MinHash, estimated Jaccard ≥ 0.8 with it) of {b['id']}"),
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
    keeper, how = find_duplicates(keys, sigs, np.arange(3), bands=params.bands, rows=params.rows,
                                  threshold=params.threshold, family_threshold=params.family_threshold)
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
