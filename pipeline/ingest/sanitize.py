"""What no contributed name or value may carry into a Parquet column, a report line or DVC.

* **File names.** ``os.walk`` hands back the bytes of a name that is not UTF-8 (a Big5
  name from a Windows share, ``王小明.txt`` in CP950) as lone surrogates (``'\\udca4'``),
  which Parquet cannot store and DVC cannot hash. Such a file is a reject ``file-name``
  whose ``source_file`` is a printable form of the name (``shown_name``: the bytes read
  as Big5 when they are Big5, else ``\\xNN`` escapes), telling the agency to rename it.
  So is a name with control characters (a newline breaks every one-line report) or
  bidirectional controls (U+202E shows ``txt.exe`` as ``exe.txt``).
* **Field values.** A JSON escape such as ``\\ud800`` is no character: a field holding
  one makes its record a reject ``undecodable`` (``lone_surrogates`` names the fields).
  NUL and the other C0/C1 controls but tab and newline, and the bidirectional controls,
  are removed from every metadata field (title, url, date, license, meta) at ingest
  (``clean_field``): no later stage cleans those fields, and none of these characters
  is text a reader should see. The document text is kept as contributed; normalize's
  ``control_chars`` step removes them there (and NUL always).
* **What DVC chokes on** (measured with dvc 3.67 on ``data/raw/<id>/``): a name that is
  not UTF-8 ('utf-8' codec can't encode … surrogates not allowed), a dangling symbolic
  link (No such file or directory), a symbolic link loop (Too many levels of symbolic
  links) make ``dvc status`` and ``dvc repro`` fail for every source; a named pipe, or a
  link to one or to a device (``/dev/zero``), makes them hang. Links to a regular file or
  a folder, inside or outside, DVC follows or hashes without complaint (ingest rejects
  them ``not-a-file`` all the same). ``dvc_hazards`` finds the former anywhere in the
  folder — dotfiles, excluded files and the manifest included, since DVC hashes the whole
  folder — so ``twcorpus validate`` (and ``twcorpus sources --check``) can fail with one
  line before DVC does.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.core.errors import UserError

# C0 and C1 controls, DEL, and the bidirectional formatting characters: LRM, RLM, ALM,
# the embeddings and overrides U+202A–202E and the isolates U+2066–2069.
_BIDI = "\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069"
_UNPRINTABLE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}\ud800-\udfff]")
_FIELD_JUNK = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")  # tab and newline stay
_SURROGATE = re.compile("[\ud800-\udfff]")
_BIDI_CHARS = re.compile(f"[{_BIDI}]")

RENAME = "dvc cannot track the folder and the dataset cannot store the name"


def escape(text: str) -> str:
    """``text`` with every control, bidirectional control and lone surrogate written as an
    escape (``\\x0a``, ``\\u202e``, ``\\udca4``): one printable line, storable in Parquet."""
    return _UNPRINTABLE.sub(lambda m: _escape_char(m.group(0)), text)


def _escape_char(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def has_surrogates(text: str) -> bool:
    return bool(_SURROGATE.search(text))


def escape_surrogates(text: str) -> str:
    """``text`` with each lone surrogate written as ``\\udXXX``: storable, everything else kept."""
    return _SURROGATE.sub(lambda m: _escape_char(m.group(0)), text) if has_surrogates(text) else text


def shown_name(name: str) -> tuple[str, str | None]:
    """A printable form of a file name (or relative path) as ``os`` gives it, and the legacy
    encoding its bytes were read in (``cp950``, ``big5hkscs``) when a part of it is not UTF-8
    but is Big5; None when it is UTF-8 or could not be read (bad bytes are then ``\\xNN``).
    Each part of a path is read on its own: a UTF-8 folder may hold a Big5 file."""
    if not has_surrogates(name):
        return escape(name), None
    parts, legacy = [], None
    for part in name.split("/"):
        if not has_surrogates(part):
            parts.append(escape(part))
            continue
        raw = os.fsencode(part)
        for encoding in ("cp950", "big5hkscs"):
            try:
                parts.append(escape(raw.decode(encoding)))
            except UnicodeDecodeError:
                continue
            legacy = legacy or encoding
            break
        else:
            parts.append(escape(raw.decode("utf-8", "backslashreplace")))
    return "/".join(parts), legacy


def name_problem(name: str) -> tuple[str, str] | None:
    """(printable name, detail) when a file name cannot be kept as it is; None when it can."""
    shown, encoding = shown_name(name)
    if has_surrogates(name):
        if encoding:
            what = f"the name is Big5 ({encoding.upper()}), not UTF-8"
            fix = f"rename it to '{shown}' in UTF-8 (e.g. convmv -f big5 -t utf-8 --notest)"
        else:
            what = "the name is not UTF-8 (its bad bytes are shown as \\xNN)"
            fix = "rename it with a UTF-8 name"
        return shown, f"{what}: {fix}; {RENAME}"
    if _BIDI_CHARS.search(name):
        return shown, (
            "the name holds bidirectional control characters (shown as \\uNNNN), which reorder "
            "how it is displayed: rename the file"
        )
    if shown != name:
        return shown, "the name holds control characters (shown as \\xNN): rename the file"
    return None


def lone_surrogates(fields: dict[str, Any]) -> list[str]:
    """The names of the fields whose value (a string, or strings nested in a JSON value, keys
    included) holds a lone surrogate; a nested one is named ``meta.<key>``."""
    return [name for name, value in fields.items() for name in _broken(name, value)]


def _broken(name: str, value: Any) -> Iterator[str]:
    if isinstance(value, str):
        if has_surrogates(value):
            yield name
    elif isinstance(value, dict):
        for key, item in value.items():
            key_name = f"{name}.{escape(str(key))}"
            if has_surrogates(str(key)):
                yield f"{key_name} (the key)"
            yield from _broken(key_name, item)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _broken(f"{name}[{index}]", item)


def clean_field(value: Any) -> Any:
    """A metadata value without NUL, other controls (tab and newline stay) and bidirectional
    controls, strings nested in lists and objects included; a string left blank is None."""
    if isinstance(value, str):
        cleaned = _FIELD_JUNK.sub("", value)
        if cleaned == value:
            return value
        return cleaned.strip() or None
    if isinstance(value, dict):
        return {_FIELD_JUNK.sub("", str(k)): clean_field(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_field(v) for v in value]
    return value


# --- what DVC chokes on ---------------------------------------------------------------------


def dvc_hazards(folder: Path) -> list[tuple[str, str]]:
    """(printable path relative to ``folder``, problem and fix) for every entry of the folder
    that makes ``dvc status``/``dvc repro`` fail or hang, in walk order. Nothing is followed."""
    found: list[tuple[str, str]] = []

    def unlistable(exc: OSError) -> None:
        rel = os.path.relpath(exc.filename, folder) if exc.filename else "."
        found.append((shown_name(rel)[0], f"cannot be listed ({exc.strerror}): make it readable"))

    for dirpath, dirnames, filenames in os.walk(folder, onerror=unlistable):  # followlinks=False
        base = Path(dirpath)
        for name in sorted(dirnames) + sorted(filenames):
            path = base / name
            rel = path.relative_to(folder).as_posix()
            problem = entry_hazard(path, name)
            if problem:
                found.append((shown_name(rel)[0], problem))
        dirnames.sort()
    return found


def entry_hazard(path: Path, name: str) -> str | None:
    """What makes DVC fail or hang on this folder entry, with the fix; None when DVC copes."""
    if has_surrogates(name):
        return name_problem(name)[1]  # type: ignore[index]
    try:
        mode = path.lstat().st_mode
    except OSError as exc:
        return f"cannot be read ({exc.strerror}): make it readable"
    if stat.S_ISLNK(mode):
        try:
            target = path.stat().st_mode
        except FileNotFoundError:
            return "a dangling symbolic link (its target does not exist): remove it; dvc fails on it"
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return "a symbolic link that loops back on itself: remove it; dvc fails on it"
            return f"a symbolic link that cannot be followed ({exc.strerror}): remove it; dvc fails on it"
        if not (stat.S_ISREG(target) or stat.S_ISDIR(target)):
            return f"a symbolic link to {_kind(target)}, not a file: remove it; dvc would wait on it for ever"
        return None
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        return f"{_kind(mode)}, not a file: remove it; dvc would wait on it for ever"
    return None


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"


def dvc_hazard(folder: Path, shown_folder: str) -> UserError | None:
    """The error naming the first entry DVC would choke on and the fix (and how many more
    there are), or None when DVC can read the folder."""
    hazards = dvc_hazards(folder)
    if not hazards:
        return None
    rel, problem = hazards[0]
    more = f" (and {len(hazards) - 1} more such entr{'y' if len(hazards) == 2 else 'ies'})" if len(hazards) > 1 else ""
    return UserError(f"{shown_folder}/{rel}", f"{problem}{more}")
