"""Regional vocabulary (pipeline/quality/regional.py): the lexicon, the counting, the rule and the card text."""

from __future__ import annotations

import random
import sys

import pyarrow as pa
import pytest
from conftest import REPO

from pipeline.core.layout import Layout
from pipeline.core.licenses import load_registry
from pipeline.core.schema import published_schema, schema_after
from pipeline.ingest.manifest import load_manifest
from pipeline.ingest.readers.base import Record
from pipeline.ingest.readers.lawdb import read_lawdb
from pipeline.ingest.readers.xml import read_xml
from pipeline.quality import regional
from pipeline.quality.params import QualityParams
from pipeline.quality.regional import Lexicon, Regional, Scanner, card_section, measure_regional, read_lexicon
from pipeline.quality.signals import measure
from pipeline.quality.stage import failed_rule, quality_batch

# A Mainland paragraph as s2t writes it (Traditional characters, Mainland words), and as s2twp does.
MAINLAND = (
    "我們的軟件支持視頻播放，用戶可以用鼠標點擊打印按鈕。服務器上的數據庫默認保存在內存中，網絡連接通過路由器。"
    "該芯片的硬件性能很高，屏幕分辨率也不錯。"
)
TAIWAN = (
    "我們的軟體支援影片播放，使用者可以用滑鼠點選列印按鈕。伺服器上的資料庫預設儲存在記憶體中，網路連線通過路由器。"
    "該晶片的硬體效能很高，螢幕解析度也不錯。"
)
LAW = (
    "第一條　為建立政府資訊公開制度，便利人民共享及公平利用政府資訊，保障人民知的權利，增進人民對公共事務之"
    "瞭解、信賴及監督，並促進民主參與，特制定本法。\n"
)  # 資訊 is a Taiwan form (of 信息)
POEM = "床前明月光，疑是地上霜。舉頭望明月，低頭思故鄉。"  # neither kind


def kinds() -> dict[str, str]:
    return read_lexicon().entries


def test_the_lexicon_holds_the_mainland_terms_and_their_taiwan_forms():
    lexicon = read_lexicon()
    for mainland, taiwan in (
        ("軟件", "軟體"),
        ("視頻", "影片"),
        ("鼠標", "滑鼠"),
        ("服務器", "伺服器"),
        ("數據庫", "資料庫"),
        ("默認", "預設"),
        ("內存", "記憶體"),
        ("打印機", "印表機"),
        ("芯片", "晶片"),
    ):
        assert lexicon.entries[mainland] == "mainland" and taiwan in lexicon.taiwan_forms[mainland]
        assert lexicon.entries[taiwan] == "taiwan"
    assert 650 < sum(kind == "mainland" for kind in lexicon.entries.values()) < 800
    assert {"爲", "裏", "説", "綫", "衞"} <= set(lexicon.variants)


def test_terms_taiwanese_government_text_uses_were_pruned():
    entries = kinds()
    # 程序 is 'procedure' in law, 打印 'stamp a number' in vehicle rules, 網絡 a network of services,
    # 設備 equipment, 支持 support; 質量 is not in OpenCC's table at all (mass in Taiwanese physics)
    for word in ("程序", "打印", "網絡", "設備", "支持", "文件", "項目", "質量", "查看", "參數"):
        assert entries.get(word) != "mainland", word
    assert entries["程序正義"] == entries["海內存知己"] == "guard"  # OpenCC keeps them as they are
    for ordinary in ("為", "裡", "著", "台", "污", "濕"):  # Taiwan forms, or variants Taiwan also writes
        assert ordinary not in read_lexicon().variants


def test_mainland_text_counts_as_mainland_and_taiwan_text_as_taiwan():
    assert measure_regional(MAINLAND) == Regional(
        mainland_terms=12, taiwan_terms=0, mainland_share=1.0, variant_chars=0
    )
    assert measure_regional(TAIWAN) == Regional(mainland_terms=0, taiwan_terms=12, mainland_share=0.0, variant_chars=0)
    mixed = measure_regional(MAINLAND + TAIWAN)
    assert (mixed.mainland_terms, mixed.taiwan_terms, mixed.mainland_share) == (12, 12, 0.5)
    assert measure_regional(POEM).mainland_share is None  # neither kind: no share
    assert measure_regional(LAW).taiwan_terms == 3
    assert measure_regional("") == Regional(0, 0, None, 0)


def test_a_term_counts_only_as_a_whole_entry_longest_first():
    assert measure_regional("買了一台打印機").mainland_terms == 1  # 打印機, once
    assert measure_regional("請至車身部位打印號碼").mainland_terms == 0  # 打印 is Taiwan usage: not in the lexicon
    for text in (
        "廣播電視頻率使用費",
        "本台電視頻道",
        "符合規定之帶狀反光標識",
        "以最近三個月內核發者為限",
        "有重大功過事實時",
    ):
        assert measure_regional(text).mainland_terms == 0, text  # 視頻, 光標, 內核, 實時 across a word boundary
    assert measure_regional("觀看視頻").mainland_terms == 1


def test_variant_characters_are_counted():
    assert measure_regional("爲人民服務，在這裏説明").variant_chars == 3
    assert measure_regional("為人民服務，在這裡說明").variant_chars == 0


def naive(lexicon: Lexicon, text: str) -> list[tuple[int, str, str]]:
    """Forward longest match, one position at a time: what the hashed scan must equal."""
    out, i, longest = [], 0, max(map(len, lexicon.entries))
    while i < len(text):
        for n in range(min(longest, len(text) - i), 1, -1):
            kind = lexicon.entries.get(text[i : i + n])
            if kind:
                out.append((i, text[i : i + n], kind))
                i += n
                break
        else:
            i += 1
    return out


def test_the_hashed_scan_equals_a_plain_longest_match_scan():
    lexicon = read_lexicon()
    scanner = Scanner(lexicon)
    rng = random.Random(0)
    pieces = list(lexicon.entries) + list("的是在了人有中國政府法規" + "軟件體視頻影片")
    for _ in range(300):
        text = "".join(rng.choice(pieces) if rng.random() < 0.5 else rng.choice(pieces)[1:] for _ in range(30))
        assert list(scanner.matches(text)) == naive(lexicon, text), text
    assert list(scanner.matches("𠀀軟件😀視頻")) == [
        (1, "軟件", "mainland"),
        (4, "視頻", "mainland"),
    ]  # astral code points


def test_a_broken_lexicon_file_is_refused(tmp_path):
    for bad, message in (
        ("mainland\t軟\t軟體\n", "at least two characters"),
        ("variant\t爲裏\t\n", "one character"),
        ("typo\t軟件\t\n", "expected kind"),
        ("mainland\t軟件\t軟體\ntaiwan\t軟件\t\n", "both"),
    ):
        path = tmp_path / "lexicon.tsv"
        path.write_text("# comment\n" + bad, encoding="utf-8")
        with pytest.raises(ValueError, match=message):
            read_lexicon(path)


def government_documents() -> list[tuple[str, str]]:
    layout = Layout.at(REPO)
    manifest = load_manifest(layout, "ey-gazette", load_registry(layout))
    docs = [
        (f"{p.name}:{r.line}", r.text)
        for p in sorted((REPO / "data/raw/ey-gazette").glob("*.xml"))
        for r in read_xml(p, manifest)
        if isinstance(r, Record)
    ]
    docs += [
        (p.name, r.text)
        for p in sorted((REPO / "data/raw/laws").glob("*.json"))
        for r in read_lawdb(p, None)
        if isinstance(r, Record)
    ]
    return docs + [
        (p.name, p.read_text(encoding="utf-8")) for p in (REPO / "data/raw/smart-nation-meeting").glob("*.md")
    ]


def test_no_shipped_government_document_has_a_mainland_term_or_variant():
    docs = government_documents()
    assert len(docs) > 40
    measured = {name: measure_regional(text) for name, text in docs}
    assert [(n, r) for n, r in measured.items() if r.mainland_terms or r.variant_chars] == []
    assert sum(r.taiwan_terms for r in measured.values()) > 300


def test_the_rule_is_off_by_default_and_rejects_above_the_share_when_on():
    s = measure(MAINLAND)
    r = measure_regional(MAINLAND)
    assert QualityParams().max_mainland_share is None
    assert failed_rule(s, QualityParams(), r) is None
    on = QualityParams(max_mainland_share=0.5)
    assert failed_rule(s, on, r) == (
        "mainland_vocabulary",
        "Mainland terms are 1.00 of 12 regional terms (12 Mainland, 0 Taiwan) > 0.5",
    )
    assert failed_rule(s, on, measure_regional(TAIWAN)) is None
    assert failed_rule(s, on) is None  # not measured: not judged
    assert failed_rule(s, QualityParams(max_mainland_share=0.5, regional_min_terms=13), r) is None  # too few terms
    few = measure_regional("這套軟件很好用，大家都說方便。")
    assert failed_rule(measure("這套軟件很好用，大家都說方便。"), on, few) is None  # one term is not a judgement


def batch_of(*texts: str) -> pa.RecordBatch:
    rows = [
        {
            "id": f"d{i}",
            "text": t,
            "source": "s",
            "source_file": "a.txt",
            "source_line": i,
            "license": "CC0-1.0",
            "lang": "zh-Hant",
        }
        for i, t in enumerate(texts)
    ]
    return pa.RecordBatch.from_pylist(rows, schema=schema_after("normalize"))


def test_the_quality_stage_keeps_the_column_and_applies_the_rule_only_when_on():
    texts = (LAW + MAINLAND, LAW + TAIWAN, POEM)
    off = quality_batch(batch_of(*texts), QualityParams())
    assert off.kept.schema.equals(schema_after("quality")) and off.kept.num_rows == 3 and not off.rejects
    shares = [r["mainland_share"] for r in off.kept.column("regional").to_pylist()]
    assert shares[0] > 0.5 and shares[1] == 0.0 and shares[2] is None
    assert off.stats.regional["with_mainland_terms"] == 1 and off.stats.regional["with_min_terms"] == 2
    assert "regional" in published_schema().names  # published: model builders can select by vocabulary
    on = quality_batch(batch_of(*texts), QualityParams(max_mainland_share=0.5))
    assert [r["reason"] for r in on.rejects] == ["quality:mainland_vocabulary"] and on.kept.num_rows == 2


def test_card_section_states_the_distribution_and_the_rule():
    text = card_section(
        documents=100,
        measured=100,
        with_terms=40,
        mainland_documents=3,
        share_quantiles={"p50": 0.0, "p90": 0.0, "p99": 0.2, "max": 1.0},
        variant_documents=2,
        rejected=0,
        max_mainland_share=None,
        min_terms=5,
    )
    assert text.startswith("### Regional vocabulary\n") and "40 documents have 5 or more" in text
    assert "`quality.max_mainland_share` is off" in text and "1.00 at most" in text
    on = card_section(100, 100, 0, 0, {}, 0, 7, 0.5, 5)
    assert "no document has 5 or more regional terms" in on and "over 50% were removed (7)" in on


REAL = REPO.parent / "shared" / "real" / "ey-gazette"


@pytest.mark.skipif(not REAL.is_dir(), reason="the development set (../shared/real) is not here")
def test_the_committed_lexicon_is_what_the_derivation_gives():
    sys.path.insert(0, str(REPO / "benchmarks"))
    import regional_lexicon

    table, report = regional_lexicon.derive(regional_lexicon.development_texts(), regional_lexicon.jieba_tokenizer())
    assert table == regional.LEXICON_FILE.read_text(encoding="utf-8")
    assert report["opencc_entries"] == 818 and report["kept"] == 710


def test_card_counts_feed_card_section():
    values = [measure_regional(t).as_dict() for t in (LAW + MAINLAND, LAW + TAIWAN, POEM, "爲人民服務")] + [None]
    counts = regional.card_counts(values, min_terms=5)
    assert counts == {
        "documents": 5,
        "measured": 4,
        "with_terms": 2,
        "mainland_documents": 1,
        "share_quantiles": {"p50": 0.8, "p90": 0.8, "p99": 0.8, "max": 0.8},
        "variant_documents": 1,
    }
    assert "2 documents have 5 or more" in card_section(**counts, rejected=0, max_mainland_share=None, min_terms=5)
