"""Plain text and Markdown: one document per file."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from pipeline.ingest.readers.base import Problem, Record, reader, whole_text

# An ATX heading on one line; a closing run of # counts only after a space ("使用 C#" keeps its #).
_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*\r?$", re.MULTILINE)


@reader("text", "plain text", extensions=(".txt", ".text"))
def read_text(path: Path, manifest: object) -> Iterator[Record | Problem]:
    text = whole_text(path)
    yield text if isinstance(text, Problem) else Record(text=text)


@reader("markdown", "Markdown", extensions=(".md", ".markdown"))
def read_markdown(path: Path, manifest: object) -> Iterator[Record | Problem]:
    for item in read_text(path, manifest):
        if isinstance(item, Record):
            headings = (m.group(1) for m in _HEADING.finditer(item.text))
            item.title = next((h for h in headings if h.strip()), None)
        yield item
