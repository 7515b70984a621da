"""A content-addressed cache of segmentations, so no text is segmented twice.

Keyed by SHA-256 of (segmenter fingerprint, options, piece text): re-running after a
crash, adding a source, or meeting the same sentence in another document costs no
model time. One SQLite file under ``segment.cache_dir`` (outside the published data);
deleting it is always safe.

A cache never decides what is published, so corruption is never fatal and never silent:

- every entry carries a digest of its key and value; an entry that does not match it (or
  does not decode) is a miss: the piece is segmented again and the entry rewritten;
- a file SQLite cannot read (not a database, a malformed page) is replaced by a new,
  empty cache.

Either way one warning line says so, once per cache opened, naming the file and saying
that deleting the cache folder is safe.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import sys
from collections.abc import Iterable
from pathlib import Path

from pipeline.core.parquet import display

TABLE = "entries"  # (key, value, digest); the table before digests, ``segments``, is carried over once
CORRUPT = ("SQLITE_CORRUPT", "SQLITE_NOTADB")  # unreadable file, as opposed to locked or busy


def cache_key(fingerprint: str, piece: str) -> bytes:
    digest = hashlib.sha256(fingerprint.encode("utf-8"))
    digest.update(b"\x00")
    digest.update(piece.encode("utf-8", "surrogatepass"))
    return digest.digest()


def entry_digest(key: bytes, value: str) -> bytes:
    """What an entry must match to be used: its key and its value, together."""
    digest = hashlib.sha256(key)
    digest.update(b"\x00")
    digest.update(value.encode("utf-8", "surrogatepass"))
    return digest.digest()[:8]


def _is_corrupt(exc: sqlite3.DatabaseError) -> bool:
    name = getattr(exc, "sqlite_errorname", None)
    return name in CORRUPT if name else not isinstance(exc, sqlite3.OperationalError)


class SegmentCache:
    def __init__(self, path: Path | None):
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._warned: set[str] = set()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                self._open()
            except sqlite3.DatabaseError as exc:
                if not _is_corrupt(exc):
                    raise
                self._reset(exc)

    def _open(self) -> None:
        assert self.path is not None
        # Ray actors may share the file (wait for its lock) and call from a thread of their own
        self._db = sqlite3.connect(self.path, timeout=120, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} (key BLOB PRIMARY KEY, value TEXT NOT NULL, digest BLOB NOT NULL)"
        )
        self._carry_over()

    def _carry_over(self) -> None:
        """Entries of the table before digests: given theirs, once (their JSON is checked on read)."""
        assert self._db is not None
        if not self._db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'segments'").fetchone():
            return
        self._db.create_function("entry_digest", 2, entry_digest, deterministic=True)
        try:
            with self._db:
                self._db.execute(
                    f"INSERT OR IGNORE INTO {TABLE} (key, value, digest) "
                    "SELECT key, value, entry_digest(key, value) FROM segments"
                )
                self._db.execute("DROP TABLE segments")
        except sqlite3.OperationalError as exc:  # another worker carried it over first
            if "no such table" not in str(exc):
                raise

    def _warn(self, kind: str, message: str) -> None:
        if kind not in self._warned:
            assert self.path is not None  # only a cache with a file warns
            self._warned.add(kind)
            print(
                f"twcorpus: warning: {display(self.path)}: {message} "
                f"(deleting {display(self.path.parent)} is always safe)",
                file=sys.stderr,
            )

    def _reset(self, exc: sqlite3.DatabaseError) -> None:
        """An unreadable cache file: start a new, empty one in its place (or go on without one)."""
        assert self.path is not None
        self._warn("file", f"the segmentation cache is unreadable ({exc}); starting a new one")
        if self._db is not None:
            try:
                self._db.close()
            except sqlite3.Error:
                pass
            self._db = None
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        try:
            self._open()
        except sqlite3.DatabaseError as again:
            self._db = None
            self._warn("off", f"cannot start a new segmentation cache ({again}); segmenting without one")

    def get_many(self, keys: list[bytes]) -> dict[bytes, dict]:
        if self._db is None or not keys:
            return {}
        found: dict[bytes, dict] = {}
        bad = 0
        try:
            for start in range(0, len(keys), 500):  # SQLite's bound-parameter limit
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for key, value, digest in self._db.execute(
                    f"SELECT key, value, digest FROM {TABLE} WHERE key IN ({marks})", chunk
                ):
                    result = _decode(key, value, digest)
                    if result is None:
                        bad += 1
                    else:
                        found[key] = result
        except sqlite3.DatabaseError as exc:
            if not _is_corrupt(exc):
                raise
            self._reset(exc)
            return {}
        if bad:
            self._warn(
                "entry",
                "corrupt segmentation cache entries were ignored; their pieces are segmented "
                "again and the entries rewritten",
            )
        return found

    def put_many(self, items: Iterable[tuple[bytes, dict]]) -> None:
        if self._db is None:
            return
        rows = [
            (key, value, entry_digest(key, value))
            for key, value in ((key, json.dumps(result, ensure_ascii=False)) for key, result in items)
        ]
        try:
            with self._db:
                self._db.executemany(f"INSERT OR REPLACE INTO {TABLE} (key, value, digest) VALUES (?, ?, ?)", rows)
        except sqlite3.DatabaseError as exc:
            if not _is_corrupt(exc):
                raise
            self._reset(exc)
            if self._db is not None:
                with self._db:
                    self._db.executemany(f"INSERT OR REPLACE INTO {TABLE} (key, value, digest) VALUES (?, ?, ?)", rows)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def _decode(key: bytes, value: object, digest: object) -> dict | None:
    """An entry's segmentation, or None when it is not the one that was stored."""
    if not isinstance(value, str) or not isinstance(digest, bytes) or entry_digest(bytes(key), value) != digest:
        return None
    try:
        result = json.loads(value)
    except ValueError:
        return None
    if not isinstance(result, dict) or not isinstance(result.get("tokens"), list):
        return None
    return result
