"""Encoding detection: ours (BOM → UTF-16 → strict UTF-8 → CP950 → Big5-HKSCS) vs charset-normalizer.

Run: .venv/bin/python benchmarks/encoding_detection.py [path/to/ud_chinese_gsd-dev.conllu]

Texts: the sample corpus's poems and prose plus the sentences of the segmentation
evaluation set (short Traditional-Chinese texts, the hard case for statistical
detectors), each encoded as CP950 (Big5) and as UTF-8. A detection is correct when the
decoded text equals the original. Prints accuracy and time for both, and the ratio.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.ingest.encoding import detect  # noqa: E402


def texts(eval_path: Path) -> list[str]:
    out = []
    for path in sorted((ROOT / "data/raw/classical-poems").glob("*.txt")):
        raw = path.read_bytes()
        try:
            out.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            out.append(raw.decode("cp950"))
    for line in (ROOT / "data/raw/classical-prose/prose.jsonl").read_text(encoding="utf-8").splitlines():
        out.append(json.loads(line)["text"])
    if eval_path.is_file():
        out += [
            line[9:].strip()
            for line in eval_path.read_text(encoding="utf-8").splitlines()
            if line.startswith("# text = ")
        ]
    return out


def ours(data: bytes) -> str | None:
    try:
        return data.decode(detect(data, complete=True))
    except Exception:
        return None


def charset_normalizer(data: bytes) -> str | None:
    import charset_normalizer as cn

    best = cn.from_bytes(data).best()
    return None if best is None else str(best)


def main() -> None:
    eval_path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared/eval/ud_chinese_gsd-dev.conllu"
    cases = []
    for text in texts(eval_path):
        for encoding in ("cp950", "utf-8"):
            try:
                cases.append((text, text.encode(encoding), encoding))
            except UnicodeEncodeError:
                pass
    print(
        f"{len(cases)} encoded texts ({sum(1 for c in cases if c[2] == 'cp950')} Big5, "
        f"{sum(1 for c in cases if c[2] == 'utf-8')} UTF-8)"
    )
    results = {}
    for name, fn in (("charset-normalizer (baseline)", charset_normalizer), ("tw-corpus detect", ours)):
        start = time.perf_counter()
        correct = {"cp950": 0, "utf-8": 0}
        for text, data, encoding in cases:
            correct[encoding] += fn(data) == text
        seconds = time.perf_counter() - start
        results[name] = seconds
        totals = {e: sum(1 for c in cases if c[2] == e) for e in correct}
        print(
            f"{name:32} Big5 {correct['cp950']}/{totals['cp950']}  UTF-8 {correct['utf-8']}/{totals['utf-8']}  "
            f"{seconds:.3f} s"
        )
    base, mine = results.values()
    print(f"speed ratio (baseline time / ours): {base / mine:.0f}x")


if __name__ == "__main__":
    main()
