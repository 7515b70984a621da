"""Open the page of ``twcorpus report`` in headless Chromium, offline, and check its charts render.

    .venv/bin/twcorpus report                                   # after dvc repro: writes data/report.html
    .venv/bin/python benchmarks/report_render.py [data/report.html] [--chromium /usr/bin/chromium] [--keep DIR]

Chromium (Debian: ``apt-get install chromium``; a CJK font such as ``fonts-noto-cjk`` for the
Chinese labels) runs twice with name resolution switched off (``--host-resolver-rules``), so
nothing can come from the network: once with ``--dump-dom``, once with ``--screenshot``. The
checks, each printed with ok/FAIL:

1. the rendered DOM holds every chart of the page (``<svg class="chart">``) with its
   ``<rect class="bar">`` elements, as many as the page's own SVGs;
2. the screenshot shows the bars: the connected areas of the bar colour are as many as the
   bars at least one pixel wide, each as wide as its ``<rect>`` (±2 px) and 20 px high;
3. the page made no request to the network (Chromium's net log holds no http(s) request that
   the page started; the browser's own background requests, which fail offline, are not counted).

Exits 0 when every check passes, 1 otherwise (2 when Chromium is missing or fails). The
screenshot, the DOM and the net log are left in ``--keep DIR`` (default: a new temporary folder,
printed), to look at.
"""

from __future__ import annotations

import argparse
import json
import re
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zlib
from html.parser import HTMLParser
from pathlib import Path

import numpy as np

BAR_COLOR = (0x4C, 0x78, 0xA8)  # pipeline.publish.plots.BAR_COLOR
BAR_HEIGHT = 20  # pipeline.publish.plots.BAR
WIDTH = 1280
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
    "--host-resolver-rules=MAP * ~NOTFOUND",
]  # no name resolves: nothing can be fetched


# --- what the page holds ---------------------------------------------------------------------------


def page_charts(page: str) -> list[dict]:
    """Each inline chart of the page: its id, height and the widths of its bars."""
    charts = []
    for svg in re.findall(r"<svg\b.*?</svg>", page, re.S):
        root = ET.fromstring(svg)
        bars = [float(r.get("width")) for r in root.iter() if r.tag.endswith("rect") and r.get("class") == "bar"]
        charts.append({"id": root.get("id"), "height": int(root.get("height")), "bars": bars})
    return charts


class DomCount(HTMLParser):
    """Counts, in the DOM Chromium dumped, the charts and the bars in each."""

    def __init__(self) -> None:
        super().__init__()
        self.charts: dict[str, int] = {}
        self.current: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "svg" and "chart" in (a.get("class") or "").split():
            self.current = a.get("id") or f"svg{len(self.charts)}"
            self.charts[self.current] = 0
        elif tag == "rect" and a.get("class") == "bar" and self.current is not None:
            self.charts[self.current] += 1

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "svg":
            self.current = None


# --- the screenshot ----------------------------------------------------------------------------


def read_png(path: Path) -> np.ndarray:
    """An 8-bit RGB or RGBA PNG (what Chromium writes) as an array of height × width × 3."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, []
    while pos < len(data):
        (n,), kind = struct.unpack(">I", data[pos : pos + 4]), data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or color not in (2, 6) or interlace:
                raise ValueError(f"PNG of depth {depth}, colour type {color}, interlace {interlace}: not read here")
        elif kind == b"IDAT":
            idat.append(body)
    bpp = 3 if color == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    out = np.zeros((height, stride), dtype=np.uint8)
    prev = np.zeros(stride, dtype=np.int32)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = np.frombuffer(raw, dtype=np.uint8, count=stride, offset=y * (stride + 1) + 1).astype(np.int32)
        if f == 0:
            cur = line
        elif f == 1:  # Sub: a running sum per channel
            cur = np.cumsum(line.reshape(-1, bpp), axis=0).reshape(-1) & 0xFF
        elif f == 2:  # Up
            cur = (line + prev) & 0xFF
        else:  # Average, Paeth: byte by byte
            cur_b = bytearray(stride)
            up = prev.tolist()
            src = line.tolist()
            for i in range(stride):
                a = cur_b[i - bpp] if i >= bpp else 0
                b = up[i]
                if f == 3:
                    cur_b[i] = (src[i] + ((a + b) >> 1)) & 0xFF
                else:
                    c = up[i - bpp] if i >= bpp else 0
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                    cur_b[i] = (src[i] + pred) & 0xFF
            cur = np.frombuffer(bytes(cur_b), dtype=np.uint8).astype(np.int32)
        out[y] = cur
        prev = cur
    return out.reshape(height, width, bpp)[:, :, :3]


def bar_areas(pixels: np.ndarray, tolerance: int = 10) -> list[tuple[int, int, int, int]]:
    """The connected areas of the bar colour, as (top, left, height, width), top to bottom."""
    mask = np.all(np.abs(pixels.astype(np.int16) - np.array(BAR_COLOR, dtype=np.int16)) <= tolerance, axis=2)
    parent: list[int] = []  # union-find over runs of the bar colour in a row
    boxes: list[list[int]] = []  # per run: top, left, bottom, right (inclusive)

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    previous: list[tuple[int, int, int]] = []  # (left, right, run) of the row above
    for y in range(mask.shape[0]):
        edges = np.flatnonzero(np.diff(np.concatenate([[0], mask[y].astype(np.int8), [0]])))
        current = []
        for left, right in zip(edges[::2].tolist(), (edges[1::2] - 1).tolist()):
            run = len(parent)
            parent.append(run)
            boxes.append([y, left, y, right])
            for l0, r0, other in previous:
                if l0 <= right and left <= r0:  # touches a run above: the same area
                    parent[find(other)] = find(run)
            current.append((left, right, run))
        previous = current
    merged: dict[int, list[int]] = {}
    for run, (top, lft, bottom, rgt) in enumerate(boxes):
        box = merged.setdefault(find(run), [top, lft, bottom, rgt])
        box[:] = [min(box[0], top), min(box[1], lft), max(box[2], bottom), max(box[3], rgt)]
    return sorted((top, lft, bottom - top + 1, rgt - lft + 1) for top, lft, bottom, rgt in merged.values())


# --- the run ---------------------------------------------------------------------------------


def chromium(
    binary: str, work: Path, name: str, url: str, extra: list[str], height: int
) -> subprocess.CompletedProcess:
    profile = Path(tempfile.mkdtemp(prefix=f"profile-{name}-", dir=work))
    cmd = [
        binary,
        *FLAGS,
        f"--user-data-dir={profile}",
        f"--window-size={WIDTH},{height}",
        f"--log-net-log={work / f'{name}.netlog.json'}",
        *extra,
        url,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=work)


def page_requests(netlog: Path) -> list[str]:
    """The http(s)/ws URLs the page asked for (the browser's own requests have no origin)."""
    try:
        log = json.loads(netlog.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):  # a log cut short: read the events it holds
        text = netlog.read_text(encoding="utf-8", errors="replace").rstrip().rstrip(",")
        log = json.loads(text + "]}") if '"events"' in text else {"events": []}
    urls = set()
    for event in log.get("events", []):
        params = event.get("params") or {}
        url = params.get("url", "")
        if re.match(r"(https?|wss?)://", url) and params.get("initiator", "not an origin") != "not an origin":
            urls.add(url)
    return sorted(urls)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("report", nargs="?", default="data/report.html", help="the page (default: data/report.html)")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--keep", help="folder for the screenshot, DOM and net logs (default: a new temporary one)")
    args = parser.parse_args()

    report = Path(args.report).resolve()
    if not report.is_file():
        print(f"report_render: {args.report}: missing: run `twcorpus report` first", file=sys.stderr)
        return 2
    if not Path(args.chromium).exists():
        print(f"report_render: {args.chromium}: no Chromium (apt-get install chromium)", file=sys.stderr)
        return 2
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="report-render-"))
    work.mkdir(parents=True, exist_ok=True)
    expected = page_charts(report.read_text(encoding="utf-8"))
    # tall enough for the header and every chart (they come first), whatever follows is cut
    height = 400 + sum(c["height"] + 40 for c in expected)
    failures: list[str] = []

    def check(ok: bool, line: str) -> None:
        print(f"{'ok  ' if ok else 'FAIL'} {line}")
        if not ok:
            failures.append(line)

    dom_run = chromium(args.chromium, work, "dom", report.as_uri(), ["--dump-dom"], height)
    shot = work / "screenshot.png"
    shot_run = chromium(args.chromium, work, "shot", report.as_uri(), [f"--screenshot={shot}"], height)
    (work / "dom.html").write_text(dom_run.stdout, encoding="utf-8")
    if dom_run.returncode or not dom_run.stdout.strip() or shot_run.returncode or not shot.is_file():
        print(
            f"report_render: Chromium failed (exit {dom_run.returncode}, {shot_run.returncode}): "
            f"{(dom_run.stderr + shot_run.stderr).strip().splitlines()[-1:]}",
            file=sys.stderr,
        )
        return 2

    # 1. the DOM
    dom = DomCount()
    dom.feed(dom_run.stdout)
    check(
        len(expected) > 0 and len(dom.charts) == len(expected),
        f"DOM: {len(dom.charts)} charts rendered, the page has {len(expected)}",
    )
    for c in expected:
        got = dom.charts.get(c["id"])
        check(got == len(c["bars"]), f"DOM: {c['id']}: {got} bars, the page has {len(c['bars'])}")

    # 2. the pixels
    pixels = read_png(shot)
    areas = bar_areas(pixels)
    want = sorted(w for c in expected for w in c["bars"] if w >= 1.0)
    got = sorted(w for _, _, _, w in areas)
    check(
        len(got) == len(want),
        f"screenshot {pixels.shape[1]}×{pixels.shape[0]}: {len(got)} bars drawn, "
        f"{len(want)} expected (bars at least 1 px wide)",
    )
    if len(got) == len(want):
        off = [(g, w) for g, w in zip(got, want) if abs(g - w) > 2]
        check(not off, f"screenshot: every bar as wide as its <rect> (±2 px){f': {off[:5]}' if off else ''}")
        heights = sorted({h for _, _, h, _ in areas})
        check(all(abs(h - BAR_HEIGHT) <= 1 for h in heights), f"screenshot: bar heights {heights} px")
    background = np.all(pixels >= 250, axis=2).mean()
    print(f"     {100 * (1 - background):.1f}% of the screenshot is not white")

    # 3. the network
    fetched = sorted(set(page_requests(work / "dom.netlog.json")) | set(page_requests(work / "shot.netlog.json")))
    check(not fetched, f"network: the page requested {len(fetched)} URL(s){f': {fetched[:5]}' if fetched else ''}")

    print(f"files: {work} (screenshot.png, dom.html, *.netlog.json)")
    print(
        f"{'PASS' if not failures else 'FAIL'}: {report.name}: {len(expected)} charts, "
        f"{sum(len(c['bars']) for c in expected)} bars{'' if not failures else f'; {len(failures)} check(s) failed'}"
    )
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
