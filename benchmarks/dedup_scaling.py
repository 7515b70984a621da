"""Dedup: time and memory from 10,000 to 1,000,000 documents of ~500 characters, and quality.

Run: .venv/bin/python benchmarks/dedup_scaling.py [--sizes 10000 100000 1000000]

Each size runs in its own process (so peak memory is its own): generated documents of
~500 characters (benchmarks/dedup_data.py), 10 % of them near-duplicates of others with
3–10 % of characters edited. Timed: signatures (rensa), LSH links, keeper choice: the
dedup stage's work without the Parquet I/O. Each size runs twice: the previous release's
settings and keeper choice (3-grams, threshold 0.5, connected components: the baseline)
and the current defaults; reports seconds, documents/s, peak RSS, the ratio, and
recall/precision of near-duplicate detection on the generated copies (generated data:
with 10 % of characters edited, a generated copy is farther from its source than the
real copies that set the defaults, README "dedup in detail").
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


def previous_keepers(keys, sigs, p):
    """The keeper choice before documents were verified against their keeper (the baseline):
    LSH links at the threshold, connected components, the first document of each."""
    import numpy as np

    from pipeline.dedup import minhash
    from pipeline.dedup.stage import exact_links

    candidates = minhash.candidate_links(sigs, p.bands, p.rows)
    near = candidates[minhash.estimated_jaccard(sigs, candidates) >= p.threshold]
    roots = minhash.components(len(keys), np.concatenate([exact_links(keys), near]))
    return roots  # the smallest index of a component is its first document


def one(n: int, baseline: bool) -> dict:
    import numpy as np
    from dedup_data import near_duplicate, random_document

    from pipeline.dedup import minhash
    from pipeline.dedup.params import DedupParams
    from pipeline.dedup.stage import find_duplicates, text_key

    rng = random.Random(n)
    copies = n // 10
    base = [random_document(rng) for _ in range(n - copies)]
    docs = base + [near_duplicate(base[i], rng, 0.03 + 0.07 * rng.random()) for i in range(copies)]
    # the baseline: the settings and keeper choice of the previous release (3-grams, 0.5, chains)
    p = DedupParams(ngram=3, threshold=0.5, family_threshold=0.5) if baseline else DedupParams()
    start = time.perf_counter()
    keys = [text_key(t) for t in docs]
    sigs = np.concatenate(
        [
            minhash.signatures(docs[i : i + p.batch_size], num_perm=p.bands * p.rows, ngram=p.ngram, seed=p.seed)
            for i in range(0, n, p.batch_size)
        ]
    )
    t_sig = time.perf_counter() - start
    if baseline:
        keeper = previous_keepers(keys, sigs, p)
    else:
        keeper, _ = find_duplicates(
            keys,
            sigs,
            np.arange(n),
            bands=p.bands,
            rows=p.rows,
            threshold=p.threshold,
            family_threshold=p.family_threshold,
        )
    seconds = time.perf_counter() - start
    found = sum(1 for i in range(copies) if keeper[n - copies + i] == keeper[i])
    flagged = [i for i in range(n) if keeper[i] != i]
    true = sum(1 for i in flagged if i >= n - copies)
    return {
        "documents": n,
        "run": "previous" if baseline else "current",
        "seconds": round(seconds, 1),
        "signature_seconds": round(t_sig, 1),
        "docs_per_s": round(n / seconds),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "recall": round(found / copies, 4),
        "precision": round(true / max(1, len(flagged)), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--baseline", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.baseline)))
        return
    for n in args.sizes:
        runs = {}
        for flag in (["--baseline"], []):
            out = subprocess.run(
                [sys.executable, __file__, "--one", str(n), *flag], capture_output=True, text=True, check=True
            )
            runs[bool(flag)] = json.loads(out.stdout.strip().splitlines()[-1])
            print(json.dumps(runs[bool(flag)]), flush=True)
        print(
            f"{n:,} documents: {runs[False]['seconds'] / runs[True]['seconds']:.2f}× the previous release's time",
            flush=True,
        )


if __name__ == "__main__":
    main()
