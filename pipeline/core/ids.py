"""Stable document ids."""

from __future__ import annotations

import hashlib


def document_id(source: str, text: str) -> str:
    """Same source and same contributed text give the same id, in every run and on every machine.

    The text is hashed as contributed (before normalization), so tuning a later stage
    never changes ids; the source is part of the key so two agencies publishing the
    same text keep separate provenance until dedup decides between them.
    """
    digest = hashlib.sha256()
    digest.update(source.encode("utf-8"))
    digest.update(b"\x00")
    digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:32]
