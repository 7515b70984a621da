"""Finding a CKIP model without the network: local folder → Hugging Face cache → download.

``model`` is a CKIP alias (``albert-tiny``, ``albert-base``, ``bert-tiny``, ``bert-base``),
a Hugging Face id (``ckiplab/albert-tiny-chinese-ws``) or a local folder. Downloads are
attempted only when the hub is not switched off (``HF_HUB_OFFLINE=1``, which
``make`` sets, means never).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from pipeline.core.errors import UserError

ALIASES = ("albert-tiny", "albert-base", "bert-tiny", "bert-base")
TASKS = ("ws", "pos", "ner")
PRECISIONS = ("fp32", "bf16", "int8")  # of our inference path (inference.py)


@dataclass(frozen=True)
class ResolvedModel:
    name: str  # what the `segmenter` column names: the hub id, or the folder as configured
    path: Path
    how: str  # "local folder", "Hugging Face cache" or "download"


def checked_precision(precision: str, where: str, key: str) -> str:
    """``precision`` if our inference path has it, else a UserError at ``where`` naming ``key``."""
    if precision not in PRECISIONS:
        raise UserError(where, f"'{key}' must be one of {', '.join(PRECISIONS)}, got '{precision}'")
    return precision


def hub_id(model: str, task: str) -> str:
    """``albert-tiny`` + ``pos`` → ``ckiplab/albert-tiny-chinese-pos``; anything else is kept."""
    return f"ckiplab/{model}-chinese-{task}" if model in ALIASES else model


def resolve(model: str, task: str, root: Path) -> tuple[ResolvedModel | None, str]:
    """The model's files, or None and a sentence saying where it was looked for."""
    local = Path(model) if Path(model).is_absolute() else root / model
    if local.is_dir():
        return ResolvedModel(model, local, "local folder"), ""
    repo = hub_id(model, task)
    if "/" not in repo or repo.count("/") > 1:
        return None, f"'{model}' is neither a folder nor a CKIP alias ({', '.join(ALIASES)}) nor a hub id"
    from huggingface_hub import snapshot_download

    try:
        return ResolvedModel(repo, Path(snapshot_download(repo, local_files_only=True)), "Hugging Face cache"), ""
    except Exception:  # noqa: BLE001 - any miss means "not cached"
        pass
    if _offline():
        return None, f"{repo} is not a local folder or in the Hugging Face cache, and HF_HUB_OFFLINE is set"
    try:
        return ResolvedModel(repo, Path(snapshot_download(repo)), "download"), ""
    except Exception as exc:  # noqa: BLE001 - no network, no such repo, …: all mean "not available"
        return (
            None,
            f"{repo} is not a local folder or in the Hugging Face cache, and downloading it failed ({type(exc).__name__})",
        )


def _offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes", "on")


def fingerprint(path: Path) -> str:
    """SHA-256 over the model folder's files, so the cache never mixes two models of one name."""
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")):
        digest.update(file.relative_to(path).as_posix().encode())
        digest.update(b"\x00")
        with file.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:16]
