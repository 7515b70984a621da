"""Our own inference path for CKIP token-classification models (word segmentation, POS, NER),
for the segment stage (``pipeline/segment/inference.py``) and the pii stage's names (``pipeline/pii/names.py``).

The same model files and the same labels as ckip-transformers, which stays the reference
(in fp32 the tokens, tags and entities are tested identical to plain ``CkipWordSegmenter``,
``CkipPosTagger`` and ``CkipNerChunker`` calls). What differs is how the model is fed:

- **Characters → ids without a tokenizer call.** ckip-transformers never runs the
  tokenizer's normalizer or pre-tokenizer: it looks every character up on its own
  (``convert_tokens_to_ids(list(word))``), so a character is always exactly one id, and
  ``[UNK]`` when the vocabulary lacks it (spaces, full-width spaces, tabs, rare
  ideographs, letters of a case the vocabulary lacks). Here that lookup is one table
  indexed by code point, built once from the model's own tokenizer and applied to a
  whole call's text with one numpy operation.
- **Rows packed into length buckets, batches sized by tokens.** A row is a piece (or
  its 510-character chunks, as ckip-transformers cuts longer input; for POS, the words
  between delimiters, as ``CkipPosTagger``'s ``use_delim`` does). Rows are sorted by
  length and cut into batches of at most ``batch_tokens`` tokens, padding included, so a
  batch of short rows holds many of them and pads only to its own longest row.
- **Labels on the device, decoded by array operations.** Word starts are where logit 0
  (B) exceeds logit 1 (I), exactly ``CkipWordSegmenter``'s rule; POS and NER take the
  argmax; only booleans or label ids come back, and words are cut from the call's text
  at the word starts. NER's BIOES decoding visits only the characters not labelled O.
- ``torch.inference_mode``, and an optional reduced precision: ``bf16`` (autocast: matrix
  products in bfloat16, layer norms and softmax in fp32; fast where the CPU has AVX-512
  BF16 or AMX, and on GPUs) or ``int8`` (dynamic quantization of the encoder's linear
  layers, weights per channel, CPU only). The classifier stays fp32 in both. Their tokens
  are not ckip-transformers' exactly; ``benchmarks/segment_speed.py`` measures the agreement.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.ckip.batching import length_batches
from pipeline.ckip.models import PRECISIONS

DELIMITERS = frozenset("，,。：:；;！!？?")  # ckip-transformers' delim_set, which CkipPosTagger cuts at
CPU_BATCH_TOKENS = 2048  # measured: larger batches fall out of the caches on CPU (benchmarks/segment_speed.py)
GPU_BATCH_TOKENS = 64 * 512  # today's 64 pieces of up to 512 tokens: no more memory than before
_CODE_POINTS = 0x110000


def char_table(tokenizer: Any) -> np.ndarray:
    """Every code point's id as ``tokenizer.convert_tokens_to_ids([char])`` gives it: its single-character
    vocabulary entry (added tokens included), else the id of ``[UNK]``."""
    table = np.full(_CODE_POINTS, tokenizer.unk_token_id, np.int32)
    for token, index in tokenizer.get_vocab().items():
        if len(token) == 1:
            table[ord(token)] = index
    return table


def code_points(text: str) -> np.ndarray:
    """The code points of ``text`` (lone surrogates included), one uint32 each."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32)


class TokenClassifier:
    """One CKIP token-classification model (ws, pos or ner), loaded once, run on our own feeding."""

    def __init__(
        self, path: Path | str, *, device: Any = "cpu", precision: str = "fp32", batch_tokens: int | None = None
    ):
        import torch
        from transformers import (  # type: ignore[attr-defined]  # transformers 5: a runtime alias of BertTokenizer, not in its static exports
            AutoModelForTokenClassification,
            BertTokenizerFast,
        )

        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got '{precision}'")
        self.device = torch.device(device)
        tokenizer = BertTokenizerFast.from_pretrained(str(path))  # once: for its vocabulary and special ids
        self.table = char_table(tokenizer)
        self.cls_id, self.sep_id, self.pad_id = tokenizer.cls_token_id, tokenizer.sep_token_id, tokenizer.pad_token_id
        model = AutoModelForTokenClassification.from_pretrained(str(path))
        # [CLS] + text + [SEP], as ckip-transformers counts it (and never past the position embeddings)
        positions = getattr(model.config, "max_position_embeddings", tokenizer.model_max_length)
        self.max_chars = int(min(tokenizer.model_max_length, positions)) - 2
        self.labels = [model.config.id2label[i] for i in range(model.config.num_labels)]
        self.precision = precision
        model.eval()
        _fuse_activations(model)
        if precision == "bf16":
            if self.device.type == "cpu" and not torch.ops.mkldnn._is_mkldnn_bf16_supported():
                print(
                    "twcorpus: warning: segment.precision bf16 on a CPU without native bfloat16 (AVX-512 BF16 or "
                    "AMX) is emulated and slow; int8 or fp32 is faster here",
                    file=sys.stderr,
                )
            head = _head_name(model)
            for name, module in model.named_modules():  # cast once, not by autocast on every call
                if isinstance(module, torch.nn.Linear) and name != head:
                    module.to(torch.bfloat16)
        elif precision == "int8":
            if self.device.type != "cpu":
                raise ValueError("precision int8 (dynamic quantization) runs on CPU only; use bf16 on a GPU")
            model = _quantized(model)
        _float_head(model)
        self.model = model.to(self.device)
        self.batch_tokens = batch_tokens or (CPU_BATCH_TOKENS if self.device.type == "cpu" else GPU_BATCH_TOKENS)

    # --- feeding ---------------------------------------------------------------------------------

    def ids(self, text: str) -> np.ndarray:
        """The ids of ``text``'s characters, one each (what ckip-transformers' lookup gives)."""
        return self.table[code_points(text)]

    def batches(self, lengths: np.ndarray) -> Iterator[np.ndarray]:
        """Row indices, shortest rows first, in batches of at most ``batch_tokens`` tokens padded."""
        return length_batches(lengths, tokens=self.batch_tokens)

    def run(self, ids: np.ndarray, starts: np.ndarray, lengths: np.ndarray, *, segmentation: bool) -> np.ndarray:
        """Each row ``ids[starts[r]:starts[r] + lengths[r]]`` through the model, as ``[CLS] row [SEP]``.

        Returns a value per position of ``ids`` covered by a row: for word segmentation whether the
        character starts a word (logit 0 > logit 1, CkipWordSegmenter's rule; a tie is I), else the
        argmax label id."""
        import torch

        out = np.zeros(len(ids), bool if segmentation else np.int32)
        keep = lengths > 0
        starts, lengths = starts[keep], lengths[keep]
        with torch.inference_mode():
            for rows in self.batches(lengths):
                n, row_lengths = len(rows), lengths[rows]
                width = int(row_lengths.max()) + 2
                inner = np.arange(width - 1)[None, :] < row_lengths[:, None]  # the text positions after [CLS]
                where = (starts[rows][:, None] + np.arange(width - 1)[None, :])[inner]
                input_ids = np.full((n, width), self.pad_id, np.int64)
                input_ids[:, 0] = self.cls_id
                input_ids[:, 1:][inner] = ids[where]
                input_ids[np.arange(n), row_lengths + 1] = self.sep_id
                mask = (np.arange(width)[None, :] < (row_lengths + 2)[:, None]).astype(np.int64)
                with torch.autocast(self.device.type, torch.bfloat16, enabled=self.precision == "bf16"):
                    logits = self.model(
                        input_ids=torch.from_numpy(input_ids).to(self.device),
                        attention_mask=torch.from_numpy(mask).to(self.device),
                    ).logits[:, 1:]
                labels = logits[..., 0] > logits[..., 1] if segmentation else logits.argmax(-1)
                out[where] = labels.cpu().numpy()[inner]
        return out

    def _piece_rows(self, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Piece starts in the joined text, and rows: each piece, or its ``max_chars`` chunks (no overlap)."""
        starts = np.zeros(len(lengths), np.int64)
        np.cumsum(lengths[:-1], out=starts[1:])
        if len(lengths) and lengths.max() <= self.max_chars:
            return starts, starts, lengths
        row_starts, row_lengths = [], []
        for start, length in zip(starts.tolist(), lengths.tolist()):
            for at in range(0, length, self.max_chars):
                row_starts.append(start + at)
                row_lengths.append(min(self.max_chars, length - at))
        return starts, np.array(row_starts, np.int64), np.array(row_lengths, np.int64)

    # --- the three tasks -------------------------------------------------------------------------

    def words(self, pieces: Sequence[str]) -> list[list[str]]:
        """Word segmentation: ``CkipWordSegmenter()(pieces)``'s words."""
        text = "".join(pieces)
        lengths = np.fromiter(map(len, pieces), np.int64, len(pieces))
        starts, row_starts, row_lengths = self._piece_rows(lengths)
        begins = self.run(self.ids(text), row_starts, row_lengths, segmentation=True)
        begins[starts[lengths > 0]] = True  # a piece's first character starts a word whatever its label
        cuts = np.flatnonzero(begins)
        bounds = cuts.tolist() + [len(text)]
        words = [text[a:b] for a, b in zip(bounds, bounds[1:])]
        first = np.searchsorted(cuts, starts).tolist() + [len(words)]
        return [words[a:b] for a, b in zip(first, first[1:])]

    def tags(self, sentences: Sequence[Sequence[str]]) -> list[list[str]]:
        """POS tagging: ``CkipPosTagger()(sentences)``'s tags, one per word (``WHITESPACE`` for a word
        that is empty or all whitespace). Rows end after a delimiter word or before a word that would
        take a row past ``max_chars``, as ckip-transformers cuts them; a word's tag is its first character's."""
        text_parts: list[str] = []
        first_chars: list[int] = []  # per word: its first character in the joined text, -1 for an empty word
        row_starts: list[int] = []
        row_lengths: list[int] = []
        cursor = 0
        for words in sentences:
            row_start, row_length = cursor, 0
            for word in words:
                size = len(word)
                if not size:
                    first_chars.append(-1)
                    continue
                if row_length + size > self.max_chars and row_length:
                    row_starts.append(row_start)
                    row_lengths.append(row_length)
                    row_start, row_length = cursor, 0
                first_chars.append(cursor)
                text_parts.append(word)
                cursor += size
                row_length += size
                if word in DELIMITERS:
                    row_starts.append(row_start)
                    row_lengths.append(row_length)
                    row_start, row_length = cursor, 0
            if row_length:
                row_starts.append(row_start)
                row_lengths.append(row_length)
        starts, lengths = _split_long(np.array(row_starts, np.int64), np.array(row_lengths, np.int64), self.max_chars)
        labels = self.run(self.ids("".join(text_parts)), starts, lengths, segmentation=False)
        at = np.array(first_chars, np.int64)
        names = np.array(self.labels + ["WHITESPACE"], object)[
            np.where(at >= 0, labels[np.maximum(at, 0)], len(self.labels))
        ].tolist()
        out, i = [], 0
        for words in sentences:
            out.append(["WHITESPACE" if word.isspace() else names[i + j] for j, word in enumerate(words)])
            i += len(words)
        return out

    def entities(self, pieces: Sequence[str]) -> list[list[tuple[str, str, int, int]]]:
        """Named entities: ``CkipNerChunker()(pieces)``'s ``(word, type, start, end)``, offsets in the piece.

        BIOES as CkipNerChunker decodes it: S is an entity alone; B opens one; I and E continue it
        only when their type is the open entity's, E closes it; O, or an I/E of another type,
        drops the open entity."""
        text = "".join(pieces)
        lengths = np.fromiter(map(len, pieces), np.int64, len(pieces))
        starts, row_starts, row_lengths = self._piece_rows(lengths)
        labels = self.run(self.ids(text), row_starts, row_lengths, segmentation=False)
        kinds = [label.partition("-") if label != "O" else None for label in self.labels]
        outside = np.array([kind is None for kind in kinds])
        found: list[list[tuple[str, str, int, int]]] = [[] for _ in pieces]
        tagged = np.flatnonzero(~outside[labels]).tolist()
        owners = (np.searchsorted(starts, tagged, side="right") - 1).tolist()
        open_type, open_start, previous, owner_before = None, 0, -2, -1
        for at, owner in zip(tagged, owners):
            if at != previous + 1 or owner != owner_before:  # an O in between, or another piece
                open_type = None
            previous, owner_before = at, owner
            bioes, _, kind = kinds[labels[at]]
            base = int(starts[owner])
            if bioes == "S":
                found[owner].append((text[at], kind, at - base, at - base + 1))
                open_type = None
            elif bioes == "B":
                open_type, open_start = kind, at
            elif bioes == "I":
                if open_type != kind:
                    open_type = None
            elif bioes == "E":
                if open_type == kind:
                    found[owner].append((text[open_start : at + 1], kind, open_start - base, at + 1 - base))
                open_type = None
        return found


def _fuse_activations(model: Any) -> None:
    """``gelu_new`` (the tanh approximation, written in transformers as five tensor operations, a
    quarter of albert-tiny's CPU time) replaced by torch's fused kernel of the same formula."""
    import torch
    from transformers.activations import NewGELUActivation

    for module in list(model.modules()):
        for name, child in list(module.named_children()):
            if type(child) is NewGELUActivation:
                setattr(module, name, torch.nn.GELU(approximate="tanh"))
        for name, value in list(vars(module).items()):  # activations kept as plain attributes
            if type(value) is NewGELUActivation:
                setattr(module, name, torch.nn.GELU(approximate="tanh"))


def _quantized(model: Any) -> Any:
    """int8: the encoder's linear layers quantized dynamically (weights per output channel, activations
    per call); the embeddings and the classifier stay fp32."""
    import torch
    from torch.ao.quantization import per_channel_dynamic_qconfig

    head = _head_name(model)
    spec = {
        name: per_channel_dynamic_qconfig
        for name, module in model.named_modules()
        if isinstance(module, torch.nn.Linear) and name != head
    }
    with warnings.catch_warnings():  # torch.ao's deprecation notices, once per model load
        warnings.simplefilter("ignore")
        return torch.ao.quantization.quantize_dynamic(model, spec, dtype=torch.qint8)


def _head_name(model: Any) -> str:
    return "classifier" if isinstance(getattr(model, "classifier", None), __import__("torch").nn.Linear) else ""


def _float_head(model: Any) -> None:
    """The classifier in fp32 whatever the precision: B and I are decided on fp32 logits (under bf16
    autocast the hidden states come in as bfloat16 and are widened)."""
    import torch

    head = getattr(model, "classifier", None)
    if not isinstance(head, torch.nn.Linear):
        return
    inner = head.forward

    def forward(hidden: Any) -> Any:
        with torch.autocast(hidden.device.type, enabled=False):
            return inner(hidden.float())

    head.forward = forward  # type: ignore[method-assign, assignment]  # on purpose: this instance's forward, wrapped


def _split_long(starts: np.ndarray, lengths: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows longer than ``limit`` (one word longer than the model takes) cut into chunks of ``limit``."""
    if not len(lengths) or lengths.max() <= limit:
        return starts, lengths
    out_starts, out_lengths = [], []
    for start, length in zip(starts.tolist(), lengths.tolist()):
        for at in range(0, length, limit):
            out_starts.append(start + at)
            out_lengths.append(min(limit, length - at))
    return np.array(out_starts, np.int64), np.array(out_lengths, np.int64)
