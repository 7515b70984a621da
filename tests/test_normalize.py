"""The normalize stage: clean-up steps, script and language identification, OpenCC."""

from __future__ import annotations

import json
from difflib import SequenceMatcher
from pathlib import Path

import opencc
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import add_source, context

from pipeline import stages
from pipeline.core.schema import DOCUMENT
from pipeline.normalize import cleanup, tables
from pipeline.normalize.langid import identify
from pipeline.normalize.params import CleanupParams, NormalizeParams
from pipeline.normalize.stage import NormalizeStats, normalize_batch, normalize_text

SENTENCES = (
    Path(__file__).with_name("data").joinpath("ud_gsd_dev_sentences.txt").read_text(encoding="utf-8").splitlines()
)
DEFAULT = NormalizeParams()

PARAGRAPHS = {
    "en": "The Executive Yuan held the first meeting of the Smart Nation promotion group on Monday. "
    "Members discussed how public data can be opened to industry while protecting personal data.",
    "ja": "行政院は月曜日に会議を開きました。委員たちは、個人情報を守りながら公共データを産業界に開放する方法について話し合いました。",
    "ko": "행정원은 월요일에 스마트 국가 추진 그룹의 첫 회의를 열었습니다. 위원들은 개인 정보를 보호하면서 공공 데이터를 개방하는 방법을 논의했습니다.",
    "fr": "Le Yuan exécutif a tenu lundi la première réunion du groupe de promotion de la nation intelligente. "
    "Les membres ont discuté de l'ouverture des données publiques à l'industrie.",
    "de": "Der Exekutiv-Yuan hielt am Montag die erste Sitzung der Förderungsgruppe für die intelligente Nation ab. "
    "Die Mitglieder erörterten, wie öffentliche Daten für die Industrie geöffnet werden können.",
}


def docs_batch(texts: list[str]) -> pa.RecordBatch:
    rows = [
        {
            "id": f"id{i}",
            "text": t,
            "source": "s",
            "source_file": "f.txt",
            "source_line": i + 1,
            "license": "CC0-1.0",
            "title": None,
            "url": None,
            "date": None,
            "meta": None,
        }
        for i, t in enumerate(texts)
    ]
    return pa.RecordBatch.from_pylist(rows, schema=DOCUMENT)


# --- clean-up steps --------------------------------------------------------------------


@pytest.mark.parametrize(
    "step, text, expected, changed",
    [
        ("newlines", "第一行\r\n第二行\r第三行", "第一行\n第二行\n第三行", 2),
        ("control_chars", "資\u200b料\x07開\ufeff放\u00ad\f下一頁", "資料開放\n下一頁", 5),
        ("fullwidth_alnum", "ＡＩ２．０，「智慧國家」！", "AI2．0，「智慧國家」！", 4),
        ("compat_ideographs", "\uf900\ufa0e", "豈\ufa0e", 1),  # U+FA0E is a unified ideograph: kept
        ("nfc", "Cafe\u0301", "Café", 1),
        (
            "page_numbers",
            "第一段。\n- 3 -\n第 2 頁，共 10 頁\nPage 3 of 9\n12\n3/10\n第二段。",
            "第一段。\n第二段。",
            39,
        ),
        ("spaces", "\n\n  資料  開放\t政策  \n\n\n\n下一段\u3000\n", "資料 開放 政策\n\n下一段", 11),
        ("mojibake", "中文資料".encode().decode("cp1252"), "中文資料", 12),
        ("mojibake", "中華民國憲法第一條".encode("cp950").decode("latin-1"), "中華民國憲法第一條", 18),
    ],
)
def test_each_cleanup_step(step, text, expected, changed):
    assert cleanup.STEPS[step](text) == (expected, changed)


@pytest.mark.parametrize("text", list(PARAGRAPHS.values()) + ["Müller für Ökonomie, Größe über alles", "臺灣 Café ü"])
def test_mojibake_repair_leaves_real_text_alone(text):
    assert cleanup.fix_mojibake(text) == (text, 0)


def test_broken_paragraphs_are_joined_but_titles_and_list_items_are_not():
    text = (
        "此舉不僅突顯臺灣在資料與語言資源上的價值，也有助於推動本土語料與國際接軌，此舉不僅突顯臺灣在資料與語言資"
        "\n\n源上的價值。\n\n（一）第一項。\n\n春望\n唐・杜甫\n\n國破山河在，城春草木深。"
        "\n\n二、會議地點：行政院第一會議室行政院第一會議室行政院第一會議室\n\n三、主持人：總召集人"
    )
    joined, changed = cleanup.join_broken_paragraphs(text)
    assert joined == text.replace("語言資\n\n源上", "語言資源上")
    assert changed == 2


def test_clean_reports_each_step_and_respects_switches():
    text = "ＡＩ\r\n政策  "
    assert cleanup.clean(text, vars(CleanupParams())) == (
        "AI\n政策",
        {"fullwidth_alnum": 2, "newlines": 1, "spaces": 2},
    )
    only_newlines = {name: name == "newlines" for name in cleanup.STEPS}
    assert cleanup.clean(text, only_newlines) == ("ＡＩ\n政策  ", {"newlines": 1})


def test_meeting_minutes_page_breaks_are_repaired():
    minutes = next((Path(__file__).parents[1] / "data/raw/smart-nation-meeting").glob("*.md")).read_text(
        encoding="utf-8"
    )
    text, changes = cleanup.clean(minutes, vars(CleanupParams()))
    assert "此舉不僅突顯臺灣在資料與語言資源上的價值" in text
    assert "讓國際夥伴知道臺灣的可信任度" in text
    assert changes["broken_paragraphs"] == 8  # four breaks, two newlines each
    assert text.startswith("## 行政院智慧國家 2.0 推動小組第一次會議紀錄\n\n一、會議時間")


# --- identification and conversion ----------------------------------------------------


def test_traditional_sentences_are_zh_hant_and_never_converted():
    results = [normalize_text(s, DEFAULT) for s in SENTENCES]
    assert sum(lang == "zh-Hant" for _, lang, _, _, _ in results) / len(SENTENCES) >= 0.995
    assert [c for _, _, c, _, _ in results if c] == []
    kept = normalize_batch(docs_batch(SENTENCES), DEFAULT)
    assert kept.rejects == [] and kept.kept.num_rows == len(SENTENCES)


def test_simplified_sentences_are_identified_and_converted_back():
    t2s = opencc.OpenCC("t2s")
    simplified = [t2s.convert(s) for s in SENTENCES]
    results = [normalize_text(s, DEFAULT) for s in simplified]
    detected = [d for _, _, _, d, _ in results]
    assert sum(d == "zh-Hans" for d in detected) / len(SENTENCES) >= 0.99
    assert all(lang == "zh-Hant" for _, lang, _, _, _ in results)
    assert {c for _, _, c, d, _ in results if d == "zh-Hans"} == {"s2twp"}
    original = "".join(SENTENCES)
    restored = "".join(text for text, *_ in results)
    matched = sum(b.size for b in SequenceMatcher(None, original, restored, autojunk=False).get_matching_blocks())
    assert matched / len(original) >= 0.97


@pytest.mark.parametrize("tag", sorted(PARAGRAPHS))
def test_other_languages_are_rejected_with_their_tag(tag):
    result = normalize_batch(docs_batch([PARAGRAPHS[tag]]), DEFAULT)
    assert result.kept.num_rows == 0
    assert [(r["reason"], r["stage"], r["id"]) for r in result.rejects] == [(f"language:{tag}", "normalize", "id0")]
    assert result.rejects[0]["detail"] == f"identified as {tag}; kept languages: zh"


def test_langdetect_is_never_asked_about_mostly_han_text(monkeypatch):
    import pipeline.normalize.langid as langid

    monkeypatch.setattr(langid, "_langdetect", lambda text, seed: pytest.fail("langdetect called"))
    for text in [
        "今天天氣很好",
        "中華民國憲法第一條：中華民國基於三民主義，為民有民治民享之民主共和國。",
        "政府推動 AI 與 open data 政策",
    ]:
        assert identify(text)[0] == "zh-Hant"


def test_traditional_text_is_not_damaged_and_t2tw_is_opt_in():
    text = "李松仁發表演算法，頭髮乾了。裏面有人"  # s2twp would damage 松, 髮, 乾 and double 演算法
    assert normalize_text(text, DEFAULT)[:3] == (text, "zh-Hant", None)
    variants = NormalizeParams(traditional_variants="t2tw")
    assert normalize_text(text, variants)[:3] == (text.replace("裏", "裡"), "zh-Hant", "t2tw")


def test_mixed_documents_follow_the_simplified_share():
    mixed = "這個軟體的發展很快。这个软件发展很快，国家数据开放。"  # 4 Traditional-only, 8 Simplified-only
    assert identify(mixed)[0] == "zh-Hans"
    assert identify(mixed, simplified_share=0.8)[0] == "zh-Hant"


def test_keep_languages_is_configurable():
    params = NormalizeParams(keep_languages=("zh", "en"))
    result = normalize_batch(docs_batch([PARAGRAPHS["en"], PARAGRAPHS["de"], "今天天氣很好"]), params)
    assert result.kept.column("lang").to_pylist() == ["en", "zh-Hant"]
    assert [r["reason"] for r in result.rejects] == ["language:de"]


def test_text_empty_after_cleanup_is_rejected():
    result = normalize_batch(docs_batch(["\u200b\u200b\n- 3 -\n"]), DEFAULT)
    assert [(r["reason"], r["detail"]) for r in result.rejects] == [("empty", "nothing left after Unicode clean-up")]


def test_script_tables_match_the_installed_opencc():
    assert json.loads(tables.TABLE_FILE.read_text(encoding="utf-8")) == tables.derive()


# --- the stage --------------------------------------------------------------------------


def test_stage_output_metrics_and_rejects(layout):
    lines = [
        {"text": "臺灣的資料開放政策。\r\n第二行"},
        {"text": "这是简体中文的新闻稿，软件和数据都很重要。"},
        {"text": PARAGRAPHS["en"]},
    ]
    add_source(layout, "agency", {"a.jsonl": "\n".join(json.dumps(x, ensure_ascii=False) for x in lines)})
    out = stages.run_source(context(layout), "agency")["normalize"]
    docs = pq.read_table(layout.stage_docs("agency", "normalize")).to_pylist()
    assert [(d["text"], d["lang"], d["converted"], d["cleanup"]) for d in docs] == [
        ("臺灣的資料開放政策。\n第二行", "zh-Hant", None, '{"newlines": 1}'),
        ("這是簡體中文的新聞稿，軟體和資料都很重要。", "zh-Hant", "s2twp", None),
    ]
    rejects = pq.read_table(layout.stage_rejects("agency", "normalize")).to_pylist()
    assert [(r["source_file"], r["source_line"], r["stage"], r["reason"]) for r in rejects] == [
        ("a.jsonl", 3, "normalize", "language:en")
    ]
    assert out == json.loads(layout.stage_metrics("agency", "normalize").read_text())
    assert {
        k: out[k]
        for k in (
            "documents_in",
            "documents",
            "rejected",
            "rejects_by_reason",
            "detected",
            "lang",
            "converted",
            "cleanup_chars",
        )
    } == {
        "documents_in": 3,
        "documents": 2,
        "rejected": 1,
        "rejects_by_reason": {"language:en": 1},
        "detected": {"en": 1, "zh-Hans": 1, "zh-Hant": 1},
        "lang": {"zh-Hant": 2},
        "converted": {"s2twp": 1},
        "cleanup_chars": {"newlines": 1},
    }


def test_stats_come_back_with_each_batch_and_add_up():
    first = normalize_batch(docs_batch(["今天天气很好"]), DEFAULT).stats
    second = normalize_batch(docs_batch(["今天天氣很好", PARAGRAPHS["fr"]]), DEFAULT).stats
    assert first.as_metrics()["detected"] == {"zh-Hans": 1}
    total = NormalizeStats().merge(first).merge(second)
    assert total.as_metrics()["detected"] == {"fr": 1, "zh-Hans": 1, "zh-Hant": 1}
    assert total.as_metrics()["lang"] == {"zh-Hant": 2}
