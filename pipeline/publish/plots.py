"""The data behind ``dvc plots show``: one small CSV per plot, defined in dvc.yaml.

Histograms use fixed bins (powers of two), so two releases can be compared bin by bin.
"""

from __future__ import annotations

import csv
import shutil
from collections import Counter
from pathlib import Path

from pipeline.publish.card import CardData

BINS = [2**k for k in range(4, 22)]  # 16 … 2 M


def _bin_label(value: int) -> str:
    for upper in BINS:
        if value < upper:
            return f"<{upper:,}"
    return f">={BINS[-1]:,}"


def _histogram(values: Counter) -> list[dict[str, object]]:
    counts: Counter = Counter()
    for value, documents in values.items():
        counts[_bin_label(value)] += documents
    labels = [f"<{b:,}" for b in BINS] + [f">={BINS[-1]:,}"]
    return [{"bin": label, "documents": counts.get(label, 0)} for label in labels if counts.get(label)]


def _write(path: Path, rows: list[dict[str, object]], fields: list[str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def write_plots(folder: Path, data: CardData) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    _write(folder / "document_length.csv", _histogram(data.stats.lengths), ["bin", "documents"])
    _write(folder / "tokens_per_document.csv", _histogram(data.stats.token_counts), ["bin", "documents"])
    _write(folder / "characters_per_source.csv",
           [{"source": s.id, "characters": s.characters} for s in data.sources], ["source", "characters"])
    _write(folder / "characters_per_license.csv",
           [{"license": k, "characters": v} for k, v in sorted(data.license_characters.items())], ["license", "characters"])
    pii: Counter = Counter()
    for s in data.sources:
        pii.update(s.pii)
    _write(folder / "personal_data.csv", [{"type": k, "items": v} for k, v in sorted(pii.items())], ["type", "items"])
    _write(folder / "rejects_by_reason.csv",
           [{"reason": k, "documents": v} for k, v in sorted(data.rejects_by_reason.items())], ["reason", "documents"])
