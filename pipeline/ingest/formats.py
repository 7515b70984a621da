"""Which reader reads which file: the manifest's ``format``, else the file extension."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

from pipeline.ingest.readers.base import Problem, Record
from pipeline.ingest.readers.archive import read_zip
from pipeline.ingest.readers.csv import read_csv
from pipeline.ingest.readers.html import read_html
from pipeline.ingest.readers.jsonl import read_jsonl
from pipeline.ingest.readers.lawdb import read_lawdb
from pipeline.ingest.readers.office import read_docx, read_odt
from pipeline.ingest.readers.pdf import read_pdf
from pipeline.ingest.readers.text import read_markdown, read_text
from pipeline.ingest.readers.xml import read_xml

Reader = Callable[[Path, object], Iterator[Record | Problem]]


class Format(NamedTuple):
    read: Reader
    title: str  # how the dataset card names the files this reader read


FORMATS: dict[str, Format] = {
    "text": Format(read_text, "plain text"),
    "markdown": Format(read_markdown, "Markdown"),
    "jsonl": Format(read_jsonl, "JSON Lines"),
    "csv": Format(read_csv, "CSV"),
    "lawdb": Format(read_lawdb, "national law database JSON"),
    "html": Format(read_html, "HTML"),
    "xml": Format(read_xml, "XML records (HTML inside turned into text)"),
    "docx": Format(read_docx, "Word (DOCX)"),
    "odt": Format(read_odt, "OpenDocument text (ODT)"),
    "pdf": Format(read_pdf, "PDF (its text layer)"),
    "zip": Format(read_zip, "ZIP archives of these formats"),
}

# One document per line: a line with binary data (a NUL byte) is a reject of its own and the
# file's other lines are read. Every other format judges binary data for the whole file.
LINE_FORMATS = frozenset({"jsonl", "csv"})

EXTENSIONS: dict[str, str] = {
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".json": "lawdb",  # the only JSON layout agencies send us so far
    ".html": "html",
    ".htm": "html",
    ".xml": "xml",
    ".docx": "docx",
    ".odt": "odt",
    ".pdf": "pdf",
    ".zip": "zip",
}


def format_for(path: Path, declared: str | None, by_glob: dict[str, str] | None = None,
               rel: str | None = None) -> str | None:
    """The format of a file: the manifest's ``formats`` glob that matches it, else its
    ``format``, else the extension; None when nothing says."""
    for pattern, fmt in (by_glob or {}).items():
        if fnmatch.fnmatch(rel or path.name, pattern):
            return fmt
    return declared or EXTENSIONS.get(path.suffix.lower())
