"""Gazette ingest as DVC runs it: the ingest stage's process at a base commit against this tree.

The ten real Executive Yuan Gazette files (``../shared/real/ey-gazette/*.xml``, with the
manifest of ``data/raw/ey-gazette/source.yaml``) are linked ``--copies`` times under other
names into one source (default 1: the ten files as they are), and ``python -m pipeline
ingest ey-gazette`` is run in a fresh process on it, once with the code of ``--base``
(checked out with ``git worktree`` into a temporary folder) and once with this tree's,
alternated ``--repeat`` times; the best of each is kept, so both carry the same process
start. The base's default is the commit on which issue 18 was filed (ingest on
``html.parser``). Both runs use this ``.venv``. The documents (file, line, text) of the two
``ingest.parquet`` files must be identical, and the script says whether they are.

A copy is read in full and then rejected as ``duplicate-in-source``, and a reject's text is
scrubbed of personal data (loading the name lists, about a second): with ``--copies`` above
1 both runs carry that work, which a year of distinct issues would not.

    .venv/bin/python benchmarks/ingest_speed.py                 # the ten files, best of 3
    .venv/bin/python benchmarks/ingest_speed.py --copies 5      # 50 files (40 of them duplicates)
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REAL = REPO.parent / "shared" / "real" / "ey-gazette"
ISSUE_18_FILED = "17e0ca6"  # main when issue 18 was filed: HTML to text on the standard library's html.parser


def layout(root: Path, tree: Path, copies: int = 1) -> None:
    """A project at ``root`` with ``tree``'s configuration and one source, ey-gazette: the
    real files ``copies`` times (``html_parsers.py`` uses it too)."""
    for name in ("configs", "licenses"):
        shutil.copytree(tree / name, root / name)
    shutil.copy(tree / "params.yaml", root)
    raw = root / "data/raw/ey-gazette"
    raw.mkdir(parents=True)
    shutil.copy(REPO / "data/raw/ey-gazette/source.yaml", raw)
    for copy in range(copies):
        for path in sorted(REAL.glob("*.xml")):
            target = raw / f"{copy:03d}-{path.name}" if copies > 1 else raw / path.name
            try:
                os.link(path, target)
            except OSError:  # another file system
                shutil.copy(path, target)
    (root / "configs/sources.yaml").write_text("sources:\n  ey-gazette: {}\n")


def run_stage(tree: Path, root: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(tree), "HF_HUB_OFFLINE": "1"}
    start = time.perf_counter()
    # from a neutral folder, so that `-m pipeline` is the tree's and not the current folder's
    subprocess.run(
        [sys.executable, "-m", "pipeline", "--root", str(root), "--quiet", "ingest", "ey-gazette"],
        check=True,
        env=env,
        cwd=root,
    )
    return time.perf_counter() - start


def documents(root: Path) -> list[dict]:
    import pyarrow.parquet as pq

    path = root / "data/interim/ey-gazette/ingest.parquet"
    return pq.read_table(path, columns=["source_file", "source_line", "text"]).to_pylist()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default=ISSUE_18_FILED, help=f"the commit to compare with (default {ISSUE_18_FILED})")
    parser.add_argument("--copies", type=int, default=1, help="times the ten gazette files are linked in (default 1)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each, alternated; the best counts (default 3)")
    args = parser.parse_args()
    if not REAL.is_dir():
        sys.exit(f"error: {REAL} is missing: this benchmark needs the real development gazette")
    with tempfile.TemporaryDirectory(prefix="ingest-speed-") as tmp:
        base_tree = Path(tmp) / "base"
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "add", "-q", "--detach", str(base_tree), args.base], check=True
        )
        try:
            roots = {"base": Path(tmp) / "layout-base", "this": Path(tmp) / "layout-this"}
            trees = {"base": base_tree, "this": REPO}
            for name in roots:
                layout(roots[name], trees[name], args.copies)
            files = len(list((roots["this"] / "data/raw/ey-gazette").glob("*.xml")))
            size = sum(p.stat().st_size for p in REAL.glob("*.xml")) * args.copies
            times: dict[str, list[float]] = {"base": [], "this": []}
            for _ in range(args.repeat):
                for name in ("base", "this"):
                    times[name].append(run_stage(trees[name], roots[name]))
            before, after = documents(roots["base"]), documents(roots["this"])
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(base_tree)], check=True)
    base, this = min(times["base"]), min(times["this"])
    same = "identical" if before == after else f"DIFFERENT ({sum(a != b for a, b in zip(before, after))} differ)"
    print(f"ingest stage process on {files} gazette files ({size / 1e6:.0f} MB of XML), best of {args.repeat}:")
    print(f"  {args.base}: {base:.2f} s  (runs: {', '.join(f'{t:.2f}' for t in times['base'])})")
    print(f"  this tree: {this:.2f} s  (runs: {', '.join(f'{t:.2f}' for t in times['this'])})")
    print(f"  {base / this:.1f}x faster; documents {len(before)} vs {len(after)}, {same}")


if __name__ == "__main__":
    main()
