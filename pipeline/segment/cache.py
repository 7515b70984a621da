"""A content-addressed cache of segmentations, so no text is segmented twice.

Keyed by SHA-256 of (segmenter fingerprint, options, piece text): re-running after a
crash, adding a source, or meeting the same sentence in another document costs no
model time. One SQLite file under ``segment.cache_dir`` (outside the published data);
deleting it is always safe.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path


def cache_key(fingerprint: str, piece: str) -> bytes:
    digest = hashlib.sha256(fingerprint.encode("utf-8"))
    digest.update(b"\x00")
    digest.update(piece.encode("utf-8", "surrogatepass"))
    return digest.digest()


class SegmentCache:
    def __init__(self, path: Path | None):
        self.path = path
        self._db: sqlite3.Connection | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Ray actors may share the file (wait for its lock) and call from a thread of their own
            self._db = sqlite3.connect(path, timeout=120, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS segments (key BLOB PRIMARY KEY, value TEXT NOT NULL)")

    def get_many(self, keys: list[bytes]) -> dict[bytes, dict]:
        if self._db is None or not keys:
            return {}
        found: dict[bytes, dict] = {}
        for start in range(0, len(keys), 500):  # SQLite's bound-parameter limit
            chunk = keys[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for key, value in self._db.execute(f"SELECT key, value FROM segments WHERE key IN ({marks})", chunk):
                found[key] = json.loads(value)
        return found

    def put_many(self, items: Iterable[tuple[bytes, dict]]) -> None:
        if self._db is None:
            return
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO segments (key, value) VALUES (?, ?)",
                                 ((key, json.dumps(value, ensure_ascii=False)) for key, value in items))

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
