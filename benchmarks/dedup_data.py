"""Generated documents for the dedup benchmark and tests: unrelated Chinese documents, and
near-duplicates with a given share of characters substituted, inserted or deleted."""

from __future__ import annotations

import random
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_SENTENCES: list[str] | None = None


def _sentences() -> list[str]:
    global _SENTENCES
    if _SENTENCES is None:
        path = ROOT / "tests" / "data" / "ud_gsd_dev_sentences.txt"
        _SENTENCES = [s for s in path.read_text(encoding="utf-8").splitlines() if len(s) > 10]
    return _SENTENCES


def random_document(rng: random.Random, chars: int = 500) -> str:
    """About ``chars`` characters of real sentences drawn at random: unrelated documents share
    vocabulary, as real ones do, but not passages."""
    parts, total = [], 0
    sentences = _sentences()
    while total < chars:
        s = rng.choice(sentences)
        parts.append(s)
        total += len(s)
    return "".join(parts)


def near_duplicate(text: str, rng: random.Random, share: float) -> str:
    """``text`` with about ``share`` of its characters edited: substituted, inserted or deleted."""
    chars = list(text)
    alphabet = "的是在了和有為這個們中來上大國到說時要就出會也"
    for _ in range(max(1, round(share * len(chars)))):
        i = rng.randrange(len(chars))
        op = rng.random()
        if op < 0.5:
            chars[i] = rng.choice(alphabet)
        elif op < 0.75:
            chars.insert(i, rng.choice(alphabet))
        elif len(chars) > 1:
            del chars[i]
    return "".join(chars)
