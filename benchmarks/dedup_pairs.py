"""Near-duplicate settings chosen on real document pairs.

Run: .venv/bin/python benchmarks/dedup_pairs.py [--real ../shared/real/ey-gazette]

Pairs: every pair of the development set's documents (the ten gazette issues and the
seven sample laws) whose character 3-gram Jaccard similarity is at least 0.2, each
labeled by reading (tests/labels/dedup_pairs.jsonl: copy, amended, template, related,
unrelated; README of that folder), and — because the development set holds no real
copy of a document — copies made from real documents the ways agencies republish them
(COPY_KINDS). Similarity is measured on the text dedup sees: after the pii stage's
redaction, so two notices that differ only in a redacted name are the same text.

For each shingle size it prints precision and recall of "copy" at each threshold, on
the exact Jaccard similarity and on the MinHash estimate of the stage's settings.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from pipeline.core.layout import Layout  # noqa: E402
from pipeline.core.licenses import load_registry  # noqa: E402
from pipeline.dedup import minhash  # noqa: E402
from pipeline.dedup.params import DedupParams  # noqa: E402
from pipeline.ingest.manifest import load_manifest  # noqa: E402
from pipeline.ingest.readers.lawdb import read_lawdb  # noqa: E402
from pipeline.ingest.readers.xml import read_xml  # noqa: E402
from pipeline.pii.detect import detect  # noqa: E402
from pipeline.pii.params import PiiParams  # noqa: E402
from pipeline.pii.stage import apply_policy  # noqa: E402

LABELS = ROOT / "tests" / "labels" / "dedup_pairs.jsonl"
HEADER = "行政院公報　第{vol}卷　第{num}期　{date}　{chapter}\n"
CN = "○一二三四五六七八九"


def documents(real: Path) -> dict[str, str]:
    """Key -> text as dedup sees it (redacted by the default policy)."""
    layout = Layout.at(ROOT)
    manifest = load_manifest(layout, "ey-gazette", load_registry(layout))
    docs = {
        f"gazette:{p.name}#{r.line}": r.text
        for p in sorted(real.glob("*.xml"))
        for r in read_xml(p, manifest)
        if hasattr(r, "text")
    }
    docs |= {
        f"laws:{p.name}": r.text for p in sorted((ROOT / "data/raw/laws").glob("*.json")) for r in read_lawdb(p, None)
    }
    policy = PiiParams().policy
    return {k: apply_policy(t, detect(t), policy)[0] for k, t in docs.items()}


def _header(text: str, rng: random.Random) -> str:
    return (
        HEADER.format(vol=rng.randint(8, 21), num=rng.randint(1, 250), date="2006/08/10", chapter="內政篇")
        + text
        + "\nTop"
    )


def _numerals(text: str, rng: random.Random) -> str:
    """Article and item numbers written the other way (第5條 ↔ 第五條), as the law database and the gazette differ."""

    def swap(m: re.Match[str]) -> str:
        digits = m.group(1)
        return f"第{''.join(CN[int(d)] for d in digits)}{m.group(2)}" if digits.isdigit() else m.group(0)

    return re.sub(r"第\s*([0-9]{1,3})\s*([條項款])", swap, text)


def _edit(text: str, rng: random.Random) -> str:
    """A light edit: three short spans changed (a date corrected, a word replaced)."""
    chars = list(text)
    for _ in range(3):
        at = rng.randrange(max(1, len(chars) - 4))
        chars[at : at + 3] = rng.choice(["一二三", "修正為", "並於", "日起"])
    return "".join(chars)


def _cut(text: str, rng: random.Random) -> str:
    """The last paragraph (a signature block, an attachment note) left out."""
    paragraphs = text.split("\n")
    return (
        "\n".join(paragraphs[: -max(1, len(paragraphs) // 10)]) if len(paragraphs) > 3 else text[: int(len(text) * 0.9)]
    )


COPY_KINDS = {"page header and footer": _header, "numerals": _numerals, "light edit": _edit, "last part cut": _cut}


def jaccard(a: str, b: str, n: int) -> float:
    sa, sb = set(minhash.shingles(a, n)), set(minhash.shingles(b, n))
    return len(sa & sb) / len(sa | sb) if sa | sb else 1.0


def labeled_pairs(real: Path, copies_of: int = 60) -> list[tuple[str, str, str]]:
    """(text, text, label): the labeled real pairs and the copies made of real documents."""
    docs = documents(real)
    labels = [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines()]
    pairs = [(docs[x["a"]], docs[x["b"]], x["label"]) for x in labels]
    rng = random.Random(15)
    for key in rng.sample(sorted(docs), copies_of):
        for kind, make in COPY_KINDS.items():
            pairs.append((docs[key], make(docs[key], rng), f"copy: {kind}"))
    return pairs


def estimated(pairs: list[tuple[str, str, str]], p: DedupParams) -> np.ndarray:
    """The stage's MinHash estimate of each pair's Jaccard similarity."""
    sigs = minhash.signatures(
        [t for a, b, _ in pairs for t in (a, b)], num_perm=p.bands * p.rows, ngram=p.ngram, seed=p.seed
    )
    return (sigs[0::2] == sigs[1::2]).mean(axis=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", type=Path, default=ROOT.parent / "shared" / "real" / "ey-gazette")
    parser.add_argument("--copies-of", type=int, default=60, help="real documents each copied every way")
    args = parser.parse_args()
    pairs = labeled_pairs(args.real, args.copies_of)
    counts: dict[str, int] = {}
    for _, _, label in pairs:
        counts[label] = counts.get(label, 0) + 1
    print("pairs:", json.dumps(counts, ensure_ascii=False))
    same = [label for a, b, label in pairs if "".join(a.split()) == "".join(b.split()) and not label.startswith("copy")]
    print(f"real non-copies identical once redacted (removed as exact copies): {len(same)} {sorted(set(same))}")
    d = DedupParams()
    for n in (3, 5, 7):
        truth = np.array([label.startswith("copy") for *_, label in pairs])
        exact = np.array([jaccard(a, b, n) for a, b, _ in pairs])
        estimate = estimated(pairs, DedupParams(ngram=n))
        print(
            f"\n{n}-gram shingles: threshold, then precision / recall of copies on exact Jaccard | on the MinHash estimate"
        )
        for t in (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95):
            row = []
            for sim in (exact, estimate):
                flagged = sim >= t
                tp = int((flagged & truth).sum())
                row.append(f"{tp / max(flagged.sum(), 1):.3f} / {tp / truth.sum():.3f}")
            print(f"  {t:.2f}  {row[0]}  |  {row[1]}")
        worst = sorted(((e, label) for e, label, y in zip(exact, [p[2] for p in pairs], truth) if not y), reverse=True)[
            :5
        ]
        print("  most similar non-copies:", [(round(float(e), 3), label) for e, label in worst])
        copies = sorted(((e, label) for e, label, y in zip(exact, [p[2] for p in pairs], truth) if y))[:5]
        print("  least similar copies:", [(round(float(e), 3), label) for e, label in copies])
        linked = {
            label: float((estimate[[p[2] == label for p in pairs]] >= d.family_threshold).mean())
            for label in ("template", "related", "unrelated", "amended")
        }
        print(f"  share linked as one family at {d.family_threshold}:", {k: round(v, 3) for k, v in linked.items()})


if __name__ == "__main__":
    main()
