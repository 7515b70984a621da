"""JSON Lines: one document per line, ``text`` required.

``title``, ``url``, ``date`` and ``license`` map to their columns; every other field is
kept in ``meta``. Blank lines are not documents and are skipped; a file of nothing else
(0 bytes included) is one problem ``empty``. A line with a NUL byte is a problem
``binary-line`` of its own, an over-long one ``line-too-long``: the other lines are read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from pipeline.ingest.encoding import Undecodable, iter_lines
from pipeline.ingest.readers.base import Problem, Record, is_blank, reader, text_or_none

_COLUMNS = ("title", "url", "date", "license")


@reader("jsonl", "JSON Lines", extensions=(".jsonl", ".ndjson"), per_line=True)
def read_jsonl(path: Path, manifest: object) -> Iterator[Record | Problem]:
    try:
        _, lines = iter_lines(path, lines=True)
    except Undecodable as exc:
        yield Problem(exc.reason, str(exc))
        return
    seen = False  # a line that is not blank
    for line in lines:
        if line.error:
            seen = True
            yield Problem(line.reason, line.error, line.number)
            continue
        if is_blank(line.text):
            continue
        seen = True
        try:
            obj = json.loads(line.text.rstrip("\r\n"))  # so error columns point into the line
        except json.JSONDecodeError as exc:
            yield Problem(
                "malformed-line",
                f"line {line.number}: not valid JSON ({exc.msg}, column {exc.colno})",
                line.number,
                line.text,
            )
            continue
        except (RecursionError, ValueError) as exc:  # absurdly deep nesting, huge numbers
            yield Problem("malformed-line", f"line {line.number}: not valid JSON ({type(exc).__name__})", line.number)
            continue
        if not isinstance(obj, dict):
            yield Problem(
                "malformed-line",
                f"line {line.number}: expected a JSON object, got {type(obj).__name__}",
                line.number,
                line.text,
            )
            continue
        text = obj.pop("text", None)
        if not isinstance(text, str):
            what = "no 'text' field" if text is None else f"'text' is {type(text).__name__}, not a string"
            yield Problem("missing-text", f"line {line.number}: {what}", line.number, line.text)
            continue
        if is_blank(text):
            yield Problem("empty", f"line {line.number}: 'text' is empty", line.number)
            continue
        fields = {name: text_or_none(obj.pop(name, None)) for name in _COLUMNS}
        yield Record(text=text, line=line.number, meta=obj, **fields)
    if not seen:
        yield Problem("empty", "the file holds no text")
