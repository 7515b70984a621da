"""Which reader reads which file: the manifest's ``format``, else the file extension.

The tables are derived from the formats the readers register (``readers/base.READERS``);
nothing here names a reader.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path

from pipeline.ingest.readers.base import READERS, Format, Reader, extensions

__all__ = ["EXTENSIONS", "FORMATS", "LINE_FORMATS", "Format", "Reader", "format_for", "known_formats"]

FORMATS: dict[str, Format] = dict(READERS.items())
EXTENSIONS: dict[str, str] = extensions()
# One document per line (``Format.per_line``): binary data is judged line by line.
LINE_FORMATS = frozenset(name for name, fmt in FORMATS.items() if fmt.per_line)


def known_formats() -> str:
    """The format names, as error messages list them."""
    return ", ".join(sorted(FORMATS))


def format_for(
    path: Path, declared: str | None, by_glob: dict[str, str] | None = None, rel: str | None = None
) -> str | None:
    """The format of a file: the manifest's ``formats`` glob that matches it, else its
    ``format``, else the extension; None when nothing says."""
    for pattern, fmt in (by_glob or {}).items():
        if fnmatch.fnmatch(rel or path.name, pattern):
            return fmt
    return declared or EXTENSIONS.get(path.suffix.lower())
