"""Compare two releases built by benchmarks/real_run.sh: documents published and rejected per reason,
personal data found, and which published columns changed (rows matched by file and line; ids are
digests of the published row, so they change whenever anything in it does and are not compared)."""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq


def load(folder: Path) -> tuple[dict, list, dict]:
    rows = [
        r
        for f in sorted((folder / "data" / "publish" / "data").rglob("*.parquet"))
        for r in pq.read_table(f).to_pylist()
    ]
    rejects = pq.read_table(folder / "data" / "rejects" / "rejects.parquet").to_pylist()
    pii = json.loads((folder / "data" / "metrics" / "ey-gazette" / "pii.json").read_text(encoding="utf-8"))
    return {(r["source_file"], r["source_line"]): r for r in rows}, rejects, pii


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    args = parser.parse_args()
    (a, ra, pa_), (b, rb, pb) = load(args.before), load(args.after)
    print(f"published: {len(a)} → {len(b)}; rejects: {len(ra)} → {len(rb)}")
    print("only before:", sorted(set(a) - set(b))[:10], "only after:", sorted(set(b) - set(a))[:10])
    for name, rejects in (("before", ra), ("after", rb)):
        print(f"rejects {name}:", dict(sorted(Counter(r["reason"].split(":")[0] for r in rejects).items())))
    print("personal data found:", pa_["found"], "→", pb["found"])
    changed: dict[str, list] = {}
    for key in sorted(set(a) & set(b)):
        for column in a[key]:
            if column not in ("id", "dup_cluster", "dup_family") and a[key][column] != b[key].get(column):
                changed.setdefault(column, []).append(key)
    for column, keys in changed.items():
        print(
            f"column {column} differs in {len(keys)} rows, e.g. {keys[0]}: {str(a[keys[0]][column])[:120]!r} → "
            f"{str(b[keys[0]][column])[:120]!r}"
        )


if __name__ == "__main__":
    main()
