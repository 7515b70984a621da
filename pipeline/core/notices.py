"""Warnings printed once per run.

``dvc repro`` runs one process per stage and source. A warning that holds for all of them
(no CKIP model: every segment and pii process falls back) would be printed by each, and a
person reads the same line ten times. A run here is the ``dvc`` process above this one: each
warning key is written down in ``.tmp/warned/<dvc pid>-<its start time>`` and printed only
by the first process of that run that has it. Without a ``dvc`` process above (``twcorpus``
called by hand, a test), every call is a run of its own and prints.
"""

from __future__ import annotations

import fcntl
import os
import sys
from pathlib import Path

from pipeline.core.parquet import SCRATCH

WARNED = "warned"


def _stat(pid: int) -> tuple[int, str] | None:
    """(parent pid, start time) of a process, from /proc (None off Linux or when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[1]), fields[19]  # fields 4 and 22 of proc(5), after the command name


def _is_dvc(pid: int) -> bool:
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return any(Path(arg.decode(errors="replace")).name == "dvc" for arg in argv[:2]) or argv[1:3] == [b"-m", b"dvc"]


def run_key() -> str | None:
    """``<pid>-<start time>`` of the nearest ``dvc`` process above this one, or None."""
    pid = os.getppid()
    for _ in range(16):  # dvc → sh → twcorpus is two steps; a wrapper or two more is fine
        if pid <= 1:
            return None
        stat = _stat(pid)
        if stat is None:
            return None
        if _is_dvc(pid):
            return f"{pid}-{stat[1]}"
        pid = stat[0]
    return None


def _forget_finished_runs(folder: Path, current: str) -> None:
    for path in folder.iterdir():
        pid, _, started = path.name.partition("-")
        if path.name != current and (not pid.isdigit() or (_stat(int(pid)) or (0, ""))[1] != started):
            path.unlink(missing_ok=True)


def warn_once(root: Path, message: str, key: str | None = None) -> None:
    """Print ``twcorpus: warning: <message>`` unless a process of this run already printed ``key``
    (by default the message itself: the same words from every source are one warning)."""
    key = " ".join((key or message).split())  # one line in the file
    run = run_key()
    if run is not None:
        folder = root / SCRATCH / WARNED
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with open(folder / run, "a+", encoding="utf-8") as f:
                fcntl.flock(f, fcntl.LOCK_EX)  # two processes of one run may warn at the same moment
                f.seek(0)
                if key in f.read().splitlines():
                    return
                f.write(key + "\n")
                f.flush()
            _forget_finished_runs(folder, run)
        except OSError:
            pass  # no place to remember it: print it again rather than lose it
    print(f"twcorpus: warning: {message}", file=sys.stderr)
