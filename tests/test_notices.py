"""Each warning once per run: a `dvc repro` is many processes, the person reading it one."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from conftest import REPO

WARN = textwrap.dedent("""
    import sys
    from pathlib import Path
    from pipeline.core.notices import warn_once
    warn_once(Path(sys.argv[1]), "no CKIP model: using the fallback")
    warn_once(Path(sys.argv[1]), "source 'a' was left out", key="left-out:a")
""")


def fake_dvc(tmp_path, processes: int) -> subprocess.CompletedProcess:
    """A program named dvc that runs ``processes`` stage processes one after the other, as dvc does."""
    dvc = tmp_path / "bin" / "dvc"
    dvc.parent.mkdir(exist_ok=True)
    dvc.write_text(
        textwrap.dedent(f"""
        import subprocess, sys
        for _ in range({processes}):
            subprocess.run(["/bin/sh", "-c", '"$0" -c "$1" "$2"', sys.executable, {WARN!r}, sys.argv[1]], check=True)
    """),
        encoding="utf-8",
    )
    return subprocess.run(
        [sys.executable, str(dvc), str(tmp_path)],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        check=True,
    )


def test_a_warning_is_printed_once_in_a_dvc_run(tmp_path):
    out = fake_dvc(tmp_path, 3)
    assert out.stderr.splitlines() == [
        "twcorpus: warning: no CKIP model: using the fallback",
        "twcorpus: warning: source 'a' was left out",
    ]


def test_the_next_run_warns_again_and_forgets_the_last(tmp_path):
    first = fake_dvc(tmp_path, 2)
    second = fake_dvc(tmp_path, 2)
    assert first.stderr == second.stderr and first.stderr.count("warning") == 2
    assert len(list((tmp_path / ".tmp" / "warned").iterdir())) == 1  # the finished run's record is gone


def test_without_dvc_every_call_warns(tmp_path):
    for _ in range(2):
        out = subprocess.run(
            [sys.executable, "-c", WARN, str(tmp_path)],
            capture_output=True,
            text=True,
            env={"PYTHONPATH": str(REPO)},
            check=True,
        )
        assert out.stderr.count("twcorpus: warning:") == 2
    assert not (tmp_path / ".tmp").exists()
