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
from documents import normalized_batch
from pii_gen import KINDS, business_number, items, national_id, negatives

from pipeline import stages
from pipeline.core.errors import UserError
from pipeline.core.ids import published_id
from pipeline.core.schema import schema_after
from pipeline.pii.detect import detect
from pipeline.pii.detectors import national_id as nid
from pipeline.pii.params import PiiParams
from pipeline.pii.stage import apply_policy, pii_batch

FORMS = {
    "tw_id": ["身分證字號A123456789，"],
    "tw_arc": ["居留證AC01234567，", "新式居留證A800000014。"],
    "phone": [
        "手機0912345678，",
        "0912-345-678、",
        "+886 912 345 678及",
        "+886-912345678，",
        "市話(02)2345-6789，",
        "02-2345-6789或",
        "+886-2-2345-6789。",
    ],
    "email": ["信箱abc.def@mail.gov.tw謝謝"],
    "credit_card": ["卡號4111 1111 1111 1111，", "卡號4111-1111-1111-1111。"],
    "passport": ["護照號碼：123456789，"],
    "nhi_card": ["健保卡號0000-1234-5678。"],
    "address": ["住址臺北市中正區重慶南路一段122號3樓，"],
}


@pytest.mark.parametrize("kind", sorted(FORMS))
def test_every_written_form_is_found_glued_to_chinese(kind):
    for text in FORMS[kind]:
        assert [s.type for s in detect(text)] == [kind], text


def test_checksums():
    assert nid.checksum_ok("A123456789") and nid.checksum_ok("AC01234567")
    assert not nid.checksum_ok("A123456788")


@pytest.mark.parametrize(
    "text",
    [
        "身分證字號A123456788有誤",  # invalid checksum
        "統一編號12345675，",
        "統編04595257",  # unified business numbers
        "中華民國115年3月23日",
        "2026-03-23",
        "院臺規字第1140012345號",
        "第 9 條第 1 項",
        "第一百二十條",
        "預算1,234,567元",
        "AA123456789B",
        "ID: 12345678",
    ],
)
def test_look_alikes_are_not_personal_data(text):
    assert detect(text) == []


def test_generated_set_recall_and_look_alikes():
    rng = random.Random(20261127)
    found, total = Counter(), Counter()
    for kind, secret, text in items(rng, 300):
        total[kind] += 1
        found[kind] += any(s.type == kind and text[s.start : s.end] == secret for s in detect(text))
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
    assert [(r["type"], new[r["start"] : r["end"]]) for r in recorded] == [
        ("phone", "[PHONE]"),
        ("address", "臺北市中正區重慶南路一段122號"),
    ]


def test_drop_policy_makes_a_reject():
    params = PiiParams(policy={"credit_card": "drop"})
    result = pii_batch(normalized_batch(["沒有個資的文字。", "卡號4111111111111111。", "電話02-2345-6789。"]), params)
    assert result.kept.column("text").to_pylist() == ["沒有個資的文字。", "電話[PHONE]。"]
    assert result.kept.column("pii_types").to_pylist() == [[], ["phone"]]
    assert [(r["id"], r["stage"], r["reason"], r["detail"]) for r in result.rejects] == [
        (
            published_id("s", "f", 1, "卡號[CARD]。"),
            "pii",
            "pii:credit_card",
            "holds credit_card; the policy drops such documents",
        )
    ]
    assert result.kept.column("id").to_pylist() == [
        published_id("s", "f", 0, "沒有個資的文字。"),
        published_id("s", "f", 2, "電話[PHONE]。"),
    ]


def test_sensitive_data_is_flagged_or_dropped_by_policy():
    texts = ["王大明君罹患法定傳染病，依法隔離治療中。", "本法所稱醫療機構，指依醫療法設立之機構。"]
    flagged = pii_batch(normalized_batch(texts), PiiParams())
    assert flagged.kept.column("sensitive").to_pylist() == [["medical"], []]
    assert flagged.stats.sensitive == {"medical": 1} and not flagged.rejects
    dropped = pii_batch(normalized_batch(texts), PiiParams(sensitive="drop"))
    assert dropped.kept.column("text").to_pylist() == [texts[1]]
    (reject,) = dropped.rejects
    assert reject["reason"] == "pii:sensitive" and reject["text"] == "[PERSON]君罹患法定傳染病，依法隔離治療中。"
    assert reject["detail"].startswith("special categories of personal data (PDPA Art. 6): medical (")
    assert "王大明" not in reject["detail"]


def test_policy_is_validated():
    with pytest.raises(UserError, match=r"^params.yaml: 'pii.policy.phone' must be redact, flag or drop, got 'hide'$"):
        from pipeline.core.config import params_class
        from pipeline.core.settings import build

        build(params_class(), {"pii": {"policy": {"phone": "hide"}}}, "params.yaml")
    with pytest.raises(UserError, match=r"^params.yaml: 'pii.policy.tw_ids': unknown type \(nearest: tw_id"):
        build(params_class(), {"pii": {"policy": {"tw_ids": "redact"}}}, "params.yaml")


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
            assert row["text"][span["start"] : span["end"]].startswith("[")
    pii_metrics = json.loads(layout.stage_metrics("agency", "pii").read_text())
    assert pii_metrics["redacted"] == {
        kind: sum(1 for k, _, _ in generated if k == kind) for kind in sorted({k for k, _, _ in generated})
    }
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
    assert all(doc["text"][s["start"] : s["end"]] == "[PERSON]" for s in persons)
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
        "local folder or in the Hugging Face cache, and HF_HUB_OFFLINE is set)\n"
    )


def test_personal_data_in_title_url_and_meta_is_treated_too():
    rows = normalized_batch(["公告內容，沒有個資。", "第二則公告。"]).to_pylist()
    rows[0] |= {
        "title": "聯絡人王小明 0912-345-678",
        "url": "https://x.gov.tw/?mail=wang@example.gov.tw",
        "meta": json.dumps({"contact": "A123456789", "note": "無"}, ensure_ascii=False),
    }
    rows[1] |= {"meta": json.dumps({"card": "4111111111111111"})}
    result = pii_batch(
        pa.RecordBatch.from_pylist(rows, schema=schema_after("normalize")), PiiParams(policy={"credit_card": "drop"})
    )
    (kept,) = result.kept.to_pylist()
    assert kept["title"] == "聯絡人王小明 [PHONE]"
    assert kept["url"] == "https://x.gov.tw/?mail=[EMAIL]"
    assert json.loads(kept["meta"]) == {"contact": "[TW_ID]", "note": "無"}
    assert kept["pii"] == [] and kept["pii_types"] == []  # offsets and types describe `text` only
    assert [(r["id"], r["reason"]) for r in result.rejects] == [
        (published_id("s", "f", 1, "第二則公告。"), "pii:credit_card")
    ]


def test_a_name_inside_an_address_does_not_hide_the_address():
    from pipeline.pii.detectors.base import Span

    spans = detect("林臺北市信義區市府路1號", [Span("person", 0, 2)])
    assert [(s.type, s.start, s.end) for s in spans] == [("address", 1, 12)]


def test_rejects_of_every_stage_hold_no_personal_data(layout):
    # ingest: an exact repeat; normalize: English; quality: too long for max_chars; pii: a register
    names = [
        "王大明",
        "林小華",
        "陳美玲",
        "張志強",
        "李淑芬",
        "黃俊傑",
        "吳雅婷",
        "劉建宏",
        "蔡佩君",
        "楊宗翰",
        "許家豪",
    ]
    places = [
        "臺北市中正區重慶南路一段",
        "新北市板橋區文化路二段",
        "桃園縣中壢市中山東路",
        "臺中市西屯區台灣大道三段",
        "臺南市東區大學路",
        "高雄市苓雅區四維三路",
        "基隆市仁愛區愛一路",
        "新竹市東區光復路二段",
        "嘉義市西區中山路",
        "宜蘭縣羅東鎮公正路",
        "花蓮縣花蓮市中正路",
    ]
    register = "\n".join(f"{name}\n{place}{7 * n + 3}號" for n, (name, place) in enumerate(zip(names, places), 1))
    lines = [
        "身分證A123456789，請撥0912-345-678。",
        "身分證A123456789，請撥0912-345-678。",
        "Call 0912-345-678 or write to wang@example.gov.tw about A123456789, please.",
        "住址臺北市中正區重慶南路一段122號" + "很長的文字。" * 40,
        "姓名\n" + register,
    ]
    add_source(layout, "agency", {"a.jsonl": "\n".join(json.dumps({"text": t}, ensure_ascii=False) for t in lines)})
    params = yaml.safe_load(layout.params.read_text())
    params["quality"]["max_chars"] = 200
    layout.params.write_text(yaml.safe_dump(params, allow_unicode=True))
    stages.run_all(context(layout))
    rejects = pq.read_table(layout.rejects).to_pylist()
    assert [
        (r["stage"], r["reason"].split(":")[0] if r["reason"].startswith("duplicate-of") else r["reason"])
        for r in rejects
    ] == [
        ("ingest", "duplicate-in-source"),
        ("normalize", "language:en"),
        ("quality", "quality:too_long"),
        ("pii", "pii:register"),
    ]
    assert rejects[1]["text"] == "Call [PHONE] or write to [EMAIL] about [TW_ID], please."
    assert rejects[2]["text"].startswith("住址[ADDRESS]很長")
    assert "[PERSON]\n[ADDRESS]" in rejects[3]["text"]
    dumped = json.dumps(rejects, ensure_ascii=False)
    for secret in ("A123456789", "0912-345-678", "wang@", "重慶南路", "光復路", "王大明", "許家豪"):
        assert secret not in dumped, secret
    card = (layout.publish / "README.md").read_text(encoding="utf-8")  # removals per source, stage and reason
    for row in (
        "| `agency` | ingest | `duplicate-in-source` | 1 |",
        "| `agency` | normalize | `language:en` | 1 |",
        "| `agency` | quality | `quality:too_long` | 1 |",
        "| `agency` | pii | `pii:register` | 1 |",
    ):
        assert row in card, row
    for stage in ("ingest", "normalize", "quality", "pii"):  # and each stage's own file
        assert "A123456789" not in json.dumps(
            pq.read_table(layout.stage_rejects("agency", stage)).to_pylist(), ensure_ascii=False
        )


def test_redactions_in_fields_are_counted_in_metrics_and_card(layout):
    rows = [
        {"text": "請來電0912-345-678。", "title": "聯絡電話02-2345-6789", "url": None},
        {"text": "公告內容。", "title": "核准高勝聰君換發執照"},
    ]
    add_source(layout, "agency", {"a.jsonl": "\n".join(json.dumps(r, ensure_ascii=False) for r in rows)})
    metrics = stages.run_source(context(layout), "agency", until="pii")["pii"]
    assert metrics["redacted"] == {"person": 1, "phone": 2}
    assert metrics["found_in_fields"] == {"person": 1, "phone": 1}
    assert metrics["detectors"] == {"rules": True, "ner": False}
    stages.run_all(context(layout))
    published = pq.read_table(layout.publish / "data").to_pylist()
    assert [r["pii_fields"] for r in published] == [
        [{"field": "title", "type": "phone"}],
        [{"field": "title", "type": "person"}],
    ]
    assert [r["title"] for r in published] == ["聯絡電話[PHONE]", "核准[PERSON]君換發執照"]
    card = (layout.publish / "README.md").read_text(encoding="utf-8")
    assert "| `phone` | redact | 1 | 1 | 0 |" in card and "| `person` | redact | 0 | 1 | 0 |" in card
    assert "| agency | 3 | person 1, phone 2 |" in card


@pytest.mark.parametrize(
    "text, found",
    [
        ("電話：03-4339111轉2014）", ["03-4339111轉2014"]),
        ("電話：(02)2311-7722分機2635。", ["(02)2311-7722分機2635"]),
        ("電話：02-23961266轉分機5285）", ["02-23961266轉分機5285"]),
        ("電話：02-23889393#2635", ["02-23889393#2635"]),
        ("傳真：27043761。", ["27043761"]),
        ("電話：(02)3343-8373、(02)3343-8332至3343-8340", ["(02)3343-8373", "(02)3343-8332", "3343-8340"]),
        ("院臺規字第0950080001號令", []),
        ("府環三字第0912007306號及0970070866A號公告", []),
        ("95年度訴字第0912345678號", []),
        ("發文字號：第 0912345678 號", []),
    ],
)
def test_phones_and_document_numbers_as_agencies_write_them(text, found):
    assert [text[s.start : s.end] for s in detect(text) if s.type == "phone"] == found


@pytest.mark.parametrize(
    "text, found",
    [
        ("248臺北縣五股鄉四維路六一號三樓", "248臺北縣五股鄉四維路六一號三樓"),
        ("臺中市中區愛松里中山路三一三號一○樓之一。", "臺中市中區愛松里中山路三一三號一○樓之一"),
        ("住在中壢市仁德里晉元路三○一巷二○號", "中壢市仁德里晉元路三○一巷二○號"),
        ("臺北縣樹林市柑園街2段149巷2－3號", "臺北縣樹林市柑園街2段149巷2－3號"),
        ("連江縣南竿鄉介壽村016鄰384號", "連江縣南竿鄉介壽村016鄰384號"),
        ("台北市11025信義區忠孝東路5段222號", "台北市11025信義區忠孝東路5段222號"),
        ("地址：中山路123號5樓", "中山路123號5樓"),
        ("新竹市中華路五段556巷1號", "新竹市中華路五段556巷1號"),
    ],
)
def test_addresses_as_real_text_writes_them(text, found):
    assert [text[s.start : s.end] for s in detect(text) if s.type == "address"] == [found]


@pytest.mark.parametrize(
    "text, kinds",
    [
        ("核准高勝聰君換發技師執業執照", [("person", "高勝聰")]),
        ("技師姓名：卓信璁", [("person", "卓信璁")]),
        ("閃亮亮有限公司（邱玉娟）", [("person", "邱玉娟")]),
        ("對朱天健等816位被保險人", [("person", "朱天健")]),
        ("部　　長　李逸洋", [("official", "李逸洋")]),
        ("所　　長　柯　武", [("official", "柯　武")]),
        ("裁處董事長陳隆輝君罰鍰", [("person", "陳隆輝")]),
        ("總經 理　朱澤民", [("official", "朱澤民")]),
        ("予謂菊，花之隱逸者也；蓮，花之君子者也。", []),
        ("田徑\n籃球\n姓名\n楊梅", []),
        ("民國45年3月2日生，", [("birth_date", "民國45年3月2日")]),
        ("出生日期\n中華民國○○○年○○月○○日", []),
    ],
)
def test_names_and_birth_dates_in_official_phrasings(text, kinds):
    assert [(s.type, text[s.start : s.end]) for s in detect(text)] == kinds


def test_a_file_named_after_a_person_is_published_redacted(layout):
    add_source(layout, "agency", {"王小明_A123456789_0912345678.txt": "公告內容，沒有個資。"})
    stages.run_all(context(layout))
    (row,) = pq.read_table(layout.publish / "data").to_pylist()
    assert row["source_file"] == "王小明_[TW_ID]_[PHONE].txt"
    assert row["pii_fields"] == [{"field": "source_file", "type": "tw_id"}, {"field": "source_file", "type": "phone"}]
