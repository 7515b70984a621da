"""HTML pages: one document per file.

The text is the page's main content as ``markup.html_to_text`` finds it (boilerplate such
as navigation, headers and footers dropped; only ``<article>``/``<main>`` when present).
title = ``<title>`` (else the first ``<h1>``), url = ``<link rel="canonical">`` (else
``<meta property="og:url">``), date = ``<meta name="date">`` and its kin
(``pubdate``, ``article:published_time``, …), made ISO 8601 when it is a plain date.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pipeline.ingest.readers.base import Problem, Record, is_blank, reader, whole_text
from pipeline.ingest.readers.markup import UnparsableHtml, parse_html


@reader("html", "HTML", extensions=(".html", ".htm"))
def read_html(path: Path, manifest: object) -> Iterator[Record | Problem]:
    raw = whole_text(path)
    if isinstance(raw, Problem):
        yield raw
        return
    try:
        page = parse_html(raw)
    except UnparsableHtml as exc:
        yield Problem("malformed-file", str(exc))
        return
    if is_blank(page.text):
        yield Problem("empty", "the page holds no text outside markup and navigation")
        return
    yield Record(text=page.text, title=page.title, url=page.url, date=page.date)
