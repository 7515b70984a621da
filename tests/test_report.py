"""The charts as SVG and ``twcorpus report``: one self-contained HTML page, offline and reproducible."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml
from conftest import REPO, add_source, context, empty_repo, run_env

from pipeline import stages
from pipeline.cli import main
from pipeline.core.schema import reason_key
from pipeline.publish import stage
from pipeline.publish.plots import CHART_TITLES, CHARTS, read_plot_csv, render_chart, render_charts

SCRIPT = '<script>alert("x")</script> & 「臺灣的資料開放平臺提供政府資料下載服務」'


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    """A small finished run, built once: three sources with rejects of several reasons, personal
    data in a text and in a title; and the CardData publish drew its plots from."""
    with pytest.MonkeyPatch.context() as mp:
        cache = tmp_path_factory.mktemp("hf")
        for name, value in {
            "HF_HOME": str(cache),
            "HF_DATASETS_CACHE": str(cache / "datasets"),
            "HF_HUB_OFFLINE": "1",
            "HF_DATASETS_OFFLINE": "1",
        }.items():
            mp.setenv(name, value)
        layout = empty_repo(tmp_path_factory.mktemp("report") / "repo")

        lines = [
            json.dumps(r, ensure_ascii=False)
            for r in [
                {"text": "臺灣的資料開放政策持續推動。", "title": "公告一"},
                {"text": "請洽服務專線02-2345-6789。", "title": "公告二"},
                {"text": "本公告說明申請流程與時程。", "title": "聯絡 02-2765-4321"},
                {"text": SCRIPT, "title": "腳本"},
                {"text": SCRIPT, "title": "腳本重複"},  # duplicate-in-source: its text goes to the rejects
            ]
        ] + ["{not json"]
        add_source(layout, "open", {"a.jsonl": "\n".join(lines)}, license="CC-BY-4.0")
        add_source(layout, "laws", {"a.txt": "憲法條文。", "b.txt": b"\xff\xfe\xfa" * 3, "c.txt": ""})
        add_source(
            layout,
            "wiki",
            {
                "a.txt": "維基百科的條目內容，採用創用CC授權。",
                "b.txt": "臺灣的資料開放政策持續推動。",
            },  # a copy of open's first: dedup removes it
            license="CC-BY-SA-4.0",
        )

        cards = []
        write_plots = stage.write_plots
        mp.setattr(stage, "write_plots", lambda folder, card: (cards.append(card), write_plots(folder, card)))
        metrics = stages.run_all(context(layout))
        assert main(["--root", str(layout.root), "--quiet", "report"]) == 0
        yield layout, metrics, cards[0]


def svgs_of(page: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", page, re.S)


def bars(svg: str) -> list[ET.Element]:
    root = ET.fromstring(svg)
    return [e for e in root.iter() if e.tag.rsplit("}", 1)[-1] == "rect" and e.get("class") == "bar"]


def cells(row: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def test_the_charts_are_the_plots_of_dvc_yaml():
    defined = yaml.safe_load((REPO / "dvc.yaml").read_text(encoding="utf-8"))["plots"]
    assert [next(iter(p)) for p in defined] == [f"data/plots/{c.csv_name}" for c in CHARTS]
    for plot, chart in zip(defined, CHARTS):
        spec = next(iter(plot.values()))
        assert (spec["title"], spec["x"], spec["y"]) == (chart.title, chart.value, chart.label)
        assert chart.by_value == (spec["template"] == "bar_horizontal_sorted")
    assert CHART_TITLES == tuple((f"{c.name}.svg", c.title) for c in CHARTS)


def test_render_charts_matches_the_csvs_and_counts_personal_data_in_fields(release):
    layout, _, card = release
    charts = render_charts(card)
    assert list(charts) == [name for name, _ in CHART_TITLES]
    for chart in CHARTS:
        rows = read_plot_csv(layout.plots / chart.csv_name, chart)
        svg = charts[chart.svg_name]
        assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" ')  # a file the hub shows as an image
        assert len(bars(svg)) == len(rows) and svg == render_chart(chart, rows)
        assert ET.fromstring(svg).find("{http://www.w3.org/2000/svg}title").text == chart.title
    # one phone in a text, one in a title: the card counts every redaction
    assert (layout.plots / "personal_data.csv").read_text() == "type,items\nphone,2\n"
    assert render_charts(card) == charts  # the same bytes every time


def test_the_report_has_the_per_source_figures(release):
    layout, metrics, _ = release
    page = (layout.root / "data" / "report.html").read_text(encoding="utf-8")
    rows = {
        re.search(r'id="source-([^"]+)"', r).group(1): cells(r)
        for r in re.findall(r'<tr id="source-.*?</tr>', page, re.S)
    }
    assert sorted(rows) == ["laws", "open", "wiki"]
    expected = {"laws": (3, 1, 2), "open": (6, 4, 2), "wiki": (2, 1, 1)}  # in, published, rejected
    for source_id, (documents_in, published, rejected) in expected.items():
        m = metrics["sources"][source_id]
        assert (m["documents"], m["rejected"]) == (published, rejected)
        assert rows[source_id][3:] == [f"{documents_in:,}", f"{published:,}", f"{rejected:,}", f"{m['characters']:,}"]
    assert "open title" in rows["open"][1] and "測試機關 Test Agency" in rows["open"][1]
    assert '<a href="https://example.gov.tw/open" rel="noopener noreferrer">open title</a>' in page
    total = cells(re.search(r"<tfoot>.*?</tfoot>", page, re.S).group())
    assert total[1:] == [
        f"{metrics['documents_in']:,}",
        f"{metrics['documents']:,}",
        f"{metrics['rejected']:,}",
        f"{metrics['characters']:,}",
    ]


def test_the_report_has_a_sample_of_every_reject_reason(release):
    layout, metrics, _ = release
    page = (layout.root / "data" / "report.html").read_text(encoding="utf-8")
    rejects = pq.read_table(layout.rejects).to_pylist()
    reasons = Counter(reason_key(r["reason"]) for r in rejects)
    assert len(reasons) >= 4 and dict(reasons) == metrics["rejects_by_reason"]
    samples = Counter(re.findall(r'<tr class="sample" data-reason="([^"]+)"', page))
    assert samples == {k: min(n, 3) for k, n in reasons.items()}
    for key, n in reasons.items():
        assert f"<code>{key}</code>: {n:,} document" in page
    # the rejected text is there, escaped: no markup of its own
    row = next(r for r in re.findall(r'<tr class="sample".*?</tr>', page, re.S) if "duplicate-in-source" in r)
    assert cells(row)[:4] == ["open", "a.jsonl", "5", "ingest"]
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 「臺灣的資料" in row
    assert "<script" not in page.lower()


def test_the_report_is_self_contained_and_its_charts_parse(release):
    layout, _, _ = release
    page = (layout.root / "data" / "report.html").read_text(encoding="utf-8")
    svgs = svgs_of(page)
    assert len(svgs) == len(CHARTS)
    for chart, svg in zip(CHARTS, svgs):
        rows = read_plot_csv(layout.plots / chart.csv_name, chart)
        assert len(bars(svg)) == len(rows), chart.name
        values = [e.text for e in ET.fromstring(svg).iter("text") if e.get("class") == "value"]
        assert sorted(values) == sorted(f"{r[chart.value]:,}" for r in rows)
    assert not re.search(r"""\b(src|srcset|poster|data|action)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    # the only URLs are links to click
    for m in re.finditer(r"""(?:https?:)?//[^\s"'<>)]+""", page):
        before = page[max(0, m.start() - 200) : m.start()]
        assert re.search(r'<a href="$', before), m.group()
    assert "@import" not in page and not re.search(r"url\(", page, re.I)
    assert not re.search(r"<(script|link|iframe|object|embed|img|image|use)\b", page, re.I)
    assert not re.search(r"\bxlink:href|\bhref\s*=\s*[\"'](?!https?://|#)", page)


def test_the_report_is_byte_identical_on_a_second_run(release, tmp_path):
    layout, _, _ = release
    first = (layout.root / "data" / "report.html").read_bytes()
    assert main(["--root", str(layout.root), "--quiet", "report", "--output", str(tmp_path / "again.html")]) == 0
    assert (tmp_path / "again.html").read_bytes() == first
    assert main(["--root", str(layout.root), "--quiet", "report"]) == 0
    assert (layout.root / "data" / "report.html").read_bytes() == first


@pytest.mark.parametrize(
    "path", ["data/metrics/publish.json", "data/plots/personal_data.csv", "data/rejects/rejects.parquet"]
)
def test_a_missing_input_is_one_line(release, tmp_path, path):
    layout, _, _ = release
    root = tmp_path / "copy"
    for part in ("data/metrics", "data/plots", "data/rejects", "data/interim"):
        shutil.copytree(layout.root / part, root / part)
    (root / path).unlink()
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "--root", str(root), "report"], capture_output=True, text=True, env=run_env()
    )
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == f"twcorpus: error: {path}: missing: run the pipeline first (dvc repro)\n"
    assert not (root / "data" / "report.html").exists()


def test_no_data_and_labels_that_need_escaping():
    chart = CHARTS[-1]
    empty = render_chart(chart, [])
    assert "no data" in empty and bars(empty) == [] and ET.fromstring(empty) is not None
    svg = render_chart(chart, [{"reason": 'a<b>&"c"', "documents": 3}, {"reason": "臺灣\x00資料", "documents": 12}])
    root = ET.fromstring(svg)
    labels = [e.text for e in root.iter("{http://www.w3.org/2000/svg}text") if e.get("class") == "label"]
    assert labels == ["臺灣\ufffd資料", 'a<b>&"c"']  # sorted by value, largest first
    assert [float(b.get("width")) for b in bars(svg)][0] > [float(b.get("width")) for b in bars(svg)][1]
    assert "Noto Sans CJK TC" in root.get("font-family") and "sans-serif" in root.get("font-family")
    long = render_chart(chart, [{"reason": "x" * 200, "documents": 1}])
    label = next(e for e in ET.fromstring(long).iter("{http://www.w3.org/2000/svg}text") if e.get("class") == "label")
    assert label.text.endswith("…") and len(label.text) < 60


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="no Chromium (apt-get install chromium)")
def test_the_charts_render_in_headless_chromium(release, tmp_path):
    layout, _, _ = release
    result = subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "report_render.py"),
            str(layout.root / "data" / "report.html"),
            "--keep",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PASS" in result.stdout
