"""Choosing decontam's n-gram size on real text: false matches against recall, as n grows.

Run: .venv/bin/python benchmarks/decontam_ngram.py [--real ../shared/real/ey-gazette] [--seed 19]

Corpus: the development set's documents (the ten real gazette issues, 314 records, read as
ingest reads them with the shipped manifest; the seven sample laws; the sample poems, prose
and meeting minutes), each text once. Benchmark: exam items cut from those documents the
way exam writers quote a text: a sentence of 20–120 normalized characters (between 。；！？
or line breaks), with a question prefix (依《<title>》規定…, 下列敘述何者正確：…, 根據
<title>，…), its punctuation and digits rewritten (full-width ↔ half-width, spaces put in),
and four choices (the answer and three distractors from other documents). Two kinds:

- verbatim: the whole sentence is in the question (a contaminated training document holds
  all of it);
- cloze: 2–4 characters of it are blanked (＿＿＿) and become the answer, so the longest
  run the item shares with its source is shorter than the sentence.

For each n, with items shorter than n not checked: recall is the share of items found in
the document they were cut from; a false match is an item found in another document that
holds no run of at least half of the item's sentence (what boilerplate such as
依本法第…條規定 or a law's title in the question prefix does). An item found in another
document that holds half its sentence or more in one run (an amended regulation quoting the
article, a sibling of a templated notice that differs in a name) is a true match: that
document does contain the item's text.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from pipeline.core.layout import Layout  # noqa: E402
from pipeline.core.licenses import load_registry  # noqa: E402
from pipeline.decontam.benchmarks import Benchmark  # noqa: E402
from pipeline.decontam.ngrams import (  # noqa: E402
    Table,
    build_index,
    normalize,
    normalized,
    prefix_sums,
    scan,
    window_hashes,
)
from pipeline.decontam.params import BenchmarkSpec  # noqa: E402
from pipeline.ingest.encoding import read_document  # noqa: E402
from pipeline.ingest.manifest import load_manifest  # noqa: E402
from pipeline.ingest.readers.lawdb import read_lawdb  # noqa: E402
from pipeline.ingest.readers.xml import read_xml  # noqa: E402

NS = (6, 8, 10, 12, 13, 14, 15, 16, 17, 18, 19, 20, 22, 25, 30)
SENTENCE = re.compile(r"[^。；！？\n]+")
HALF = str.maketrans({"，": ",", "；": ";", "：": ":", "（": "(", "）": ")", "「": '"', "」": '"', "、": ","})
FULL_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")
PREFIXES = (
    "依《{title}》規定，",
    "下列敘述何者正確：",
    "根據{title}，",
    "依{title}之規定，下列何者為是？",
    "關於{title}，",
    "",
)
PER_SOURCE = {"gazette": 3, "laws": 40, "meeting": 10, "prose": 2, "poems": 1}


def documents(real: Path) -> dict[str, tuple[str, str]]:
    """Key -> (title, text) for every document of the development set, each text once."""
    layout = Layout.at(ROOT)
    manifest = load_manifest(layout, "ey-gazette", load_registry(layout))
    gazette = real if real.is_dir() else ROOT / "data" / "raw" / "ey-gazette"
    docs: dict[str, tuple[str, str]] = {}
    for p in sorted(gazette.glob("*.xml")):
        for r in read_xml(p, manifest):
            if hasattr(r, "text"):
                docs[f"gazette:{p.name}#{r.line}"] = (r.title or "", r.text)
    for p in sorted((ROOT / "data/raw/laws").glob("*.json")):
        for r in read_lawdb(p, None):
            docs[f"laws:{p.name}"] = (r.title, r.text)
    for p in sorted((ROOT / "data/raw/classical-poems").glob("*.txt")):
        docs[f"poems:{p.name}"] = (p.stem, read_document(p)[1])  # the poems come in several encodings
    for i, line in enumerate((ROOT / "data/raw/classical-prose/prose.jsonl").read_text(encoding="utf-8").splitlines()):
        row = json.loads(line)
        docs[f"prose:{i}"] = (row.get("title", ""), row["text"])
    for p in sorted((ROOT / "data/raw/smart-nation-meeting").glob("*.md")):
        docs[f"meeting:{p.name}"] = ("智慧國家推動小組會議", p.read_text(encoding="utf-8"))
    seen, unique = set(), {}
    for key, (title, text) in docs.items():
        n = normalize(text)
        if n and n not in seen:
            seen.add(n)
            unique[key] = (title, text)
    return unique


def _reformat(text: str, rng: random.Random) -> str:
    if rng.random() < 0.5:
        text = text.translate(HALF)
    if rng.random() < 0.3:
        text = text.translate(FULL_DIGITS)
    if rng.random() < 0.3:  # spaces put in, as a typed question has them
        chars = list(text)
        for _ in range(3):
            chars.insert(rng.randrange(len(chars) + 1), " ")
        text = "".join(chars)
    return text


def items(docs: dict[str, tuple[str, str]], seed: int) -> list[dict]:
    """Exam items cut from the documents (see the module's docstring)."""
    rng = random.Random(seed)
    pool = []  # (key, sentence) candidates
    for key in docs:
        title, text = docs[key]
        sentences = [s.strip() for s in SENTENCE.findall(text) if 20 <= len(normalize(s)) <= 120]
        rng.shuffle(sentences)
        for s in sentences[: PER_SOURCE[key.split(":")[0]]]:
            pool.append((key, s))
    spans = [normalize(s)[i : i + 4] for _, s in pool for i in (0, 6)]
    out = []
    for kind in ("verbatim", "cloze"):
        for key, sentence in pool:
            title = docs[key][0] or "本法"
            prefix = rng.choice(PREFIXES).format(title=title)
            distractors = rng.sample(spans, 4)
            if kind == "cloze":
                at = rng.randrange(2, max(3, len(sentence) - 4))
                width = rng.randint(2, 4)
                answer, question = sentence[at : at + width], sentence[:at] + "＿＿＿" + sentence[at + width :]
            else:
                answer, question = distractors.pop(), sentence
            choices = [answer, *distractors[:3]]
            rng.shuffle(choices)
            out.append(
                {
                    "kind": kind,
                    "source": key,
                    "sentence": normalize(sentence),
                    "question": _reformat(prefix + question, rng),
                    "A": choices[0],
                    "B": choices[1],
                    "C": choices[2],
                    "D": choices[3],
                    "answer": "ABCD"[choices.index(answer)],
                }
            )
    return out


_HALF: dict[tuple[str, str], bool] = {}


def holds_half(sentence: str, key: str, text: str) -> bool:
    """Whether the text holds a run of at least half the sentence (cached: it does not depend on n)."""
    if (sentence, key) not in _HALF:
        h = (len(sentence) + 1) // 2
        _HALF[sentence, key] = any(sentence[i : i + h] in text for i in range(len(sentence) - h + 1))
    return _HALF[sentence, key]


def document_frequency(texts: list[str], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Every distinct n-gram hash of the texts (sorted) and how many texts hold it."""
    c = normalized(texts)
    h = window_hashes(prefix_sums(c.codes), n)
    owner = c.owner()[: len(h)]
    inside = np.arange(len(h)) + n <= c.ends[owner]
    pairs = np.unique(np.stack([h[inside], owner[inside].astype(np.uint64)], axis=1), axis=0)
    return np.unique(pairs[:, 0], return_counts=True)


def without_common(index, df: tuple[np.ndarray, np.ndarray], most: int):
    """The index without the n-grams more than ``most`` documents hold (NeMo Curator's max_matches)."""
    hashes, counts = df
    tables = {}
    for length, t in index.tables.items():
        slot = np.minimum(np.searchsorted(hashes, t.hashes), len(hashes) - 1)
        common = (hashes[slot] == t.hashes) & (counts[slot] > most)
        tables[length] = Table.of(t.hashes[~common], t.benchmark[~common], t.item[~common], t.position[~common])
    return dataclasses.replace(index, tables=tables)


def measure(docs: dict[str, tuple[str, str]], cut: list[dict], n: int, most: int | None = None) -> dict:
    """Recall per kind and false matches at n (one benchmark per item, so every item's documents are
    seen), per source of the items; with ``most``, n-grams held by more documents are ignored."""
    spec = BenchmarkSpec("item", "-", ("question", "A", "B", "C", "D"))
    benches = [Benchmark(spec, ("-",), (str(i),), ("\n".join(it[f] for f in spec.fields),)) for i, it in enumerate(cut)]
    index = build_index(benches, [n] * len(benches), ["remove"] * len(benches), n)
    keys = list(docs)
    if most is not None:
        index = without_common(index, document_frequency([docs[k][1] for k in keys], n), most)
    normalized = {k: normalize(docs[k][1]) for k in keys}
    hits = scan([docs[k][1] for k in keys], index)
    found, false_items, false_docs, grams = set(), set(), set(), Counter()
    for k, row in zip(keys, hits):
        for b, hit in row.items():
            item = cut[b]
            if k == item["source"]:
                found.add(b)
            elif not holds_half(item["sentence"], k, normalized[k]):
                false_items.add(b)
                false_docs.add(k)
                grams[index.ngram_text(b, hit.item, hit.item_position, hit.length)] += 1
    result = {"n": n}
    for kind in ("verbatim", "cloze"):
        mine = [i for i, it in enumerate(cut) if it["kind"] == kind]
        result[f"recall_{kind}"] = sum(i in found for i in mine) / len(mine)
    for group in GROUPS:
        mine = [i for i, it in enumerate(cut) if _group(it) == group]
        result[f"false_{group}"] = sum(i in false_items for i in mine) / len(mine)
    result.update(
        false_items=len(false_items),
        false_share=len(false_items) / len(cut),
        false_docs=len(false_docs),
        examples=grams.most_common(4),
    )
    return result


GROUPS = ("laws", "gazette", "other")


def _group(item: dict) -> str:
    source = item["source"].split(":")[0]
    return source if source in GROUPS else "other"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", type=Path, default=ROOT.parent / "shared" / "real" / "ey-gazette")
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument(
        "--most",
        type=int,
        default=None,
        help="also measure with n-grams held by more than this many documents ignored (NeMo Curator's "
        "max_matches, 10 there)",
    )
    args = parser.parse_args()
    t = time.perf_counter()
    docs = documents(args.real)
    cut = items(docs, args.seed)
    kinds = Counter(it["kind"] for it in cut)
    print(
        f"{len(docs)} documents ({sum(len(t) for _, t in docs.values()):,} characters), "
        f"{len(cut)} items ({kinds['verbatim']} verbatim, {kinds['cloze']} cloze)"
    )
    groups = Counter(_group(it) for it in cut)
    print("items per source: " + ", ".join(f"{g} {groups[g]}" for g in GROUPS))
    examples = {}
    for most in (None, args.most) if args.most is not None else (None,):
        guard = "" if most is None else f", n-grams held by more than {most} documents ignored"
        print(f"\nn-grams of every length{guard}:\n")
        print(
            "| n | recall, verbatim | recall, cloze | items with a false match | from laws | from gazette | "
            "from other | documents falsely matched |"
        )
        print("|---|---|---|---|---|---|---|---|")
        for n in NS:
            r = measure(docs, cut, n, most)
            examples.setdefault(n, r["examples"])
            print(
                f"| {n} | {r['recall_verbatim']:.1%} | {r['recall_cloze']:.1%} | "
                f"{r['false_items']} ({r['false_share']:.1%}) | {r['false_laws']:.1%} | {r['false_gazette']:.1%} | "
                f"{r['false_other']:.1%} | {r['false_docs']} |"
            )
    print("\nmost frequent falsely shared n-grams:")
    for n in NS:
        if examples[n]:
            print(f"  n={n}: " + "; ".join(f"{g} ×{c}" for g, c in examples[n]))
    print(f"\n({time.perf_counter() - t:.1f} s)")


if __name__ == "__main__":
    main()
