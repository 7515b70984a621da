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
                           threshold=params.threshold)


def test_generated_near_duplicates_recall_and_precision():
    rng = random.Random(11)
    base = [random_document(rng) for _ in range(600)]
    copies = [near_duplicate(base[i], rng, 0.03 + 0.07 * rng.random()) for i in range(200)]
    keeper, how = survivors_and_links(base + copies)
    found = sum(1 for i in range(200) if keeper[600 + i] == keeper[i])
    flagged = [i for i in range(800) if keeper[i] != i]
    true = sum(1 for i in flagged if i >= 600)
    assert found / 200 >= 0.95
    assert true / len(flagged) >= 0.99
    assert set(how[flagged]) == {2}


def test_exact_copies_across_sources_keep_the_priority_source(layout):
    add_source(layout, "agency-a", {"a.txt": PRESS, "own.txt": "甲機關自己的公告內容，與其他機關無關。" * 2})
    add_source(layout, "agency-b", {"b.txt": PRESS.replace("，", "， ")})  # same text but for whitespace
    add_source(layout, "agency-c", {"c.txt": near_duplicate(PRESS, random.Random(3), 0.05)})
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
        ("agency-c", f"duplicate-of:{b['id']}", f"near-duplicate (MinHash) of {b['id']}"),
    ]
    assert metrics["rejects_by_reason"] == {"duplicate-of": 2}
    assert metrics["sources"]["agency-a"]["rejected"] == 1


def test_without_priority_the_first_source_and_position_win(layout):
    add_source(layout, "zeta", {"a.txt": PRESS})
    add_source(layout, "alpha", {"b.txt": PRESS, "c.txt": PRESS + "\n"})  # c.txt: an exact copy within alpha
    stages.run_all(context(layout))
    rows = pq.read_table(layout.publish / "data").to_pylist()
    assert [(r["source"], r["source_file"]) for r in rows] == [("alpha", "b.txt")]
    reasons = [(r["source"], r["source_file"], r["stage"]) for r in pq.read_table(layout.rejects).to_pylist()]
    assert reasons == [("alpha", "c.txt", "dedup"), ("zeta", "a.txt", "dedup")]


def test_survivors_are_the_same_on_every_run(layout):
    rng = random.Random(5)
    docs = [random_document(rng) for _ in range(30)]
    docs += [near_duplicate(d, rng, 0.05) for d in docs[:10]]
    add_source(layout, "s", {f"{i:03d}.txt": d for i, d in enumerate(docs)})
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
