"""Cutting documents into pieces a model can take, and putting tokens back together.

A document is cut at line breaks; a line longer than ``max_chars`` is cut after
sentence-final punctuation, then after clause punctuation, then (a line with no
punctuation at all) every ``max_chars`` characters. Whitespace between pieces is kept as
its own token. Pieces concatenate back to the document exactly: nothing is lost or
duplicated at a boundary.
"""

from __future__ import annotations

import re

_LINE = re.compile(r"[^\n]+|\n+")
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])")
_CLAUSE_END = re.compile(r"(?<=[，、：,:])")
_WHITESPACE = re.compile(r"(\s+)")


def split_pieces(text: str, max_chars: int) -> list[tuple[str, bool]]:
    """``(piece, is_text)`` in order; ``is_text`` is False for whitespace that needs no model."""
    out: list[tuple[str, bool]] = []
    for match in _LINE.finditer(text):
        chunk = match.group(0)
        if chunk.startswith("\n"):
            out.append((chunk, False))
            continue
        for piece in _cut(chunk, max_chars):
            out.extend(_edges(piece))
    return out


def _edges(piece: str) -> list[tuple[str, bool]]:
    """Leading and trailing whitespace of a piece are tokens of their own, not model input."""
    body = piece.strip()
    if not body:
        return [(piece, False)]
    start = piece.index(body)
    end = start + len(body)
    return [(part, is_text) for part, is_text in ((piece[:start], False), (body, True), (piece[end:], False)) if part]


def _cut(line: str, max_chars: int) -> list[str]:
    if len(line) <= max_chars:
        return [line]
    for boundary in (_SENTENCE_END, _CLAUSE_END):
        parts = [p for p in boundary.split(line) if p]
        if len(parts) > 1:
            return [cut for packed in _pack(parts, max_chars) for cut in _cut(packed, max_chars)]
    return [line[i:i + max_chars] for i in range(0, len(line), max_chars)]


def _pack(parts: list[str], max_chars: int) -> list[str]:
    """Greedily join consecutive parts into pieces of at most ``max_chars`` (a longer part stays alone)."""
    packed: list[str] = []
    current = ""
    for part in parts:
        if current and len(current) + len(part) > max_chars:
            packed.append(current)
            current = ""
        current += part
    if current:
        packed.append(current)
    return packed


def split_whitespace(tokens: list[str]) -> list[str]:
    """Tokens with runs of whitespace inside them split out as tokens of their own."""
    out = []
    for token in tokens:
        if _WHITESPACE.search(token) and not token.isspace():
            out.extend(part for part in _WHITESPACE.split(token) if part)
        else:
            out.append(token)
    return out
