"""Dedup: time and memory from 10,000 to 1,000,000 documents of ~500 characters, and quality.

Run: .venv/bin/python benchmarks/dedup_scaling.py [--sizes 10000 100000 1000000]

Each size runs in its own process (so peak memory is its own): generated documents of
~500 characters (benchmarks/dedup_data.py), 10 % of them near-duplicates of others with
3–10 % of characters edited. Timed: signatures (rensa), LSH links, components, keeper
choice: the dedup stage's work without the Parquet I/O. Reports seconds, documents/s,
peak RSS, and recall/precision of near-duplicate detection at the default parameters.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]


def one(n: int) -> dict:
    import numpy as np

    from dedup_data import near_duplicate, random_document
    from pipeline.core.config import DedupParams
    from pipeline.dedup import minhash
    from pipeline.dedup.stage import find_duplicates, text_key

    rng = random.Random(n)
    copies = n // 10
    base = [random_document(rng) for _ in range(n - copies)]
    docs = base + [near_duplicate(base[i], rng, 0.03 + 0.07 * rng.random()) for i in range(copies)]
    p = DedupParams()
    start = time.perf_counter()
    keys = [text_key(t) for t in docs]
    sigs = np.concatenate([minhash.signatures(docs[i:i + p.batch_size], num_perm=p.bands * p.rows, ngram=p.ngram,
                                              seed=p.seed) for i in range(0, n, p.batch_size)])
    t_sig = time.perf_counter() - start
    keeper, _ = find_duplicates(keys, sigs, np.arange(n), bands=p.bands, rows=p.rows, threshold=p.threshold)
    seconds = time.perf_counter() - start
    found = sum(1 for i in range(copies) if keeper[n - copies + i] == keeper[i])
    flagged = [i for i in range(n) if keeper[i] != i]
    true = sum(1 for i in flagged if i >= n - copies)
    return {"documents": n, "seconds": round(seconds, 1), "signature_seconds": round(t_sig, 1),
            "docs_per_s": round(n / seconds), "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
            "recall": round(found / copies, 4), "precision": round(true / max(1, len(flagged)), 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one)))
        return
    for n in args.sizes:
        out = subprocess.run([sys.executable, __file__, "--one", str(n)], capture_output=True, text=True, check=True)
        print(out.stdout.strip().splitlines()[-1], flush=True)


if __name__ == "__main__":
    main()
