"""What readers yield."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Record:
    """One document found in a file."""

    text: str
    line: int | None = None  # line in the file, or position of the record in an export
    title: str | None = None
    url: str | None = None
    date: str | None = None
    license: str | None = None  # overrides the manifest's license for this document
    meta: dict[str, Any] = field(default_factory=dict)  # every other field the source gave
    member: str | None = None  # path inside an archive: source_file becomes "<archive>!<member>"


@dataclass
class Problem:
    """Something in a file that could not become a document, and why."""

    reason: str  # machine-readable: undecodable, empty, malformed-line, …
    detail: str  # one line for a human
    line: int | None = None
    text: str | None = None
    member: str | None = None  # path inside an archive, as for Record


def whole_text(path: Path) -> "str | Problem":
    """The file decoded as one text, or the Problem (undecodable, empty) that ends the reader."""
    from pipeline.ingest.encoding import Undecodable, read_document

    try:
        text, _ = read_document(path)
    except Undecodable as exc:
        return Problem(exc.reason, str(exc))
    if is_blank(text):
        return Problem("empty", "the file holds no text")
    return text


def text_or_none(value: Any) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def is_blank(text: str) -> bool:
    return not text.strip()
