"""ZIP archives: every member is read by the reader for its extension.

Each Record and Problem a member yields comes back with ``member`` set to the member's
name (``laws/a.txt``); inside a nested archive the names are chained with ``!``
(``inner.zip!doc.txt``). Archives nest at most two deep (the file and zips inside it).

Nothing in an archive is trusted. A member is refused as ``hostile-archive`` when its
name is absolute or climbs out of the archive (``..`` after normalisation), when it is a
symbolic link, when it is larger than 256 MiB or compressed more than 200 times
(``zipsafe.MAX_RATIO``, as for DOCX and ODT), as declared or as counted while it is
extracted. The archive as a whole holds at most
10,000 members and 1 GiB uncompressed (counted over nested archives too); past either,
one problem is reported and the rest is not read. Directory entries are skipped; an
extension no reader knows is ``unsupported-format``; a member that gives nothing is
``empty``; an encrypted or damaged member is
``malformed-file``; a member whose reader fails is ``reader-error`` and the others are
still read. Accepted members are streamed, one at a time, into a temporary
folder under a generated name that keeps only the extension, read, and deleted.

Member names without the zip UTF-8 flag are decoded as UTF-8, else CP950 (Big5), the
encodings Taiwanese zip tools write, before falling back to zipfile's CP437.
"""

from __future__ import annotations

import posixpath
import re
import stat
import tempfile
import zipfile
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline.ingest import zipsafe
from pipeline.ingest.readers.base import READERS, Problem, Record, extensions, reader

MAX_TOTAL_BYTES = 1024**3
MAX_MEMBER_BYTES = 256 * 1024**2
MAX_MEMBERS = 10_000
MAX_DEPTH = 2  # the archive itself is depth 1
FORMAT = "zip"
_SAFE_SUFFIX = re.compile(r"\.[A-Za-z0-9_-]{1,16}")
_UTF8_FLAG = 0x800


@dataclass
class _Budget:
    """Shared by an archive and the archives nested in it."""

    bytes: int = 0
    members: int = 0


class _Stop(Exception):
    """A limit of the whole archive was reached: nothing more is read."""


@reader(FORMAT, "ZIP archives of these formats", extensions=(".zip",))
def read_zip(path: Path, manifest: object) -> Iterator[Record | Problem]:
    try:
        yield from _read(path, manifest, 1, _Budget())
    except _Stop:
        return


def _read(path: Path, manifest: object, depth: int, budget: _Budget) -> Iterator[Record | Problem]:
    claimed = extensions()  # asked when reading: the registry imports this module to find it
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        yield Problem("malformed-file", "not a zip archive")
        return
    except (OSError, ValueError, EOFError, NotImplementedError, RuntimeError) as exc:
        yield Problem("malformed-file", f"unreadable zip archive ({type(exc).__name__}: {exc})")
        return
    files = 0
    with zf, tempfile.TemporaryDirectory(prefix="twcorpus-zip-") as scratch:
        for index, info in enumerate(zf.infolist()):
            if info.is_dir():
                continue
            files += 1
            name = _member_name(info)
            problem = _refuse(info, name)
            if problem:
                yield problem
                continue
            budget.members += 1
            if budget.members > MAX_MEMBERS:
                yield Problem(
                    "hostile-archive", f"more than {MAX_MEMBERS:,} members; the rest is not read", member=name
                )
                raise _Stop
            if budget.bytes + info.file_size > MAX_TOTAL_BYTES:
                yield _too_much(name)
                raise _Stop
            fmt = claimed.get(Path(name).suffix.lower())
            nested = fmt == FORMAT
            if nested and depth >= MAX_DEPTH:
                yield Problem(
                    "hostile-archive", f"{name}: archives nested more than {MAX_DEPTH} deep are not read", member=name
                )
                continue
            if fmt is None:
                yield Problem(
                    "unsupported-format", f"{name}: no reader for '{Path(name).suffix or name}' files", member=name
                )
                continue
            target = Path(scratch) / f"m{index}{_suffix(name)}"
            problem = yield from _extract(zf, info, name, target, budget)
            if problem:
                yield problem
                target.unlink(missing_ok=True)
                continue
            try:
                read = READERS.get(fmt).read
                items = _read(target, manifest, depth + 1, budget) if nested else read(target, manifest)
                found = False
                for item in items:
                    found = True
                    item.member = f"{name}!{item.member}" if item.member else name
                    yield item
                if not found:  # a member that gives nothing still leaves a reject
                    yield Problem("empty", f"{name}: the member holds no document", member=name)
            except _Stop:
                raise
            except Exception as exc:  # one member's reader bug must not lose the other members
                yield Problem("reader-error", f"{name}: {fmt} reader failed: {type(exc).__name__}: {exc}", member=name)
            finally:
                target.unlink(missing_ok=True)
    if not files:
        yield Problem("empty", "the archive holds no files")


def _member_name(info: zipfile.ZipInfo) -> str:
    name = info.filename
    if not info.flag_bits & _UTF8_FLAG:
        try:
            raw = name.encode("cp437")
        except UnicodeEncodeError:
            return name
        for encoding in ("utf-8", "cp950"):
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError:
                pass
    return name


def _refuse(info: zipfile.ZipInfo, name: str) -> Problem | None:
    """Why a member is not read, from what the archive declares; None when it may be."""
    slashed = name.replace("\\", "/")
    normal = posixpath.normpath(slashed)
    if slashed.startswith("/") or re.match(r"[A-Za-z]:", slashed) or ".." in normal.split("/"):
        return Problem("hostile-archive", f"{name}: path escapes the archive", member=name)
    if stat.S_ISLNK(info.external_attr >> 16):
        return Problem("hostile-archive", f"{name}: a symbolic link, not a file", member=name)
    if info.flag_bits & 0x1:
        return Problem("malformed-file", f"{name}: encrypted; the archive's password is not known", member=name)
    if info.file_size > MAX_MEMBER_BYTES:
        return Problem(
            "hostile-archive",
            f"{name}: {info.file_size:,} bytes uncompressed; the limit is {MAX_MEMBER_BYTES:,}",
            member=name,
        )
    if zipsafe.too_compressed(info):
        return Problem(
            "hostile-archive",
            f"{name}: compressed {zipsafe.ratio(info):,.0f} times; the limit is {zipsafe.MAX_RATIO} (a zip bomb?)",
            member=name,
        )
    return None


def _suffix(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return suffix if _SAFE_SUFFIX.fullmatch(suffix) else ""


def _extract(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, target: Path, budget: _Budget
) -> Generator[Problem, None, Problem | None]:
    """Streams a member to ``target``, counting what it inflates to; returns the problem
    that stopped it, None when it was extracted. Raises _Stop past the total limit (after
    yielding its problem). A generator only so that it can do the latter."""
    try:
        with target.open("wb") as dst:
            for chunk in zipsafe.inflate(zf, info, zipsafe.inflate_limit(info, MAX_MEMBER_BYTES)):
                budget.bytes += len(chunk)
                if budget.bytes > MAX_TOTAL_BYTES:
                    target.unlink(missing_ok=True)
                    yield _too_much(name)
                    raise _Stop
                dst.write(chunk)
    except zipsafe.Inflated as exc:
        return Problem("hostile-archive", f"{name}: inflates past {exc.limit:,} bytes (a zip bomb?)", member=name)
    except (*zipsafe.INFLATE_ERRORS, ValueError) as exc:
        return Problem("malformed-file", f"{name}: cannot be extracted ({exc})", member=name)
    return None


def _too_much(name: str) -> Problem:
    return Problem(
        "hostile-archive",
        f"{name}: more than {MAX_TOTAL_BYTES:,} bytes uncompressed in all; the rest is not read",
        member=name,
    )
