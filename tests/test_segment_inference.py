"""Our inference path for CKIP models (pipeline/ckip/inference.py) against ckip-transformers, the reference.

Tiny BERT and ALBERT token-classification models with random weights, built locally and
loaded through the real ckip-transformers classes: in fp32 the words, POS tags and entities
must be exactly a plain call's; reduced precision must still give valid segmentations.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tiny_ckip import NER_LABELS, POS_LABELS, build, vocabulary

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "real"

SHORT = ["中華民國基於三民主義，為民有民治民享之民主共和國。", "臺灣的資料開放政策", "第一條：本法依憲法制定之。"]
# whitespace of every kind inside a piece, characters the vocabulary lacks (full-width letters, an
# ideograph outside the BMP, a zero-width space, an accented letter), one character, 510+ characters
# (ckip-transformers cuts them into 510-character rows), upper- and lower-case letters
ODD = [
    "AI 時代　全形空白\t定位",
    " 前後 ",
    "Ａ𠀀é\u200b字",
    "x",
    "無標點" * 200,
    "政府推動資料開放，促進創新應用。" * 40,
    "Data 開放 data",
    "，，。。：",
    "中" * 511,
]


def sample_texts() -> list[str]:
    from pipeline.ingest.readers.lawdb import read_lawdb

    raw = ROOT / "data" / "raw"
    texts = [r.text for p in sorted((raw / "laws").glob("*.json")) for r in read_lawdb(p, None)]
    return texts + [p.read_text(encoding="utf-8") for p in sorted((raw / "smart-nation-meeting").glob("*.md"))]


def pieces_of(texts: list[str], max_chars: int = 500) -> list[str]:
    from pipeline.ckip.pieces import split_pieces

    return [piece for text in texts for piece, is_text in split_pieces(text, max_chars) if is_text]


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("inference-models")
    texts = sample_texts()
    out = {}
    for arch in ("bert", "albert"):
        out[arch] = {
            "ws": build(root / f"{arch}-ws", arch=arch, texts=texts),
            "pos": build(root / f"{arch}-pos", arch=arch, labels=POS_LABELS, seed=1, texts=texts),
            "ner": build(root / f"{arch}-ner", arch=arch, labels=NER_LABELS, seed=2, texts=texts),
        }
    return out


@pytest.fixture(scope="module")
def texts():
    return SHORT + ODD + pieces_of(sample_texts())[::10]


# --- characters to ids -----------------------------------------------------------------------


def real_characters() -> str:
    if not REAL.is_dir():
        return ""
    chars: set[str] = set()
    for path in sorted(REAL.rglob("*")):
        if path.is_file():
            chars.update(path.read_bytes().decode("utf-8", "replace"))
    return "".join(sorted(chars))


def test_the_id_table_is_the_tokenizers_own_lookup(tmp_path):
    """On every character of the sample corpus and of ../shared/real, and on a vocabulary shaped like
    the real one (``##`` continuations, unused slots, an added token of one character)."""
    from transformers import BertTokenizerFast

    from pipeline.ckip.inference import char_table, code_points

    real = real_characters()
    corpus = "".join(sample_texts())
    vocab = vocabulary([corpus]) + ["##中", "##的", "[unused1]", "ab"]
    (tmp_path / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = BertTokenizerFast(vocab_file=str(tmp_path / "vocab.txt"))
    tokenizer.add_tokens(["〇"])
    for text in (corpus, real, "".join(ODD), " \u3000\t\r\n\u00a0\ufeff"):
        chars = sorted(set(text))
        assert tokenizer.convert_tokens_to_ids(chars) == char_table(tokenizer)[code_points("".join(chars))].tolist()
    assert len(set(real)) > 2000 or not REAL.is_dir()  # the real files are really read


def test_the_id_table_of_a_built_model_on_the_real_text(models):
    from transformers import BertTokenizerFast

    from pipeline.ckip.inference import TokenClassifier

    model = TokenClassifier(models["bert"]["ws"])
    tokenizer = BertTokenizerFast.from_pretrained(str(models["bert"]["ws"]))
    text = real_characters() + "".join(sample_texts()[:3])
    assert model.ids(text).tolist() == tokenizer.convert_tokens_to_ids(list(text))


# --- the same answers as ckip-transformers ----------------------------------------------------


@pytest.mark.parametrize("arch", ["bert", "albert"])
def test_words_tags_and_entities_are_a_plain_calls(models, texts, arch):
    from ckip_transformers.nlp import CkipNerChunker, CkipPosTagger, CkipWordSegmenter

    from pipeline.ckip.inference import TokenClassifier

    paths = models[arch]
    ws, pos, ner = (TokenClassifier(paths[task]) for task in ("ws", "pos", "ner"))
    reference = CkipWordSegmenter(model_name=str(paths["ws"]))(texts, show_progress=False)
    assert ws.words(texts) == reference
    sentences = reference + [["AI", " ", "時代"], ["", "空"], ["，"] * 600]  # an empty word; a row cut at 510
    assert pos.tags(sentences) == CkipPosTagger(model_name=str(paths["pos"]))(sentences, show_progress=False)
    entities = CkipNerChunker(model_name=str(paths["ner"]))(texts, show_progress=False)
    assert ner.entities(texts) == [[(e.word, e.ner, *e.idx) for e in found] for found in entities]
    assert sum(map(len, entities)) > 10  # the random model tags plenty: the decoding is exercised


def test_batches_of_any_size_give_the_same_words(models, texts):
    from pipeline.ckip.inference import TokenClassifier

    expected = TokenClassifier(models["bert"]["ws"]).words(texts)
    for batch_tokens in (1, 64, 10**6):  # one row per batch; a few; everything in one batch
        assert TokenClassifier(models["bert"]["ws"], batch_tokens=batch_tokens).words(texts) == expected


def test_batches_are_sized_by_tokens_and_pad_little(models):
    import numpy as np

    from pipeline.ckip.inference import TokenClassifier

    model = TokenClassifier(models["bert"]["ws"], batch_tokens=256)
    lengths = np.array([30, 3, 100, 4, 5, 29, 254, 300])
    batches = [b.tolist() for b in model.batches(lengths)]
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    for batch in batches:
        longest = max(lengths[batch]) + 2
        assert len(batch) * longest <= 256 or len(batch) == 1  # a row longer than the budget goes alone
        assert list(lengths[batch]) == sorted(lengths[batch])


def test_empty_input_and_empty_pieces(models):
    from pipeline.ckip.inference import TokenClassifier

    ws = TokenClassifier(models["albert"]["ws"])
    ner = TokenClassifier(models["albert"]["ner"])
    assert ws.words([]) == [] and ner.entities([]) == []
    assert ws.words(["", "字"]) == [[], ["字"]] and ner.entities([""]) == [[]]


@pytest.mark.parametrize("precision", ["bf16", "int8"])
def test_reduced_precision_gives_valid_words_mostly_the_same(models, texts, precision):
    from pipeline.ckip.inference import TokenClassifier

    exact = TokenClassifier(models["albert"]["ws"]).words(texts)
    reduced = TokenClassifier(models["albert"]["ws"], precision=precision).words(texts)
    assert ["".join(words) for words in reduced] == texts
    same = sum(a == b for a, b in zip(exact, reduced))
    assert same >= len(texts) // 3  # random weights: near-ties everywhere; real weights agree far more


def test_an_unknown_precision_is_refused(models):
    from pipeline.ckip.inference import TokenClassifier

    with pytest.raises(ValueError, match="precision must be one of fp32, bf16, int8"):
        TokenClassifier(models["bert"]["ws"], precision="fp16")


# --- the stage and the personal-data stage use it -----------------------------------------------


def test_the_stage_segments_on_this_path_and_keys_the_cache_by_precision(layout, models):
    from conftest import context
    from test_segment import set_segment

    from pipeline.segment import stage as segment_stage
    from pipeline.segment.inference import CkipInference

    set_segment(layout, model=str(models["bert"]["ws"]), cache_dir=None)
    plan = segment_stage.plan_segmenter(context(layout))
    segmenter = plan.build()
    assert isinstance(segmenter, CkipInference) and segmenter.ws.precision == "fp32"
    assert "precision" not in segmenter.fingerprint  # fp32: the entries made by ckip-transformers stay valid
    fp32 = segmenter.fingerprint

    ctx = context(layout)
    object.__setattr__(ctx.params.segment, "precision", "int8")  # until params.yaml has segment.precision
    int8 = segment_stage.plan_segmenter(ctx).build()
    assert int8.ws.precision == "int8" and int8.fingerprint == fp32 + "|precision=int8"
    object.__setattr__(ctx.params.segment, "precision", "fp16")
    from pipeline.core.errors import UserError

    with pytest.raises(UserError, match=r"'segment.precision' must be one of fp32, bf16, int8, got 'fp16'"):
        segment_stage.plan_segmenter(ctx)


def test_names_for_the_personal_data_stage_are_the_ner_models(models):
    from ckip_transformers.nlp import CkipNerChunker

    from pipeline.ckip.models import ResolvedModel
    from pipeline.pii.names import NameFinder

    path = models["bert"]["ner"]
    texts = ["行政院長卓榮泰今天在臺北宣布政策，陳小明也出席。\n會後王大同與林美玲接受訪問。"] + sample_texts()[:2]
    finder = NameFinder(ResolvedModel("ner", path, "local folder"), "cpu", 16)
    found = finder.find(texts)
    from pipeline.ckip.pieces import split_pieces

    jobs = [
        (doc, offset, piece)
        for doc, text in enumerate(texts)
        for piece, is_text, offset in _with_offsets(split_pieces(text, finder.max_chars))
        if is_text
    ]
    entities = CkipNerChunker(model_name=str(path))([piece for _, _, piece in jobs], show_progress=False)
    expected: list[list[tuple[int, int]]] = [[] for _ in texts]
    for (doc, offset, _), found_in_piece in zip(jobs, entities):
        expected[doc] += [(offset + e.idx[0], offset + e.idx[1]) for e in found_in_piece if e.ner == "PERSON"]
    assert [[(s.start, s.end) for s in spans] for spans in found] == expected
    assert any(found)


def _with_offsets(pieces):
    offset = 0
    for piece, is_text in pieces:
        yield piece, is_text, offset
        offset += len(piece)


def test_one_length_grouped_batching_by_rows_or_by_padded_tokens():
    from pipeline.ckip.batching import length_batches

    lengths = [5, 1, 3, 1, 8, 3]
    by_rows = [b.tolist() for b in length_batches(lengths, rows=2)]
    assert by_rows == [[1, 3], [2, 5], [0, 4]]  # shortest first, equal lengths in their order
    # (rows + 1) × (longest + 2) ≤ 12 tokens: [1, 3] (2 × 3), [2, 5] (2 × 5), [0] (7), [4] (10)
    assert [b.tolist() for b in length_batches(lengths, tokens=12)] == [[1, 3], [2, 5], [0], [4]]
    assert [b.tolist() for b in length_batches([20], tokens=12)] == [[0]]  # too long for the budget: alone
    assert list(length_batches([], rows=4)) == []
