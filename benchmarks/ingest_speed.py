"""Gazette ingest as DVC runs it: the ingest stage's process at a base commit against this tree.

The ten real Executive Yuan Gazette files (``../shared/real/ey-gazette/*.xml``, with the
manifest of ``data/raw/ey-gazette/source.yaml``) are laid out ``--copies`` times into one
source (default 1: the ten files as they are), and ``python -m pipeline ingest ey-gazette``
is run in a fresh process on it: with the code of ``--base`` (checked out with ``git
worktree`` into a temporary folder), with this tree's reading in this process only
(``local.workers: 1``), and with this tree as configured (``local.workers: null``: one
process per CPU once a source holds 25 MB). The three are alternated ``--repeat`` times and
the best of each is kept, so all carry the same process start; all use this ``.venv``. The
documents (file, line, text) of the ``ingest.parquet`` files must be identical, and the
script says whether they are.

With ``--copies`` above 1 every copy is made a document of its own by a paragraph ``副本 N``
put at the start of every record's body, as a year of distinct issues is (the issue that
asked for 5x measured a year: 250 files, 388 MB); an identical copy would instead be
rejected as ``duplicate-in-source``, its text scrubbed of personal data, which a year of
distinct issues does not cost.

    .venv/bin/python benchmarks/ingest_speed.py                 # the ten files, best of 3
    .venv/bin/python benchmarks/ingest_speed.py --copies 5      # 50 files, 110 MB
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

import yaml

REPO = Path(__file__).resolve().parents[1]
REAL = REPO.parent / "shared" / "real" / "ey-gazette"
BODY = b"<HTMLContent><![CDATA["  # where a record's body starts: a copy's mark goes there
ISSUE_18_FILED = "17e0ca6"  # main when issue 18 was filed: HTML to text on the standard library's html.parser


def layout(root: Path, tree: Path, copies: int = 1, workers: int | None = None) -> None:
    """A project at ``root`` with ``tree``'s configuration and one source, ey-gazette: the
    real files, ``copies`` times made distinct (``html_parsers.py`` uses it too); ``workers``:
    ``local.workers`` in its params.yaml, if given."""
    for name in ("configs", "licenses"):
        shutil.copytree(tree / name, root / name)
    shutil.copy(tree / "params.yaml", root)
    if workers is not None:
        params = yaml.safe_load((root / "params.yaml").read_text(encoding="utf-8"))
        params["local"]["workers"] = workers
        (root / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    raw = root / "data/raw/ey-gazette"
    raw.mkdir(parents=True)
    shutil.copy(REPO / "data/raw/ey-gazette/source.yaml", raw)
    for copy in range(copies):
        for path in sorted(REAL.glob("*.xml")):
            if copies == 1:
                try:
                    os.link(path, raw / path.name)
                except OSError:  # another file system
                    shutil.copy(path, raw / path.name)
                continue
            marked = f"<HTMLContent><![CDATA[<p>副本 {copy}</p>".encode()
            (raw / f"{copy:03d}-{path.name}").write_bytes(path.read_bytes().replace(BODY, marked))
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
    parser.add_argument(
        "--copies", type=int, default=1, help="times the ten gazette files are laid out, each time distinct (default 1)"
    )
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
            runs = {  # name: (tree, local.workers)
                args.base: (base_tree, None),
                "this tree, workers 1": (REPO, 1),
                "this tree": (REPO, None),
            }
            roots = {name: Path(tmp) / f"layout-{i}" for i, name in enumerate(runs)}
            for name, (tree, workers) in runs.items():
                layout(roots[name], tree, args.copies, workers)
            files = len(list(roots[args.base].glob("data/raw/ey-gazette/*.xml")))
            size = sum(p.stat().st_size for p in roots[args.base].glob("data/raw/ey-gazette/*.xml"))
            times: dict[str, list[float]] = {name: [] for name in runs}
            for _ in range(args.repeat):
                for name, (tree, _workers) in runs.items():
                    times[name].append(run_stage(tree, roots[name]))
            docs = {name: documents(roots[name]) for name in runs}
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(base_tree)], check=True)
    base = min(times[args.base])
    before = docs[args.base]
    print(f"ingest stage process on {files} gazette files ({size / 1e6:.0f} MB of XML), best of {args.repeat}:")
    for name in runs:
        best, after = min(times[name]), docs[name]
        same = "identical" if before == after else f"DIFFERENT ({sum(a != b for a, b in zip(before, after))} differ)"
        ratio = "" if name == args.base else f"  {base / best:.1f}x; documents {len(after)} vs {len(before)}, {same}"
        print(f"  {name}: {best:.2f} s (runs: {', '.join(f'{t:.2f}' for t in times[name])}){ratio}")


if __name__ == "__main__":
    main()
