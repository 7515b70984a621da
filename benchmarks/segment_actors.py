"""The segment stage on engine: ray (a pool of CKIP actors) against engine: local, in one run.

Run: .venv/bin/python benchmarks/segment_actors.py [--size albert-tiny|bert-base] [--docs N]
                                                   [--device cpu|cuda] [--pools 1x1,2x0.5]

A CKIP model of the real architecture with random weights is built locally (as in
``segment_speed.py``; speed does not depend on the weights). Documents: paragraphs of the
sample laws and minutes, ~2,000 characters each, with one character changed per sentence
so that no piece repeats (the stage segments each distinct piece once). The segmentation
cache is off. Baseline: the stage on engine: local in this process. Then the stage on
engine: ray with each pool in ``--pools``: ``<actors>x<GPUs per actor>`` (on CPU, the
GPU share is ignored and each actor takes one CPU). Prints characters/s, the ratio to the
baseline, and whether every token is identical. ``ray.init`` is timed apart.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "benchmarks")]

import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
import yaml  # noqa: E402

from pipeline.core.schema import schema_after  # noqa: E402
from pipeline.ingest.readers.lawdb import read_lawdb  # noqa: E402


def documents(n: int, chars: int = 2000, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    paragraphs = [r.text for p in sorted((ROOT / "data/raw/laws").glob("*.json")) for r in read_lawdb(p, None)]
    paragraphs += [p.read_text(encoding="utf-8") for p in (ROOT / "data/raw/smart-nation-meeting").glob("*.md")]
    sentences = [s + "。" for text in paragraphs for s in "".join(text.split()).split("。") if 5 < len(s) < 300]
    alphabet = sorted({c for s in sentences for c in s if "\u4e00" <= c <= "\u9fff"})
    docs = []
    for _ in range(n):
        parts, size = [], 0
        while size < chars:
            s = list(rng.choice(sentences))
            s[rng.randrange(len(s) - 1)] = rng.choice(alphabet)  # no two pieces alike
            parts.append("".join(s))
            size += len(s)
        docs.append("\n".join(parts))
    return docs


def repo(root: Path, model: Path, docs: list[str], device: str, engine: str, actors: int, gpus: float) -> None:
    shutil.copytree(ROOT / "licenses", root / "licenses")
    params = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    params["engine"] = engine
    params["ray"].update(
        segment_actors=actors, segment_gpus=gpus if device != "cpu" else 0, segment_cpus=1 if device == "cpu" else 0.5
    )
    params["segment"].update(model=str(model), device=device, cache_dir=None, batch_size=256 if device != "cpu" else 64)
    (root / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    (root / "configs").mkdir()
    (root / "configs/sources.yaml").write_text("sources: {bench: {}}\n", encoding="utf-8")
    rows = [
        {
            "id": f"{i:08d}",
            "text": t,
            "source": "bench",
            "source_file": "docs.jsonl",
            "source_line": i + 1,
            "license": "CC0-1.0",
            "title": None,
            "url": None,
            "date": None,
            "meta": None,
            "lang": "zh-Hant",
            "converted": None,
            "cleanup": None,
            "quality": None,
            "pii": [],
            "pii_types": [],
        }
        for i, t in enumerate(docs)
    ]
    (root / "data/interim/bench").mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=schema_after("pii")), root / "data/interim/bench/pii.parquet")


def run(root: Path) -> tuple[float, list]:
    from pipeline.core.context import load_context
    from pipeline.stages import runner

    start = time.perf_counter()
    runner("segment")(load_context(root), "bench", progress=False)
    seconds = time.perf_counter() - start
    return seconds, pq.read_table(root / "data/interim/bench/segment.parquet").column("tokens").to_pylist()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=["albert-tiny", "bert-base"], default="albert-tiny")
    parser.add_argument("--docs", type=int, default=200)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--pools", default="1x1", help="comma-separated <actors>x<GPUs per actor> (default 1x1)")
    parser.add_argument("--num-cpus", type=int, default=None, help="CPUs of the local Ray instance (default: all)")
    args = parser.parse_args()

    from segment_speed import SIZES
    from tiny_ckip import build

    docs = documents(args.docs)
    chars = sum(len(d) for d in docs)
    report: dict = {"model": args.size, "device": args.device, "documents": len(docs), "chars": chars}
    with tempfile.TemporaryDirectory() as tmp:
        arch, size = SIZES[args.size]
        model = build(Path(tmp) / "model", arch=arch, size=size, texts=docs[:200])
        repo(Path(tmp) / "warm-up", model, docs[:20], args.device, "local", 1, 0)
        run(Path(tmp) / "warm-up")  # imports, CUDA context
        repo(Path(tmp) / "local", model, docs, args.device, "local", 1, 0)
        seconds, expected = run(Path(tmp) / "local")
        report["local_chars_per_s"] = round(chars / seconds)

        from pipeline.engine.on_ray import RayEngine
        from pipeline.engine.params import RayParams

        start = time.perf_counter()
        RayEngine.shared(RayParams(num_cpus=args.num_cpus))
        report["ray_init_s"] = round(time.perf_counter() - start, 1)
        for pool in args.pools.split(","):
            actors, gpus = pool.split("x")
            root = Path(tmp) / f"ray-{pool}"
            repo(root, model, docs, args.device, "ray", int(actors), float(gpus))
            seconds, tokens = run(root)  # joins the Ray instance started above
            report[f"ray_{pool}"] = {
                "chars_per_s": round(chars / seconds),
                "ratio_to_local": round(
                    report["local_chars_per_s"] and chars / seconds / report["local_chars_per_s"], 2
                ),
                "identical_documents": f"{sum(a == b for a, b in zip(tokens, expected))}/{len(docs)}",
            }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
