"""CSV, as exported by the open-data portal: one document per row.

The manifest's ``csv:`` block names the text column (and optionally title, url, date and
license columns, and the delimiter). Other columns are kept in ``meta``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pipeline.core.errors import UserError
from pipeline.ingest.encoding import Line, Undecodable, iter_lines
from pipeline.ingest.readers.base import Problem, Record, is_blank, reader, text_or_none


@dataclass(frozen=True)
class CsvOptions:
    text_column: str = "text"
    title_column: str | None = None
    url_column: str | None = None
    date_column: str | None = None
    license_column: str | None = None  # a per-row license overriding the manifest's
    delimiter: str = ","

    def check(self, where: str, prefix: str) -> None:
        if len(self.delimiter) != 1:
            raise UserError(where, f"'{prefix}.delimiter' must be one character, got {self.delimiter!r}")


class _WithCsv(Protocol):  # the Manifest, as far as this reader reads it
    @property
    def csv(self) -> CsvOptions: ...


@reader("csv", "CSV", extensions=(".csv",), per_line=True)
def read_csv(path: Path, manifest: _WithCsv) -> Iterator[Record | Problem]:
    options = manifest.csv
    try:
        _, lines = iter_lines(path, lines=True)
    except Undecodable as exc:
        yield Problem(exc.reason, str(exc))
        return
    bad_lines: dict[int, Line] = {}  # undecodable, binary or over-long lines; their rows are rejects

    def feed(lines: Iterator[Line]) -> Iterator[str]:
        for line in lines:
            if line.error:
                bad_lines[line.number] = line
            yield line.text

    reader = csv.reader(feed(lines), delimiter=options.delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        yield Problem("empty", "the file holds no rows")
        return
    except csv.Error as exc:
        yield Problem("malformed-file", f"line 1: cannot read the CSV header ({exc})", 1)
        return
    if 1 in bad_lines:  # the header itself
        yield Problem(bad_lines[1].reason, f"cannot read the CSV header: {bad_lines[1].error}", 1)
        return
    header = [name.strip() for name in header]
    if options.text_column not in header:
        yield Problem(
            "missing-column",
            f"no column '{options.text_column}' (the manifest's csv.text_column); the header has: {', '.join(header)}",
            1,
        )
        return
    named = {
        "title": options.title_column,
        "url": options.url_column,
        "date": options.date_column,
        "license": options.license_column,
    }
    mapped = {options.text_column, *filter(None, named.values())}
    end = reader.line_num
    rows = 0  # rows that are not blank
    while True:
        start = end + 1
        try:
            row = next(reader)
        except StopIteration:
            if not rows:
                yield Problem("empty", "the file holds a header and no rows")
            return
        except csv.Error as exc:
            # The reader resumes at the next line; an unterminated quote at the end of the
            # file has swallowed everything after it, and the detail says so.
            end = reader.line_num
            rows += 1
            yield Problem("malformed-row", f"line {start}: {exc} (lines {start}–{end} rejected)", start)
            continue
        end = reader.line_num
        errors = [bad_lines[n] for n in range(start, end + 1) if n in bad_lines]
        if errors:
            rows += 1
            yield Problem(errors[0].reason, errors[0].error or "", start)
            continue
        if not row or all(is_blank(cell) for cell in row):
            continue
        rows += 1
        if len(row) != len(header):
            yield Problem(
                "malformed-row",
                f"line {start}: {len(row)} fields where the header has {len(header)}",
                start,
                options.delimiter.join(row),
            )
            continue
        values = dict(zip(header, row))
        text = values[options.text_column]
        if is_blank(text):
            yield Problem("empty", f"line {start}: column '{options.text_column}' is empty", start)
            continue
        fields = {name: text_or_none(values.get(col)) if col else None for name, col in named.items()}
        meta = {k: v for k, v in values.items() if k not in mapped and v.strip()}
        yield Record(text=text, line=start, meta=meta, **fields)
