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


NEW_RULE = '''
"""few_han: fewer Han characters than min_han_chars (a rule a test adds from outside the package)."""

from pipeline.quality.rules import Threshold, rule


@rule(
    "few_han",
    order=25,
    thresholds=(Threshold("min_han_chars", 3, (0, 1000), "Han characters a document needs"),),
    signals=("han_chars",),
    card=lambda p: f", with fewer than {p.min_han_chars} Han characters",
)
def few_han(s, p):
    if s["han_chars"] < p.min_han_chars:
        return f"{s['han_chars']} Han characters < min_han_chars {p.min_han_chars}"
    return None
'''


def test_a_new_rule_with_its_own_threshold_is_one_file(tmp_path, layout):
    """README's promise for a rule, checked: its module alone (here outside the package, on the
    rules package's path) brings its params.yaml key with its comment and range, and the run
    rejects by it with its detail, with no edit anywhere in pipeline/."""
    import subprocess
    import sys

    import pyarrow.parquet as pq
    from conftest import add_source, run_env

    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "few_han.py").write_text(NEW_RULE.lstrip(), encoding="utf-8")
    add_source(layout, "laws", {"a.txt": "臺灣省政府組織規程。", "b.txt": "Notice No. 12 公告"})
    script = f"""
import pipeline.quality.rules
pipeline.quality.rules.__path__.append({str(tmp_path / "rules")!r})
from pipeline.cli import main
raise SystemExit(main(["--root", {str(layout.root)!r}, "--quiet", *__import__("sys").argv[1:]]))
"""
    run = lambda *args: subprocess.run(  # noqa: E731
        [sys.executable, "-c", script, *args], env=run_env(), capture_output=True, text=True, timeout=300
    )
    assert run("params", "--write").returncode == 0
    params = layout.params.read_text(encoding="utf-8")  # the fixture's tuning (min_chars 1) stays
    assert "  min_chars: 1              # characters without whitespace (short poems are ~30)\n" in params
    assert "  min_han_chars: 3          # Han characters a document needs\n" in params
    quality = params[params.index("\nquality:\n") : params.index("\npii:\n")]
    assert quality.index("  max_chars:") < quality.index("  min_han_chars:") < quality.index("  min_han_share:")
    layout.params.write_text(params.replace("min_han_chars: 3 ", "min_han_chars: 5000"), encoding="utf-8")
    result = run("ingest", "laws")
    assert (result.returncode, result.stderr) == (
        2,
        "twcorpus: error: params.yaml: 'quality.min_han_chars' must be between 0 and 1,000, got 5,000\n",
    )
    layout.params.write_text(params, encoding="utf-8")
    for stage in ("ingest", "normalize", "quality"):
        result = run(stage, "laws")
        assert result.returncode == 0, result.stderr
    rejects = pq.read_table(layout.stage_rejects("laws", "quality")).to_pylist()
    assert [(r["source_file"], r["reason"], r["detail"]) for r in rejects] == [
        ("b.txt", "quality:few_han", "2 Han characters < min_han_chars 3")
    ]
    kept = pq.read_table(layout.stage_docs("laws", "quality")).column("text").to_pylist()
    assert kept == ["臺灣省政府組織規程。"]


def test_a_threshold_is_brought_by_one_rule_and_read_only_after_it():
    from pipeline.quality.params import made_of
    from pipeline.quality.rules import Threshold

    def make(name, thresholds=(), params=()):
        return Rule(name, (*(t.name for t in thresholds), *params), ("chars",), lambda s, p: None, None, thresholds)

    share = Threshold("max_x_share", 0.5, (0, 1), "x / characters")
    cls = made_of([make("x", (share,)), make("y", params=("max_x_share",))])
    assert [f.name for f in fields(cls)] == ["max_x_share", "batch_size"]
    assert cls().max_x_share == 0.5 and cls.RANGES == {"max_x_share": (0, 1), "batch_size": (1, 1_000_000)}
    with pytest.raises(ValueError, match="quality threshold 'max_x_share' of rule 'y' is brought by rule 'x' too"):
        made_of([make("x", (share,)), make("y", (share,))])
    with pytest.raises(ValueError, match=r"quality rule 'y' reads \['max_x_share'\], which no rule before it brings"):
        made_of([make("y", params=("max_x_share",)), make("x", (share,))])
