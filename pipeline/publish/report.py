"""``twcorpus report``: the release as one self-contained HTML page, for reading offline.

``dvc plots show`` loads Vega from a CDN and stays blank without network; this page holds
everything itself: the charts as inline SVG (drawn by ``pipeline.publish.plots`` from the
CSVs in ``data/plots/``), inline CSS, no script, no font, image or style sheet fetched. The
only URLs in it are the sources' own addresses, as links to click.

It reads only what a finished ``dvc repro`` leaves:

- ``data/metrics/publish.json`` — the totals and the per-source figures;
- ``data/interim/<source>/source.json`` — each source's title, publisher, license and URL
  (optional: a source without one is shown by its id);
- ``data/plots/<chart>.csv`` — the charts' rows;
- ``data/rejects/rejects.parquet`` — how many documents each reason rejected, and the first
  few of each (already redacted of personal data), in the file's order.

The page is the same bytes for the same inputs: no timestamp, every list in a fixed order.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.core.errors import UserError, missing_input
from pipeline.core.jsonfile import read_json
from pipeline.core.layout import Layout
from pipeline.core.parquet import read_batches
from pipeline.core.schema import reason_key
from pipeline.publish.plots import CHARTS, FONT, read_plot_csv, render_chart

SAMPLES_PER_REASON = 3
TEXT_CHARS = 200  # of each sample's text
DETAIL_CHARS = 300
SAMPLE_COLUMNS = ["source", "source_file", "source_line", "stage", "reason", "detail", "text"]
BATCH_ROWS = 1024


def default_output(layout: Layout) -> Path:
    return layout.root / "data" / "report.html"


@dataclass
class Reason:
    key: str  # the metrics bucket (reason_key)
    documents: int = 0
    samples: list[dict[str, Any]] = field(default_factory=list)


def _missing(layout: Layout, path: Path) -> UserError:
    return missing_input(layout.rel(path))


def _metrics(layout: Layout) -> dict[str, Any]:
    path = layout.publish_metrics
    if not path.is_file():
        raise _missing(layout, path)
    metrics = read_json(path)
    if not isinstance(metrics, dict) or not isinstance(metrics.get("sources"), dict):
        raise UserError(layout.rel(path), "has no per-source figures ('sources'): run dvc repro")
    return metrics


def _source_info(layout: Layout, source_id: str) -> dict[str, Any]:
    try:
        path = layout.source_info(source_id)
    except UserError:  # not a valid id: shown by its name only
        return {}
    info = read_json(path) if path.is_file() else {}
    return info if isinstance(info, dict) else {}


def _rejects(layout: Layout) -> list[Reason]:
    """Every reason in the rejects, in sorted order, with its count and its first samples."""
    path = layout.rejects
    if not path.is_file():
        raise _missing(layout, path)
    reasons: dict[str, Reason] = {}
    for batch in read_batches(path, BATCH_ROWS, columns=SAMPLE_COLUMNS):
        keys = [reason_key(r or "") for r in batch.column("reason").to_pylist()]
        counts = Counter(keys)
        for key, n in counts.items():
            reasons.setdefault(key, Reason(key)).documents += n
        wanted = [i for i, key in enumerate(keys) if len(reasons[key].samples) < SAMPLES_PER_REASON]
        if not wanted:
            continue
        rows = batch.take(wanted).to_pylist()  # the few rows needed only: the text of the others stays in Arrow
        for key, row in zip((keys[i] for i in wanted), rows):
            if len(reasons[key].samples) < SAMPLES_PER_REASON:
                reasons[key].samples.append(row)
    return [reasons[k] for k in sorted(reasons)]


def _charts(layout: Layout) -> list[str]:
    svgs = []
    for chart in CHARTS:
        path = layout.plots / chart.csv_name
        if not path.is_file():
            raise _missing(layout, path)
        svg = render_chart(chart, read_plot_csv(path, chart, layout.rel(path)))
        # inline in HTML the SVG namespace is implied: the page then names no URL but the sources'
        svgs.append(svg.replace(' xmlns="http://www.w3.org/2000/svg"', "", 1))
    return svgs


# --- HTML ----------------------------------------------------------------------------------------

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _h(text: Any) -> str:
    """Text for HTML content or a double-quoted attribute; control characters shown as \\xNN."""
    s = "" if text is None else str(text)
    s = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else "\ufffd", s)
    return html.escape(s, quote=True)


def _cut(text: str | None, n: int) -> str:
    if text is None:
        return ""
    return text if len(text) <= n else text[:n] + "…"


def _n(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else _h(value)


def _link(url: Any, text: str) -> str:
    if isinstance(url, str) and re.fullmatch(r"https?://[^\s\"'<>]+", url):
        return f'<a href="{_h(url)}" rel="noopener noreferrer">{_h(text)}</a>'
    return _h(text)


CSS = f"""
body {{ font-family: {FONT}; color: #222; background: #fff; margin: 2em auto; max-width: 1100px;
  padding: 0 1em; line-height: 1.45; }}
h1 {{ font-size: 1.6em; margin-bottom: 0.2em; }}
h2 {{ font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }}
h3 {{ font-size: 1.05em; margin-top: 1.5em; }}
table {{ border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.92em; }}
th, td {{ border: 1px solid #ddd; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }}
th {{ background: #f4f6f8; }}
td.num, th.num {{ text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }}
tfoot td {{ font-weight: bold; background: #fafafa; }}
td.text {{ white-space: pre-wrap; word-break: break-all; max-width: 32em; font-size: 0.95em; }}
td.left-out {{ color: #a33; }}
table.sources td:first-child, table.samples td:nth-child(1), table.samples td:nth-child(3),
table.samples td:nth-child(4), table.samples td:nth-child(5) {{ white-space: nowrap; }}
code {{ background: #f4f6f8; padding: 0 0.25em; border-radius: 3px; }}
.charts {{ display: flex; flex-wrap: wrap; gap: 1.2em; }}
figure {{ margin: 0; border: 1px solid #e4e4e4; border-radius: 4px; padding: 0.4em; background: #fff; }}
svg.chart {{ display: block; max-width: 100%; height: auto; }}
.muted {{ color: #666; font-size: 0.9em; }}
"""


def _source_table(layout: Layout, metrics: dict[str, Any]) -> str:
    rows = []
    totals: Counter[str] = Counter()
    for source_id in sorted(metrics["sources"]):
        m = metrics["sources"][source_id]
        info = _source_info(layout, source_id)
        published, rejected = int(m.get("documents", 0)), int(m.get("rejected", 0))
        characters = int(m.get("characters", 0))
        totals.update(
            {"in": published + rejected, "published": published, "rejected": rejected, "characters": characters}
        )
        if m.get("manifest_ok", True):
            title = _link(info.get("url"), info.get("title") or source_id)
            license_id = f"<code>{_h(info.get('license'))}</code>" if info.get("license") else ""
            about = f'{title}<br><span class="muted">{_h(info.get("publisher") or "")}</span>'
        else:
            about = (
                f'<span class="left-out">left out: invalid manifest</span><br><span class="muted">'
                f"{_h(info.get('error') or '')}</span>"
            )
            license_id = ""
        rows.append(
            f'<tr id="source-{_h(source_id)}"><td><code>{_h(source_id)}</code></td><td>{about}</td>'
            f"<td>{license_id}</td>"
            f'<td class="num">{published + rejected:,}</td><td class="num">{published:,}</td>'
            f'<td class="num">{rejected:,}</td><td class="num">{characters:,}</td></tr>'
        )
    return (
        '<table class="sources">\n<thead><tr><th>source</th><th>title and publisher</th><th>license</th>'
        '<th class="num">documents in</th><th class="num">published</th><th class="num">rejected</th>'
        '<th class="num">characters</th></tr></thead>\n<tbody>\n' + "\n".join(rows) + "\n</tbody>\n"
        f'<tfoot><tr><td colspan="3">all sources</td><td class="num">{totals["in"]:,}</td>'
        f'<td class="num">{totals["published"]:,}</td><td class="num">{totals["rejected"]:,}</td>'
        f'<td class="num">{totals["characters"]:,}</td></tr></tfoot>\n</table>'
    )


def _reject_section(reasons: list[Reason]) -> str:
    if not reasons:
        return "<p>No document was rejected.</p>"
    parts = ['<table class="reasons">\n<thead><tr><th>reason</th><th class="num">documents</th></tr></thead>\n<tbody>']
    parts += [
        f'<tr><td><a href="#reason-{_h(r.key)}"><code>{_h(r.key)}</code></a></td>'
        f'<td class="num">{r.documents:,}</td></tr>'
        for r in reasons
    ]
    parts.append("</tbody>\n</table>")
    for r in reasons:
        shown = len(r.samples)
        parts.append(
            f'<h3 id="reason-{_h(r.key)}"><code>{_h(r.key)}</code>: {r.documents:,} '
            f"document{'s' if r.documents != 1 else ''}"
            f"{f' (first {shown} shown)' if shown < r.documents else ''}</h3>"
        )
        parts.append(
            '<table class="samples">\n<thead><tr><th>source</th><th>file</th><th class="num">line</th>'
            "<th>stage</th><th>reason</th><th>detail</th>"
            f"<th>text (first {TEXT_CHARS} characters)</th></tr></thead>\n<tbody>"
        )
        for s in r.samples:
            line = s.get("source_line")
            parts.append(
                f'<tr class="sample" data-reason="{_h(r.key)}"><td><code>{_h(s.get("source"))}</code></td>'
                f'<td>{_h(s.get("source_file") or "")}</td><td class="num">{_n(line) if line is not None else ""}</td>'
                f"<td>{_h(s.get('stage'))}</td><td><code>{_h(s.get('reason'))}</code></td>"
                f"<td>{_h(_cut(s.get('detail'), DETAIL_CHARS))}</td>"
                f'<td class="text">{_h(_cut(s.get("text"), TEXT_CHARS))}</td></tr>'
            )
        parts.append("</tbody>\n</table>")
    return "\n".join(parts)


def render_report(layout: Layout) -> str:
    """The whole page, from the files of a finished run; a missing one is a UserError."""
    metrics = _metrics(layout)
    charts = _charts(layout)
    reasons = _rejects(layout)
    documents, rejected = int(metrics.get("documents", 0)), int(metrics.get("rejected", 0))
    characters = int(metrics.get("characters", 0))
    kept = sum(1 for m in metrics["sources"].values() if m.get("manifest_ok", True))
    figures = "\n".join(f'<figure id="figure-{c.name}">\n{svg}</figure>' for c, svg in zip(CHARTS, charts))
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="zh-Hant">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            "<title>tw-corpus release report</title>",
            f"<style>{CSS}</style>",
            "</head>",
            "<body>",
            "<h1>tw-corpus release report</h1>",
            f'<p class="summary"><strong>{documents:,} documents, {characters:,} characters</strong> published from '
            f"{kept:,} source{'s' if kept != 1 else ''} in {int(metrics.get('shards', 0)):,} Parquet shard(s); "
            f"{rejected:,} document{'s' if rejected != 1 else ''} or files not published, of "
            f"{documents + rejected:,} in.</p>",
            '<p class="muted">From <code>data/metrics/publish.json</code>, <code>data/plots/</code> and '
            "<code>data/rejects/rejects.parquet</code> as the last run wrote them. This page needs no network.</p>",
            '<nav><a href="#charts">Charts</a> · <a href="#sources">Sources</a> · '
            '<a href="#rejects">Not published</a></nav>',
            '<h2 id="charts">Charts</h2>',
            f'<div class="charts">\n{figures}\n</div>',
            '<h2 id="sources">Sources</h2>',
            _source_table(layout, metrics),
            '<h2 id="rejects">Not published, by reason</h2>',
            f'<p class="muted">Up to {SAMPLES_PER_REASON} documents of each reason, in the order of '
            "<code>data/rejects/rejects.parquet</code>; personal data in them is already redacted.</p>",
            _reject_section(reasons),
            "</body>",
            "</html>",
            "",
        ]
    )


def write_report(layout: Layout, output: Path | None = None) -> tuple[Path, str]:
    """Render the page and write it to ``output`` (default ``data/report.html``): (path, page)."""
    from pipeline.core.parquet import write_durably

    page = render_report(layout)
    path = output if output is not None else default_output(layout)
    if path.is_dir():
        raise UserError(str(path), "is a folder: give the path of the HTML file to write")
    path.parent.mkdir(parents=True, exist_ok=True)
    write_durably(path, page.encode("utf-8"))
    return path, page
