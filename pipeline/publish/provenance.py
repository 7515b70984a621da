"""What a release was built from: the git revision and the DVC lock of the stages before publish."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import yaml

from pipeline.publish.card import Provenance


def git_revision(root: Path) -> str:
    """``HEAD``'s commit, with ``+dirty`` when tracked files differ (dvc.lock, which `dvc repro`
    rewrites while it runs, does not count)."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True)
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":!dvc.lock"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def lock_hash(root: Path) -> str:
    """SHA-256 over dvc.lock's entries except publish's own (which this run is about to rewrite)."""
    path = root / "dvc.lock"
    if not path.is_file():
        return "none"
    stages = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("stages", {})
    stages.pop("publish", None)
    return hashlib.sha256(json.dumps(stages, sort_keys=True).encode()).hexdigest()[:16]


def provenance(root: Path) -> Provenance:
    return Provenance(git_revision(root), lock_hash(root))
