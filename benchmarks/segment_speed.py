"""Segmentation speed: our inference path and today's stage vs a plain CkipWordSegmenter call, and the fallback.

Run: .venv/bin/python benchmarks/segment_speed.py [--size albert-tiny|bert-base] [--device cpu|cuda]
                                                  [--texts N] [--rounds R] [--precisions fp32,bf16,int8]
                                                  [--act gelu] [--eval PATH]

1. CKIP: a model of the real architecture and size (albert-tiny: 4 layers × 312; bert-base:
   12 × 768) with random weights, built locally (the hub is unreachable; speed does not
   depend on the weights). Texts: sentences of UD Chinese GSD dev plus paragraphs of the
   sample laws and minutes, all shorter than the 510-character limit, in corpus order.
   Measured in the same run:
   - plain: ``CkipWordSegmenter(model_name=...)(texts)`` in one call, as its docs show (once);
   - ckip-stage: ``segment_batch`` on the real ckip-transformers classes, length-grouped batches of
     ``--batch-size`` pieces (the stage before our inference path; ``pipeline/segment/ckip.py``);
   - ours-<precision>: ``segment_batch`` on our inference path (``pipeline/ckip/inference.py``, driven by ``pipeline/segment/inference.py``).
   The stage variants run ``--rounds`` times, interleaved, and the best round counts (other
   processes share these cores). Prints characters/s, ratios against the plain call and against
   ckip-stage, texts whose tokens are identical to the plain call's, and for reduced precision
   the agreement with fp32: identical texts and word F1 (word boundaries). On random weights
   many characters are near-ties between B and I, so that agreement is a lower bound of what
   real weights give.
2. Fallback: word F1 (span-based, UD Chinese GSD dev) and characters/s of the offline
   fallback (jieba-hant with HMM) against jieba-hant without HMM, the stated baseline.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


from documents import normalized_batch  # noqa: E402

from pipeline.ingest.readers.lawdb import read_lawdb  # noqa: E402
from pipeline.segment.cache import SegmentCache  # noqa: E402
from pipeline.segment.fallbacks.jieba_hant import JiebaHantBackend  # noqa: E402
from pipeline.segment.stage import segment_batch  # noqa: E402

SIZES = {
    "albert-tiny": (
        "albert",
        dict(embedding_size=128, hidden_size=312, num_hidden_layers=4, num_attention_heads=12, intermediate_size=1248),
    ),
    "bert-base": ("bert", dict(hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072)),
}
DEFAULT_EVAL = ROOT.parent / "shared" / "eval" / "ud_chinese_gsd-dev.conllu"


def gold(eval_path: Path) -> list[list[str]]:
    sentences, words = [], []
    for line in eval_path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            if words:
                sentences.append(words)
            words = []
        elif not line.startswith("#"):
            cols = line.split("\t")
            if cols[0].isdigit():
                words.append(cols[1])
    if words:
        sentences.append(words)
    return sentences


def texts(eval_path: Path, limit: int) -> list[str]:
    out = ["".join(words) for words in gold(eval_path)]
    for path in sorted((ROOT / "data/raw/laws").glob("*.json")):
        for record in read_lawdb(path, None):
            out += [p.strip() for p in record.text.replace("\r\n", "\n").split("\n") if 0 < len(p.strip()) < 500]
    for path in (ROOT / "data/raw/smart-nation-meeting").glob("*.md"):
        out += [p.strip() for p in path.read_text(encoding="utf-8").split("\n\n") if 0 < len(p.strip()) < 500]
    # No whitespace: the stage makes whitespace tokens of its own, which a plain call glues into words.
    return ["".join(t.split()) for t in out][:limit]


def spans(words: list[str]) -> set[tuple[int, int]]:
    out, pos = set(), 0
    for w in words:
        if not w.isspace():
            out.add((pos, pos + len(w)))
        pos += len(w)
    return out


def f1(pred: list[list[str]], ref: list[list[str]]) -> float:
    tp = p = g = 0
    for a, b in zip(pred, ref):
        sa, sb = spans(a), spans(b)
        tp += len(sa & sb)
        p += len(sa)
        g += len(sb)
    precision, recall = tp / p, tp / g
    return 2 * precision * recall / (precision + recall)


def ckip(args: argparse.Namespace, corpus: list[str]) -> dict:
    from ckip_transformers.nlp import CkipWordSegmenter
    from tiny_ckip import build

    from pipeline.ckip.models import ResolvedModel
    from pipeline.segment.ckip import CkipBackend
    from pipeline.segment.inference import CkipInference

    arch, size = SIZES[args.size]
    size = dict(size, **({"hidden_act": args.act} if args.act else {}))
    chars = sum(len(t) for t in corpus)
    with tempfile.TemporaryDirectory() as tmp:
        folder = build(Path(tmp) / args.size, arch=arch, size=size, texts=corpus)
        model = ResolvedModel(args.size, folder, "local folder")
        plain = CkipWordSegmenter(model_name=str(folder), device=-1 if args.device == "cpu" else 0)
        plain(corpus[:8], show_progress=False)  # warm-up
        start = time.perf_counter()
        baseline = plain(corpus, show_progress=False)
        t_plain = time.perf_counter() - start
        del plain

        segmenters = {
            "ckip-stage": CkipBackend(model, device=args.device, batch_size=args.batch_size, fingerprint="bench")
        }
        for precision in args.precisions.split(","):
            segmenters[f"ours-{precision}"] = CkipInference(
                model, device=args.device, fingerprint="bench", precision=precision, batch_tokens=args.batch_tokens
            )
        for segmenter in segmenters.values():  # warm-up
            segment_batch(normalized_batch(corpus[:16]), segmenter, SegmentCache(None), max_chars=500)
        best = {name: float("inf") for name in segmenters}
        tokens = {}
        for _ in range(args.rounds):
            for name, segmenter in segmenters.items():
                start = time.perf_counter()
                result = segment_batch(normalized_batch(corpus), segmenter, SegmentCache(None), max_chars=500)
                best[name] = min(best[name], time.perf_counter() - start)
                tokens[name] = result.kept.column("tokens").to_pylist()
    report = {
        "model": args.size,
        "activation": args.act or "config default",
        "device": args.device,
        "threads": torch_threads(),
        "texts": len(corpus),
        "chars": chars,
        "rounds": args.rounds,
        "plain": {"chars_per_s": round(chars / t_plain)},
    }
    for name, seconds in best.items():
        row = {
            "chars_per_s": round(chars / seconds),
            "vs_plain": round(t_plain / seconds, 2),
            "vs_ckip_stage": round(best["ckip-stage"] / seconds, 2),
            "identical_to_plain": f"{sum(a == b for a, b in zip(tokens[name], baseline))}/{len(corpus)}",
        }
        if name.startswith("ours-") and name != "ours-fp32" and "ours-fp32" in tokens:
            row["vs_fp32_identical_texts"] = (
                f"{sum(a == b for a, b in zip(tokens[name], tokens['ours-fp32']))}/{len(corpus)}"
            )
            row["vs_fp32_word_f1"] = round(f1(tokens[name], tokens["ours-fp32"]), 4)
        report[name] = row
    return report


def torch_threads() -> int:
    import torch

    return torch.get_num_threads()


def fallback(eval_path: Path) -> dict:
    import jieba_hant

    ref = gold(eval_path)
    sentences = ["".join(words) for words in ref]
    chars = sum(len(s) for s in sentences)
    ours = JiebaHantBackend()
    start = time.perf_counter()
    pred = [r["tokens"] for r in ours.segment(sentences)]
    t_ours = time.perf_counter() - start
    base = jieba_hant.Tokenizer()
    base.cache_file = "tw-corpus-jieba-hant.cache"
    base.initialize()
    start = time.perf_counter()
    base_pred = [list(base.cut(s, HMM=False)) for s in sentences]
    t_base = time.perf_counter() - start
    return {
        "fallback": ours.name,
        "f1": f1(pred, ref),
        "chars_per_s": chars / t_ours,
        "baseline": "jieba-hant HMM=False",
        "baseline_f1": f1(base_pred, ref),
        "baseline_chars_per_s": chars / t_base,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="albert-tiny")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--texts", type=int, default=1500)
    parser.add_argument("--batch-size", type=int, default=64, help="pieces per call of ckip-stage")
    parser.add_argument("--batch-tokens", type=int, default=None, help="tokens per batch of ours (default: auto)")
    parser.add_argument("--precisions", default="fp32,bf16,int8")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--act", default=None, help="override the models' hidden_act (e.g. gelu)")
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--skip-fallback", action="store_true")
    args = parser.parse_args()
    corpus = texts(args.eval, args.texts)
    report = {"ckip": ckip(args, corpus)}
    if not args.skip_fallback:
        report["fallback"] = fallback(args.eval)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
