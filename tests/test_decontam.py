"""Decontamination against benchmark files: exam questions cut from the sample laws (with the
formatting an exam writer gives them) find the laws they came from and no other; files and
fields that are wrong are one-line errors; the index and the scan are deterministic."""

from __future__ import annotations

import csv
import json
import re

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import REPO

from pipeline.core.errors import UserError
from pipeline.core.settings import build
from pipeline.decontam import ngrams
from pipeline.decontam.benchmarks import Benchmark, load_benchmark
from pipeline.decontam.ngrams import build_index, normalize, scan
from pipeline.decontam.params import BenchmarkSpec, DecontamParams
from pipeline.decontam.stage import CONTAMINATION, decontam_batch, find_matches, load_index, report
from pipeline.ingest.readers.lawdb import read_lawdb

LAWS = REPO / "data" / "raw" / "laws"


@pytest.fixture(scope="module")
def laws() -> pa.RecordBatch:
    """The seven sample laws as documents, the way the stage receives them."""
    rows = []
    for path in sorted(LAWS.glob("*.json")):
        (record,) = read_lawdb(path, None)
        rows.append(
            {
                "id": path.stem,
                "text": record.text,
                "source": "laws",
                "source_file": path.name,
                "source_line": None,
                "license": "LicenseRef-TW-Copyright-Act-Art9",
            }
        )
    return pa.RecordBatch.from_pylist(rows)


def article(law: str, number: str) -> str:
    data = json.loads((LAWS / f"{law}.json").read_text(encoding="utf-8"))
    (text,) = [a["ArticleContent"] for a in data["LawArticles"] if a["ArticleNo"] == number]
    return text


def write_benchmarks(tmp_path):
    """A JSONL, a CSV and a Parquet exam set, each with one question cut from a law (and
    reformatted: half-width punctuation, spaces, full-width digits, another prefix) among
    questions found in no law."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    constitution = article("A0000001", "第 23 條").replace("，", ", ").replace("、", " ")
    privacy = article("I0050021", "第 49 條").replace("二十二", "２２")
    copyright_ = article("J0070017", "第 52 條")
    blanked = copyright_.replace("正當目的", "＿＿＿＿")  # a cloze: the answer blanked out
    with open(tmp_path / "civics.jsonl", "w", encoding="utf-8") as f:
        for row in [
            {
                "qid": "c1",
                "question": "下列何者為我國的首都？",
                "choices": ["臺北", "臺中", "臺南", "高雄"],
                "answer": "A",
            },
            {
                "qid": "c2",
                "question": f"依中華民國憲法第二十三條之規定，{constitution}，下列敘述何者正確？",
                "choices": ["甲", "乙", "丙", "丁"],
                "answer": "B",
            },
        ]:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    with open(tmp_path / "law_quiz.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["question", "A", "B", "C", "D", "answer"])
        w.writerow(["颱風假由哪一機關宣布？", "行政院人事行政總處", "地方政府", "交通部", "內政部", "B"])
        w.writerow(
            [f"個人資料保護法規定：「{privacy}」所稱罰鍰為多少？", "二萬元", "五萬元", "十萬元", "一百萬元", "A"]
        )
    pq.write_table(
        pa.table(
            {
                "id": ["t1", "t2"],
                "question": [f"根據著作權法，{blanked}空格應填入？", "水的化學式為何？"],
                "choices": [["正當目的", "營利目的", "商業目的", "私人目的"], ["H2O", "CO2", "O2", "NaCl"]],
            }
        ),
        tmp_path / "tmmlu.parquet",
    )
    return [
        BenchmarkSpec("civics", "civics.jsonl", ("question", "choices", "answer"), id_field="qid"),
        BenchmarkSpec("law-quiz", "law_quiz.csv", ("question", "A", "B", "C", "D")),
        BenchmarkSpec("tmmlu-sample", "tmmlu.parquet", ("question", "choices"), id_field="id"),
    ]


@pytest.fixture(scope="module")
def specs(tmp_path_factory):
    root = tmp_path_factory.mktemp("bench")
    return root, write_benchmarks(root)


def test_questions_cut_from_laws_find_their_laws_and_no_other(laws, specs):
    root, benchmarks = specs
    index = load_index(DecontamParams(benchmarks=tuple(benchmarks)), root)
    matches = dict(zip(laws.column("id").to_pylist(), find_matches(laws, index)))
    found = {law: [(m.benchmark, m.item_id) for m in ms] for law, ms in matches.items() if ms}
    assert found == {
        "A0000001": [("civics", "c2")],
        "I0050021": [("law-quiz", "law_quiz.csv:2")],
        "J0070017": [("tmmlu-sample", "t1")],
    }
    m = matches["A0000001"][0]
    assert len(m.ngram) == 18 and m.ngram in normalize(article("A0000001", "第 23 條"))


def test_remove_policy_rejects_and_keeps_the_others(laws, specs):
    root, benchmarks = specs
    index = load_index(DecontamParams(benchmarks=tuple(benchmarks)), root)
    result = decontam_batch(laws, index)
    assert sorted(result.kept.column("id").to_pylist()) == ["A0030133", "H0170001", "H0170143", "I0020026"]
    assert result.kept.column(CONTAMINATION[0]).to_pylist() == [[], [], [], []]
    assert result.kept.schema.field(CONTAMINATION[0]).type == CONTAMINATION[1]
    by_id = {r["id"]: r for r in result.rejects}
    assert {k: r["reason"] for k, r in by_id.items()} == {
        "A0000001": "decontam:civics",
        "I0050021": "decontam:law-quiz",
        "J0070017": "decontam:tmmlu-sample",
    }
    reject = by_id["A0000001"]
    assert reject["stage"] == "decontam" and reject["source_file"] == "A0000001.json" and reject["text"]
    assert reject["detail"].startswith("shares a 18-character sequence with civics item c2 (…")
    metrics = report(index, result.stats)
    assert metrics["documents_in"] == 7 and metrics["documents"] == 4 and metrics["removed"] == 3
    civics = metrics["benchmarks"][0]
    assert civics["name"] == "civics" and civics["ngram"] == 18 and civics["items"] == 2
    assert civics["documents_removed"] == 1 and civics["files"] == ["civics.jsonl"]


def test_flag_policy_keeps_the_document_and_names_the_benchmark(laws, specs):
    root, benchmarks = specs
    flagged = BenchmarkSpec(**{**benchmarks[1].__dict__, "policy": "flag"})
    index = load_index(DecontamParams(benchmarks=(benchmarks[0], flagged)), root)
    result = decontam_batch(laws, index)
    kept = dict(zip(result.kept.column("id").to_pylist(), result.kept.column("contamination").to_pylist()))
    assert "A0000001" not in kept and kept["I0050021"] == ["law-quiz"] and kept["J0070017"] == []
    assert result.stats.flagged["law-quiz"] == 1 and result.stats.documents["flagged"] == 1


def test_formatting_does_not_hide_a_match():
    variants = [
        "依本法第12條規定，應於三十日內公告。",
        "依本法第 １２ 條規定, 應於三十日內公告",
        "依本法第12條規定：「應於三十日內公告」",
        "依本法\n第12條\u3000規定，應於三十日內公告！",
    ]
    assert len({normalize(v) for v in variants}) == 1
    assert normalize("ＡＢＣ abc") == "abcabc" and normalize("一○樓") == normalize("一〇樓")


def _bench(texts, name="b"):
    return Benchmark(BenchmarkSpec(name, "-", ("q",)), ("-",), tuple(str(i) for i in range(len(texts))), tuple(texts))


def test_items_shorter_than_n_are_matched_whole_or_counted_as_too_short():
    index = build_index(
        [_bench(["國民身分證統一編號", "資料主管機關", "個人資料之蒐集處理或利用應尊重當事人之權益"])],
        [18],
        ["remove"],
        6,
    )
    assert (index.whole, index.skipped) == ((2,), (0,))
    hits = scan(
        [
            "應填寫國民身分證統一編號。",
            "國民身分證",
            "依誠實及信用方法為之，個人資料之蒐集、處理或利用，應尊重當事人之權益",
        ],
        index,
    )
    assert [sorted((h.item, h.length) for h in row.values()) for row in hits] == [[(0, 9)], [], [(2, 18)]]
    short = build_index([_bench(["個資", "資料主管機關"])], [18], ["remove"], 8)
    assert (short.whole, short.skipped) == ((0,), (2,)) and not short.tables


def test_a_hash_that_is_found_is_checked_character_by_character():
    index = build_index([_bench(["個人資料之蒐集處理或利用應尊重當事人之權益"])], [10], ["remove"], 10)
    text = ["個人資料之蒐集處理或利用"]
    assert scan(text, index)[0]
    codes = index.item_codes[0].copy()
    codes[3] += 1  # the item now differs, its hashes do not: a lookup hits, the check refuses
    tampered = type(index)(**{**index.__dict__, "item_codes": (codes,)})
    assert scan(text, tampered) == [{}]


def test_hashes_are_fixed_and_the_scan_does_not_depend_on_chunking(laws, specs, monkeypatch):
    codes = ngrams.normalized(["中華民國"]).codes
    value = int(ngrams.window_hashes(ngrams.prefix_sums(codes), 4)[0])
    assert value == sum(int(c) * pow(ngrams.BASE_INV, j, 2**64) for j, c in enumerate(codes)) % 2**64
    root, benchmarks = specs
    p = DecontamParams(benchmarks=tuple(benchmarks))
    a, b = load_index(p, root), load_index(p, root)
    for n in a.tables:
        assert np.array_equal(a.tables[n].hashes, b.tables[n].hashes)
        assert np.array_equal(a.tables[n].item, b.tables[n].item)
    whole = find_matches(laws, a)
    monkeypatch.setattr(ngrams, "CHUNK_CHARS", 5_000)  # one law at a time
    assert find_matches(laws, a) == whole


def test_several_benchmarks_and_lengths_in_one_scan():
    index = build_index(
        [_bench(["甲乙丙丁戊己庚辛壬癸子丑"], "one"), _bench(["丙丁戊己庚辛壬癸子丑寅卯"], "two")],
        [8, 10],
        ["remove", "flag"],
        8,
    )
    (row,) = scan(["天干地支：甲乙丙丁戊己庚辛壬癸、子丑寅卯"], index)
    assert {b: (h.position, h.length, h.item_position) for b, h in row.items()} == {0: (4, 8, 0), 1: (6, 10, 0)}


# errors: one line naming the file (and the field)


def test_a_missing_file_is_one_line(tmp_path):
    with pytest.raises(UserError) as e:
        load_benchmark(BenchmarkSpec("exam", "data/benchmarks/exam.jsonl", ("question",)), tmp_path)
    assert str(e.value) == "data/benchmarks/exam.jsonl: benchmark 'exam': file not found"
    with pytest.raises(UserError, match="no file matches"):
        load_benchmark(BenchmarkSpec("exam", "tmmlu/*_test.csv", ("question",)), tmp_path)


@pytest.mark.parametrize("path", ["civics.jsonl", "law_quiz.csv", "tmmlu.parquet"])
def test_an_unknown_field_is_one_line_naming_file_and_field(tmp_path, path):
    write_benchmarks(tmp_path)
    with pytest.raises(UserError) as e:
        load_benchmark(BenchmarkSpec("exam", path, ("question", "qestion_text")), tmp_path)
    assert e.value.where == path and "no field 'qestion_text'" in e.value.message
    assert "question" in e.value.message  # the fields it has, with the nearest


def test_an_empty_benchmark_and_bad_files_are_one_line(tmp_path):
    (tmp_path / "empty.csv").write_text("question,answer\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"^empty.csv: benchmark 'exam' is empty: no rows"):
        load_benchmark(BenchmarkSpec("exam", "empty.csv", ("question",)), tmp_path)
    (tmp_path / "blank.jsonl").write_text('{"question": ""}\n{"question": null}\n', encoding="utf-8")
    with pytest.raises(UserError, match="is empty: no row with text in question"):
        load_benchmark(BenchmarkSpec("exam", "blank.jsonl", ("question",)), tmp_path)
    (tmp_path / "bad.jsonl").write_text('{"question": "a"}\n{"question": \n', encoding="utf-8")
    with pytest.raises(UserError, match=r"^bad.jsonl:2: benchmark 'exam': not valid JSON"):
        load_benchmark(BenchmarkSpec("exam", "bad.jsonl", ("question",)), tmp_path)
    (tmp_path / "big5.csv").write_bytes("question\n中華民國\n".encode("big5"))
    with pytest.raises(UserError, match="not UTF-8"):
        load_benchmark(BenchmarkSpec("exam", "big5.csv", ("question",)), tmp_path)
    (tmp_path / "exam.txt").write_text("x", encoding="utf-8")
    with pytest.raises(UserError, match="set format: jsonl, csv or parquet"):
        load_benchmark(BenchmarkSpec("exam", "exam.txt", ("question",)), tmp_path)


def test_a_glob_reads_every_file_sorted(tmp_path):
    for subject in ("law", "civics"):
        (tmp_path / f"{subject}_test.csv").write_text(f"question\n{subject} 一\n{subject} 二\n", encoding="utf-8")
    b = load_benchmark(BenchmarkSpec("tmmlu-plus", "*_test.csv", ("question",)), tmp_path)
    assert b.files == ("civics_test.csv", "law_test.csv")
    assert b.ids == ("civics_test.csv:1", "civics_test.csv:2", "law_test.csv:1", "law_test.csv:2")


def test_params_are_validated_as_the_other_sections():
    good = {
        "ngram": 20,
        "benchmarks": [{"name": "tmmlu-plus", "path": "data/benchmarks/b/*.csv", "fields": ["question", "A"]}],
    }
    p = build(DecontamParams, good, "params.yaml", "decontam")
    assert p.benchmarks[0].fields == ("question", "A") and p.ngram_of(p.benchmarks[0]) == 20
    assert p.policy_of(p.benchmarks[0]) == "remove"
    for bad, message in [
        ({"policy": "drop"}, "'decontam.policy' must be remove or flag"),
        ({"ngram": 2, "min_chars": 2}, "'decontam.ngram' must be between 4 and 1,000"),
        ({"ngram": 8}, "'decontam.min_chars' must not exceed 'decontam.ngram'"),
        ({"benchmarks": [{"name": "x", "path": "a.csv"}]}, "missing required field 'decontam.benchmarks[0].fields'"),
        ({"benchmarks": [{"name": "TMMLU+", "path": "a.csv", "fields": ["q"]}]}, "'decontam.benchmarks[0].name' must"),
        ({"benchmarks": [{"name": "a", "path": "data/benchmarks/a.csv", "fields": ["q"]}] * 2}, "'a' is used twice"),
        (
            {"benchmarks": [{"name": "a", "path": "exams/a.csv", "fields": ["q"]}]},
            "'decontam.benchmarks[0].path' must be a file or glob under data/benchmarks/ (the folder DVC watches for "
            "the decontam stage), got 'exams/a.csv'",
        ),
        (
            {"benchmarks": [{"name": "a", "path": "data/benchmarks/../a.csv", "fields": ["q"]}]},
            "must be a file or glob",
        ),
        ({"benchmarks": [{"name": "a", "path": "a.csv", "fields": ["q"], "fromat": "csv"}]}, "unknown key"),
    ]:
        with pytest.raises(UserError, match=re.escape(message)):
            build(DecontamParams, bad, "params.yaml", "decontam")
