"""Personal-data detection: throughput of the regex detectors and recall on generated data.

Run: .venv/bin/python benchmarks/pii_throughput.py [--per-kind N]

Texts, each repeated to 2 M characters: (1) the shipped laws and meeting minutes (~70 k
characters); (2) the two real gazette issues (data/raw/ey-gazette, ~155 k characters,
two thirds of them registers of persons: an address every ~120 characters, a name every
~50); (3) both; (4) generated sentences dense with personal data
(tests/pii_gen.py: every kind and written form, valid checksums). Throughput is all regex
detectors together (`detect`) on one core; the baseline, measured in the same run, is one
pass of `re.finditer(r"\\d+")` over the same text, the floor of any regex scan. Recall is
per type on the generated items; false positives are counted on generated look-alikes.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from pii_gen import items, negatives  # noqa: E402

from pipeline.core.layout import Layout  # noqa: E402
from pipeline.core.licenses import load_registry  # noqa: E402
from pipeline.ingest.manifest import load_manifest  # noqa: E402
from pipeline.ingest.readers.lawdb import read_lawdb  # noqa: E402
from pipeline.ingest.readers.xml import read_xml  # noqa: E402
from pipeline.pii.detect import detect  # noqa: E402


def laws_and_minutes() -> list[str]:
    docs = [r.text for p in sorted((ROOT / "data/raw/laws").glob("*.json")) for r in read_lawdb(p, None)]
    return docs + [p.read_text(encoding="utf-8") for p in (ROOT / "data/raw/smart-nation-meeting").glob("*.md")]


def gazette() -> list[str]:
    layout = Layout.at(ROOT)
    manifest = load_manifest(layout, "ey-gazette", load_registry(layout))
    return [r.text for p in sorted((ROOT / "data/raw/ey-gazette").glob("*.xml")) for r in read_xml(p, manifest)]


def repeated(docs: list[str], chars: int) -> list[str]:
    out, total = [], 0
    while total < chars:
        for d in docs:
            out.append(d)
            total += len(d)
    return out


def government_text(chars: int) -> list[str]:
    """Laws, minutes and the gazette issues together, repeated to ``chars`` characters."""
    return repeated(laws_and_minutes() + gazette(), chars)


def timed(fn, texts: list[str]) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for t in texts:
            fn(t)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-kind", type=int, default=2000)
    args = parser.parse_args()
    rng = random.Random(0)
    generated = items(rng, args.per_kind)
    report = {}
    digits = re.compile(r"\d+")
    for name, texts in (
        ("laws and minutes", repeated(laws_and_minutes(), 2_000_000)),
        ("gazette issues", repeated(gazette(), 2_000_000)),
        ("all government text", government_text(2_000_000)),
        ("generated personal data", [t for _, _, t in generated]),
    ):
        chars = sum(len(t) for t in texts)
        ours = timed(detect, texts)
        base = timed(lambda t: sum(1 for _ in digits.finditer(t)), texts)
        report[name] = {
            "chars": chars,
            "detect_chars_per_s": chars / ours,
            "baseline_chars_per_s": chars / base,
            "ratio_to_baseline": base / ours,
        }
        print(
            f"{name:24} {chars:>10,} chars  detectors {chars / ours / 1e6:5.2f} M chars/s   "
            f"digit scan {chars / base / 1e6:5.2f} M chars/s   ratio {base / ours:.2f}"
        )
    found, total = Counter(), Counter()
    for kind, secret, text in generated:
        total[kind] += 1
        found[kind] += any(s.type == kind and text[s.start : s.end] == secret for s in detect(text))
    report["recall"] = {k: found[k] / total[k] for k in total}
    look_alikes = negatives(rng, 8 * args.per_kind)
    report["false_positives"] = sum(1 for t in look_alikes if detect(t))
    report["look_alikes"] = len(look_alikes)
    print(json.dumps({k: report[k] for k in ("recall", "false_positives", "look_alikes")}, ensure_ascii=False))


if __name__ == "__main__":
    main()
