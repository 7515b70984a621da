"""Choosing the MinHash library: datasketch vs rensa, on the same documents, in one run.

Run: .venv/bin/python benchmarks/minhash_libraries.py [--docs N]

Documents: N generated Chinese documents of ~500 characters (benchmarks/dedup_data.py).
Each library builds 128-permutation signatures over character 3-gram shingles. Prints
seconds and documents/s for each, the ratio, and how far each library's Jaccard estimate
is from the exact Jaccard on 200 near-duplicate pairs (mean absolute error).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from dedup_data import near_duplicate, random_document  # noqa: E402

PERMUTATIONS = 128


def shingles(text: str, n: int = 3) -> list[str]:
    return [text[i : i + n] for i in range(max(1, len(text) - n + 1))]


def with_rensa(docs: list[list[str]]) -> list:
    from rensa import RMinHash

    out = []
    for s in docs:
        m = RMinHash(num_perm=PERMUTATIONS, seed=42)
        m.update(s)
        out.append(m)
    return out


def with_datasketch(docs: list[list[str]]) -> list:
    from datasketch import MinHash

    return list(MinHash.generator([[x.encode("utf-8") for x in s] for s in docs], num_perm=PERMUTATIONS, seed=42))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=5000)
    args = parser.parse_args()
    rng = random.Random(0)
    texts = [random_document(rng) for _ in range(args.docs)]
    docs = [shingles(t) for t in texts]
    pairs = [(t, near_duplicate(t, rng, 0.03 + 0.07 * rng.random())) for t in texts[:200]]
    timings = {}
    for name, fn in (("datasketch", with_datasketch), ("rensa", with_rensa)):
        start = time.perf_counter()
        fn(docs)
        timings[name] = time.perf_counter() - start
        a = fn([shingles(x) for x, _ in pairs])
        b = fn([shingles(y) for _, y in pairs])
        errors = []
        for (x, y), ma, mb in zip(pairs, a, b):
            sx, sy = set(shingles(x)), set(shingles(y))
            errors.append(abs(ma.jaccard(mb) - len(sx & sy) / len(sx | sy)))
        print(
            f"{name:11} {timings[name]:6.2f} s  {args.docs / timings[name]:8.0f} docs/s  "
            f"Jaccard error {sum(errors) / len(errors):.3f}"
        )
    print(f"rensa is {timings['datasketch'] / timings['rensa']:.1f}x faster than datasketch")


if __name__ == "__main__":
    main()
