"""engine: local against engine: ray on the same corpus, stage by stage, in one run.

Run: .venv/bin/python benchmarks/engines.py [--generated N] [--num-cpus C]

The corpus is the shipped sample corpus, plus (with ``--generated``) a source of N
generated documents of ~2,000 characters of real UD GSD sentences (``dedup_data.py``).
The segmentation cache is off, so both engines segment everything. The local engine uses
one core; Ray uses ``--num-cpus``. Both runs are in-process
(as ``pipeline.stages.run_all`` does); under ``dvc repro`` each stage is its own process,
which adds Ray's start-up (measured here as ``ray.init``) to every stage. Prints seconds
per stage, the ray/local ratio, and the local engine's characters per second per stage.
"""

from __future__ import annotations

import argparse
import json
import pickle
import random
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pyarrow.parquet as pq  # noqa: E402
import yaml  # noqa: E402

from pipeline.core.context import load_context  # noqa: E402
from pipeline.core.contract import global_stages, previous_stage, source_stages  # noqa: E402
from pipeline.stages import runner  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
from dedup_data import random_document  # noqa: E402


def build(root: Path, engine: str, generated: int, num_cpus: int) -> None:
    shutil.copytree(ROOT / "licenses", root / "licenses")
    shutil.copytree(ROOT / "data/raw", root / "data/raw")
    sources = {p.name: {} for p in (root / "data/raw").iterdir() if (p / "source.yaml").is_file()}
    if generated:
        folder = root / "data/raw/generated"
        folder.mkdir()
        rng = random.Random(0)
        with (folder / "docs.jsonl").open("w", encoding="utf-8") as f:
            for _ in range(generated):
                f.write(json.dumps({"text": random_document(rng, 2000)}, ensure_ascii=False) + "\n")
        (folder / "source.yaml").write_text(
            yaml.safe_dump(
                {
                    "id": "generated",
                    "title": "generated",
                    "publisher": "benchmark",
                    "license": "CC0-1.0",
                    "url": "https://example.org/",
                    "format": "jsonl",
                }
            ),
            encoding="utf-8",
        )
        sources["generated"] = {}
    (root / "configs").mkdir()
    (root / "configs/sources.yaml").write_text(yaml.safe_dump({"sources": sources}), encoding="utf-8")
    params = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    params["engine"] = engine
    params["ray"]["num_cpus"] = num_cpus
    params["segment"]["cache_dir"] = None
    (root / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")


def run(root: Path) -> tuple[dict[str, float], dict[str, int]]:
    ctx = load_context(root)
    seconds: dict[str, float] = defaultdict(float)
    chars: dict[str, int] = defaultdict(int)
    for source_id in ctx.sources.ids:
        for stage in source_stages():
            start = time.perf_counter()
            runner(stage)(ctx, source_id, progress=False)
            seconds[stage] += time.perf_counter() - start
            if stage != "ingest":  # characters the stage read
                before = previous_stage(stage)
                chars[stage] += json.loads((root / f"data/metrics/{source_id}/{before}.json").read_text())["characters"]
            else:
                chars[stage] += json.loads((root / f"data/metrics/{source_id}/ingest.json").read_text())["characters"]
    for name in global_stages():
        start = time.perf_counter()
        runner(name)(ctx, progress=False)
        seconds[name] += time.perf_counter() - start
        chars[name] = chars[source_stages()[-1]]
    return dict(seconds), dict(chars)


def driver_writes(root: Path) -> float:
    """Characters per second of the driver's share of a stage on Ray: results arrive pickled,
    and the driver unpickles and writes them (zstd) in order. Measured on segment's output."""
    from pipeline.core.parquet import RowWriter, read_batches

    source = root / "data/interim/generated/segment.parquet"
    if not source.is_file():
        source = root / "data/dedup/documents.parquet"
    results = [pickle.dumps(batch) for batch in read_batches(source, 1000)]
    chars = sum(len(t) for t in pq.read_table(source, columns=["text"]).column("text").to_pylist())
    start = time.perf_counter()
    with RowWriter(root / "copy.parquet", pq.read_schema(source), 1000) as out:
        for result in results:
            out.write_batch(pickle.loads(result))
    return chars / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--generated", type=int, default=0, help="generated documents added (default 0)")
    parser.add_argument("--num-cpus", type=int, default=2, help="CPUs of the local Ray instance (default 2)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = {}
        for engine in ("local", "ray"):
            root = Path(tmp) / engine
            build(root, engine, args.generated, args.num_cpus)
            if engine == "ray":
                from pipeline.core.config import load_params
                from pipeline.core.layout import Layout
                from pipeline.engine.on_ray import RayEngine

                start = time.perf_counter()
                RayEngine.shared(load_params(Layout.at(root)).ray)
                init = time.perf_counter() - start
            results[engine] = run(root)
        writes = driver_writes(Path(tmp) / "local")
        same = all(
            (Path(tmp) / "local" / rel).read_bytes() == (Path(tmp) / "ray" / rel).read_bytes()
            for rel in (p.relative_to(Path(tmp) / "local") for p in (Path(tmp) / "local/data").rglob("*.parquet"))
        )
    (local, chars), (ray, _) = results["local"], results["ray"]
    print(
        f"corpus: {chars['ingest']:,} characters read by ingest (the sample corpus and {args.generated:,} generated "
        f"documents); ray.init (local instance, {args.num_cpus} CPUs): {init:.1f} s"
    )
    print(f"{'stage':<10}{'local s':>10}{'ray s':>10}{'ray/local':>11}{'local chars/s':>16}")
    for stage in source_stages() + global_stages():
        print(
            f"{stage:<10}{local[stage]:>10.2f}{ray[stage]:>10.2f}{ray[stage] / local[stage]:>10.1f}×"
            f"{chars[stage] / local[stage]:>16,.0f}"
        )
    total_local, total_ray = sum(local.values()), sum(ray.values())
    print(f"{'total':<10}{total_local:>10.2f}{total_ray:>10.2f}{total_ray / total_local:>10.1f}×")
    print(f"every Parquet file byte-identical between the engines: {same}")
    print(f"the driver's share of a stage on Ray (results unpickled and written): {writes:,.0f} chars/s")


if __name__ == "__main__":
    main()
