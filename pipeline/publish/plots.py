"""The release's charts: one small CSV per plot (the data behind ``dvc plots show``, defined in
dvc.yaml) and the same rows drawn as SVG, for the dataset card and ``twcorpus report``.

Histograms use fixed bins (powers of two), so two releases can be compared bin by bin.

``dvc plots show`` writes a page that loads Vega from a CDN, which stays blank offline; the
SVGs here are drawn by this module alone (no plotting library, no script, no font or file
fetched), as horizontal bar charts matching dvc.yaml's templates: bins in their order, the
other charts sorted by value, largest first (``bar_horizontal_sorted``). Every number is an
integer formatted one way and every coordinate is printed with one decimal, with no
timestamp or random id, so the same rows give the same bytes on every run and machine.
"""

from __future__ import annotations

import csv
import re
import shutil
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.core.errors import UserError, missing_input

if TYPE_CHECKING:  # card.py may import CHART_TITLES from here
    from pipeline.publish.card import CardData

BINS = [2**k for k in range(4, 22)]  # 16 … 2 M

Rows = list[dict[str, object]]


@dataclass(frozen=True)
class Chart:
    """One plot: ``data/plots/<name>.csv`` for DVC and ``<name>.svg`` for the card and the report."""

    name: str
    title: str  # as dvc.yaml's `title`
    label: str  # the CSV column of the bars' labels (dvc.yaml's `y`)
    value: str  # the CSV column of the bars' lengths (dvc.yaml's `x`), an integer
    label_axis: str  # the axis titles
    value_axis: str
    by_value: bool  # bars sorted by value, largest first (bar_horizontal_sorted); else in row order

    @property
    def csv_name(self) -> str:
        return f"{self.name}.csv"

    @property
    def svg_name(self) -> str:
        return f"{self.name}.svg"


# In the order of dvc.yaml's plots, which is the order the card and the report show them.
CHARTS: tuple[Chart, ...] = (
    Chart(
        "document_length",
        "Characters per document",
        "bin",
        "documents",
        "characters per document (bin)",
        "documents",
        by_value=False,
    ),
    Chart(
        "tokens_per_document",
        "Tokens per document",
        "bin",
        "documents",
        "tokens per document (bin)",
        "documents",
        by_value=False,
    ),
    Chart(
        "characters_per_source", "Characters per source", "source", "characters", "source", "characters", by_value=True
    ),
    Chart(
        "characters_per_license",
        "Characters per license",
        "license",
        "characters",
        "license",
        "characters",
        by_value=True,
    ),
    Chart(
        "personal_data",
        "Personal data found (redacted or flagged)",
        "type",
        "items",
        "type",
        "items (text and fields)",
        by_value=True,
    ),
    Chart(
        "rejects_by_reason",
        "Documents not published, by reason",
        "reason",
        "documents",
        "reason",
        "documents",
        by_value=True,
    ),
)
CHART_TITLES: tuple[tuple[str, str], ...] = tuple((c.svg_name, c.title) for c in CHARTS)  # (file name, title)


def _bin_label(value: int) -> str:
    for upper in BINS:
        if value < upper:
            return f"<{upper:,}"
    return f">={BINS[-1]:,}"


def _histogram(values: Counter) -> Rows:
    counts: Counter = Counter()
    for value, documents in values.items():
        counts[_bin_label(value)] += documents
    labels = [f"<{b:,}" for b in BINS] + [f">={BINS[-1]:,}"]
    return [{"bin": label, "documents": counts.get(label, 0)} for label in labels if counts.get(label)]


def plot_rows(data: CardData) -> dict[str, Rows]:
    """Chart name → its rows (dicts of the chart's label and value columns), as the CSVs hold them."""
    pii: Counter = Counter()
    for s in data.sources:  # every item found: in the text, and in title, url, meta and source_file
        pii.update(s.pii)
        pii.update(s.pii_fields)
    return {
        "document_length": _histogram(data.stats.lengths),
        "tokens_per_document": _histogram(data.stats.token_counts),
        "characters_per_source": [{"source": s.id, "characters": s.characters} for s in data.sources],
        "characters_per_license": [{"license": k, "characters": v} for k, v in sorted(data.license_characters.items())],
        "personal_data": [{"type": k, "items": v} for k, v in sorted(pii.items())],
        "rejects_by_reason": [{"reason": k, "documents": v} for k, v in sorted(data.rejects_by_reason.items())],
    }


def _write(path: Path, rows: Rows, fields: list[str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def write_plots(folder: Path, data: CardData) -> None:
    """``data/plots/<name>.csv`` for every chart (and nothing else: dvc.yaml names each file)."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    rows = plot_rows(data)
    for chart in CHARTS:
        _write(folder / chart.csv_name, rows[chart.name], [chart.label, chart.value])


def render_charts(data: CardData) -> dict[str, str]:
    """``<name>.svg`` → the SVG text of every chart, in CHARTS order, from the rows of the CSVs."""
    rows = plot_rows(data)
    return {chart.svg_name: render_chart(chart, rows[chart.name]) for chart in CHARTS}


def read_plot_csv(path: Path, chart: Chart, where: str | None = None) -> Rows:
    """A chart's rows back from the CSV ``write_plots`` wrote (values as integers)."""
    where = where or str(path)
    if not path.is_file():
        raise missing_input(where)
    try:
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            if reader.fieldnames != [chart.label, chart.value]:
                raise ValueError(f"columns {reader.fieldnames}, expected {[chart.label, chart.value]}")
            return [{chart.label: row[chart.label], chart.value: int(row[chart.value])} for row in reader]
    except (UnicodeDecodeError, ValueError, csv.Error) as exc:
        raise UserError(where, f"not a plot file this version writes ({exc}); run dvc repro") from None


# --- drawing -------------------------------------------------------------------------------------

FONT = "'Noto Sans CJK TC', 'Noto Sans TC', 'PingFang TC', 'Microsoft JhengHei', 'Source Han Sans TC', sans-serif"
WIDTH = 720
BAR, GAP = 20, 6  # bar height and the space between bars
TOP, BOTTOM = 50, 52  # above the first bar (title, label axis title) and below the last (ticks, value axis title)
RIGHT = 72  # room for the value label of the longest bar
FONT_SIZE = 12
MAX_LABEL_WIDTH = 250
BAR_COLOR, GRID_COLOR, TEXT_COLOR = "#4c78a8", "#dddddd", "#222222"

_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: object) -> str:
    """Text safe in XML content and in a double-quoted attribute; characters XML cannot hold → U+FFFD."""
    s = _NOT_XML.sub("\ufffd", str(text))
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _em(text: str) -> float:
    """The width of ``text`` in ems, roughly: wide (CJK) characters one em, the others 0.6."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.6 for ch in text)


def _fit(text: str, width: float) -> str:
    """``text``, cut with an ellipsis to about ``width`` pixels."""
    if _em(text) * FONT_SIZE <= width:
        return text
    out = ""
    for ch in text:
        if _em(out + ch + "…") * FONT_SIZE > width:
            break
        out += ch
    return out + "…"


def _ticks(top: int) -> list[int]:
    """Round tick values from 0 to at least ``top``: steps of 1, 2 or 5 × 10^k, at most 6 ticks."""
    step = 1
    while True:
        for m in (1, 2, 5):
            if -(-top // (step * m)) <= 5:
                step *= m
                return [i * step for i in range(-(-top // step) + 1)] if top else [0, 1]
        step *= 10


def _f(x: float) -> str:
    return f"{x:.1f}"


def render_chart(chart: Chart, rows: Rows) -> str:
    """One chart as a standalone SVG document: title, axis titles, one ``<rect class="bar">`` per
    row with its value at its end; "no data" when there are no rows."""
    data = [(str(r[chart.label]), int(r[chart.value])) for r in rows]  # type: ignore[call-overload]
    if chart.by_value:
        data.sort(key=lambda lv: (-lv[1], lv[0]))
    label_width = min(MAX_LABEL_WIDTH, max([_em(label) * FONT_SIZE for label, _ in data] + [40.0]))
    left = 12 + label_width + 8  # a margin, the labels, a gap
    plot_width = WIDTH - left - RIGHT
    n = max(len(data), 1)
    height = TOP + n * (BAR + GAP) + BOTTOM
    bottom = TOP + n * (BAR + GAP)  # the value axis
    ident = re.sub(r"[^a-z0-9_-]", "-", chart.name.lower())
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="chart-{ident}" width="{WIDTH}" '
        f'height="{height}" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="chart-{ident}-title" '
        f'font-family="{_xml(FONT)}" font-size="{FONT_SIZE}" fill="{TEXT_COLOR}">',
        f'<title id="chart-{ident}-title">{_xml(chart.title)}</title>',
        f'<rect class="background" x="0" y="0" width="{WIDTH}" height="{height}" fill="#ffffff"/>',
        f'<text class="chart-title" x="{_f(WIDTH / 2)}" y="22" text-anchor="middle" font-size="15" '
        f'font-weight="bold">{_xml(chart.title)}</text>',
        f'<text class="axis-title" x="12" y="{TOP - 10}">{_xml(chart.label_axis)}</text>',
        f'<text class="axis-title" x="{_f(left + plot_width / 2)}" y="{height - 10}" '
        f'text-anchor="middle">{_xml(chart.value_axis)}</text>',
    ]
    if not data:
        out.append(
            f'<text class="no-data" x="{_f(left + plot_width / 2)}" y="{_f(TOP + (BAR + GAP) / 2 + 4)}" '
            f'text-anchor="middle" fill="#777777">no data</text>'
        )
    ticks = _ticks(max(v for _, v in data)) if data else []  # no data: the axes, no scale
    scale = plot_width / ticks[-1] if ticks else 0.0
    for t in ticks:
        x = left + t * scale
        out.append(
            f'<line class="grid" x1="{_f(x)}" y1="{TOP - 4}" x2="{_f(x)}" y2="{bottom}" '
            f'stroke="{GRID_COLOR}" stroke-width="1"/>'
        )
        out.append(f'<text class="tick" x="{_f(x)}" y="{bottom + 16}" text-anchor="middle" font-size="11">{t:,}</text>')
    out.append(
        f'<line class="axis" x1="{_f(left)}" y1="{TOP - 4}" x2="{_f(left)}" y2="{bottom}" '
        f'stroke="{TEXT_COLOR}" stroke-width="1"/>'
    )
    out.append(
        f'<line class="axis" x1="{_f(left)}" y1="{bottom}" x2="{_f(left + plot_width)}" y2="{bottom}" '
        f'stroke="{TEXT_COLOR}" stroke-width="1"/>'
    )
    for i, (label, value) in enumerate(data):
        y = TOP + i * (BAR + GAP) + GAP / 2
        w = value * scale
        middle = _f(y + BAR / 2 + 4)
        out.append('<g class="row">')
        out.append(f"<title>{_xml(label)}: {value:,}</title>")
        out.append(
            f'<text class="label" x="{_f(left - 6)}" y="{middle}" text-anchor="end">'
            f"{_xml(_fit(label, label_width))}</text>"
        )
        out.append(f'<rect class="bar" x="{_f(left)}" y="{_f(y)}" width="{_f(w)}" height="{BAR}" fill="{BAR_COLOR}"/>')
        out.append(f'<text class="value" x="{_f(left + w + 4)}" y="{middle}">{value:,}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"
