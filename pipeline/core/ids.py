"""Document ids: a working id inside the interim files, a published id everywhere else."""

from __future__ import annotations

import hashlib


def document_id(source: str, text: str) -> str:
    """The working id, given at ingest: a digest of the source and the text as contributed.

    It keys the within-source duplicate check and lives only in the interim files before
    pii. It is never published: the text it digests may hold personal data the pii stage
    removes, and an unsalted digest beside the redacted text would let anyone confirm a
    guess of what was removed (hash each candidate phone number, compare).
    """
    digest = hashlib.sha256()
    digest.update(source.encode("utf-8"))
    digest.update(b"\x00")
    digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:32]


def published_id(source: str, source_file: str | None, source_line: int | None, text: str) -> str:
    """The id of a row as it is published (or kept as a reject): a digest of that row's own
    published values — the source, where the document came from and its redacted text — so it
    reveals nothing the row does not show. It is stable: the same contributed file gives the
    same ids in every run and on every machine, as long as the pii settings give the same
    redactions. The place in the source keeps two records whose redacted texts are equal
    (a form letter to two persons) apart.
    """
    digest = hashlib.sha256(b"twcorpus-id-2")
    for part in (source, source_file or "", "" if source_line is None else str(source_line), text):
        data = part.encode("utf-8", "surrogatepass")
        digest.update(len(data).to_bytes(8, "big") + data)  # length-prefixed: no two rows digest alike
    return digest.hexdigest()[:32]
