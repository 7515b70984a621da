"""Unicode clean-up, one function per step.

Each step takes a text and returns ``(text, changed)``, where ``changed`` counts the
characters it replaced or removed, so the stage can report what every step did. Steps
run in ``STEPS`` order; each can be switched off in ``params.yaml``
(``normalize.cleanup.<step>``). A step changes nothing it is not sure about.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from pipeline.core.chars import HAN, STARTS_ITEM
from pipeline.core.page_numbers import page_number_forms

# --- mojibake ------------------------------------------------------------------------------

# Text decoded with the wrong codec upstream: UTF-8 bytes read as CP1252/Latin-1
# ("ä¸­æ–‡" for 中文), and the classic Taiwanese case, Big5 bytes read as Latin-1
# ("¤¤¤å" for 中文). A line is repaired only when it is made of Latin-1/CP1252 characters,
# has at least four non-ASCII ones, re-encodes and decodes strictly, and — for Big5,
# whose decoder accepts much — comes out as Chinese. Lines holding any CJK character are
# never touched.
_REPAIRS = (("cp1252", "utf-8"), ("latin-1", "utf-8"), ("cp1252", "cp950"), ("latin-1", "cp950"))
_MIN_NON_ASCII = 4
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
# Anything CP1252/Latin-1 cannot hold: a line with one of these is not mojibake of this kind.
_NOT_LATIN = re.compile("[^\x00-\xff" + re.escape(bytes(range(0x80, 0xA0)).decode("cp1252", "ignore")) + "]")


def _looks_chinese(fixed: str, line: str, non_ascii: int) -> bool:
    if non_ascii < 0.5 * len(line.strip()):  # Western text with a few accents is mostly ASCII
        return False
    fixed_non_ascii = len(_NON_ASCII.findall(fixed))
    return fixed_non_ascii > 0 and len(_CJK.findall(fixed)) >= 0.9 * fixed_non_ascii


def _repair_line(line: str) -> str | None:
    if _NOT_LATIN.search(line):  # stops at the first CJK character: cheap on ordinary text
        return None
    non_ascii = len(_NON_ASCII.findall(line))
    if non_ascii < _MIN_NON_ASCII:
        return None
    for wrong, right in _REPAIRS:
        try:
            fixed = line.encode(wrong).decode(right)
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if fixed != line and (right == "utf-8" or _looks_chinese(fixed, line, non_ascii)):
            return fixed
    return None


def fix_mojibake(text: str) -> tuple[str, int]:
    changed = 0
    lines = text.split("\n")
    for i, line in enumerate(lines):
        fixed = _repair_line(line)
        if fixed is not None:
            changed += len(line)
            lines[i] = fixed
    return ("\n".join(lines), changed) if changed else (text, 0)


# --- CJK compatibility ideographs ----------------------------------------------------------

_COMPAT_RANGES = [(0xF900, 0xFAFF), (0x2F800, 0x2FA1F)]
_COMPAT_MAP = {
    cp: unicodedata.normalize("NFC", chr(cp))
    for start, end in _COMPAT_RANGES
    for cp in range(start, end + 1)
    if unicodedata.normalize("NFC", chr(cp)) != chr(cp)  # the twelve unified ones in the block stay
}
_COMPAT_BLOCK = re.compile("[\uf900-\ufaff\U0002f800-\U0002fa1f]")


def unify_compat_ideographs(text: str) -> tuple[str, int]:
    if not _COMPAT_BLOCK.search(text):
        return text, 0
    found = sum(1 for ch in _COMPAT_BLOCK.findall(text) if ord(ch) in _COMPAT_MAP)
    return (text.translate(_COMPAT_MAP), found) if found else (text, 0)


# --- NFC -----------------------------------------------------------------------------------


def nfc(text: str) -> tuple[str, int]:
    if unicodedata.is_normalized("NFC", text):
        return text, 0
    new = unicodedata.normalize("NFC", text)
    if len(new) != len(text):
        return new, len(text) - len(new)
    return new, sum(1 for a, b in zip(text, new) if a != b)


# --- line breaks ---------------------------------------------------------------------------


def unify_newlines(text: str) -> tuple[str, int]:
    count = text.count("\r")
    if not count:
        return text, 0
    return text.replace("\r\n", "\n").replace("\r", "\n"), count


# --- control and zero-width characters -----------------------------------------------------

# C0/C1 controls except \t and \n, DEL, zero-width space/joiners, word joiner, BOM, soft
# hyphen. A form feed is a page break: it becomes a line break, not nothing.
# Also the bidirectional formatting characters — LRM/RLM (U+200E/200F), the Arabic letter
# mark (U+061C), the embeddings and overrides (U+202A–202E) and the isolates (U+2066–2069):
# they are invisible, yet they reorder what a reader sees (U+202E shows "1202 ot 0202" for
# "2020 to 2021", the Trojan Source trick), so a model would learn text no reader saw.
# Chinese, the only language kept, never needs them. U+FFFD (a character lost before the
# text reached us) is kept: it is counted in normalize's metrics (`replacement_chars`).
BIDI_CONTROLS = "\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069"
_CONTROL = re.compile(f"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\u200b-\u200d\u2060\ufeff\u00ad{BIDI_CONTROLS}]")


def remove_control(text: str) -> tuple[str, int]:
    count = text.count("\f")
    if count:
        text = text.replace("\f", "\n")
    text, removed = _CONTROL.subn("", text)
    return text, count + removed


# --- full-width ASCII letters and digits ---------------------------------------------------

_FULLWIDTH_MAP = {
    cp: cp - 0xFEE0 for r in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A)) for cp in range(r[0], r[1] + 1)
}
_FULLWIDTH = re.compile("[０-９Ａ-Ｚａ-ｚ]")


def halfwidth_alnum(text: str) -> tuple[str, int]:
    """Ａ１ → A1; full-width CJK punctuation (，。「」：；！？) is left alone."""
    if not _FULLWIDTH.search(text):
        return text, 0
    found = len(_FULLWIDTH.findall(text))
    return (text.translate(_FULLWIDTH_MAP), found) if found else (text, 0)


# --- page numbers --------------------------------------------------------------------------

# Only spaces and tabs inside a line (a newline must end the match), any edge spaces around it.
_PAGE_LINE = re.compile(r"^[ \t\u3000]*(?:" + page_number_forms(r"[ \t]") + r")[ \t\u3000]*(?:\n|\Z)", re.MULTILINE)


def remove_page_numbers(text: str) -> tuple[str, int]:
    removed = 0

    def drop(match: re.Match[str]) -> str:
        nonlocal removed
        removed += len(match.group(0))
        return ""

    return _PAGE_LINE.sub(drop, text), removed


# --- paragraphs broken by page breaks ------------------------------------------------------

# A paragraph broken by a page break ends without closing punctuation in the middle of a
# long line, and the next one starts mid-sentence. Short lines (titles, "唐・杜甫") and a
# next paragraph that opens a list item or heading are never joined.
MIN_BROKEN_LINE = 20
_ENDS_OPEN = re.compile(rf"[{HAN}，、]$")
_STARTS_MID_SENTENCE = re.compile(rf"^[{HAN}]")


def join_broken_paragraphs(text: str, min_line: int = MIN_BROKEN_LINE) -> tuple[str, int]:
    parts = text.split("\n\n")
    if len(parts) < 2:
        return text, 0
    out = [parts[0]]
    removed = 0
    for part in parts[1:]:
        last_line = out[-1].rsplit("\n", 1)[-1]
        if (
            len(last_line) >= min_line
            and _ENDS_OPEN.search(last_line)
            and _STARTS_MID_SENTENCE.match(part)
            and not STARTS_ITEM.match(part)
        ):
            out[-1] += part
            removed += 2
        else:
            out.append(part)
    return "\n\n".join(out), removed


# --- whitespace ----------------------------------------------------------------------------

_SPACES = re.compile(r"[ \t\u00a0]{2,}|[\t\u00a0]")
_TRAILING = re.compile(r"[ \t\u00a0\u3000]+$", re.MULTILINE)
_BLANK_LINES = re.compile(r"\n{3,}")


def collapse_spaces(text: str) -> tuple[str, int]:
    """Runs of spaces/tabs → one space; no trailing spaces; at most one blank line; trimmed ends."""
    before = len(text)
    text = _SPACES.sub(" ", text)
    text = _TRAILING.sub("", text)
    text = _BLANK_LINES.sub("\n\n", text)
    text = text.strip("\n ")
    return text, before - len(text)


Step = Callable[[str], tuple[str, int]]

# Order matters: full-width digits become ASCII before page numbers are looked for, and
# whitespace is tidied last.
STEPS: dict[str, Step] = {
    "mojibake": fix_mojibake,
    "compat_ideographs": unify_compat_ideographs,
    "nfc": nfc,
    "newlines": unify_newlines,
    "control_chars": remove_control,
    "fullwidth_alnum": halfwidth_alnum,
    "page_numbers": remove_page_numbers,
    "broken_paragraphs": join_broken_paragraphs,
    "spaces": collapse_spaces,
}


def clean(text: str, enabled: dict[str, bool]) -> tuple[str, dict[str, int]]:
    """Run the enabled steps in order; returns the text and the characters each step changed."""
    changes = {}
    for name, step in STEPS.items():
        if enabled.get(name, False):
            text, changed = step(text)
            if changed:
                changes[name] = changed
    return text, changes
