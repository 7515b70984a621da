"""Streaming Parquet I/O with byte-reproducible, crash-safe and verified output.

Files are written from Arrow directly (no pandas metadata), with fixed writer options,
no timestamps, and rows in the order they arrive, so the same inputs give the same bytes.
Every page carries a CRC checksum, and every read verifies it: a flipped byte is an
error naming the file, never different text.

Outputs are written the same way everywhere (``OutputGuard``):

- a per-output lock (``flock`` on ``.tmp/<key>.lock``) held while the output is written,
  so a second run of the same stage stops with one line instead of colliding;
- temporary files with unique names in the repository's ``.tmp/`` folder (beside
  ``data/``, on the same filesystem, so renames stay atomic), never inside a folder DVC
  hashes: a killed run leaves nothing in ``data/``, and whatever it left in ``.tmp/`` is
  removed by the next writer of the same output, under the lock;
- the file is fsynced before it is renamed over the output, and the folder after.

The repository root is found from the output's path (the nearest folder above it with
dvc.yaml, params.yaml or .dvc), so writers need no more than the path. An output outside
any repository, or on another filesystem than ``.tmp/``, gets its temporary files beside
it under hidden unique names instead (still cleaned, still locked).

Reads go through ``open_parquet``/``read_batches``/``read_table``: checksums verified, and a
corrupt or truncated file is one ``UserError`` naming it and saying what to do.
"""

from __future__ import annotations

import base64
import binascii
import ctypes
import errno
import hashlib
import os
import re
import secrets
import shutil
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.core.errors import UserError, missing_input

try:
    import fcntl
except ImportError:  # not POSIX: no locks, everything else the same
    fcntl = None  # type: ignore[assignment]

SCRATCH = ".tmp"  # under the repository root: temporary files and locks (gitignored, in no DVC output)
ROOT_MARKERS = ("dvc.yaml", "params.yaml", ".dvc")  # a folder holding one of these is a repository root

T = TypeVar("T")


def writer_options(compression_level: int = 9, *, for_hub: bool = False) -> dict[str, Any]:
    options: dict[str, Any] = dict(
        compression="zstd",
        compression_level=compression_level,
        write_statistics=True,
        store_schema=True,
        write_page_checksum=True,  # CRC32 of every page, verified on read (``open_parquet``)
    )
    if for_hub:
        # The page index lets the dataset viewer and readers seek; content-defined
        # chunking keeps page boundaries stable so an update uploads only changed pages.
        options.update(write_page_index=True, use_content_defined_chunking=True)
    return options


# --- where outputs are written from ------------------------------------------------------------


def repo_root(path: Path) -> Path | None:
    """The repository an output belongs to: the nearest folder above it with dvc.yaml,
    params.yaml or .dvc (every output lives under ``<root>/data/``); None outside one."""
    folder = Path(os.path.abspath(path)).parent
    for candidate in (folder, *folder.parents):
        if any((candidate / marker).exists() for marker in ROOT_MARKERS):
            return candidate
    return None


def display(path: Path) -> str:
    """A path as the user should see it: relative to its repository root when it has one."""
    absolute = Path(os.path.abspath(path))
    root = repo_root(absolute)
    if root is not None:
        try:
            return absolute.relative_to(root).as_posix()
        except ValueError:
            pass
    return str(path)


def scratch_dir(path: Path) -> Path:
    """Where the temporary files of ``path`` go: ``<root>/.tmp`` when it is on the same filesystem
    as the output's folder (a rename must stay atomic), else the output's folder itself."""
    parent = Path(os.path.abspath(path)).parent
    parent.mkdir(parents=True, exist_ok=True)
    root = repo_root(path)
    if root is not None:
        scratch = root / SCRATCH
        scratch.mkdir(exist_ok=True)
        if scratch.stat().st_dev == parent.stat().st_dev:
            return scratch
    return parent


def _key(path: Path) -> str:
    """A file-name-safe name for one output, the same in every run: a hash, then the readable path."""
    name = display(path)
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"{digest}-{re.sub(r'[^A-Za-z0-9._-]+', '_', name)[-80:]}"


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:  # a platform without directory handles: nothing to sync
        return
    try:
        os.fsync(fd)
    except OSError as exc:  # some filesystems refuse fsync on a folder
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise
    finally:
        os.close(fd)


def fsync_tree(folder: Path) -> None:
    """Every file and folder under ``folder`` (and ``folder``) on disk."""
    for dirpath, _, filenames in os.walk(folder):
        for name in filenames:
            fsync_file(Path(dirpath) / name)
        fsync_dir(Path(dirpath))


def replace_durably(tmp: Path, path: Path) -> None:
    """Move a finished temporary file over ``path``: on disk before the rename, the rename on disk after."""
    fsync_file(tmp)
    os.replace(tmp, path)
    fsync_dir(path.parent)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux ``renameat2(RENAME_EXCHANGE)``); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EPERM):
        return False
    raise OSError(code, os.strerror(code), str(b))


class OutputGuard:
    """The lock and the scratch space of one output (a file or a folder).

    Acquiring takes an exclusive ``flock`` on ``.tmp/<key>.lock`` (``wait=False``: a
    ``UserError`` when another run holds it; ``wait=True``: wait for it) and then removes
    what earlier runs of this output left in the scratch folder (a crash, ``kill -9``), and
    any ``.<name>.tmp`` that writers before this one left beside the output. The lock goes
    with the process: a killed run never leaves it held. Lock files stay in ``.tmp`` (removing
    one while another process waits on it would let two runs in).
    """

    def __init__(self, path: Path, *, wait: bool = False):
        self.path = Path(os.path.abspath(path))
        self.wait = wait
        self.scratch = scratch_dir(self.path)
        root = repo_root(self.path)
        key = _key(self.path)
        locks = root / SCRATCH if root is not None else self.path.parent
        self.lock_path = locks / (f"{key}.lock" if root is not None else f".{self.path.name}.lock")
        # temporary names: <key>.<random>.tmp in .tmp, or .<name>.<random>.tmp beside the output
        self.prefix = f"{key}." if self.scratch != self.path.parent else f".{self.path.name}."
        self._fd: int | None = None
        self._temps: list[Path] = []

    def acquire(self) -> OutputGuard:
        if self._fd is not None:
            return self
        if fcntl is not None:
            self.lock_path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX if self.wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise UserError(
                    display(self.path),
                    f"another run is writing this output right now (lock "
                    f"{display(self.lock_path)}); wait for it to finish, or stop it, then run again",
                ) from None
            except BaseException:
                os.close(fd)
                raise
            self._fd = fd
            self._clean()  # only under the lock: no live writer of this output can own what is removed
        return self

    def _clean(self) -> None:
        """Leftovers of runs that died while writing this output."""
        ours = re.compile(re.escape(self.prefix) + r"[0-9a-f]{16}\.tmp")  # as ``_new`` names them
        for entry in os.scandir(self.scratch):
            if ours.fullmatch(entry.name):
                _remove(Path(entry.path))
        self.path.with_name(f".{self.path.name}.tmp").unlink(missing_ok=True)  # the name writers used before

    def _new(self, make: Callable[[Path], None]) -> Path:
        """A new temporary path, made by ``make``: a random name, created exclusively, with the
        permissions any file gets here (the umask's; ``mkstemp`` would give 0600, ``mkdtemp`` 0700)."""
        for _ in range(100):
            path = self.scratch / f"{self.prefix}{secrets.token_hex(8)}.tmp"
            try:
                make(path)
            except FileExistsError:
                continue
            self._temps.append(path)
            return path
        raise FileExistsError(errno.EEXIST, "no unused temporary name", str(self.scratch))

    def temp_file(self) -> Path:
        """A new, empty temporary file with a unique name, removed by ``release`` unless committed."""
        return self._new(lambda path: os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)))

    def temp_dir(self) -> Path:
        """A new, empty temporary folder with a unique name, removed by ``release`` unless swapped in."""
        return self._new(lambda path: os.mkdir(path, 0o777))

    def commit(self, tmp: Path) -> None:
        """A finished temporary file becomes the output."""
        replace_durably(tmp, self.path)
        self._temps.remove(tmp)

    def swap_in(self, folder: Path) -> None:
        """A finished temporary folder becomes the output folder in one atomic rename: whoever
        looks finds the old folder or the new one, never a mix; the old one is then removed."""
        fsync_tree(folder)
        if not os.path.lexists(self.path):
            os.rename(folder, self.path)
        elif _exchange(folder, self.path):
            _remove(folder)  # the old folder, now under the temporary name
        else:  # no atomic exchange on this system: for a moment there is no folder, never a half one
            aside = self.temp_dir()
            os.rename(self.path, aside / "old")
            os.rename(folder, self.path)
            _remove(aside)
        fsync_dir(self.path.parent)

    def release(self) -> None:
        """Remove the temporary files and folders not committed, and drop the lock."""
        for path in self._temps:
            _remove(path)
        self._temps = []
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None

    def __enter__(self) -> OutputGuard:
        return self.acquire()

    def __exit__(self, *exc: Any) -> None:
        self.release()


def write_durably(path: Path, data: bytes) -> None:
    """A small file written whole or not at all: a unique temporary file, fsync, rename.
    Writers of the same file wait for each other (each write takes milliseconds)."""
    with OutputGuard(path, wait=True) as guard:
        tmp = guard.temp_file()
        with open(tmp, "wb") as f:
            f.write(data)
        guard.commit(tmp)


# --- writing -------------------------------------------------------------------------------------


class RowWriter:
    """Collects rows (dicts or record batches) and writes them as row groups of ``batch_size`` rows.

    Memory is bounded by one batch. Row groups depend only on the rows, not on how they
    arrived, so engines that batch differently write the same bytes. The file always
    exists after ``close`` (an empty file with the schema when no rows came), so DVC
    always finds its outputs. The output is locked from the start to ``close``/``abort``
    (``OutputGuard``): a second writer of the same file stops with a ``UserError``.
    """

    def __init__(self, path: Path, schema: pa.Schema, batch_size: int, **options: Any):
        self.path = path
        self.schema = schema
        self.batch_size = batch_size
        self.options = {**(options or writer_options()), "write_page_checksum": True}
        self.rows: list[dict[str, Any]] = []
        self.pending: list[pa.RecordBatch] = []  # batches not yet written, fewer than batch_size rows in all
        self.pending_rows = 0
        self.count = 0
        self._done = False
        self._guard = OutputGuard(path).acquire()
        try:
            self._tmp = self._guard.temp_file()
            self._writer = pq.ParquetWriter(self._tmp, schema, **self.options)
        except BaseException:
            self._guard.release()
            raise

    def add(self, row: dict[str, Any]) -> None:
        self.rows.append(row)
        if len(self.rows) >= self.batch_size:
            self._take_rows()

    def write_batch(self, batch: pa.RecordBatch) -> None:
        """Add a record batch (after any rows added before it, keeping the order)."""
        self._take_rows()
        self._queue(batch)

    def _take_rows(self) -> None:
        if self.rows:
            self._queue(pa.RecordBatch.from_pylist(self.rows, schema=self.schema))
            self.rows = []

    def _queue(self, batch: pa.RecordBatch) -> None:
        if batch.num_rows:
            self.pending.append(batch)
            self.pending_rows += batch.num_rows
        while self.pending_rows >= self.batch_size:
            self._write(self.batch_size)

    def _write(self, rows: int) -> None:
        table = pa.Table.from_batches(self.pending, schema=self.schema)
        head, rest = table.slice(0, rows).combine_chunks(), table.slice(rows)  # one chunk: pages cut the same way
        self._writer.write_table(head, row_group_size=rows)
        self.count += head.num_rows
        self.pending = rest.combine_chunks().to_batches() if rest.num_rows else []
        self.pending_rows = rest.num_rows

    def flush(self) -> None:
        self._take_rows()
        if self.pending_rows:
            self._write(self.pending_rows)

    def close(self) -> None:
        if self._done:
            return
        try:
            self.flush()
            self._writer.close()
            self._guard.commit(self._tmp)
        except BaseException:
            self.abort()
            raise
        self._done = True
        self._guard.release()

    def abort(self) -> None:
        """Drop what was written: the output stays as it was, the temporary file goes."""
        if self._done:
            return
        self._done = True
        try:
            self._writer.close()
        except Exception:  # a writer that failed may fail again on close: the file goes anyway
            pass
        finally:
            self._guard.release()

    def __enter__(self) -> RowWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


# --- reading -------------------------------------------------------------------------------------


def _unreadable(path: Path, exc: BaseException) -> UserError:
    said = " ".join(str(exc).split()) or type(exc).__name__
    return UserError(display(path), f"not a readable Parquet file ({said}); delete it and run dvc repro")


def _checked(path: Path, call: Callable[[], T]) -> T:
    try:
        return call()
    except FileNotFoundError:
        if not Path(path).exists():
            raise missing_input(display(path)) from None
        raise
    except (pa.ArrowException, OSError, UnicodeDecodeError) as exc:  # a corrupt column name decodes badly
        raise _unreadable(path, exc) from None


def _schema_agrees(path: Path, f: pq.ParquetFile) -> pq.ParquetFile:
    """The footer holds the schema twice (Parquet's own and Arrow's, serialized), and no page
    checksum covers either: a corrupt byte there renames a column without any read failing.
    Our files always have the two equal, so a difference is corruption."""

    def agree() -> bool:
        stored = (f.metadata.metadata or {}).get(b"ARROW:schema")
        if stored is None:  # not written by Arrow: nothing to compare
            return True
        arrow = pa.ipc.read_schema(pa.py_buffer(base64.b64decode(stored)))
        return arrow.equals(f.schema_arrow, check_metadata=False)

    try:
        same = _checked(path, agree)
    except (binascii.Error, ValueError) as exc:
        raise _unreadable(path, exc) from None
    if not same:
        raise _unreadable(path, pa.ArrowInvalid("the file's two copies of its schema differ"))
    return f


class CheckedParquetFile:
    """A ``pq.ParquetFile`` whose pages are verified against their checksums, and whose every
    read error is one ``UserError`` naming the file (``open_parquet``)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._file = _schema_agrees(
            self.path, _checked(self.path, lambda: pq.ParquetFile(self.path, page_checksum_verification=True))
        )

    @property
    def metadata(self) -> pq.FileMetaData:
        return self._file.metadata

    @property
    def schema_arrow(self) -> pa.Schema:
        return self._file.schema_arrow

    @property
    def num_row_groups(self) -> int:
        return self._file.num_row_groups

    def read(self, *args: Any, **kwargs: Any) -> pa.Table:
        return _checked(self.path, lambda: self._file.read(*args, **kwargs))

    def read_row_group(self, *args: Any, **kwargs: Any) -> pa.Table:
        return _checked(self.path, lambda: self._file.read_row_group(*args, **kwargs))

    def read_row_groups(self, *args: Any, **kwargs: Any) -> pa.Table:
        return _checked(self.path, lambda: self._file.read_row_groups(*args, **kwargs))

    def iter_batches(self, *args: Any, **kwargs: Any) -> Iterator[pa.RecordBatch]:
        batches = _checked(self.path, lambda: self._file.iter_batches(*args, **kwargs))
        while True:
            try:
                batch = _checked(self.path, lambda: next(batches))
            except StopIteration:
                return
            yield batch

    def close(self) -> None:
        self._file.close()

    def __getattr__(self, name: str) -> Any:  # anything else, as pq.ParquetFile has it
        if name == "_file":
            raise AttributeError(name)
        return getattr(self._file, name)

    def __enter__(self) -> CheckedParquetFile:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def open_parquet(path: Path) -> CheckedParquetFile:
    """Open a Parquet file for reading: checksums verified, a corrupt or truncated file one line
    (``<path>: not a readable Parquet file (<arrow's words>); delete it and run dvc repro``)."""
    return CheckedParquetFile(path)


def read_table(path: Path, columns: list[str] | None = None) -> pa.Table:
    """A whole Parquet file (or a folder of them), verified as ``open_parquet`` does."""
    if Path(path).is_file():
        with open_parquet(path):  # the footer's schemas agree
            pass
    return _checked(Path(path), lambda: pq.read_table(path, columns=columns, page_checksum_verification=True))


def read_batches(path: Path, batch_size: int, columns: list[str] | None = None) -> Iterator[pa.RecordBatch]:
    """Stream a Parquet file as record batches of at most ``batch_size`` rows."""
    with open_parquet(path) as f:
        yield from f.iter_batches(batch_size=batch_size, columns=columns)


def count_rows(path: Path) -> int:
    with open_parquet(path) as f:
        return f.metadata.num_rows


def iter_rows(batches: Iterable[pa.RecordBatch]) -> Iterator[dict[str, Any]]:
    for batch in batches:
        yield from batch.to_pylist()
