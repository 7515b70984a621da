"""Cutting documents into pieces a model can take, and putting tokens back together.

A document is cut at line breaks; a line longer than ``max_chars`` is cut after
sentence-final punctuation, then after clause punctuation, then (a line with no
punctuation at all) every ``max_chars`` characters. Whitespace between pieces is kept as
its own token. Pieces concatenate back to the document exactly: nothing is lost or
duplicated at a boundary.

``iter_pieces`` yields the pieces one by one, so a long document is never held as a list
of its pieces (``split_pieces`` is the same pieces as a list).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import chain, islice

_LINE = re.compile(r"[^\n]+|\n+")
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])")
_CLAUSE_END = re.compile(r"(?<=[，、：,:])")
_WHITESPACE = re.compile(r"(\s+)")


def split_pieces(text: str, max_chars: int) -> list[tuple[str, bool]]:
    """``(piece, is_text)`` in order; ``is_text`` is False for whitespace that needs no model."""
    return list(iter_pieces(text, max_chars))


def iter_pieces(text: str, max_chars: int) -> Iterator[tuple[str, bool]]:
    """The pieces of ``split_pieces``, one at a time."""
    for match in _LINE.finditer(text):
        chunk = match.group(0)
        if chunk.startswith("\n"):
            yield chunk, False
            continue
        for piece in _cut(chunk, max_chars):
            yield from _edges(piece)


def _edges(piece: str) -> list[tuple[str, bool]]:
    """Leading and trailing whitespace of a piece are tokens of their own, not model input."""
    body = piece.strip()
    if not body:
        return [(piece, False)]
    start = piece.index(body)
    end = start + len(body)
    return [(part, is_text) for part, is_text in ((piece[:start], False), (body, True), (piece[end:], False)) if part]


def _cut(line: str, max_chars: int) -> Iterator[str]:
    if len(line) <= max_chars:
        yield line
        return
    for boundary in (_SENTENCE_END, _CLAUSE_END):
        parts = _parts(line, boundary)
        head = list(islice(parts, 2))
        if len(head) > 1:
            for packed in _pack(chain(head, parts), max_chars):
                yield from _cut(packed, max_chars)
            return
    for i in range(0, len(line), max_chars):
        yield line[i : i + max_chars]


def _parts(line: str, boundary: re.Pattern[str]) -> Iterator[str]:
    """The non-empty parts of ``boundary.split(line)``, one at a time."""
    start = 0
    for match in boundary.finditer(line):
        if match.end() > start:
            yield line[start : match.end()]
            start = match.end()
    if start < len(line):
        yield line[start:]


def _pack(parts: Iterator[str], max_chars: int) -> Iterator[str]:
    """Greedily join consecutive parts into pieces of at most ``max_chars`` (a longer part stays alone)."""
    current = ""
    for part in parts:
        if current and len(current) + len(part) > max_chars:
            yield current
            current = ""
        current += part
    if current:
        yield current


def split_whitespace(tokens: list[str]) -> list[str]:
    """Tokens with runs of whitespace inside them split out as tokens of their own."""
    out: list[str] = []
    for token in tokens:
        if _WHITESPACE.search(token) and not token.isspace():
            out.extend(part for part in _WHITESPACE.split(token) if part)
        else:
            out.append(token)
    return out
