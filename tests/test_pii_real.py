"""Personal data on real gazette text: the hand-labeled development lines (tests/labels/)
and real records of the shipped gazette source (data/raw/ey-gazette/)."""

from __future__ import annotations

import collections
import json

import pyarrow as pa
import pytest
from conftest import REPO
from real_labels import COVER, Score, load, occurrences, score

from pipeline.core.layout import Layout
from pipeline.core.licenses import load_registry
from pipeline.core.schema import schema_after
from pipeline.ingest.manifest import load_manifest
from pipeline.ingest.readers.xml import read_xml
from pipeline.pii.detect import REGEX_DETECTORS, detect
from pipeline.pii.params import PiiParams
from pipeline.pii.stage import pii_batch

GAZETTE = REPO / "data" / "raw" / "ey-gazette"


def claimed(name: str):
    """What the dataset card says the detector achieves: these tests measure it again."""
    (d,) = [d for d in REGEX_DETECTORS if d.name == name]
    return d.measured


def holds(s: Score, name: str) -> bool:
    m = claimed(name)
    return s.labeled == m.labeled and s.recall >= m.recall and (m.precision is None or s.precision >= m.precision)


def test_addresses_on_labeled_lines():
    rows = [r | {"addresses": [{"a": a} for a in r["addresses"]]} for r in load("addresses")]
    s = score(rows, "addresses", "a", {"address"})
    assert s.labeled == 392
    assert s.recall >= 0.99 and s.precision >= 0.98, s
    assert holds(s, "address"), (s, claimed("address"))


def test_phones_on_labeled_lines_and_no_document_number_taken():
    wrong: list = []
    s = score(load("phones"), "numbers", "span", {"phone"}, wanted=lambda i: i["kind"] != "docnum", wrong=wrong)
    assert s.labeled == 126
    assert s.recall >= 0.99, s
    assert holds(s, "phone"), (s, claimed("phone"))
    docnums = sum(1 for r in load("phones") for n in r["numbers"] if n["kind"] == "docnum")
    assert docnums == 402 and wrong == []  # not one of the 402 document numbers is a phone


def names_score(label: str, kind: str) -> Score:
    """Names are found per document (a name found once is found everywhere in it): each
    labeled record's sampled lines are scored together."""
    records = collections.defaultdict(list)
    for row in load("names"):
        records[(row["file"], row["record"])].append(row)
    s = Score()
    for lines in records.values():
        text = "\n".join(line["text"] for line in lines)
        found = [(x.start, x.end) for x in detect(text) if x.type == kind]
        gold, at = [], 0
        for line in lines:
            seen: collections.Counter = collections.Counter()
            for item in line["names"]:
                spans = occurrences(line["text"], item["name"])
                b, e = spans[min(seen[item["name"]], len(spans) - 1)]
                seen[item["name"]] += 1
                if item["class"] == label:
                    gold.append((at + b, at + e))
            at += len(line["text"]) + 1
        for g in gold:
            s.labeled += 1
            s.found += max((min(e, g[1]) - max(b, g[0]) for b, e in found), default=0) >= COVER * (g[1] - g[0])
        s.detected += len(found)
        s.right += sum(1 for b, e in found if any(b < g[1] and g[0] < e for g in gold))
    return s


def test_private_persons_on_labeled_records():
    s = names_score("private", "person")
    assert s.labeled == 480
    assert s.recall >= 0.95 and s.precision >= 0.95, s
    assert holds(s, "person"), (s, claimed("person"))


def test_officials_are_told_apart():
    s = names_score("official", "official")
    assert s.labeled == 71
    assert s.recall >= 0.9 and s.precision >= 0.95, s


@pytest.fixture(scope="module")
def gazette() -> dict[str, dict]:
    """The shipped gazette issue 095-08-10, record by record, as ingest reads it."""
    layout = Layout.at(REPO)
    manifest = load_manifest(layout, "ey-gazette", load_registry(layout))
    return {f"095-08-10.xml:{r.line}": r for r in read_xml(GAZETTE / "095-08-10.xml", manifest)}


def run_pii(record) -> tuple[list[dict], list[dict]]:
    row = {
        "id": "x",
        "text": record.text,
        "source": "ey-gazette",
        "source_file": "095-08-10.xml",
        "source_line": record.line,
        "license": "OGDL-Taiwan-1.0",
        "title": record.title,
        "url": record.url,
        "date": record.date,
        "meta": json.dumps(record.meta, ensure_ascii=False),
        "lang": "zh-Hant",
        "converted": None,
        "cleanup": None,
    }
    result = pii_batch(pa.RecordBatch.from_pylist([row], schema=schema_after("normalize")), PiiParams())
    return result.kept.to_pylist(), result.rejects


def test_a_named_notice_is_redacted_and_its_document_number_kept(gazette):
    (doc,), rejects = run_pii(gazette["095-08-10.xml:8"])  # 經濟部 fines 董事長陳隆輝君 of a company
    assert rejects == []
    assert "陳隆輝" not in doc["text"] and "陳隆輝" not in doc["title"] and "董事長[PERSON]" in doc["text"]
    assert "經商字第09502423340號" in doc["text"]  # its document number is no phone
    assert json.loads(doc["meta"])["GazetteId"] == "經商字第09502423340號"
    assert "phone" not in doc["pii_types"]
    assert {"field": "title", "type": "person"} in doc["pii_fields"]


def test_an_old_county_address_with_chinese_numerals_is_redacted():
    text = "請向本局（地址：320桃園縣中壢市仁德里晉元路三○一巷二○號）洽領。"
    assert [(s.type, text[s.start : s.end]) for s in detect(text)] == [
        ("address", "320桃園縣中壢市仁德里晉元路三○一巷二○號")
    ]


def test_signing_officials_are_flagged_not_redacted(gazette):
    (doc,), _ = run_pii(gazette["095-08-10.xml:1"])  # 內政部令, signed 部長 李逸洋
    assert "李逸洋" in doc["text"]
    assert [doc["text"][s["start"] : s["end"]] for s in doc["pii"] if s["type"] == "official"] == ["李逸洋"]


@pytest.mark.parametrize("where", ["095-08-10.xml:7", "095-08-10.xml:20", "095-08-10.xml:23"])
def test_registers_are_dropped_with_their_density_and_redacted_text(gazette, where):
    # 7: 254 chattel-mortgage filings with the debtors' names and addresses; 20: 539 insured
    # persons in arrears; 23: companies struck off with their representatives and addresses.
    kept, (reject,) = run_pii(gazette[where])
    assert kept == [] and reject["reason"] == "pii:register"
    assert reject["detail"].startswith("a register of private persons: ")
    assert "per 1,000 characters" in reject["detail"]
    names = {gazette[where].text[s.start : s.end] for s in detect(gazette[where].text) if s.type == "person"}
    assert names and not any(name in reject["text"] for name in names)
