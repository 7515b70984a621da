"""Sensitive personal data: what the special-category signal costs next to the pii rules.

Run: .venv/bin/python benchmarks/sensitive_speed.py [--chars N] [--real DIR]

The same government text as benchmarks/pii_throughput.py ("all government text": the shipped
laws, meeting minutes and the two gazette issues, repeated to --chars characters), and the
ten real gazette issues of the development set when --real holds them
(../shared/real/ey-gazette by default). Timed in one run, best of three, on one core:
``detect(text)`` (all rule detectors) and ``sensitive_categories(text, spans)`` on the spans
detect returned (what the stage adds per document). The budget: the signal costs at most
10 % of detect's time.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "benchmarks")]

from pii_throughput import government_text, repeated  # noqa: E402

from pipeline.core.layout import Layout  # noqa: E402
from pipeline.core.licenses import load_registry  # noqa: E402
from pipeline.ingest.manifest import load_manifest  # noqa: E402
from pipeline.ingest.readers.base import Record  # noqa: E402
from pipeline.ingest.readers.xml import read_xml  # noqa: E402
from pipeline.pii.detect import detect  # noqa: E402
from pipeline.pii.sensitive import sensitive_categories  # noqa: E402

BUDGET = 0.10


def real_gazette(folder: Path) -> list[str]:
    layout = Layout.at(ROOT)
    manifest = load_manifest(layout, "ey-gazette", load_registry(layout))
    return [r.text for p in sorted(folder.glob("*.xml")) for r in read_xml(p, manifest) if isinstance(r, Record)]


def best_of(runs: int, fn) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def measure(name: str, texts: list[str]) -> dict:
    spans = [detect(t) for t in texts]
    t_detect = best_of(3, lambda: [detect(t) for t in texts])
    t_sensitive = best_of(3, lambda: [sensitive_categories(t, s) for t, s in zip(texts, spans)])
    flagged = sum(1 for t, s in zip(texts, spans) if sensitive_categories(t, s))
    chars = sum(len(t) for t in texts)
    row = {
        "text": name,
        "documents": len(texts),
        "chars": chars,
        "detect_s": t_detect,
        "sensitive_s": t_sensitive,
        "ratio": t_sensitive / t_detect,
        "flagged_documents": flagged,
    }
    print(
        f"{name:28} {len(texts):>6,} docs {chars:>10,} chars  detect {t_detect:7.3f} s  sensitive {t_sensitive:7.4f} s  "
        f"ratio {100 * row['ratio']:5.2f} %  (budget {100 * BUDGET:.0f} %)  flagged {flagged}"
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chars", type=int, default=2_000_000)
    parser.add_argument("--real", type=Path, default=ROOT.parent / "shared" / "real" / "ey-gazette")
    args = parser.parse_args()
    rows = [measure("all government text", government_text(args.chars))]
    if args.real.is_dir() and any(args.real.glob("*.xml")):
        rows.append(measure("real gazette (10 issues)", repeated(real_gazette(args.real), args.chars)))
    print(json.dumps(rows, ensure_ascii=False))
    if any(r["ratio"] > BUDGET for r in rows):
        sys.exit(f"over budget: {max(r['ratio'] for r in rows):.1%} of detect's time")


if __name__ == "__main__":
    main()
