"""Speed of decontam on one core: 100,000 documents against 20,000 benchmark items.

Run: .venv/bin/python benchmarks/decontam_speed.py [--docs 100000] [--items 20000] [--chars 1000] [--text laws|random]
     [--stage]

The data is generated (no real corpus of that size ships with the project):

- ``--text laws`` (the default): documents of about ``--chars`` characters made of sentences
  drawn at random from three of the sample laws (data/raw/laws/), and exam items cut from
  sentences of the other four (a question prefix, the sentence with two characters blanked,
  four choices), so the documents carry the statutory boilerplate both share and index
  lookups hit and are verified often.
- ``--text random``: characters drawn from the 3,000 commonest-looking Han code points with a
  Zipf law, with punctuation; items from other sentences made the same way.

In both, 1 % of the documents have a whole item pasted in, and the run checks that each of
them is found. Timed: loading the index (``build_index``) and ``decontam_batch`` over batches
of ``decontam.batch_size`` documents, the stage's work per batch (Parquet reading and
writing are not included). Single-threaded: numpy here does not use threads for these ops.

``--stage`` times the whole stage instead, as ``twcorpus decontam`` runs it: the documents
written as ``data/dedup/documents.parquet`` and the items as a JSON Lines benchmark under
``data/benchmarks/`` of a throw-away repository, then ``decontam.run`` (reading the
benchmark, indexing, reading, scanning and writing every document, the rejects and metrics).
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from pipeline.decontam.benchmarks import Benchmark  # noqa: E402
from pipeline.decontam.ngrams import build_index  # noqa: E402
from pipeline.decontam.params import BenchmarkSpec, DecontamParams  # noqa: E402
from pipeline.decontam.stage import decontam_batch  # noqa: E402
from pipeline.ingest.readers.lawdb import read_lawdb  # noqa: E402

PUNCT = "，。、；：「」（）"


def law_sentences() -> tuple[list[str], list[str]]:
    """Sentences of the first four sample laws (for items) and of the other three (for documents)."""
    out: tuple[list[str], list[str]] = ([], [])
    for i, p in enumerate(sorted((ROOT / "data" / "raw" / "laws").glob("*.json"))):
        for r in read_lawdb(p, None):
            out[i >= 4].extend(s + "。" for s in re.findall(r"[^。；\n]+", r.text) if len(s.strip()) >= 8)
    return out


def random_sentences(rng: np.random.Generator, count: int) -> list[str]:
    ranks = np.minimum(rng.zipf(1.3, size=count * 30), 3000) - 1
    codes = (0x4E00 + (ranks * 7919) % 20000).astype(np.uint32)
    text = codes.tobytes().decode("utf-32-le")
    cuts = np.cumsum(rng.integers(8, 50, size=count))
    return [
        text[a:b] + PUNCT[i % len(PUNCT)] for i, (a, b) in enumerate(zip(np.r_[0, cuts[:-1]], cuts)) if b <= len(text)
    ]


def make(docs: int, items: int, chars: int, kind: str, seed: int) -> tuple[list[str], list[str], list[int]]:
    rng = np.random.default_rng(seed)
    pick = random.Random(seed)
    if kind == "laws":
        item_sentences, sentences = law_sentences()
    else:
        item_sentences, sentences = random_sentences(rng, 50_000), random_sentences(rng, 200_000)
    item_texts = []
    for i in range(items):
        s = pick.choice(item_sentences)
        at = pick.randrange(max(1, len(s) - 3))
        item_texts.append(
            "\n".join(
                [f"第{i}題：依規定，" + s[:at] + "＿＿" + s[at + 2 :], *(pick.choice(sentences)[:6] for _ in range(4))]
            )
        )
    texts, planted = [], []
    for d in range(docs):
        parts, size = [], 0
        while size < chars:
            s = pick.choice(sentences)
            parts.append(s)
            size += len(s)
        if d % 100 == 7:
            planted.append(d)
            parts.insert(pick.randrange(len(parts)), item_texts[pick.randrange(items)].replace("\n", " "))
        texts.append("".join(parts))
    return texts, item_texts, planted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--chars", type=int, default=1000)
    parser.add_argument("--text", choices=("laws", "random"), default="laws")
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--stage", action="store_true", help="time the whole stage (Parquet in and out)")
    args = parser.parse_args()
    p = DecontamParams()
    texts, item_texts, planted = make(args.docs, args.items, args.chars, args.text, args.seed)
    print(
        f"{len(texts):,} documents, {sum(map(len, texts)):,} characters; {len(item_texts):,} items "
        f"({args.text} text, generated); n = {p.ngram}"
    )
    if args.stage:
        return time_stage(texts, item_texts, planted)
    t0 = time.perf_counter()
    spec = BenchmarkSpec("speed", "generated", ("question",))
    bench = Benchmark(spec, ("generated",), tuple(str(i) for i in range(len(item_texts))), tuple(item_texts))
    index = build_index([bench], [p.ngram], ["remove"], p.min_chars)
    t1 = time.perf_counter()
    removed: set[int] = set()
    for start in range(0, len(texts), p.batch_size):
        chunk = texts[start : start + p.batch_size]
        batch = pa.RecordBatch.from_pydict(
            {
                "id": [str(start + i) for i in range(len(chunk))],
                "text": chunk,
                "source": ["gen"] * len(chunk),
                "source_file": ["gen"] * len(chunk),
                "source_line": list(range(start, start + len(chunk))),
            }
        )
        result = decontam_batch(batch, index)
        removed.update(int(r["id"]) for r in result.rejects)
    t2 = time.perf_counter()
    missed = [d for d in planted if d not in removed]
    print(
        f"index: {t1 - t0:.2f} s ({sum(len(t.hashes) for t in index.tables.values()):,} n-grams); "
        f"scan: {t2 - t1:.2f} s ({len(texts) / (t2 - t1):,.0f} documents/s); total {t2 - t0:.2f} s"
    )
    print(f"removed {len(removed):,} documents; planted {len(planted):,}, missed {len(missed)}")
    if missed:
        raise SystemExit(f"planted items not found: {missed[:10]}")


def time_stage(texts: list[str], item_texts: list[str], planted: list[int]) -> None:
    import json
    import shutil
    import tempfile

    import pyarrow.parquet as pq
    import yaml

    from pipeline.core.context import load_context
    from pipeline.core.schema import schema_after
    from pipeline.decontam import stage

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copytree(ROOT / "licenses", root / "licenses")
        (root / "configs").mkdir()
        (root / "configs" / "sources.yaml").write_text("sources: {}\n", encoding="utf-8")
        (root / "data" / "benchmarks").mkdir(parents=True)
        with open(root / "data" / "benchmarks" / "items.jsonl", "w", encoding="utf-8") as f:
            for i, item in enumerate(item_texts):
                f.write(json.dumps({"id": str(i), "question": item}, ensure_ascii=False) + "\n")
        (root / "params.yaml").write_text(
            yaml.safe_dump(
                {
                    "decontam": {
                        "benchmarks": [
                            {
                                "name": "speed",
                                "path": "data/benchmarks/items.jsonl",
                                "fields": ["question"],
                                "id_field": "id",
                            }
                        ]
                    }
                }
            )
        )
        n = len(texts)
        given = {
            "id": pa.array([str(i) for i in range(n)]),
            "text": pa.array(texts),
            "source": pa.array(["gen"] * n),
            "source_file": pa.array(["gen"] * n),
            "source_line": pa.array(range(n), pa.int64()),
        }
        table = pa.table(
            [given.get(f.name, pa.nulls(n, f.type)) for f in schema_after("dedup")], schema=schema_after("dedup")
        )
        (root / "data" / "dedup").mkdir()
        pq.write_table(table, root / "data" / "dedup" / "documents.parquet", row_group_size=10_000)
        t0 = time.perf_counter()
        metrics = stage.run(load_context(root), progress=False)
        t1 = time.perf_counter()
        removed = {
            int(i) for i in pq.read_table(root / "data" / "decontam" / "rejects.parquet").column("id").to_pylist()
        }
        # the baseline, same run: the stage with no benchmark (Parquet read and written, nothing checked)
        (root / "params.yaml").write_text(yaml.safe_dump({"decontam": {"benchmarks": []}}))
        t2 = time.perf_counter()
        stage.run(load_context(root), progress=False)
        t3 = time.perf_counter()
    missed = [d for d in planted if d not in removed]
    print(
        f"stage: {t1 - t0:.2f} s ({n / (t1 - t0):,.0f} documents/s), Parquet in and out; kept "
        f"{metrics['documents']:,}, removed {metrics['removed']:,}; planted {len(planted):,}, missed {len(missed)}"
    )
    print(f"baseline, the stage with no benchmark: {t3 - t2:.2f} s; checking costs {(t1 - t0) / (t3 - t2):.1f}× that")
    if missed:
        raise SystemExit(f"planted items not found: {missed[:10]}")


if __name__ == "__main__":
    main()
