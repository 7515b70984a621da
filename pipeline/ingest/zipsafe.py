"""Zip bombs, refused the same way wherever a zip is opened (ZIP archives, DOCX, ODT).

A member may inflate to at most ``MAX_RATIO`` times its compressed size (and a reader's
own byte limit), as its header declares and as counted while it is inflated, since a
declared size can lie.
"""

from __future__ import annotations

import lzma
import zipfile
import zlib
from collections.abc import Iterator

MAX_RATIO = 200
CHUNK = 1024 * 1024
# What inflating a damaged or unsupported member raises.
INFLATE_ERRORS = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, OSError, EOFError, NotImplementedError, RuntimeError)


def ratio(info: zipfile.ZipInfo) -> float:
    """How many times the member is compressed, as declared."""
    return info.file_size / max(info.compress_size, 1)


def too_compressed(info: zipfile.ZipInfo) -> bool:
    return info.file_size > MAX_RATIO * max(info.compress_size, 1)


def inflate_limit(info: zipfile.ZipInfo, max_bytes: int) -> int:
    """The most bytes the member may inflate to."""
    return min(max_bytes, MAX_RATIO * max(info.compress_size, 1))


class Inflated(Exception):
    """The member inflated past its limit: its declared size lied."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"inflates past {limit:,} bytes")
        self.limit = limit


def inflate(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> Iterator[bytes]:
    """The member's bytes, a chunk at a time, counted; raises Inflated once they pass ``limit``.
    The chunk that passes it is still given first, so that a caller counting a larger
    budget (all of an archive) counts it before the member is refused."""
    size = 0
    with zf.open(info) as src:
        while chunk := src.read(CHUNK):
            size += len(chunk)
            yield chunk
            if size > limit:
                raise Inflated(limit)
