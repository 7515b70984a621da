"""What readers yield, and how a reader registers its format.

A reader module declares its format where it defines the reader::

    @reader("text", "plain text", extensions=(".txt", ".text"))
    def read_text(path, manifest): ...

``READERS`` finds every module of this package the first time it is read, so a new
format is one new module here; ``pipeline/ingest/formats.py`` derives its tables from it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.core.registry import Registry


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


def whole_text(path: Path) -> str | Problem:
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


# ``manifest`` is the source's Manifest; a reader reads only its own options block from it.
Reader = Callable[[Path, Any], Iterator[Record | Problem]]


@dataclass  # not frozen: formats.FORMATS holds these same objects, so a test swapping ``read`` swaps it everywhere
class Format:
    """What a reader registers for its format."""

    read: Reader
    title: str  # how the dataset card names the files this reader read
    extensions: tuple[str, ...] = ()  # the file extensions it claims, lower case with the dot
    # One document per line: a line with binary data (a NUL byte) is a reject of its own and the
    # file's other lines are read. Every other format judges binary data for the whole file.
    per_line: bool = False


READERS: Registry[Format] = Registry("format", package="pipeline.ingest.readers")


def reader(name: str, title: str, *, extensions: tuple[str, ...], per_line: bool = False) -> Callable[[Reader], Reader]:
    """Registers the decorated function as the reader of format ``name``; the function is unchanged."""

    def register(read: Reader) -> Reader:
        READERS.add(name, Format(read, title, extensions, per_line))
        return read

    return register


def extensions() -> dict[str, str]:
    """File extension -> the format that claims it; two formats claiming one is a programming error."""
    claimed: dict[str, str] = {}
    for name, fmt in READERS.items():
        for ext in fmt.extensions:
            if ext in claimed:
                raise ValueError(f"extension '{ext}' is claimed by formats '{claimed[ext]}' and '{name}'")
            claimed[ext] = name
    return claimed
