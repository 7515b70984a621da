"""Plain text and Markdown: one document per file."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from pipeline.ingest.encoding import Undecodable, read_document
from pipeline.ingest.readers.base import Problem, Record, is_blank

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def read_text(path: Path, manifest: object) -> Iterator[Record | Problem]:
    try:
        text, _ = read_document(path)
    except Undecodable as exc:
        yield Problem("undecodable", str(exc))
        return
    if is_blank(text):
        yield Problem("empty", "the file holds no text")
        return
    yield Record(text=text)


def read_markdown(path: Path, manifest: object) -> Iterator[Record | Problem]:
    for item in read_text(path, manifest):
        if isinstance(item, Record):
            heading = _HEADING.search(item.text)
            item.title = heading.group(1) if heading else None
        yield item
