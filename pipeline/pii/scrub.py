"""Redaction of what is kept anywhere outside the interim working files: rejects.

A reject keeps its text so an agency can see what was dropped; it is written by stages
that run before pii (ingest, normalize, quality), so its text, detail and file name are
redacted here by the same detectors and policy, and its id becomes the published id of
the row as written (``pipeline.core.ids``). A type the policy drops is redacted too (a
reject cannot be dropped again); a flagged type stays, as in the release.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pipeline.core.ids import published_id
from pipeline.pii.detect import PLACEHOLDERS, detect
from pipeline.pii.detectors.base import Span
from pipeline.pii.params import PiiParams

Scrub = Callable[[dict[str, Any]], dict[str, Any]]


def apply_policy(text: str, spans: list[Span], policy: dict[str, str]) -> tuple[str, list[dict[str, Any]]]:
    """The text with redactions made, and every span with offsets into that text."""
    out: list[str] = []
    recorded: list[dict[str, Any]] = []
    cursor = shift = 0
    for span in spans:
        out.append(text[cursor : span.start])
        original = text[span.start : span.end]
        replacement = PLACEHOLDERS[span.type] if policy[span.type] == "redact" else original
        start = span.start + shift
        out.append(replacement)
        recorded.append({"type": span.type, "start": start, "end": start + len(replacement)})
        shift += len(replacement) - len(original)
        cursor = span.end
    out.append(text[cursor:])
    return "".join(out), recorded


def redact(text: str, spans: list[Span], policy: dict[str, str]) -> str:
    """``text`` with every span whose type is not flagged replaced by its placeholder: what a
    reject keeps (a type the policy drops is redacted there)."""
    return apply_policy(
        text, spans, {kind: "flag" if action == "flag" else "redact" for kind, action in policy.items()}
    )[0]


def reject_scrubber(params: PiiParams) -> Scrub:
    """What a stage before pii applies to each reject row before writing it."""

    def scrub(row: dict[str, Any]) -> dict[str, Any]:
        changed = {key: redact(row[key], detect(row[key]), params.policy) for key in REJECT_FIELDS if row.get(key)}
        return rekeyed(row | changed)

    return scrub


REJECT_FIELDS = ("text", "detail", "source_file")  # a reject's free-text fields


def rekeyed(row: dict[str, Any]) -> dict[str, Any]:
    """``row`` with its id replaced by the published id of its (redacted) values; a row without
    an id (a file that gave no document) keeps none."""
    if row.get("id") is None:
        return row
    return row | {"id": published_id(row["source"], row["source_file"], row["source_line"], row["text"] or "")}


def unchanged(row: dict[str, Any]) -> dict[str, Any]:
    """For stages after pii: their rejects hold text that pii already redacted."""
    return row
