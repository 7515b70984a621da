"""Quality in memory bounded by its limits: a document over max_chars is rejected on a count
of its characters, the signals of a long document never make a string per n-gram or a list
per line, and they equal, value for value, the n-gram lists they replace."""

from __future__ import annotations

import functools
import random
import re
import tracemalloc
from collections import Counter

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from conftest import REPO, add_source, context, same_rows_and_row_groups
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import stages
from pipeline.core.layout import Layout
from pipeline.core.licenses import load_registry
from pipeline.core.schema import DOCUMENT
from pipeline.ingest.manifest import load_manifest
from pipeline.ingest.readers.lawdb import read_lawdb
from pipeline.ingest.readers.xml import read_xml
from pipeline.quality import signals
from pipeline.quality.params import QualityParams
from pipeline.quality.stage import failed_rule, quality_batch

# --- the implementation the signals replace: a list of every n-gram, regex findall -------------

OLD_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
OLD_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f\u3040-\u30ff\uac00-\ud7af]")


def old_coverage(chars: str, n: int) -> tuple[float, float]:
    if len(chars) < n * 2:
        return 0.0, 0.0
    grams = [chars[i : i + n] for i in range(len(chars) - n + 1)]
    counts = Counter(grams)
    top_gram, top_count = counts.most_common(1)[0]
    covered = bytearray(len(chars))
    top = 0.0
    if top_count > 1:
        for i, gram in enumerate(grams):
            if gram == top_gram:
                covered[i : i + n] = b"\x01" * n
        top = sum(covered) / len(chars)
        covered = bytearray(len(chars))
    for i, gram in enumerate(grams):
        if counts[gram] > 1:
            covered[i : i + n] = b"\x01" * n
    return top, sum(covered) / len(chars)


def old_measure(text: str, top_ngram: int = 2, dup_ngram: int = 10) -> dict[str, float]:
    chars = "".join(text.split())
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    seen: set[str] = set()
    dup_chars = 0
    for line in lines:
        if line in seen:
            dup_chars += len(line)
        seen.add(line)
    han = len(OLD_HAN.findall(chars))
    letters = han + len(OLD_LETTER.findall(chars))
    return {
        "chars": len(chars),
        "han_chars": han,
        "han_share": han / letters if letters else 0.0,
        "dup_line_share": dup_chars / (sum(len(line) for line in lines) or 1),
        "top_ngram_share": old_coverage(chars, top_ngram)[0],
        "dup_ngram_share": old_coverage(chars, dup_ngram)[1],
        "boilerplate_share": sum(1 for line in lines if signals.BOILERPLATE.match(line)) / len(lines) if lines else 0.0,
    }


@functools.cache
def real_texts() -> tuple[str, ...]:
    """Laws, gazette records, minutes and poems of the repository, and the shared samples when present."""
    raw = REPO / "data" / "raw"
    texts = [r.text for p in sorted((raw / "laws").glob("*.json")) for r in read_lawdb(p, None)]
    layout = Layout.at(REPO)
    manifest = load_manifest(layout, "ey-gazette", load_registry(layout))
    texts += [r.text for p in sorted((raw / "ey-gazette").glob("*.xml")) for r in read_xml(p, manifest)]
    texts += [p.read_text(encoding="utf-8") for p in sorted((raw / "smart-nation-meeting").glob("*.md"))]
    texts += [p.read_bytes().decode("utf-8", "replace") for p in sorted((raw / "classical-poems").glob("*.txt"))]
    shared = REPO.parent / "shared" / "samples"
    texts += [r.text for p in sorted((shared / "laws").glob("*.json")) for r in read_lawdb(p, None)]
    texts += [p.read_text(encoding="utf-8") for p in sorted((shared / "meeting").glob("*.md"))]
    return tuple(texts)


def long_document(chars: int, seed: int = 0) -> str:
    """Real lines with one character in eight replaced: many lines and 10-grams, few of them repeated."""
    lines = [line for t in real_texts() for line in t.split("\n") if line.strip()]
    alphabet = "".join("".join(lines).split())
    rng = random.Random(seed)
    out, size = [], 0
    while size < chars:
        line = "".join(rng.choice(alphabet) if rng.random() < 0.125 else c for c in rng.choice(lines))
        out.append(line)
        size += len(line) + 1
    return "\n".join(out)


def batch_of(*texts: str) -> pa.RecordBatch:
    rows = [
        {
            "id": str(i),
            "text": t,
            "source": "s",
            "source_file": "a.txt",
            "source_line": None,
            "license": "CC0-1.0",
            "title": None,
            "url": None,
            "date": None,
            "meta": None,
        }
        for i, t in enumerate(texts)
    ]
    return pa.RecordBatch.from_pylist(rows, schema=DOCUMENT)


# --- cheap first --------------------------------------------------------------------------------


@pytest.fixture
def no_signals(monkeypatch) -> Counter:
    """Every signal function replaced by a spy that counts its calls."""
    calls: Counter = Counter()
    for name in (
        "without_whitespace",
        "line_signals",
        "han_signals",
        "top_ngram_share",
        "dup_ngram_share",
        "_gram_ids",
        "measure",
    ):
        real = getattr(signals, name)

        def spy(*args, _name=name, _real=real, **kwargs):
            calls[_name] += 1
            return _real(*args, **kwargs)

        monkeypatch.setattr(signals, name, spy)
    monkeypatch.setattr("pipeline.quality.stage.measure", signals.measure)
    return calls


@pytest.mark.reliability
def test_a_document_over_max_chars_is_rejected_without_a_line_or_an_ngram_of_it(no_signals):
    text = long_document(20_000)
    result = quality_batch(batch_of(text), QualityParams(max_chars=5_000))
    (reject,) = result.rejects
    assert reject["reason"] == "quality:too_long"
    assert reject["detail"] == f"{len(''.join(text.split()))} characters > max_chars 5000"
    assert no_signals == Counter()  # not even the whitespace-free copy of the text was made


@pytest.mark.reliability
def test_a_document_under_min_chars_is_rejected_without_its_signals(no_signals):
    result = quality_batch(batch_of("公　告\n。"), QualityParams())
    assert [r["reason"] for r in result.rejects] == ["quality:too_short"]
    assert result.rejects[0]["detail"] == "3 characters < min_chars 10"
    assert no_signals == Counter()


@pytest.mark.reliability
def test_the_spies_see_a_document_within_the_bounds_measured(no_signals):
    result = quality_batch(batch_of(long_document(3_000)), QualityParams())
    assert result.kept.num_rows == 1 and not result.rejects
    assert {"measure", "line_signals", "top_ngram_share", "dup_ngram_share", "_gram_ids"} <= set(no_signals)


@pytest.mark.reliability
def test_the_quality_stage_rejects_a_long_file_unmeasured(layout, no_signals):
    params = yaml.safe_load(layout.params.read_text(encoding="utf-8"))
    params["quality"]["max_chars"] = 2_000
    layout.params.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    add_source(layout, "agency", {"long.txt": long_document(10_000)})
    metrics = stages.run_source(context(layout), "agency", progress=False, until="quality")["quality"]
    assert metrics["rejects_by_reason"] == {"quality:too_long": 1} and metrics["documents"] == 0
    assert pq.read_table(layout.stage_rejects("agency", "quality")).column("reason").to_pylist() == ["quality:too_long"]
    assert no_signals == Counter()


@pytest.mark.reliability
def test_the_character_count_is_str_split_s_on_every_code_point():
    every = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    assert signals.WHITESPACE == "".join(c for c in every if c.isspace())
    assert [c for c in every if re.fullmatch(r"\s", c)] == list(signals.WHITESPACE)  # without_whitespace's regex
    text = "".join(every)
    assert signals.char_count(text) == len("".join(text.split())) == len(signals.without_whitespace(text))


# --- bounded memory ------------------------------------------------------------------------------


def traced_peak(fn, *args, **kwargs) -> int:
    tracemalloc.start()
    try:
        fn(*args, **kwargs)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.reliability
def test_the_signals_of_a_long_multiline_document_take_a_small_multiple_of_its_size():
    text = long_document(1_000_000)
    assert text.count("\n") > 10_000
    # a string per 10-gram alone is ~100 bytes a character (the list replaced); the arrays take ~30
    assert traced_peak(signals.measure, text) < 64 * len(text)


@pytest.mark.reliability
def test_blank_lines_and_whitespace_cost_nothing_per_line():
    text = "第一條　本法依憲法制定之。\n" + "\n \t\n" * 500_000 + "第二條　本法自公布日施行。"
    # text.split("\n") would hold a list of 1,000,000 lines (8 MB of pointers alone)
    assert traced_peak(signals.measure, text) < len(text) // 2
    assert traced_peak(signals.char_count, text) < 10_000


@pytest.mark.reliability
def test_a_long_document_over_max_chars_costs_no_copy_to_reject():
    batch = batch_of(long_document(200_000))
    # what reading the row as a Python string takes (to_pylist), and nothing that grows with the
    # text beyond it (a whitespace-free copy alone would be ~9 bytes a character more)
    assert traced_peak(quality_batch, batch, QualityParams(max_chars=10_000)) < traced_peak(batch.to_pylist) + 65_536


# --- the same values as the n-gram lists -----------------------------------------------------------


@pytest.mark.reliability
def test_the_signals_equal_the_ngram_lists_on_real_texts():
    texts = real_texts()
    assert len(texts) > 50
    for text in texts:
        for top_ngram, dup_ngram in ((2, 10), (3, 7)):  # the defaults, and an odd n for each signal
            assert signals.measure(text, top_ngram=top_ngram, dup_ngram=dup_ngram).as_dict() == old_measure(
                text, top_ngram, dup_ngram
            ), text[:40]


@pytest.mark.reliability
def test_the_verdicts_equal_the_ngram_lists_on_real_texts():
    junk = [
        "本公告為測試用的一行文字，重複出現。\n" * 20,
        "哈哈" * 200,
        "回首頁\n網站導覽\n友善列印\n第一條　本法依憲法制定之。",
        "This notice is written in English only, with one word 公告 in Chinese. " * 3,
        "公告。",
    ]
    texts = [*real_texts(), *(long_document(5_000, seed) for seed in range(3)), *junk]
    # the bounds before the development set set them: real records fail the repetition rules too
    params = QualityParams(max_dup_line_share=0.3, max_top_ngram_share=0.2, max_dup_ngram_share=0.6)
    old = [failed_rule(signals.Signals(**old_measure(t)), params) for t in texts]
    result = quality_batch(batch_of(*texts), params)
    assert [(r["reason"], r["detail"]) for r in result.rejects] == [(f"quality:{f[0]}", f[1]) for f in old if f]
    assert {f[0] for f in old if f} == {"too_short", "han_share", "dup_lines", "top_ngram", "dup_ngrams", "boilerplate"}
    kept = [t for t, f in zip(texts, old) if not f]
    assert result.kept.column("quality").to_pylist() == [old_measure(t) for t in kept]


@pytest.mark.reliability
@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab中文\n ＿"), max_size=300), st.integers(1, 6), st.integers(1, 12))
def test_the_signals_equal_the_ngram_lists_on_repetitive_text(text, top_ngram, dup_ngram):
    # small alphabets: ties for the top n-gram, overlapping occurrences, repeated lines
    assert signals.measure(text, top_ngram=top_ngram, dup_ngram=dup_ngram).as_dict() == old_measure(
        text, top_ngram, dup_ngram
    )


@pytest.mark.reliability
def test_han_and_letter_ranges_are_the_regex_classes_on_every_code_point():
    cps = np.array([c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF], dtype=np.uint32)
    text = cps.tobytes().decode("utf-32-le")
    for ranges, regex in ((signals.HAN_RANGES, OLD_HAN), (signals.LETTER_RANGES, OLD_LETTER)):
        inside = np.zeros(len(cps), dtype=bool)
        for lo, hi in ranges:
            inside |= (cps >= lo) & (cps <= hi)
        assert cps[inside].tolist() == [ord(c) for c in regex.findall(text)]


# --- dedup and publish: no string per n-gram or per token of a long document ------------------------

import hashlib  # noqa: E402

import pyarrow.compute as pc  # noqa: E402

from pipeline.core.parquet import RowWriter  # noqa: E402
from pipeline.core.schema import REJECT, schema_after  # noqa: E402
from pipeline.dedup import minhash  # noqa: E402
from pipeline.dedup import stage as dedup_stage  # noqa: E402
from pipeline.dedup.params import DedupParams  # noqa: E402
from pipeline.engine.local import LocalEngine  # noqa: E402
from pipeline.publish.card import SourceSummary, Statistics  # noqa: E402


def old_shingles(text: str, n: int) -> list[str]:
    """What ``minhash.shingles`` was: a list of every n-gram of the whitespace-free copy."""
    chars = "".join(text.split())
    if len(chars) <= n:
        return [chars] if chars else [""]
    return [chars[i : i + n] for i in range(len(chars) - n + 1)]


DEFAULT_PARAMS = DedupParams()


def old_signature(text: str, params: DedupParams = DEFAULT_PARAMS) -> list[int]:
    from rensa import RMinHash

    m = RMinHash(num_perm=params.bands * params.rows, seed=params.seed)
    m.update(old_shingles(text, params.ngram))  # one call with the whole list
    return m.digest()


def old_text_key(text: str) -> bytes:
    return hashlib.sha256("".join(text.split()).encode("utf-8")).digest()[:16]


EDGES = [
    "",
    " ",
    "\n\t\u3000",
    "甲",
    "甲乙丙丁",
    "甲乙丙丁戊",
    "甲乙丙丁戊己",
    "甲 乙\n丙\u3000丁 戊",
    " 甲乙丙丁戊己 ",
]


@pytest.mark.reliability
def test_rensa_gives_the_same_digest_chunked_as_in_one_call():
    from rensa import RMinHash

    grams = old_shingles(long_document(300_000), 5)
    assert len(grams) > 3 * minhash.BLOCK
    whole = RMinHash(num_perm=126, seed=42)
    whole.update(grams)
    for size in (minhash.BLOCK, 1_000, 7, 1):
        chunked = RMinHash(num_perm=126, seed=42)
        for start in range(0, len(grams), size):
            chunked.update(grams[start : start + size])
        assert chunked.digest() == whole.digest(), size


@pytest.mark.reliability
def test_shingle_chunks_are_the_ngram_list_in_bounded_pieces():
    for text in [*EDGES, *real_texts(), long_document(200_000)]:
        for n in (1, 2, 5, 9):
            assert minhash.shingles(text, n) == old_shingles(text, n), (text[:20], n)
    text = long_document(200_000)
    chunks = list(minhash.shingle_chunks(text, 5))
    assert len(chunks) > 2 and max(map(len, chunks)) <= minhash.BLOCK
    assert [g for c in chunks for g in c] == old_shingles(text, 5)


@pytest.mark.reliability
@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab中文\n \u3000\t"), max_size=60), st.integers(1, 6), st.integers(1, 9))
def test_shingle_chunks_across_every_block_boundary(text, n, size):
    # tiny blocks: boundaries inside whitespace runs, n-grams spanning several blocks, short texts
    chunks = list(minhash.shingle_chunks(text, n, size))
    assert [g for c in chunks for g in c] == old_shingles(text, n)
    assert all(0 < len(c) <= max(size, 1) for c in chunks)
    assert "".join(minhash.stripped_blocks(text, size)) == "".join(text.split())


@pytest.mark.reliability
def test_signatures_equal_one_update_with_the_whole_ngram_list():
    params = DedupParams()
    texts = [*EDGES, *real_texts()[:40], long_document(300_000)]
    sigs = minhash.signatures(texts, num_perm=params.bands * params.rows, ngram=params.ngram, seed=params.seed)
    assert [s.tolist() for s in sigs] == [old_signature(t, params) for t in texts]


@pytest.mark.reliability
def test_the_exact_key_is_the_digest_of_the_whitespace_free_copy():
    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    spaced = " \n".join(every[i : i + 1_000] for i in range(0, len(every), 1_000))  # whitespace on block edges too
    for text in [*EDGES, every, spaced, long_document(300_000), *real_texts()]:
        assert dedup_stage.text_key(text) == old_text_key(text)


@pytest.mark.reliability
def test_signature_and_key_of_a_long_document_hold_no_string_per_ngram():
    text = long_document(1_000_000)
    params = DedupParams()
    # a string per 5-gram is ~90 bytes (the list replaced held one per character): now one chunk of
    # them, whatever the length of the text
    peak = traced_peak(
        minhash.signatures, [text], num_perm=params.bands * params.rows, ngram=params.ngram, seed=params.seed
    )
    assert peak < 110 * minhash.BLOCK < 8 * len(text)
    # one block's pieces at a time (~11 bytes a character of the block), not the whitespace-free copy of
    # the text, its UTF-8 and the list of its pieces (~10 bytes a character of the text)
    assert traced_peak(dedup_stage.text_key, text) < 16 * minhash.BLOCK  # ~1 MB, for any length
    assert traced_peak(old_text_key, text) > 4 * len(text)


def old_final_pass(layout, sources, copies, p, docs_path, rejects_path) -> Counter:
    """The final pass dedup had: every row as a dict, written through ``RowWriter.add``."""
    index, counts = 0, Counter()
    with (
        RowWriter(docs_path, schema_after("dedup"), p.batch_size) as docs,
        RowWriter(rejects_path, REJECT, p.batch_size) as rejects,
    ):
        for _, batch in dedup_stage._final_batches(layout, sources, p.batch_size):
            for row in batch.to_pylist():
                i, index = index, index + 1
                reject = dedup_stage._reject_for(copies, i, row, p)
                if reject:
                    counts[reject.pop("count")] += 1
                    rejects.add(reject)
                    continue
                n = copies.kept_for.get(i, 0)
                family, size = copies.families.get(i, (None, 0))
                docs.add(
                    row
                    | {
                        "dup_cluster": row["id"] if n else None,
                        "dup_removed": n,
                        "dup_family": family,
                        "dup_family_size": size,
                    }
                )
    return counts


PRESS = (
    "行政院今日召開記者會，說明智慧國家二點零推動方案的年度成果，並宣布將建置符合臺灣價值的繁體中文語料庫，"
    "促進資料開放與創新應用，同時保障個人資料與智慧財產權。"
)
NOTICE = "行政院公共工程委員會公告：核准{name}換發技師執業執照，依技師法第6條第1項第2款方式執行土木工程科技師業務。"


@pytest.mark.reliability
def test_the_dedup_outputs_are_what_the_row_by_row_pass_wrote(layout):
    add_source(
        layout,
        "agency-a",
        {
            "a.txt": PRESS,
            "own.txt": "甲機關自己的公告內容，與其他機關無關。" * 2,
            **{f"n{i}.txt": NOTICE.format(name=n) for i, n in enumerate(["陳鴻輝", "許鈞程"])},
        },
    )
    add_source(
        layout,
        "agency-b",
        {
            "b.txt": PRESS.replace("，", "， "),
            "c.txt": PRESS + "（完）",
            **{f"n{i}.txt": NOTICE.format(name=n) for i, n in enumerate(["高金林", "林志銘", "王小明"])},
            **{f"d{i}.txt": f"第{i}號文件，內容各不相同：{long_document(300, i)}" for i in range(7)},
        },
    )
    params = yaml.safe_load(layout.params.read_text(encoding="utf-8"))
    params["pii"] = {"policy": {"person": "flag"}}  # keep the names so the notices differ
    params["dedup"] = {"threshold": 0.9, "family_threshold": 0.5, "max_per_family": 2, "batch_size": 3}
    layout.params.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    ctx = context(layout)
    for source_id in ctx.sources.ids:
        stages.run_source(ctx, source_id)
    metrics = dedup_stage.run(ctx, progress=False)
    assert metrics["exact_duplicates"] and metrics["near_duplicates"] and metrics["family_capped"]
    assert metrics["clusters"] and metrics["family_members"] > metrics["family_capped"]
    p, sources = ctx.params.dedup, ctx.sources.ids
    copies, _ = dedup_stage.find_copies(
        LocalEngine(), layout, sources, p, dedup_stage.ranker(p, ctx.sources.registration_order), False
    )
    old_docs, old_rejects = (
        layout.root / "data" / "old" / "docs.parquet",
        layout.root / "data" / "old" / "rejects.parquet",
    )
    counts = old_final_pass(layout, sources, copies, p, old_docs, old_rejects)
    assert (counts["exact"], counts["near"], counts["capped"]) == (
        metrics["exact_duplicates"],
        metrics["near_duplicates"],
        metrics["family_capped"],
    )
    assert same_rows_and_row_groups(layout.dedup, old_docs)
    assert layout.dedup_rejects.read_bytes() == old_rejects.read_bytes()
    assert pq.read_table(layout.dedup).schema == schema_after("dedup")


def segmented_batch(texts: list[str], tokens: list[list[str] | None]) -> pa.RecordBatch:
    rows = [
        {
            "id": f"{i:032x}",
            "text": t,
            "source": "s",
            "source_file": f"{i}.txt",
            "license": "CC0-1.0",
            "tokens": tok,
            "segmenter": "fallback:test",
        }
        for i, (t, tok) in enumerate(zip(texts, tokens))
    ]
    return pa.RecordBatch.from_pylist(rows, schema=schema_after("segment"))


@pytest.mark.reliability
def test_the_marked_batch_is_the_rows_marked_one_by_one():
    batch = segmented_batch([f"文件{i}" for i in range(12)], [[f"文件{i}", " "] for i in range(12)])
    copies = dedup_stage.Copies(
        removed={3: (f"{1:032x}", True), 14: (f"{1:032x}", False)},
        kept_for=Counter({1: 2, 13: 1}),
        families={5: ("f", 3), 6: ("f", 3), 12: ("f", 3)},
        capped={6: "f"},
    )
    marks = dedup_stage._Marks(copies)
    for start in (0, 10):  # the batch as documents 0–11 and as 10–21 of the stream
        out, removed = marks.marked(batch, start)
        assert out.schema == schema_after("dedup")
        expected = [
            row
            | {
                "dup_cluster": row["id"] if copies.kept_for.get(start + i, 0) else None,
                "dup_removed": copies.kept_for.get(start + i, 0),
                "dup_family": copies.families.get(start + i, (None, 0))[0],
                "dup_family_size": copies.families.get(start + i, (None, 0))[1],
            }
            for i, row in enumerate(batch.to_pylist())
        ]
        assert out.to_pylist() == expected
        assert removed.tolist() == [i for i in range(12) if start + i in copies.removed or start + i in copies.capped]


def old_token_counts(batch: pa.RecordBatch) -> list[int]:
    return [sum(1 for t in tokens if not t.isspace()) for tokens in batch.column("tokens").to_pylist()]


@pytest.mark.reliability
def test_the_token_count_is_str_isspace_on_every_code_point():
    every = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    assert pc.utf8_is_space(pa.array(every)).to_pylist() == [c.isspace() for c in every]
    odd = ["", " ", "  ", "\u3000\n", " a", "a ", "甲", "\x1c", "\x85", "\u200b", "\ufeff", "\u2028 \u2029"]
    tokens = [[c] for c in every[:5_000]] + [every[i : i + 97] for i in range(0, len(every), 97)] + [odd, [], odd[:1]]
    batch = segmented_batch(["x"] * len(tokens), tokens)
    assert Statistics.word_counts(batch.column("tokens")).tolist() == old_token_counts(batch)
    for start, length in ((1, 30), (5_000, 12_000), (len(tokens) - 3, 3)):  # sliced: offsets into the arrays
        part = batch.slice(start, length)
        assert Statistics.word_counts(part.column("tokens")).tolist() == old_token_counts(part)


@pytest.mark.reliability
@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.text(alphabet=st.sampled_from("a中 \n\u3000\t"), max_size=4), max_size=6), max_size=8))
def test_statistics_count_the_tokens_the_lists_counted(tokens):
    batch = segmented_batch(["".join(t) for t in tokens], tokens).append_column(
        "dup_family", pa.nulls(len(tokens), pa.string())
    )
    stats = Statistics()
    stats.count(batch)
    assert stats.token_counts == Counter(old_token_counts(batch))
    assert list(stats.token_counts) == list(Counter(old_token_counts(batch)))  # the same order too


@pytest.mark.reliability
def test_statistics_of_a_long_document_make_no_string_per_token():
    text = long_document(500_000)
    tokens = [text[i : i + 2] for i in range(0, len(text), 2)]
    batch = segmented_batch([text], [tokens]).append_column("dup_family", pa.nulls(1, pa.string()))
    del tokens
    stats = Statistics()
    # the tokens as Python strings (the list replaced) are ~70 bytes a token, 35 a character
    assert traced_peak(stats.count, batch) < 65_536
    assert traced_peak(old_token_counts, batch) > 20 * len(text)
    assert stats.token_counts == Counter(
        [len(range(0, len(text), 2)) - sum(1 for i in range(0, len(text), 2) if text[i : i + 2].isspace())]
    )


@pytest.mark.reliability
def test_a_batch_of_one_source_counts_as_its_filtered_copy():
    from pipeline.core.schema import published_schema

    batch = pa.RecordBatch.from_pylist(
        [
            {
                "id": f"{i:032x}",
                "text": "甲乙丙" * (i + 1),
                "source": "s",
                "license": "CC0-1.0",
                "lang": "zh-Hant",
                "converted": "s2twp" if i % 2 else None,
                "segmenter": "fallback:test",
                "tokens": ["甲乙丙"],
                "pii": [{"type": "email", "start": 0, "end": 1}] if i % 3 else [],
                "pii_fields": [],
                "dup_removed": 0,
            }
            for i in range(10)
        ],
        schema=published_schema(),
    )
    whole, filtered = SourceSummary("s", {"id": "s"}), SourceSummary("s", {"id": "s"})
    whole.count(batch)
    filtered.count(batch.filter(pc.equal(batch.column("source"), "s")))
    assert whole == filtered


# --- segment: a long document is worked through a window of pieces at a time -----------------------


class PairSegmenter:
    """Tokens of two characters (about the offline fallback's tokens per character), instantly."""

    name = "fallback:pairs"
    fingerprint = "pairs-v1"
    produces: frozenset = frozenset()

    def segment(self, pieces):
        return [{"tokens": [piece[i : i + 2] for i in range(0, len(piece), 2)]} for piece in pieces]


@pytest.mark.reliability
def test_segment_holds_a_window_of_a_long_document_as_python_objects_not_all_of_it():
    from pipeline.segment.cache import SegmentCache
    from pipeline.segment.stage import segment_batch

    text = long_document(400_000)
    assert text.count("\n") > 10_000

    def peak(chars, **window):
        return traced_peak(
            segment_batch, batch_of(text[:chars]), PairSegmenter(), SegmentCache(None), max_chars=500, **window
        )

    small = dict(window_pieces=500, window_chars=20_000)
    # per character: the text as one Python string (2 bytes a character for Han) and each token's
    # length and offset (4 + 4 bytes a token); the window's pieces, results and tokens do not grow
    assert peak(len(text), **small) - peak(100_000, **small) < 10 * (len(text) - 100_000)
    assert peak(len(text), **small) < 10 * len(text)
    # the same document in one window, as before windows: ~80 bytes a character
    assert peak(len(text), window_pieces=10**9, window_chars=10**12) > 50 * len(text)


@pytest.mark.reliability
def test_segment_cuts_the_pieces_of_a_long_line_lazily():
    from pipeline.ckip.pieces import iter_pieces

    line = "政府推動資料開放，促進創新應用。" * 100_000  # one line of 1.6 million characters
    pieces = iter_pieces(line, 500)
    assert traced_peak(lambda: [next(pieces) for _ in range(10)]) < 100_000  # no list of its sentences
    assert "".join(piece for piece, _ in pieces) == line[4960:]
