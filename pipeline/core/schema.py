"""The Arrow schemas that flow between stages, with a description of every column.

Documents and rejects are separate files with separate schemas, like dolma keeps
attributes beside documents: a stage never hides a dropped document by deleting a row,
it moves it to the rejects with a reason.
"""

from __future__ import annotations

import pyarrow as pa

# Added by quality: its signals, one struct field per measured value, derived in its package.
from pipeline.quality.columns import QUALITY_COLUMNS

# (name, type, description); the descriptions are rendered into the dataset card.
DOCUMENT_COLUMNS: list[tuple[str, pa.DataType, str]] = [
    ("id", pa.string(), "Stable document id: the first 32 hex digits of SHA-256 over this row's own published values (source, source_file, source_line and the redacted text), so it reveals nothing a redaction removed. The same contributed file gives the same ids in every run while the personal-data settings give the same redactions."),
    ("text", pa.string(), "The document text."),
    ("source", pa.string(), "Id of the contributing source (the folder under data/raw/)."),
    ("source_file", pa.string(), "Path of the contributed file, relative to the source folder."),
    ("source_line", pa.int64(), "Line of the document in a JSON Lines or CSV file, or its position in a multi-record export; null when the file is one document."),
    ("license", pa.string(), "License id (SPDX or LicenseRef, see the licenses section) under which this document is published."),
    ("title", pa.string(), "Title, when the source has one."),
    ("url", pa.string(), "URL of the document or its source page, when known."),
    ("date", pa.string(), "Date of the document as ISO 8601 (YYYY-MM-DD, or a full timestamp when the source gave one); Minguo dates (中華民國95年1月2日, 095/01/02) are converted and the form as written is kept in meta.date_written; null when the source gave none or it could not be read (then only in meta.date_written)."),
    ("meta", pa.string(), "Other fields the source provided, as a JSON object with sorted keys; null when none."),
]
DOCUMENT = pa.schema([(name, typ) for name, typ, _ in DOCUMENT_COLUMNS])

Columns = list[tuple[str, pa.DataType, str]]

# Added by normalize. `cleanup` stays in the interim files for audit; the others are published.
NORMALIZE_COLUMNS: Columns = [
    ("lang", pa.string(), "BCP-47 tag of the published text, identified from its characters (zh-Hant for Traditional Chinese)."),
    ("converted", pa.string(), "The OpenCC configuration applied to the text (s2twp for Simplified text converted to Taiwan Traditional), or null when the text was not converted."),
    ("cleanup", pa.string(), "Characters changed by each Unicode clean-up step, as a JSON object; null when nothing changed."),
]

PII_SPAN = pa.struct([("type", pa.string()), ("start", pa.int64()), ("end", pa.int64())])
PII_FIELD = pa.struct([("field", pa.string()), ("type", pa.string())])
# Added by pii. Offsets are into the published text: a redacted span covers its placeholder.
PII_COLUMNS: Columns = [
    ("pii", pa.list_(PII_SPAN), "Personal data found in the text: {type, start, end} with character offsets into `text`; a redacted item's span covers its placeholder (e.g. [TW_ID])."),
    ("pii_types", pa.list_(pa.string()), "Sorted unique types in `pii`."),
    ("sensitive", pa.list_(pa.string()), "Special categories of personal data (PDPA Art. 6) said of an identified private person in the text: medical, genetic, sexual_life, health_exam, criminal_record (empty: none found)."),
    ("pii_fields", pa.list_(PII_FIELD), "Personal data found in `title`, `url`, `meta` and `source_file`, handled there by the same policy: {field, type}, one per item."),
]

ENTITY = pa.struct([("text", pa.string()), ("type", pa.string()), ("start", pa.int64()), ("end", pa.int64())])
# Added by segment. `pos` and `entities` are filled only when enabled; entities (names!)
# are not published.
SEGMENT_COLUMNS: Columns = [
    ("tokens", pa.list_(pa.string()), "Word tokens; their concatenation is `text` exactly, whitespace included."),
    ("segmenter", pa.string(), "What produced `tokens`: ckip:<model> for a CKIP model, fallback:<name> for the offline fallback."),
    ("pos", pa.list_(pa.string()), "CKIP part-of-speech tag of each token (WHITESPACE for whitespace), when enabled."),
    ("entities", pa.list_(ENTITY), "CKIP named entities with character offsets into `text`, when enabled."),
]

# Added by the global dedup stage.
DEDUP_COLUMNS: Columns = [
    ("dup_cluster", pa.string(), "When copies of this document were removed as duplicates: the id of its cluster (this document's own id); null otherwise."),
    ("dup_removed", pa.int64(), "How many copies of this document (exact or near) were removed."),
    ("dup_family", pa.string(), "When this document belongs to a template family (the same form filled in for another person, company or period; not a copy, so kept): the family's id, the id of its first-ranked member; null otherwise."),
    ("dup_family_size", pa.int64(), "How many documents of its template family dedup kept (0 when in none)."),
]

# Added by the global decontam stage.
DECONTAM_COLUMNS: Columns = [
    ("contamination", pa.list_(pa.string()), "Evaluation benchmarks (decontam.benchmarks with policy flag) this document shares a long character n-gram with: benchmark text the corpus contains; empty when none. Documents matched by a benchmark with policy remove are not published."),
]

# Each stage's columns, in pipeline order; a stage's output has its own and all before.
STAGE_COLUMNS: dict[str, Columns] = {
    "ingest": DOCUMENT_COLUMNS,
    "normalize": NORMALIZE_COLUMNS,
    "quality": QUALITY_COLUMNS,
    "pii": PII_COLUMNS,
    "segment": SEGMENT_COLUMNS,
    "dedup": DEDUP_COLUMNS,
    "decontam": DECONTAM_COLUMNS,
}


def columns_after(stage: str) -> Columns:
    out: Columns = []
    for name, columns in STAGE_COLUMNS.items():
        out += columns
        if name == stage:
            return out
    raise KeyError(stage)


def schema_after(stage: str) -> pa.Schema:
    return pa.schema([(name, typ) for name, typ, _ in columns_after(stage)])


NORMALIZED = schema_after("normalize")
QUALITY_CHECKED = schema_after("quality")
PII_CHECKED = schema_after("pii")
SEGMENTED = schema_after("segment")
DEDUPED = schema_after("dedup")
DECONTAMINATED = schema_after("decontam")

# What the publish stage writes to the hub, in this order.
_UNPUBLISHED = {"cleanup", "quality", "pos", "entities"}
PUBLISHED_COLUMNS = [c for c in columns_after("decontam") if c[0] not in _UNPUBLISHED]
PUBLISHED = pa.schema([(name, typ) for name, typ, _ in PUBLISHED_COLUMNS])

REJECT_COLUMNS: list[tuple[str, pa.DataType, str]] = [
    ("source", pa.string(), "Source id."),
    ("source_file", pa.string(), "File of the source the document came from (null for a problem with the whole source)."),
    ("source_line", pa.int64(), "Line or record position in that file, when it has one."),
    ("stage", pa.string(), "Stage that rejected it (ingest, …)."),
    ("reason", pa.string(), "Machine-readable reason, e.g. undecodable, empty, malformed-line, duplicate-in-source, duplicate-of:<id>."),
    ("detail", pa.string(), "One human-readable line explaining the reason."),
    ("id", pa.string(), "Document id (published id of this reject row as written), when the document got as far as having one."),
    ("text", pa.string(), "The text, when it could be read, for audit."),
]
REJECT = pa.schema([(name, typ) for name, typ, _ in REJECT_COLUMNS])
# The list of what was not published that goes into the release: without the text, which may
# be under a license that forbids publishing it (and belongs to no config of the dataset).
RELEASED_REJECT = pa.schema([f for f in REJECT if f.name != "text"])


def reason_key(reason: str) -> str:
    """The metrics bucket of a reason: `duplicate-of:<id>` counts as `duplicate-of`, and
    `family-cap:<id>` as `family-cap`."""
    return reason.split(":", 1)[0] if reason.startswith(("duplicate-of:", "family-cap:")) else reason
