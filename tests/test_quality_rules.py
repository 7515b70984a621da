"""The quality rules registry (pipeline/quality/rules/): one module per rule, each declaring what
it reads, asked in a stated order; and each rule on its own with check_rule."""

from __future__ import annotations

from dataclasses import fields

import pytest
from rule_check import check_rule

from pipeline.quality.params import QualityParams
from pipeline.quality.regional import measure_regional
from pipeline.quality.rules import RULES, SIGNALS, Rule, cheap_first, first_broken, measured
from pipeline.quality.signals import measure
from pipeline.quality.stage import judge_all

LAW = (
    "第一條　為建立政府資訊公開制度，便利人民共享及公平利用政府資訊，保障人民知的權利，增進人民對公共事務之"
    "瞭解、信賴及監督，並促進民主參與，特制定本法。\n第二條　政府資訊之公開，依本法之規定。但其他法律另有規定者，"
    "依其規定。\n"
)
MAINLAND = "本軟件支持視頻播放，可用鼠標點擊打印按鈕，服務器上的數據庫默認保存在內存中。\n"


def test_the_rules_are_asked_in_the_order_whose_reason_wins():
    assert RULES.names() == (
        "too_short",
        "too_long",
        "han_share",
        "dup_lines",
        "top_ngram",
        "dup_ngrams",
        "boilerplate",
        "mainland_vocabulary",
    )
    cheap, rest = cheap_first()
    assert [r.name for r in cheap] == ["too_short", "too_long"]  # decided on a count, before measuring
    assert [r.name for r in cheap + rest] == list(RULES.names())


def test_every_rule_declares_params_and_signals_that_exist():
    keys = {f.name for f in fields(QualityParams)}
    for rule in RULES.values():
        assert rule.reason == f"quality:{rule.name}"
        assert rule.params and set(rule.params) <= keys, rule.name
        assert rule.signals and set(rule.signals) <= set(SIGNALS), rule.name


def test_too_short_and_too_long():
    assert check_rule("too_short", "公告。", True) == "3 characters < min_chars 10"
    check_rule("too_short", LAW, False)
    check_rule("too_long", LAW * 3, "321 characters > max_chars 200", QualityParams(max_chars=200))
    check_rule("too_long", LAW, False)


def test_han_share_judges_a_bilingual_text_by_its_chinese_part():
    english = "This notice is written in English only, with one word 公告 in Chinese. " * 3
    assert check_rule("han_share", english, True).startswith("Han share 0.04 < 0.3 and 6 Han characters < 300")
    check_rule("han_share", english, False, QualityParams(bilingual_han_chars=6))
    check_rule("han_share", LAW, False)


def test_the_repetition_rules_need_repetition_min_chars():
    lines = "本公告為測試用的一行文字，重複出現。\n" * 20
    check_rule("dup_lines", lines, "repeated lines cover 0.95 > 0.7")
    check_rule("dup_lines", lines, False, QualityParams(repetition_min_chars=len(lines)))
    check_rule("top_ngram", "哈哈" * 200, "the most frequent character 2-gram covers 1.00 > 0.3")
    check_rule("top_ngram", "哈哈" * 40, False)  # 80 characters: too short to judge
    check_rule("dup_ngrams", "行政院公告：本案依規定辦理公示送達。" * 60, True)
    for rule in ("dup_lines", "top_ngram", "dup_ngrams"):
        check_rule(rule, LAW, False)


def test_boilerplate():
    check_rule("boilerplate", "回首頁\n網站導覽\n友善列印\n" + LAW[:30], "boilerplate lines are 0.75 of lines > 0.3")
    check_rule("boilerplate", LAW, False)


def test_mainland_vocabulary_only_when_on():
    on = QualityParams(max_mainland_share=0.5)
    check_rule("mainland_vocabulary", MAINLAND + LAW, False)  # off by default
    assert check_rule("mainland_vocabulary", MAINLAND + LAW, True, on).startswith("Mainland terms are 0.67 of 12")
    check_rule("mainland_vocabulary", LAW, False, on)


def test_the_first_rule_broken_gives_the_reason():
    text = "Executive Yuan of the Republic of China in Taiwan\n回首頁\n網站導覽\n友善列印\n列印\n分享"  # both rules
    values = measured(measure(text), measure_regional(text))
    assert first_broken(RULES.values(), values, QualityParams(min_chars=1))[0] == "han_share"
    assert judge_all(text, QualityParams(min_chars=1))[2][0] == "han_share"
    assert judge_all(text, QualityParams(min_chars=60)) == (None, None, ("too_short", "56 characters < min_chars 60"))


def test_check_rule_fails_a_rule_that_reads_what_it_does_not_declare():
    sneaky = Rule(
        "sneaky", params=("min_chars",), signals=("chars",), check=lambda s, p: None if s["han_share"] > 0 else "no Han"
    )
    with pytest.raises(KeyError, match="han_share"):
        check_rule(sneaky, LAW, False)
    greedy = Rule(
        "greedy",
        params=("min_chars",),
        signals=("chars",),
        check=lambda s, p: None if s["chars"] < p.max_chars else "long",
    )
    with pytest.raises(AttributeError, match="max_chars"):
        check_rule(greedy, LAW, False)


def test_the_card_sentence_is_the_rules_phrases_in_order():
    q = QualityParams()
    assert "".join(r.card(q) for r in RULES.values() if r.card) == (
        "shorter than 10 or longer than 2,000,000 characters, when Han characters are under 30% of letters, or (from "
        "100 characters) when repeated lines cover more than 70%, the most frequent character 2-gram more than 30%, "
        "repeated character 10-grams more than 95%, or boilerplate lines (page numbers, navigation) more than 30% of "
        "lines"
    )
