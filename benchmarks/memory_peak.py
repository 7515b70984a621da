"""Peak memory of every stage on one long document, against reading that file once.

Run: .venv/bin/python benchmarks/memory_peak.py [--bytes 4194304]

One generated multi-line text file of ``--bytes`` UTF-8 bytes (lines of the sample laws
and meeting minutes with 15 % of their characters replaced, so lines and 10-grams rarely
repeat and the document passes every rule) is contributed as a plain-text source to a
throw-away repository, and each stage runs on it in a subprocess of its own: ingest,
normalize, quality (twice: with ``quality.max_chars`` below the document, which is
rejected ``too_long`` on a count of its characters, then with ``max_chars`` raised, so
every signal is measured and the document goes on), pii, segment (the offline fallback:
no CKIP model), dedup and publish. The baseline, measured in the same run, is a
subprocess that imports the pipeline and reads the file into memory once.

Each stage is reported as its peak resident memory (VmHWM of its process), as a ratio
to the baseline's and to the file size, and as its growth per byte of the file: every
stage also runs on a small document (--small-bytes) first, and the slope between the two
runs cancels the fixed costs (imports, segment's dictionary, OpenCC's tables, Parquet
writers). That slope scales to ``ingest.max_file_bytes``: the estimate column is the
stage's peak on a file of that size (256 MiB unless --max-file-bytes says otherwise).
Prints a progress line per stage, then a Markdown table for the README, then JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = "long"
MIB = 2**20
# name shown, the stage run by the child, and quality.max_chars: below the document (rejected
# too_long, the cheap path), at least the document (every signal measured; it goes on), or as shipped
RUNS = [
    ("ingest", "ingest", None),
    ("normalize", "normalize", None),
    ("quality: rejected too_long", "quality", "below"),
    ("quality: every signal", "quality", "above"),
    ("pii", "pii", None),
    ("segment (offline fallback)", "segment", None),
    ("dedup", "dedup", None),
    ("publish", "publish", None),
]


def peak_mib() -> float:
    """This process's peak resident memory: VmHWM (its own, even when spawned by a big parent), else ru_maxrss."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mib() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return peak_mib()


# --- children ---------------------------------------------------------------------------------


def generate(path: Path, size: int, seed: int) -> dict:
    """A multi-line document of ``size`` UTF-8 bytes made of real lines, 15 % of characters replaced."""
    import numpy as np

    sys.path.insert(0, str(ROOT))
    from pipeline.ingest.readers.lawdb import read_lawdb

    texts = [r.text for p in sorted((ROOT / "data/raw/laws").glob("*.json")) for r in read_lawdb(p, None)]
    texts += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "data/raw/smart-nation-meeting").glob("*.md"))]
    lines = [line for t in texts for line in t.split("\n") if len(line.strip()) >= 10]
    alphabet = np.array([ord(c) for c in "".join("".join(lines).split())], dtype=np.uint32)
    rng = np.random.default_rng(seed)
    out, written = [], 0
    while written < size:
        chunk = "\n".join(lines[i] for i in rng.integers(0, len(lines), 2000)) + "\n"
        cps = np.frombuffer(chunk.encode("utf-32-le"), dtype=np.uint32).copy()
        swap = (rng.random(len(cps)) < 0.15) & (cps > 0x2000)  # Han and CJK punctuation, never whitespace
        cps[swap] = alphabet[rng.integers(0, len(alphabet), int(swap.sum()))]
        data = cps.tobytes().decode("utf-32-le").encode("utf-8")
        out.append(data)
        written += len(data)
    data = b"".join(out)
    data = data[: data.rfind(b"\n", 0, size) + 1]  # whole lines, at most ``size`` bytes
    path.write_bytes(data)
    text = data.decode("utf-8")
    return {"bytes": len(data), "chars": len("".join(text.split())), "lines": text.count("\n")}


def baseline(path: Path) -> dict:
    """Import the pipeline, then read the file into memory once: what any stage needs at least."""
    sys.path.insert(0, str(ROOT))
    import pipeline.stages  # noqa: F401 - the imports every stage child makes

    imports = rss_mib()
    text = path.read_bytes().decode("utf-8")
    return {"imports_mib": imports, "chars": len(text)}


def stage(name: str, root: Path) -> dict:
    sys.path.insert(0, str(ROOT))
    from pipeline import stages
    from pipeline.core.context import load_context

    ctx = load_context(root)
    if name == "dedup":
        return stages.dedup.run(ctx, progress=False)
    if name == "publish":
        return stages.publish.run(ctx, progress=False)
    return stages.runner(name)(ctx, SOURCE, progress=False)


def child(args: argparse.Namespace) -> None:
    start = time.perf_counter()
    if args.child == "generate":
        result = generate(Path(args.path), args.bytes, args.seed)
    elif args.child == "baseline":
        result = baseline(Path(args.path))
    else:
        metrics = stage(args.child, Path(args.path))
        result = {"kept": metrics.get("documents"), "rejects": metrics.get("rejects_by_reason")}
    print(json.dumps(result | {"peak_mib": peak_mib(), "seconds": time.perf_counter() - start}))


# --- the driver (imports nothing of the pipeline, so it stays small) ----------------------------


def run_child(kind: str, path: Path, env: dict[str, str], *extra: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--path", str(path), *extra],
        env=env,
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        sys.exit(f"{kind} failed (exit {out.returncode}):\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def repository(root: Path) -> None:
    """A throw-away repository: the real licenses and params, one plain-text source."""
    import yaml

    shutil.copytree(ROOT / "licenses", root / "licenses")
    shutil.copy(ROOT / "params.yaml", root / "params.yaml")
    (root / "configs").mkdir()
    (root / "configs" / "sources.yaml").write_text(f"sources:\n  {SOURCE}: {{}}\n", encoding="utf-8")
    folder = root / "data" / "raw" / SOURCE
    folder.mkdir(parents=True)
    manifest = {
        "id": SOURCE,
        "title": "one long document",
        "publisher": "測試機關 Test Agency",
        "license": "CC0-1.0",
        "url": f"https://example.gov.tw/{SOURCE}",
    }
    (folder / "source.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=True), encoding="utf-8")


def set_max_chars(root: Path, chars: int, where: str | None) -> None:
    """params.yaml as shipped, with quality.max_chars below or at least ``chars`` when told."""
    import yaml

    params = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    shipped = params["quality"]["max_chars"]
    if where == "below":
        params["quality"]["max_chars"] = min(shipped, chars // 2)
    elif where == "above":
        params["quality"]["max_chars"] = max(shipped, chars)
    (root / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True, sort_keys=False), encoding="utf-8")


def outcome(result: dict) -> str:
    if "kept" not in result:
        return ""
    rejects = ", ".join(f"{k} {v}" for k, v in (result["rejects"] or {}).items())
    return f"kept {result['kept']}" + (f"; {rejects}" if rejects else "")


def measure_all(root: Path, size: int, seed: int, progress: bool) -> tuple[dict, dict, list[dict]]:
    """The document, the baseline and every stage's result, each run in its own process."""
    env = dict(os.environ, HF_HOME=str(root / ".hf"), HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1")
    repository(root)
    path = root / "data" / "raw" / SOURCE / f"{SOURCE}.txt"
    made = run_child("generate", path, env, "--bytes", str(size), "--seed", str(seed))
    say = print if progress else (lambda *a, **k: None)
    say(
        f"document: {made['bytes']:,} bytes, {made['chars']:,} characters without whitespace, {made['lines']:,} lines",
        flush=True,
    )
    base = run_child("baseline", path, env) | {"name": "baseline: import the pipeline, read the file once"}
    say(
        f"{'baseline':28} {base['peak_mib']:8,.0f} MiB  {base['seconds']:6.1f} s  "
        f"(imports {base['imports_mib']:,.0f} MiB)",
        flush=True,
    )
    rows = []
    for name, kind, max_chars in RUNS:
        set_max_chars(root, made["chars"], max_chars)
        rows.append(run_child(kind, root, env) | {"name": name})
        r = rows[-1]
        say(f"{name:28} {r['peak_mib']:8,.0f} MiB  {r['seconds']:6.1f} s  {outcome(r)}", flush=True)
    return made, base, rows


def table(big: list[dict], small: list[dict], size: int, small_size: int, max_file: int) -> str:
    """Markdown; the growth per byte is the slope between the small and the large run."""
    lines = [
        f"| stage | peak MiB | × baseline | peak ÷ file size | MiB per MiB of file | est. peak at "
        f"{max_file / MIB:,.0f} MiB | seconds | result |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r, s in zip(big, small):
        slope = (r["peak_mib"] - s["peak_mib"]) / ((size - small_size) / MIB)
        estimate = s["peak_mib"] + slope * (max_file - small_size) / MIB
        lines.append(
            f"| {r['name']} | {r['peak_mib']:,.0f} | {r['peak_mib'] / big[0]['peak_mib']:.2f} "
            f"| {r['peak_mib'] / (size / MIB):.1f} | {slope:.2f} | {estimate:,.0f} | {r['seconds']:.1f} "
            f"| {outcome(r)} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="The growth per byte of the file is measured between the --small-bytes and the --bytes run, so\n"
        "fixed costs cancel; it scales to ingest.max_file_bytes, which the estimate column multiplies out.\n"
        "The default size takes about a minute on 2 cores, most of it segment.",
    )
    parser.add_argument("--bytes", type=int, default=4 * MIB, help="size of the generated file (default 4 MiB)")
    parser.add_argument(
        "--small-bytes",
        type=int,
        default=128 * 1024,
        help="size of the run that measures each stage's fixed cost (default 128 KiB)",
    )
    parser.add_argument(
        "--max-file-bytes",
        type=int,
        default=268_435_456,
        help="the ingest.max_file_bytes the estimate is for (default 256 MiB, params.yaml's)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the generated document")
    parser.add_argument("--keep", type=Path, help="build the throw-away repositories under this folder and keep them")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    if args.bytes <= 2 * args.small_bytes:
        parser.error("--bytes must be more than twice --small-bytes (the slope is measured between them)")

    work = args.keep or Path(tempfile.mkdtemp(prefix="memory_peak_"))
    try:
        print(f"fixed costs: every stage on a {args.small_bytes:,}-byte document", flush=True)
        small_doc, small_base, small = measure_all(work / "small", args.small_bytes, args.seed, progress=False)
        made, base, rows = measure_all(work / "large", args.bytes, args.seed, progress=True)
        print()
        print(table([base] + rows, [small_base] + small, made["bytes"], small_doc["bytes"], args.max_file_bytes))
        print(
            json.dumps(
                {
                    "document": made,
                    "baseline": base,
                    "stages": rows,
                    "small_document": small_doc,
                    "small_baseline": small_base,
                    "small_stages": small,
                }
            )
        )
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
