"""The segment stage: real ckip-transformers on tiny local models, the fallback, pieces, the cache."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest
from conftest import add_source, context
from documents import normalized_batch
from hypothesis import given, settings
from hypothesis import strategies as st
from tiny_ckip import NER_LABELS, POS_LABELS, build

from pipeline import stages
from pipeline.ckip.pieces import split_pieces, split_whitespace
from pipeline.core.errors import UserError
from pipeline.segment import stage as segment_stage
from pipeline.segment.cache import SegmentCache
from pipeline.stages import runner

SHORT = ["中華民國基於三民主義，為民有民治民享之民主共和國。", "臺灣的資料開放政策", "第一條：本法依憲法制定之。"]


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory):
    root = tmp_path_factory.mktemp("models")
    return {
        "bert": build(root / "bert-ws", arch="bert"),
        "albert": build(root / "albert-ws", arch="albert"),
        "pos": build(root / "bert-pos", arch="bert", labels=POS_LABELS, seed=1),
        "ner": build(root / "bert-ner", arch="bert", labels=NER_LABELS, seed=2),
    }


def set_segment(layout, **options):
    import yaml

    params = yaml.safe_load(layout.params.read_text()) or {}
    params["segment"] = {**params.get("segment", {}), **options}
    layout.params.write_text(yaml.safe_dump(params, allow_unicode=True))


# --- pieces -------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("中文字。，！？ \n\u3000ab1")), max_size=400), st.integers(1, 40))
def test_pieces_reassemble_exactly_and_fit(text, max_chars):
    pieces = split_pieces(text, max_chars)
    assert "".join(p for p, _ in pieces) == text
    assert all(len(p) <= max_chars and p.strip() == p and "\n" not in p for p, is_text in pieces if is_text)
    assert all(p.isspace() for p, is_text in pieces if not is_text)


def test_long_document_is_cut_at_sentence_ends():
    sentence = "政府推動資料開放，促進創新應用。"  # 16 characters
    text = sentence * 320  # 10× a 512 limit
    pieces = split_pieces(text, 500)
    assert "".join(p for p, _ in pieces) == text
    assert all(p.endswith("。") and len(p) <= 500 for p, _ in pieces)
    assert len(pieces) == 11  # 31 sentences (496 characters) per piece


def test_a_line_without_punctuation_is_cut_every_max_chars():
    text = "無" * 5000
    pieces = split_pieces(text, 500)
    assert [len(p) for p, _ in pieces] == [500] * 10


def test_whitespace_inside_tokens_is_split_out():
    assert split_whitespace(["AI 時代", "。\n", "臺灣"]) == ["AI", " ", "時代", "。", "\n", "臺灣"]


@pytest.fixture(scope="module")
def jieba_fallback():
    from pipeline.segment.fallbacks.jieba_hant import JiebaHantBackend

    return JiebaHantBackend()


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.sampled_from(list("臺灣資料開放。，！？AI 2026\n\t\u3000的是")), max_size=300),
        min_size=1,
        max_size=5,
    )
)
def test_tokens_reassemble_random_text_exactly(jieba_fallback, texts):
    result = segment_stage.segment_batch(normalized_batch(texts), jieba_fallback, SegmentCache(None), max_chars=20)
    for text, tokens in zip(texts, result.kept.column("tokens").to_pylist()):
        assert "".join(tokens) == text
        assert all(t and (t.isspace() or not any(c.isspace() for c in t)) for t in tokens)


def test_tokens_reassemble_the_sample_corpus(jieba_fallback):
    from pathlib import Path

    from pipeline.ingest.readers.lawdb import read_lawdb

    root = Path(__file__).resolve().parents[1] / "data" / "raw"
    texts = [r.text for p in sorted((root / "laws").glob("*.json")) for r in read_lawdb(p, None)]
    texts += [p.read_text(encoding="utf-8") for p in (root / "smart-nation-meeting").glob("*.md")]
    result = segment_stage.segment_batch(normalized_batch(texts), jieba_fallback, SegmentCache(None), max_chars=500)
    assert ["".join(t) for t in result.kept.column("tokens").to_pylist()] == texts


# --- CKIP through ckip-transformers -----------------------------------------------------


@pytest.mark.parametrize("arch", ["bert", "albert"])
def test_ckip_stage_on_a_tiny_model_matches_a_plain_call(layout, tiny_models, arch):
    from ckip_transformers.nlp import CkipWordSegmenter

    long_text = "政府推動資料開放，促進創新應用。" * 320 + "\n\n第二段　AI 時代" + "無標點" * 1700  # 10× the limit
    add_source(
        layout,
        "agency",
        {"a.jsonl": "\n".join(json.dumps({"text": t}, ensure_ascii=False) for t in SHORT + [long_text])},
    )
    set_segment(layout, model=str(tiny_models[arch]), cache_dir=None)
    metrics = stages.run_source(context(layout), "agency")["segment"]
    docs = pq.read_table(layout.stage_docs("agency", "segment")).to_pylist()
    assert {d["segmenter"] for d in docs} == {f"ckip:{tiny_models[arch]}"}
    assert all("".join(d["tokens"]) == d["text"] for d in docs)
    plain = CkipWordSegmenter(model_name=str(tiny_models[arch]))(SHORT, show_progress=False)
    assert [d["tokens"] for d in docs[:3]] == plain  # texts shorter than the limit: identical tokens
    assert metrics["segmenter"] == f"ckip:{tiny_models[arch]}" and metrics["fallback_used"] is False


def test_the_stage_on_our_path_equals_the_stage_on_ckip_transformers(tiny_models):
    """Tokens, POS and entities of whole documents (whitespace, long lines, windows) are the same batch."""
    from pipeline.ckip.models import ResolvedModel
    from pipeline.segment.ckip import CkipBackend
    from pipeline.segment.inference import CkipInference

    def model(name):
        return ResolvedModel(name, tiny_models[name], "local folder")

    texts = SHORT + [LONG, "", "\n \n", "AI 時代　全形空白\t定位。"] + sample_texts()[:3]
    batches = [
        segment_stage.segment_batch(
            normalized_batch(texts),
            make(model("albert"), device="cpu", batch_size=16, fingerprint="t", pos=model("pos"), ner=model("ner")),
            SegmentCache(None),
            max_chars=500,
        ).kept
        for make in (CkipBackend, CkipInference)
    ]
    assert batches[0].equals(batches[1])


def test_pos_and_ner_are_aligned_with_tokens_and_text(layout, tiny_models):
    add_source(layout, "agency", {"a.txt": "行政院長今天在臺北宣布政策。\n\n　第二段　AI 時代。"})
    set_segment(
        layout,
        model=str(tiny_models["bert"]),
        pos=True,
        ner=True,
        pos_model=str(tiny_models["pos"]),
        ner_model=str(tiny_models["ner"]),
        cache_dir=None,
    )
    stages.run_source(context(layout), "agency")
    (doc,) = pq.read_table(layout.stage_docs("agency", "segment")).to_pylist()
    assert len(doc["pos"]) == len(doc["tokens"])
    assert all(tag == "WHITESPACE" for tok, tag in zip(doc["tokens"], doc["pos"]) if tok.isspace())
    assert all(tag in POS_LABELS for tok, tag in zip(doc["tokens"], doc["pos"]) if not tok.isspace())
    for entity in doc["entities"]:
        assert doc["text"][entity["start"] : entity["end"]] == entity["text"]
        assert entity["type"] in {"PERSON", "ORG"}


def test_pos_on_a_custom_model_needs_its_pos_model(layout, tiny_models):
    set_segment(layout, model=str(tiny_models["bert"]), pos=True)
    with pytest.raises(UserError, match=r"^params.yaml: segment.pos is on but no POS model: set segment.pos_model"):
        segment_stage.plan_segmenter(context(layout))


# --- fallback -------------------------------------------------------------------------------


def test_no_model_falls_back_with_one_warning(layout, capsys, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    add_source(layout, "agency", {"a.txt": "中華民國基於三民主義，為民有民治民享之民主共和國。"})
    set_segment(layout, model="albert-tiny")
    metrics = stages.run_source(context(layout), "agency", progress=False)["segment"]
    (doc,) = pq.read_table(layout.stage_docs("agency", "segment")).to_pylist()
    assert doc["segmenter"] == "fallback:jieba-hant"
    assert doc["tokens"] == [
        "中華民國",
        "基於",
        "三民主義",
        "，",
        "為",
        "民有",
        "民治",
        "民享",
        "之",
        "民主",
        "共和國",
        "。",
    ]
    assert capsys.readouterr().err == (
        "twcorpus: warning: no CKIP model: ckiplab/albert-tiny-chinese-ws is not a local folder or in the Hugging "
        "Face cache, and HF_HUB_OFFLINE is set; segmenting with the offline fallback jieba-hant "
        "(every row says segmenter=fallback:jieba-hant)\n"
    )
    assert metrics["fallback_used"] is True


def test_strict_fails_instead_of_falling_back(layout, monkeypatch, capsys):
    from pipeline.cli import main

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    add_source(layout, "agency", {"a.txt": "文字"})
    set_segment(layout, model="bert-base", strict=True)
    stages.run_source(context(layout), "agency", until="pii")
    assert main(["--root", str(layout.root), "segment", "agency"]) == 2
    assert capsys.readouterr().err == (
        "twcorpus: error: params.yaml: segment.strict is set and no CKIP model: ckiplab/bert-base-chinese-ws is not "
        "a local folder or in the Hugging Face cache, and HF_HUB_OFFLINE is set\n"
    )


def test_a_model_in_the_hugging_face_cache_is_found_offline(layout, tiny_models, monkeypatch, tmp_path):
    import huggingface_hub.constants as constants

    hub = tmp_path / "hub" / "models--ckiplab--albert-tiny-chinese-ws"  # the hub cache's own layout
    snapshot = hub / "snapshots" / ("a" * 40)
    snapshot.mkdir(parents=True)
    for file in tiny_models["albert"].iterdir():
        (snapshot / file.name).write_bytes(file.read_bytes())
    (hub / "refs").mkdir()
    (hub / "refs" / "main").write_text("a" * 40)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub"))  # read by snapshot_download per call
    set_segment(layout, model="albert-tiny", cache_dir=None)
    plan = segment_stage.plan_segmenter(context(layout))
    assert plan.build().name == plan.name == "ckip:ckiplab/albert-tiny-chinese-ws" and plan.warning is None


# --- the cache ------------------------------------------------------------------------------


class CountingSegmenter:
    name = "fallback:counting"
    fingerprint = "counting-v1"
    produces = frozenset()

    def __init__(self):
        self.calls: list[str] = []

    def segment(self, pieces):
        self.calls.extend(pieces)
        return [{"tokens": list(p)} for p in pieces]


def test_the_same_text_is_never_segmented_twice(tmp_path):
    cache = SegmentCache(tmp_path / "c.sqlite")
    seg = CountingSegmenter()
    texts = ["第一句。第二句。", "第一句。", "第一句。第二句。"]
    first = segment_stage.segment_batch(normalized_batch(texts), seg, cache, max_chars=4)
    assert seg.calls == ["第一句。", "第二句。"]  # distinct pieces once, across documents
    assert first.stats.cache == {"misses": 2, "hits": 0}
    cache.close()

    again = SegmentCache(tmp_path / "c.sqlite")  # a re-run after a crash, or a new source
    second = segment_stage.segment_batch(normalized_batch(texts + ["第二句。"]), seg, again, max_chars=4)
    assert seg.calls == ["第一句。", "第二句。"]
    assert second.stats.cache == {"hits": 2, "misses": 0}
    assert second.kept.column("tokens").to_pylist()[:3] == first.kept.column("tokens").to_pylist()

    other = CountingSegmenter()
    other.fingerprint = "counting-v2"  # another model or other options: nothing is shared
    segment_stage.segment_batch(normalized_batch(["第一句。"]), other, again, max_chars=4)
    assert other.calls == ["第一句。"]


# --- windows: a long document is worked through a window of pieces at a time ------------------

_OLD_SENTENCE_END = r"(?<=[。！？；!?;])"
_OLD_CLAUSE_END = r"(?<=[，、：,:])"


def old_split_pieces(text, max_chars):
    """``split_pieces`` as it was, lists all the way down: the lazy one must give the same pieces."""
    import re

    def edges(piece):
        body = piece.strip()
        if not body:
            return [(piece, False)]
        start = piece.index(body)
        end = start + len(body)
        return [(p, t) for p, t in ((piece[:start], False), (body, True), (piece[end:], False)) if p]

    def pack(parts):
        packed, current = [], ""
        for part in parts:
            if current and len(current) + len(part) > max_chars:
                packed.append(current)
                current = ""
            current += part
        return packed + [current] if current else packed

    def cut(line):
        if len(line) <= max_chars:
            return [line]
        for boundary in (_OLD_SENTENCE_END, _OLD_CLAUSE_END):
            parts = [p for p in re.split(boundary, line) if p]
            if len(parts) > 1:
                return [c for packed in pack(parts) for c in cut(packed)]
        return [line[i : i + max_chars] for i in range(0, len(line), max_chars)]

    out = []
    for match in re.finditer(r"[^\n]+|\n+", text):
        chunk = match.group(0)
        if chunk.startswith("\n"):
            out.append((chunk, False))
        else:
            out.extend(e for piece in cut(chunk) for e in edges(piece))
    return out


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("中文字。，！？；、：,:;!? \n\u3000ab")), max_size=600), st.integers(1, 40)
)
def test_lazy_pieces_are_the_pieces_of_the_lists(text, max_chars):
    from pipeline.ckip.pieces import iter_pieces

    assert list(iter_pieces(text, max_chars)) == split_pieces(text, max_chars) == old_split_pieces(text, max_chars)


def test_lazy_pieces_of_the_sample_corpus_are_the_pieces_of_the_lists():
    for text in sample_texts():
        for max_chars in (500, 37, 5):
            assert split_pieces(text, max_chars) == old_split_pieces(text, max_chars)


def sample_texts():
    from pathlib import Path

    from pipeline.ingest.readers.lawdb import read_lawdb

    root = Path(__file__).resolve().parents[1] / "data" / "raw"
    texts = [r.text for p in sorted((root / "laws").glob("*.json")) for r in read_lawdb(p, None)]
    return texts + [p.read_text(encoding="utf-8") for p in sorted((root / "smart-nation-meeting").glob("*.md"))]


LONG = (
    "政府推動資料開放，促進創新應用。行政院長今天在臺北宣布政策。\n\n　第二段　AI 時代：" + "無標點" * 300 + "\n"
) * 6


class Spy:
    """A segmenter wrapped so that every call's pieces are recorded."""

    def __init__(self, inner):
        self.inner, self.calls = inner, []
        self.name, self.fingerprint, self.produces = inner.name, inner.fingerprint, inner.produces

    def segment(self, pieces):
        self.calls.append(list(pieces))
        return self.inner.segment(pieces)


def windowed_and_whole(texts, segmenter, max_chars, **window):
    """The batch segmented in small windows, and in one window (the path before windows)."""
    small, whole = Spy(segmenter), Spy(segmenter)
    windowed = segment_stage.segment_batch(normalized_batch(texts), small, SegmentCache(None), max_chars, **window)
    one = segment_stage.segment_batch(
        normalized_batch(texts), whole, SegmentCache(None), max_chars, window_pieces=10**9, window_chars=10**12
    )
    assert len(whole.calls) == 1 and len(small.calls) > 1
    return windowed, one, small.calls


def test_windows_give_the_same_batch_as_one_window(jieba_fallback):
    texts = SHORT + sample_texts() + [LONG, "", "\n \n"]
    for window in (dict(window_pieces=7), dict(window_chars=300), dict(window_pieces=1, window_chars=1)):
        windowed, one, calls = windowed_and_whole(texts, jieba_fallback, 50, **window)
        assert windowed.kept.equals(one.kept)
        assert windowed.kept.schema == one.kept.schema
        assert ["".join(t) for t in windowed.kept.column("tokens").to_pylist()] == texts
        # without a cache, a piece repeated in another window is segmented there again
        assert windowed.stats.cache["misses"] >= one.stats.cache["misses"] and windowed.stats.cache["hits"] == 0


@pytest.mark.parametrize("backend", ["ckip-transformers", "ours"])
def test_windowed_ckip_tokens_pos_and_entities_equal_one_window(tiny_models, backend):
    from pipeline.ckip.models import ResolvedModel
    from pipeline.segment.ckip import CkipBackend
    from pipeline.segment.inference import CkipInference

    def model(name):
        return ResolvedModel(name, tiny_models[name], "local folder")

    make = CkipBackend if backend == "ckip-transformers" else CkipInference
    ckip = make(model("bert"), device="cpu", batch_size=16, fingerprint="tiny", pos=model("pos"), ner=model("ner"))
    texts = SHORT + [LONG] + SHORT[:2]
    windowed, one, calls = windowed_and_whole(texts, ckip, 40, window_pieces=9)
    assert windowed.kept.equals(one.kept)
    assert set(calls[0]) >= set(SHORT)  # short documents' pieces still share a call with the next document's
    docs = windowed.kept.to_pylist()
    long_doc = docs[len(SHORT)]
    assert len(long_doc["tokens"]) == len(long_doc["pos"]) and "".join(long_doc["tokens"]) == LONG
    assert long_doc["pos"][long_doc["tokens"].index("\n\n")] == "WHITESPACE"
    for doc in docs:
        for entity in doc["entities"]:
            assert doc["text"][entity["start"] : entity["end"]] == entity["text"]
    window_chars = sum(len(piece) for piece in split_pieces(LONG, 40)[:9])
    assert max(e["start"] for e in long_doc["entities"]) > 10 * window_chars  # offsets carried across windows


class BreakingSegmenter(CountingSegmenter):
    def segment(self, pieces):
        return [{"tokens": list(p.replace("壞", ""))} for p in pieces]


def test_a_window_that_does_not_reassemble_its_part_fails_naming_the_document():
    texts = ["第一句。", "好句。好句。好句。壞句。"]  # the bad piece is in the second window
    with pytest.raises(AssertionError, match=r"^tokens of document id1 do not reassemble its text$"):
        segment_stage.segment_batch(
            normalized_batch(texts), BreakingSegmenter(), SegmentCache(None), max_chars=3, window_pieces=3
        )


def test_a_piece_seen_in_an_earlier_window_is_a_cache_hit(tmp_path):
    seg = CountingSegmenter()
    cache = SegmentCache(tmp_path / "c.sqlite")
    texts = ["第一句。第二句。第一句。", "第二句。"]
    result = segment_stage.segment_batch(normalized_batch(texts), seg, cache, max_chars=4, window_pieces=2)
    assert seg.calls == ["第一句。", "第二句。"]
    assert result.stats.cache == {"misses": 2, "hits": 2}  # windows [一, 二], [一, 二]
    assert result.kept.column("tokens").to_pylist() == [list(texts[0]), list(texts[1])]


def test_the_stage_writes_the_same_bytes_with_small_windows(layout, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    add_source(
        layout,
        "agency",
        {
            "a.jsonl": "\n".join(
                json.dumps({"text": t}, ensure_ascii=False) for t in SHORT + [LONG] + sample_texts()[:5]
            )
        },
    )
    set_segment(layout, model="albert-tiny", cache_dir=None, max_chars=60)
    stages.run_source(context(layout), "agency", progress=False)
    path = layout.stage_docs("agency", "segment")
    before = path.read_bytes()
    monkeypatch.setattr(segment_stage, "WINDOW_PIECES", 5)
    monkeypatch.setattr(segment_stage, "WINDOW_CHARS", 200)
    runner("segment")(context(layout), "agency", progress=False)
    assert path.read_bytes() == before


@pytest.mark.parametrize("texts", [[], [""], ["", "\n"], ["第一句。", "", "AI 時代\n\n第二句。"]])
def test_tokens_of_empty_and_sliced_batches_are_valid(texts):
    whole = normalized_batch(["前一句。"] * 2 + texts)
    expected = segment_stage.segment_batch(
        normalized_batch(texts), CountingSegmenter(), SegmentCache(None), max_chars=3, window_pieces=10**9
    ).kept.column("tokens")
    for batch in (normalized_batch(texts), whole.slice(2)):  # a slice: its text offsets start past 0
        kept = segment_stage.segment_batch(
            batch, CountingSegmenter(), SegmentCache(None), max_chars=3, window_pieces=2
        ).kept
        kept.validate(full=True)
        assert kept.column("tokens").equals(expected)
        assert ["".join(t) for t in kept.column("tokens").to_pylist()] == texts
