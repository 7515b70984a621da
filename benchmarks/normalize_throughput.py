"""Throughput of the normalize stage against OpenCC's own convert, on the same text, in one run.

Run: .venv/bin/python benchmarks/normalize_throughput.py [--docs N] [--repeat R]

Documents: the shipped laws and meeting minutes, cut into long documents of ~50,000
characters (Traditional), and the same documents turned Simplified with OpenCC `t2s`.
The stage function (`normalize_batch`: every clean-up step, identification, and
conversion where Simplified) runs on one core; the baseline is
`OpenCC("s2twp").convert` on the same texts. Prints characters per second and the ratio.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import opencc  # noqa: E402
import pyarrow as pa  # noqa: E402

from pipeline.core.schema import DOCUMENT  # noqa: E402
from pipeline.ingest.readers.lawdb import read_lawdb  # noqa: E402
from pipeline.normalize.params import NormalizeParams  # noqa: E402
from pipeline.normalize.stage import normalize_batch  # noqa: E402


def corpus(doc_chars: int) -> str:
    parts = [r.text for path in sorted((ROOT / "data/raw/laws").glob("*.json")) for r in read_lawdb(path, None)]
    parts += [p.read_text(encoding="utf-8") for p in (ROOT / "data/raw/smart-nation-meeting").glob("*.md")]
    text = "\n\n".join(parts)
    while len(text) < doc_chars:
        text += "\n\n" + text
    return text


def batch(texts: list[str]) -> pa.RecordBatch:
    rows = [
        {
            "id": str(i),
            "text": t,
            "source": "bench",
            "source_file": "x",
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


def best_of(repeat: int, fn) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20, help="documents per script (default 20)")
    parser.add_argument("--doc-chars", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    source = corpus(args.doc_chars * args.docs)
    traditional = [source[i * args.doc_chars : (i + 1) * args.doc_chars] for i in range(args.docs)]
    t2s = opencc.OpenCC("t2s")
    simplified = [t2s.convert(t) for t in traditional]
    s2twp = opencc.OpenCC("s2twp")
    params = NormalizeParams()
    results = {}
    for name, texts in (("traditional", traditional), ("simplified", simplified)):
        chars = sum(len(t) for t in texts)
        b = batch(texts)
        # best_of calls each lambda at once, inside this iteration: the loop variables are the current ones
        baseline = best_of(args.repeat, lambda: [s2twp.convert(t) for t in texts])  # noqa: B023 (called now)
        stage = best_of(args.repeat, lambda: normalize_batch(b, params))  # noqa: B023 (called now)
        results[name] = {
            "chars": chars,
            "opencc_s2twp_chars_per_s": chars / baseline,
            "normalize_chars_per_s": chars / stage,
            "ratio": baseline / stage,
        }
        print(
            f"{name:12} {chars:>10,} chars  OpenCC s2twp {chars / baseline / 1e6:6.2f} M chars/s   "
            f"normalize stage {chars / stage / 1e6:6.2f} M chars/s   ratio {baseline / stage:.2f}x"
        )
    print(json.dumps(results))


if __name__ == "__main__":
    main()
