"""Tiny CKIP-style models built locally (random weights), so the real ckip-transformers
code path runs without the Hugging Face hub.

A model folder holds a token-classification model (BERT or ALBERT) with CKIP's labels
(word segmentation: B/I; POS: tags; NER: BIOES) and a character vocabulary that
``BertTokenizerFast`` reads, exactly as the ckiplab models are laid out.
"""

from __future__ import annotations

from pathlib import Path

WS_LABELS = ["B", "I"]
POS_LABELS = ["Na", "Nb", "VC", "VH", "D", "P", "DE", "COMMACATEGORY", "PERIODCATEGORY", "FW"]
NER_LABELS = ["O", "B-PERSON", "I-PERSON", "E-PERSON", "S-PERSON", "B-ORG", "I-ORG", "E-ORG", "S-ORG"]

# albert-tiny's real shape (ckiplab/albert-tiny-chinese-ws), for the benchmark
ALBERT_TINY = dict(
    embedding_size=128, hidden_size=312, num_hidden_layers=4, num_attention_heads=12, intermediate_size=1248
)
TEST_SIZE = dict(embedding_size=16, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64)


def vocabulary(texts: list[str] | None = None) -> list[str]:
    chars = set()
    for text in texts or []:
        chars.update(text)
    chars.update(chr(cp) for cp in range(0x4E00, 0x4E00 + 3000))  # common ideographs
    chars.update("，。、：；！？「」（）0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    chars -= {" ", "\n", "\t", "\r", "\u3000"}
    return ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + sorted(chars)


def build(
    folder: Path,
    *,
    arch: str = "bert",
    labels: list[str] = WS_LABELS,
    size: dict | None = None,
    texts: list[str] | None = None,
    seed: int = 0,
) -> Path:
    import torch
    from transformers import (
        AlbertConfig,
        AlbertForTokenClassification,
        BertConfig,
        BertForTokenClassification,
        BertTokenizerFast,
    )

    folder.mkdir(parents=True, exist_ok=True)
    vocab = vocabulary(texts)
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = BertTokenizerFast(vocab_file=str(folder / "vocab.txt"), model_max_length=512)
    tokenizer.save_pretrained(folder)
    shape = dict(size or TEST_SIZE)
    common = dict(
        vocab_size=len(vocab),
        max_position_embeddings=512,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
    )
    torch.manual_seed(seed)
    if arch == "albert":
        model = AlbertForTokenClassification(AlbertConfig(**common, **shape))
    else:
        shape.pop("embedding_size", None)
        model = BertForTokenClassification(BertConfig(**common, **shape))
    model.eval()
    model.save_pretrained(folder)
    return folder
