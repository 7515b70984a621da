"""Sensitive personal data (PDPA Art. 6): special categories about an identified private person.

Unit cases for the obvious positives and the regulation negatives, and the figures on the
hand-labeled real records of the development set (tests/labels/sensitive.jsonl; how they
were labeled: tests/labels/README.md)."""

from __future__ import annotations

import pytest
from conftest import REPO
from real_labels import load

from pipeline.core.layout import Layout
from pipeline.core.licenses import load_registry
from pipeline.ingest.manifest import load_manifest
from pipeline.ingest.readers.base import Record
from pipeline.normalize.params import NormalizeParams
from pipeline.normalize.stage import normalize_text
from pipeline.pii.detect import detect
from pipeline.pii.sensitive import CATEGORIES, MEASURED, categories, describe, sensitive_categories

REAL = REPO.parent / "shared" / "real" / "ey-gazette"
RAW = REPO / "data" / "raw"


def flagged(text: str) -> list[str]:
    return categories(sensitive_categories(text, detect(text)))


@pytest.mark.parametrize(
    "text, category",
    [
        ("被付懲戒人　王大明\n申辯人因罹患癌症末期，長期接受治療，始購買保健食品。", "medical"),
        ("應受送達人：陳小華君\n說明：台端經醫院診斷為重度憂鬱症，請於文到後辦理。", "medical"),
        ("王大明君罹患法定傳染病，依法隔離治療中。", "medical"),
        ("主旨：檢送王大明君之DNA鑑定結果一份。", "genetic"),
        ("被害人林小美女士於101年5月遭強制性交，本府依法提供協助。", "sexual_life"),
        ("李大同先生之健康檢查結果顯示肝功能異常，不得從事本項工作。", "health_exam"),
        ("受刑人：張三豐\n現於法務部矯正署臺北監獄執行中，爰以公告代替送達。", "criminal_record"),
        ("黃志明君因竊盜案件，經臺灣臺北地方法院判處有期徒刑六月，緩刑二年。", "criminal_record"),
        ("涉嫌走私之報關業者賴欽聰，透過友人宴請被彈劾人。", "criminal_record"),
        # an official whom the case is about: the name, then at once what befell him
        (
            "臺灣省雲林縣議會第17屆議員林朝寶因妨害公務案件，經臺灣雲林地方法院刑事判決處有期徒刑壹年。",
            "criminal_record",
        ),
    ],
)
def test_a_private_person_with_a_special_category_is_flagged(text, category):
    assert flagged(text) == [category]


@pytest.mark.parametrize(
    "text",
    [
        "第三條　本法所稱醫療機構，指供醫師執行醫療業務之機構。\n部　　長　李逸洋",
        "第五條　有下列情事之一者，不得擔任委員：\n一、受有期徒刑一年以上刑之宣告確定者。\n"
        "二、曾犯內亂、外患罪，經判決確定或通緝有案尚未結案。\n部　　長　李逸洋",
        "有關病歷、醫療、基因、性生活、健康檢查及犯罪前科之個人資料，不得蒐集、處理或利用。",
        "部長　李逸洋因公出國，由次長代理。本部辦理犯罪預防宣導。",
        # a private person, but only a law's name or a generic clause near them
        "王大明君得依犯罪被害人保護法第十二條規定申請補償。",
        "陳小華君違反醫療法第二十五條規定，處罰鍰新臺幣五萬元。",
        "申請人：王大明\n依本辦法第五條規定，罹患法定傳染病者，不得申請。",
        "王大明君涉嫌違法勸募，經本部處以罰鍰。",  # an administrative fine, no crime
        # physicians by licence or by office: their profession is no health data of theirs
        "公告註銷陳昶華醫師執業執照。",
        "主旨：核准王大明君換發醫師執業執照。",
        "核准王大明醫師執業登記，執業場所：臺大醫院精神科。",
        "衛生福利部部長　王大明\n主旨：預告「癌症防治法施行細則」修正草案。",
        "衛生局局長　王大明出席說明癌症防治與住院病人照護政策。",
        # words that only look like a category
        "社團法人高雄市天德關懷身心障礙協會\n代表人：謝雪\n營業地址：高雄市仁武區赤東五街8號",
        "王大明君負責之制度性交流平臺，彙集產業需求。",
        "林美森君如不服本處分，得於30日內向行政法院提起訴訟，或向本部提起訴願。",
        "陳小華君之家屬死亡喪葬津貼，應予返還。",
    ],
)
def test_regulations_and_mere_mentions_are_not_flagged(text):
    assert flagged(text) == []


def test_officials_are_no_anchor():
    text = "部　　長　李逸洋\n本部所屬人員罹患癌症者，得申請留職停薪。"
    assert any(s.type == "official" for s in detect(text)) and flagged(text) == []
    assert sensitive_categories("王大明罹患癌症", []) == []  # no span, no person


def test_the_evidence_says_where_and_why_without_the_name():
    text = "被付懲戒人　王大明\n" + "查其任職期間之考績資料如附件。" * 10 + "\n申辯人因罹患癌症，長期接受治療。"
    (e,) = sensitive_categories(text, detect(text))
    assert e.category == "medical" and text[e.start : e.end] == e.term == "罹患"
    assert e.person.type == "person" and text[e.person.start : e.person.end] == "王大明"
    assert e.via == "申辯人" and e.distance == 1  # the name is far; the role word stands for it
    detail = describe([e])
    assert detail.startswith("medical (罹患, 1 characters from the 申辯人, a private person at ")
    assert "王大明" not in detail


def test_every_category_at_most_once_in_order():
    text = (
        "受刑人：張三豐\n張三豐君經醫院診斷為肝癌，住院治療；其健康檢查結果異常；"
        "張三豐君之DNA鑑定結果如附件；張三豐君曾遭強制性交。"
    )
    found = sensitive_categories(text, detect(text))
    assert categories(found) == list(CATEGORIES)


def test_a_register_names_many_and_role_words_stand_for_none():
    rows = "\n".join(f"{name}君" for name in "王大明 李小華 陳志明 林美玲 黃建國 張淑芬 吳俊傑 劉雅婷".split())
    text = "受處分人名冊\n" + rows + "\n" + "說明：依規定辦理。" * 20 + "\n受處分人罹患重病，請見附件。"
    assert flagged(text) == []


# --- the development set -------------------------------------------------------------------


def _normalized(records) -> dict:
    params = NormalizeParams()
    return {r.line: normalize_text(r.text, params)[0] for r in records if isinstance(r, Record)}


def _sources() -> dict[str, dict]:
    """file -> {record: normalized text} for the ten real gazette issues (when present) and
    the sample corpus, read as ingest reads them."""
    from pipeline.ingest.readers.jsonl import read_jsonl
    from pipeline.ingest.readers.lawdb import read_lawdb
    from pipeline.ingest.readers.text import read_markdown, read_text
    from pipeline.ingest.readers.xml import read_xml

    layout = Layout.at(REPO)
    registry = load_registry(layout)
    out: dict[str, dict] = {}
    gazette = load_manifest(layout, "ey-gazette", registry)
    for p in sorted(REAL.glob("*.xml")) if REAL.is_dir() else sorted((RAW / "ey-gazette").glob("*.xml")):
        out[p.name] = _normalized(read_xml(p, gazette))
    for source, reader, pattern in (
        ("laws", read_lawdb, "*.json"),
        ("smart-nation-meeting", read_markdown, "*.md"),
        ("classical-poems", read_text, "*.txt"),
        ("classical-prose", read_jsonl, "*.jsonl"),
    ):
        manifest = load_manifest(layout, source, registry)
        for p in sorted((RAW / source).glob(pattern)):
            out[f"{source}/{p.name}"] = _normalized(reader(p, manifest))
    return out


@pytest.fixture(scope="module")
def dev() -> tuple[dict, dict]:
    labels = {(r["file"], r["record"]): set(r["categories"]) for r in load("sensitive")}
    found = {}
    for file, records in _sources().items():
        for record, text in records.items():
            found[(file, record)] = set(categories(sensitive_categories(text, detect(text))))
    return labels, found


def test_labels_are_the_records_holding_a_category_word():
    rows = load("sensitive")
    assert len(rows) == MEASURED.labeled == 58
    assert sum(1 for r in rows if r["categories"]) == 4
    assert all(set(r["categories"]) <= set(CATEGORIES) and r["note"] for r in rows)
    assert len({(r["file"], r["record"]) for r in rows}) == len(rows)


def test_figures_on_the_development_set(dev):
    labels, found = dev
    if not REAL.is_dir():
        pytest.skip(f"the development set is not at {REAL}")
    assert set(labels) <= set(found)
    right = sum(len(found[k] & want) for k, want in labels.items())
    wanted = sum(len(want) for want in labels.values())
    detected = sum(len(cats) for cats in found.values())  # every record of the set, labeled or not
    recall, precision = right / wanted, right / max(detected, 1)
    wrong = {k: found[k] - labels.get(k, set()) for k in found if found[k] - labels.get(k, set())}
    missed = {k: want - found[k] for k, want in labels.items() if want - found[k]}
    assert recall >= MEASURED.recall and precision >= MEASURED.precision, (recall, precision, wrong, missed)


def test_no_regulation_of_the_sample_corpus_is_flagged(dev):
    """The shipped laws (the Personal Data Protection Act itself among them), minutes and the
    two shipped gazette issues: nothing of them discloses a category about a private person."""
    _, found = dev
    shipped = {p.name for p in (RAW / "ey-gazette").glob("*.xml")}
    assert [k for k, cats in found.items() if cats and (k[0] in shipped or "/" in k[0])] == []


def test_labels_point_at_real_records(dev):
    labels, found = dev
    if not REAL.is_dir():
        pytest.skip(f"the development set is not at {REAL}")
    assert set(labels) <= set(found), set(labels) - set(found)
