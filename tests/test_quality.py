"""Quality rules one by one, in the manner of datatrove's check_filter: a text, the verdict
and the reason. Real gazette records (data/raw/ey-gazette) among them."""

from __future__ import annotations

import json

import pytest
from conftest import REPO

from pipeline.core.layout import Layout
from pipeline.core.licenses import load_registry
from pipeline.ingest.manifest import load_manifest
from pipeline.ingest.readers.xml import read_xml
from pipeline.quality.params import QualityParams
from pipeline.quality.signals import measure
from pipeline.quality.stage import failed_rule

PARAMS = QualityParams()
LAW = (
    "第一條　為建立政府資訊公開制度，便利人民共享及公平利用政府資訊，保障人民知的權利，增進人民對公共事務之"
    "瞭解、信賴及監督，並促進民主參與，特制定本法。\n第二條　政府資訊之公開，依本法之規定。但其他法律另有規定者，"
    "依其規定。\n"
)


def check(text: str, rule: str | None, params: QualityParams = PARAMS) -> None:
    failed = failed_rule(measure(text, top_ngram=params.top_ngram, dup_ngram=params.dup_ngram), params)
    assert (failed[0] if failed else None) == rule, failed


def gazette(name: str, record: int) -> str:
    layout = Layout.at(REPO)
    manifest = load_manifest(layout, "ey-gazette", load_registry(layout))
    return next(r.text for r in read_xml(REPO / "data" / "raw" / "ey-gazette" / name, manifest) if r.line == record)


def test_too_short_and_too_long():
    check("公告。", "too_short")
    check(LAW, None)
    check(LAW * 3, "too_long", QualityParams(max_chars=200))


def test_han_share_rejects_text_that_is_not_chinese():
    check("This notice is written in English only, with one word 公告 in Chinese. " * 3, "han_share")


def law_text(chars: int) -> str:
    """The Freedom of Government Information Law as the sample laws ship it, cut to ``chars``."""
    law = json.loads((REPO / "data" / "raw" / "laws" / "I0020026.json").read_text(encoding="utf-8-sig"))
    return "\n".join(a["ArticleContent"] for a in law["LawArticles"])[:chars]


def test_a_bilingual_text_is_judged_by_its_chinese_part():
    layout = Layout.at(REPO)
    manifest = load_manifest(layout, "ey-gazette", load_registry(layout))
    english = "\n".join(
        r.meta.get("TitleEnglish", "") for r in read_xml(REPO / "data/raw/ey-gazette/095-08-10.xml", manifest)
    )
    treaty = law_text(400) + "\n" + english  # the full Chinese text beside a long English one
    assert measure(treaty).han_share < PARAMS.min_han_share and measure(treaty).han_chars >= 300
    check(treaty, None)
    check(law_text(60) + "\n" + english, "han_share")  # a few Chinese words do not make it Chinese


def test_repeated_lines():
    check("本公告為測試用的一行文字，重複出現。\n" * 20, "dup_lines")
    check(LAW, None)


def test_top_ngram_counts_each_character_once_as_gopher_does():
    # a form's blank: ＿＿＿＿ holds the 2-gram ＿＿ three times but covers four characters, not six
    form = "申請人姓名：" + "＿" * 100 + "\n" + law_text(400)
    signals = measure(form)
    assert signals.top_ngram_share == pytest.approx(100 / signals.chars)  # counted twice it would be over 0.3
    assert 2 * 99 / signals.chars > PARAMS.max_top_ngram_share
    check(form, None)
    check("哈哈" * 200, "top_ngram")


def test_repeated_ngrams():
    check("行政院公告：本案依規定辦理公示送達。" * 60, "dup_ngrams")  # one sentence, pasted over and over


def test_boilerplate_lines():
    check("回首頁\n網站導覽\n友善列印\n" + LAW[:30], "boilerplate")


def test_an_amendment_draft_with_its_comparison_table_passes():
    text = gazette("100-06-07.xml", 5)  # 經濟部公告：預告「營運總部認定辦法」修正草案, with 修正條文對照表
    assert "對照表" in text and measure(text).dup_ngram_share > 0.6  # the old threshold rejected it
    check(text, None)


def test_a_register_passes_quality_and_is_left_to_the_pii_stage():
    text = gazette("095-08-10.xml", 20)  # 539 insured persons in arrears
    assert measure(text).dup_ngram_share > 0.6
    check(text, None)


def test_regulations_of_the_shipped_gazette_all_pass():
    layout = Layout.at(REPO)
    manifest = load_manifest(layout, "ey-gazette", load_registry(layout))
    records = [r for p in sorted((REPO / "data" / "raw" / "ey-gazette").glob("*.xml")) for r in read_xml(p, manifest)]
    regulations = [r for r in records if r.meta.get("Doc_Style_LName") in ("法規", "行政規則")]
    assert len(regulations) == 12
    assert [r.title for r in regulations if failed_rule(measure(r.text), PARAMS)] == []


def test_mainland_vocabulary_is_judged_only_when_the_rule_is_on():
    from pipeline.quality.regional import measure_regional

    mainland = (
        "本軟件支持視頻播放，可用鼠標點擊打印按鈕，服務器上的數據庫默認保存在內存中。\n" + LAW
    )  # s2t of Mainland text
    on = QualityParams(max_mainland_share=0.5)
    assert failed_rule(measure(mainland), PARAMS, measure_regional(mainland)) is None  # off by default
    assert failed_rule(measure(mainland), on, measure_regional(mainland))[0] == "mainland_vocabulary"
    assert failed_rule(measure(LAW), on, measure_regional(LAW)) is None
    regulations = [gazette("100-06-07.xml", n) for n in range(1, 4)]
    assert [
        failed_rule(measure(t), QualityParams(max_mainland_share=0.0), measure_regional(t)) for t in regulations
    ] == [None] * 3  # real gazette records have no Mainland term at all
