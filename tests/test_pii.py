"""Personal data: detectors, policy, redaction before segmentation, and nothing left in data/publish/."""

from __future__ import annotations

import json
import random
from collections import Counter

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from conftest import add_source, context
from pii_gen import KINDS, business_number, items, national_id, negatives
from pipeline import stages
from pipeline.core.config import PiiParams
from pipeline.core.errors import UserError
from pipeline.core.schema import NORMALIZED
from pipeline.pii.detect import detect
from pipeline.pii.detectors import national_id as nid
from pipeline.pii.stage import apply_policy, pii_batch

FORMS = {
    "tw_id": ["身分證字號A123456789，"],
    "tw_arc": ["居留證AC01234567，", "新式居留證A800000014。"],
    "phone": ["手機0912345678，", "0912-345-678、", "+886 912 345 678及", "+886-912345678，", "市話(02)2345-6789，",
              "02-2345-6789或", "+886-2-2345-6789。"],
    "email": ["信箱abc.def@mail.gov.tw謝謝"],
    "credit_card": ["卡號4111 1111 1111 1111，", "卡號4111-1111-1111-1111。"],
    "passport": ["護照號碼：123456789，"],
    "nhi_card": ["健保卡號0000-1234-5678。"],
    "address": ["住址臺北市中正區重慶南路一段122號3樓，"],
}


def batch(texts):
    rows = [{"id": f"id{i}", "text": t, "source": "s", "source_file": "f", "source_line": i, "license": "CC0-1.0",
             "title": None, "url": None, "date": None, "meta": None, "lang": "zh-Hant", "converted": None,
             "cleanup": None} for i, t in enumerate(texts)]
    return pa.RecordBatch.from_pylist(rows, schema=NORMALIZED)


@pytest.mark.parametrize("kind", sorted(FORMS))
def test_every_written_form_is_found_glued_to_chinese(kind):
    for text in FORMS[kind]:
        assert [s.type for s in detect(text)] == [kind], text


def test_checksums():
    assert nid.checksum_ok("A123456789") and nid.checksum_ok("AC01234567")
    assert not nid.checksum_ok("A123456788")


@pytest.mark.parametrize("text", [
    "身分證字號A123456788有誤",  # invalid checksum
    "統一編號12345675，", "統編04595257",  # unified business numbers
    "中華民國115年3月23日", "2026-03-23", "院臺規字第1140012345號", "第 9 條第 1 項", "第一百二十條",
    "預算1,234,567元", "AA123456789B", "ID: 12345678",
])
def test_look_alikes_are_not_personal_data(text):
    assert detect(text) == []


def test_generated_set_recall_and_look_alikes():
    rng = random.Random(20261127)
    found, total = Counter(), Counter()
    for kind, secret, text in items(rng, 300):
        total[kind] += 1
        found[kind] += any(s.type == kind and text[s.start:s.end] == secret for s in detect(text))
    assert set(total) == {kind for kind, _, _ in KINDS}
    assert {k: found[k] / total[k] for k in total} == {k: 1.0 for k in total}  # ≥ 99 % required; all found
    invalid = [f"身分證{national_id(rng, valid=False)}，" for _ in range(2000)]
    business = [f"統一編號{business_number(rng)}。" for _ in range(2000)]
    assert [t for t in invalid + business + negatives(rng, 2000) if detect(t)] == []


def test_apply_policy_redacts_flags_and_records_offsets():
    text = "請撥0912345678給陳小明，住址臺北市中正區重慶南路一段122號。"
    spans = detect(text)
    policy = PiiParams(policy={"address": "flag"}).policy
    new, recorded = apply_policy(text, spans, policy)
    assert new == "請撥[PHONE]給陳小明，住址臺北市中正區重慶南路一段122號。"
    assert [(r["type"], new[r["start"]:r["end"]]) for r in recorded] == [
        ("phone", "[PHONE]"), ("address", "臺北市中正區重慶南路一段122號")]


def test_drop_policy_makes_a_reject():
    params = PiiParams(policy={"credit_card": "drop"})
    result = pii_batch(batch(["沒有個資的文字。", "卡號4111111111111111。", "電話02-2345-6789。"]), params)
    assert result.kept.column("text").to_pylist() == ["沒有個資的文字。", "電話[PHONE]。"]
    assert result.kept.column("pii_types").to_pylist() == [[], ["phone"]]
    assert [(r["id"], r["stage"], r["reason"], r["detail"]) for r in result.rejects] == [
        ("id1", "pii", "pii:credit_card", "holds credit_card; the policy drops such documents")]


def test_policy_is_validated():
    with pytest.raises(UserError, match=r"^params.yaml: 'pii.policy.phone' must be redact, flag or drop, got 'hide'$"):
        from pipeline.core.settings import build
        from pipeline.core.config import Params

        build(Params, {"pii": {"policy": {"phone": "hide"}}}, "params.yaml")
    with pytest.raises(UserError, match=r"^params.yaml: 'pii.policy.tw_ids': unknown type \(nearest: tw_id"):
        build(Params, {"pii": {"policy": {"tw_ids": "redact"}}}, "params.yaml")


def test_nothing_generated_survives_into_the_published_data(layout):
    rng = random.Random(7)
    generated = items(rng, 40)
    lines = [json.dumps({"text": text}, ensure_ascii=False) for _, _, text in generated]
    add_source(layout, "agency", {"a.jsonl": "\n".join(lines)})
    params = yaml.safe_load(layout.params.read_text())
    # Generated sentences share templates, and are identical once redacted: copies by design.
    params["dedup"] = {"near": False, "exact": False}
    layout.params.write_text(yaml.safe_dump(params, allow_unicode=True))
    metrics = stages.run_all(context(layout))
    assert metrics["documents"] == len(generated) and metrics["rejected"] == 0
    table = pq.read_table(layout.publish / "data")
    published = json.dumps(table.to_pylist(), ensure_ascii=False)
    card = (layout.publish / "README.md").read_text(encoding="utf-8")
    leaked = [secret for _, secret, _ in generated if secret in published or secret in card]
    assert leaked == []
    for row in table.to_pylist():
        assert "".join(row["tokens"]) == row["text"]
        for span in row["pii"]:
            assert row["text"][span["start"]:span["end"]].startswith("[")
    pii_metrics = json.loads(layout.stage_metrics("agency", "pii").read_text())
    assert pii_metrics["redacted"] == {kind: sum(1 for k, _, _ in generated if k == kind)
                                       for kind in sorted({k for k, _, _ in generated})}
    assert "| `tw_id` | redact | 40 | 0 |" in card


def test_person_names_from_ckip_ner(layout, tmp_path):
    from tiny_ckip import NER_LABELS, build

    ner = build(tmp_path / "ner", arch="bert", labels=NER_LABELS, seed=5)
    text = "行政院長卓榮泰今天在臺北宣布政策，陳小明也出席。會後王大同與林美玲接受訪問，說明推動方向。"
    add_source(layout, "agency", {"a.txt": text})
    params = yaml.safe_load(layout.params.read_text())
    # the random model tags many characters: this short text must not count as a register
    params["pii"] = {"person_names": True, "policy": {"person": "redact"}, "register": {"policy": "flag"}}
    params["segment"] = {"model": "bert-base", "ner_model": str(ner)}
    layout.params.write_text(yaml.safe_dump(params, allow_unicode=True))
    metrics = stages.run_source(context(layout), "agency", until="pii")["pii"]
    (doc,) = pq.read_table(layout.stage_docs("agency", "pii")).to_pylist()
    persons = [s for s in doc["pii"] if s["type"] == "person"]
    assert metrics["person_names_detected"] is True
    assert metrics["found"].get("person", 0) == len(persons)
    assert all(doc["text"][s["start"]:s["end"]] == "[PERSON]" for s in persons)
    assert len(persons) > 0  # the random tiny model tags some characters as PERSON


def test_person_names_without_a_model_are_reported(layout, capsys, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    add_source(layout, "agency", {"a.txt": "陳小明出席。"})
    params = yaml.safe_load(layout.params.read_text())
    params["pii"] = {"person_names": True}
    layout.params.write_text(yaml.safe_dump(params, allow_unicode=True))
    metrics = stages.run_source(context(layout), "agency", until="pii")["pii"]
    assert metrics["person_names_detected"] is False
    assert capsys.readouterr().err == (
        "twcorpus: warning: person names are not detected: no NER model (ckiplab/albert-tiny-chinese-ner is not a "
        "local folder or in the Hugging Face cache, and HF_HUB_OFFLINE is set)\n")


def test_personal_data_in_title_url_and_meta_is_treated_too():
    rows = batch(["公告內容，沒有個資。", "第二則公告。"]).to_pylist()
    rows[0] |= {"title": "聯絡人王小明 0912-345-678", "url": "https://x.gov.tw/?mail=wang@example.gov.tw",
                "meta": json.dumps({"contact": "A123456789", "note": "無"}, ensure_ascii=False)}
    rows[1] |= {"meta": json.dumps({"card": "4111111111111111"})}
    result = pii_batch(pa.RecordBatch.from_pylist(rows, schema=NORMALIZED), PiiParams(policy={"credit_card": "drop"}))
    (kept,) = result.kept.to_pylist()
    assert kept["title"] == "聯絡人王小明 [PHONE]"
    assert kept["url"] == "https://x.gov.tw/?mail=[EMAIL]"
    assert json.loads(kept["meta"]) == {"contact": "[TW_ID]", "note": "無"}
    assert kept["pii"] == [] and kept["pii_types"] == []  # offsets and types describe `text` only
    assert [(r["id"], r["reason"]) for r in result.rejects] == [("id1", "pii:credit_card")]


def test_a_name_inside_an_address_does_not_hide_the_address():
    from pipeline.pii.detectors.base import Span

    spans = detect("林臺北市信義區市府路1號", [Span("person", 0, 2)])
    assert [(s.type, s.start, s.end) for s in spans] == [("address", 1, 12)]
