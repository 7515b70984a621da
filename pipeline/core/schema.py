"""The Arrow schemas that flow between stages, with a description of every column.

Documents and rejects are separate files with separate schemas, like dolma keeps
attributes beside documents: a stage never hides a dropped document by deleting a row,
it moves it to the rejects with a reason.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from pipeline.core.contract import stages

Columns = list[tuple[str, pa.DataType, str]]


def schema_of(columns: Columns) -> pa.Schema:
    """The Arrow schema of (name, type, description) columns."""
    return pa.schema([(name, typ) for name, typ, _ in columns])


# (name, type, description); the descriptions are rendered into the dataset card.
DOCUMENT_COLUMNS: Columns = [
    (
        "id",
        pa.string(),
        "Stable document id: the first 32 hex digits of SHA-256 over this row's own published values (source, source_file, source_line and the redacted text), so it reveals nothing a redaction removed. The same contributed file gives the same ids in every run while the personal-data settings give the same redactions.",
    ),
    ("text", pa.string(), "The document text."),
    ("source", pa.string(), "Id of the contributing source (the folder under data/raw/)."),
    ("source_file", pa.string(), "Path of the contributed file, relative to the source folder."),
    (
        "source_line",
        pa.int64(),
        "Line of the document in a JSON Lines or CSV file, or its position in a multi-record export; null when the file is one document.",
    ),
    (
        "license",
        pa.string(),
        "License id (SPDX or LicenseRef, see the licenses section) under which this document is published.",
    ),
    ("title", pa.string(), "Title, when the source has one."),
    ("url", pa.string(), "URL of the document or its source page, when known."),
    (
        "date",
        pa.string(),
        "Date of the document as ISO 8601 (YYYY-MM-DD, or a full timestamp when the source gave one); Minguo dates (中華民國95年1月2日, 095/01/02) are converted and the form as written is kept in meta.date_written; null when the source gave none or it could not be read (then only in meta.date_written).",
    ),
    ("meta", pa.string(), "Other fields the source provided, as a JSON object with sorted keys; null when none."),
]
DOCUMENT = schema_of(DOCUMENT_COLUMNS)


# Every other column is declared by the stage that adds it (``Stage.columns`` in
# pipeline/<stage>/contract.py); a stage's output has its own columns and all before.
def columns_after(stage: str) -> Columns:
    out: Columns = []
    for s in stages():
        out += list(s.columns)
        if s.name == stage:
            return out
    raise KeyError(stage)


@functools.cache
def schema_after(stage: str) -> pa.Schema:
    return schema_of(columns_after(stage))


def published_columns() -> Columns:
    """What publish writes to the hub, in this order: every column of the last stage's
    output except those a stage keeps to the interim files (``Stage.unpublished``)."""
    unpublished = {name for s in stages() for name in s.unpublished}
    return [c for c in columns_after(stages()[-1].name) if c[0] not in unpublished]


@functools.cache
def published_schema() -> pa.Schema:
    return schema_of(published_columns())


REJECT_COLUMNS: Columns = [
    ("source", pa.string(), "Source id."),
    (
        "source_file",
        pa.string(),
        "File of the source the document came from (null for a problem with the whole source).",
    ),
    ("source_line", pa.int64(), "Line or record position in that file, when it has one."),
    ("stage", pa.string(), "Stage that rejected it (ingest, …)."),
    (
        "reason",
        pa.string(),
        "Machine-readable reason, e.g. undecodable, empty, malformed-line, duplicate-in-source, duplicate-of:<id>.",
    ),
    ("detail", pa.string(), "One human-readable line explaining the reason."),
    (
        "id",
        pa.string(),
        "Document id (published id of this reject row as written), when the document got as far as having one.",
    ),
    ("text", pa.string(), "The text, when it could be read, for audit."),
]
REJECT = schema_of(REJECT_COLUMNS)
# The list of what was not published that goes into the release: without the text, which may
# be under a license that forbids publishing it (and belongs to no config of the dataset).
RELEASED_REJECT = pa.schema([f for f in REJECT if f.name != "text"])


def reason_key(reason: str) -> str:
    """The metrics bucket of a reason: `duplicate-of:<id>` counts as `duplicate-of`, and
    `family-cap:<id>` as `family-cap`."""
    return reason.split(":", 1)[0] if reason.startswith(("duplicate-of:", "family-cap:")) else reason


def reject_row(doc: Mapping[str, Any], stage: str, reason: str, detail: str) -> dict[str, Any]:
    """The one way a reject is built, by every stage: the document's provenance (source,
    file, line, id, text; what it lacks is null, as for a file ingest could not read) with the
    stage, the reason and its one-line detail: the fields of ``REJECT``."""
    return {
        "source": doc["source"],
        "source_file": doc.get("source_file"),
        "source_line": doc.get("source_line"),
        "stage": stage,
        "reason": reason,
        "detail": detail,
        "id": doc.get("id"),
        "text": doc.get("text"),
    }
