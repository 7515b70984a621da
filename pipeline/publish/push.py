"""``twcorpus push``: upload data/publish/ to a Hugging Face dataset repository.

data/publish/ is already laid out as the hub expects (README.md, LICENSES.md,
data/<config>/train-*.parquet), so pushing is a mirror: every local file is uploaded
and every remote file that publish no longer writes is deleted, all in ONE commit, so
the hub never serves a half-updated dataset (new shards beside stale ones would be read
as one split by ``load_dataset``).

The token comes from HF_TOKEN only and is never printed: every message that reaches
the user is scrubbed of it, even server messages, which may echo what they were sent.
HF_ENDPOINT selects another hub (a mirror, or a local fake one in the tests).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline.core.errors import UserError
from pipeline.publish.provenance import git_revision

REPO_TYPE = "dataset"
# The hub creates .gitattributes (LFS rules) in every new repository; publish never
# writes one, and deleting it would make the hub store Parquet shards as plain git blobs.
KEEP_REMOTE = frozenset({".gitattributes"})
REPO_ID_RE = re.compile(r"[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*")  # as params.yaml's push.repo_id is checked
COMMIT_MESSAGE = "Publish tw-corpus dataset from git revision {rev}"
MAX_MESSAGE_CHARS = 300  # a server's error page must not flood the one-line error


@dataclass(frozen=True)
class LocalFile:
    path: str  # posix path relative to data/publish/, as it will be in the repository
    size: int
    source: Path


def local_files(folder: Path) -> list[LocalFile]:
    """Every file under ``folder``, sorted by repository path (a stable commit and listing)."""
    files = [LocalFile(p.relative_to(folder).as_posix(), p.stat().st_size, p) for p in folder.rglob("*") if p.is_file()]
    return sorted(files, key=lambda f: f.path)


def scrub(text: str, token: str | None) -> str:
    """``text`` on one line, without the token (or anything shaped like one), shortened."""
    if token:
        text = text.replace(token, "***")
    # Defensive: a server or a library may echo a header or another token back to us.
    text = re.sub(r"(?i)(bearer\s+)\S+", r"\1***", text)
    text = re.sub(r"\bhf_[A-Za-z0-9]{8,}", "hf_***", text)
    text = " ".join(text.split())
    return text if len(text) <= MAX_MESSAGE_CHARS else text[: MAX_MESSAGE_CHARS - 1] + "…"


@contextlib.contextmanager
def _quiet_hub() -> Iterator[None]:
    """Silence huggingface_hub's own retry warnings: we report each failure once, scrubbed."""
    logger = logging.getLogger("huggingface_hub")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _hub_error(exc: BaseException, *, action: str, where: str, token: str | None, repo_id: str) -> UserError:
    """A one-line UserError for any failure talking to the hub; never carries the token."""
    import httpx2
    from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled

    if isinstance(exc, OfflineModeIsEnabled):
        return UserError("HF_HUB_OFFLINE", "offline mode is on; unset HF_HUB_OFFLINE to reach the hub")
    if isinstance(exc, HfHubHTTPError) and getattr(exc, "response", None) is not None:
        status = exc.response.status_code
        reason = exc.response.reason_phrase or ""
        detail = exc.server_message or str(exc).strip().splitlines()[0]
        message = f"{action} failed: HTTP {status} {reason}".rstrip() + f": {detail}"
        if status in (401, 403):
            message += f"; check that HF_TOKEN is a write token with access to '{repo_id.split('/')[0]}'"
        return UserError(where, scrub(message, token))
    if isinstance(exc, (httpx2.HTTPError, OSError)):
        return UserError(where, scrub(f"{action} failed: cannot reach the hub ({type(exc).__name__}: {exc})", token))
    return UserError(where, scrub(f"{action} failed: {type(exc).__name__}: {exc}", token))


def _hub_failures() -> tuple[type[BaseException], ...]:
    """What a hub call raises when the network or the server says no (not a bug of ours)."""
    import httpx2

    # HfHubHTTPError is an httpx2.HTTPError; OfflineModeIsEnabled is a ConnectionError. Not every OSError:
    # a publish file that vanished mid-push is not the hub's fault and must not read as one.
    return (httpx2.HTTPError, ConnectionError, TimeoutError)


def remote_files(api, repo_id: str) -> list[str] | None:
    """The repository's files, or None when it does not exist yet (nothing to delete then)."""
    from huggingface_hub.errors import RepositoryNotFoundError, RevisionNotFoundError

    try:
        return sorted(api.list_repo_files(repo_id, repo_type=REPO_TYPE))
    except (RepositoryNotFoundError, RevisionNotFoundError):
        return None


def _resolve(ctx, repo_id: str | None, private: bool | None) -> tuple[str, bool]:
    """CLI arguments win over params.yaml's push section."""
    layout = ctx.layout
    if repo_id is None:
        repo_id = ctx.params.push.repo_id
        if not repo_id:
            raise UserError(
                layout.rel(layout.params), "push.repo_id is not set; set it to <org>/<name> or pass --repo-id"
            )
    elif not REPO_ID_RE.fullmatch(repo_id):
        raise UserError("--repo-id", f"must look like org/name, got '{repo_id}'")
    return repo_id, ctx.params.push.private if private is None else private


def push(ctx, repo_id: str | None = None, private: bool | None = None, dry_run: bool = False) -> int:
    """Mirror data/publish/ to the hub dataset ``repo_id`` in one commit; return the exit code."""
    layout = ctx.layout
    repo_id, private = _resolve(ctx, repo_id, private)
    card = layout.publish / "README.md"
    if not card.is_file():
        raise UserError(layout.rel(card), "not found; run dvc repro first")
    token = os.environ.get("HF_TOKEN") or None
    if not dry_run and not token:
        raise UserError("HF_TOKEN", "not set; export a Hugging Face token with write access, or use --dry-run")

    from huggingface_hub import CommitOperationAdd, CommitOperationDelete, HfApi, constants

    endpoint = (os.environ.get("HF_ENDPOINT") or "").rstrip("/") or None
    api = HfApi(endpoint=endpoint, token=token)
    repo_url = f"{api.endpoint}/datasets/{repo_id}"
    files = local_files(layout.publish)

    def fail(exc: BaseException, action: str) -> UserError:
        return _hub_error(exc, action=action, where=repo_url, token=token, repo_id=repo_id)

    if dry_run:
        return _dry_run(api, repo_id, repo_url, private, files, token, constants.is_offline_mode())

    with _quiet_hub():
        try:
            remote = remote_files(api, repo_id)
        except _hub_failures() as exc:
            raise fail(exc, "listing the repository's files") from None
        to_delete = _deletions(files, remote)
        try:
            api.create_repo(repo_id, repo_type=REPO_TYPE, private=private, exist_ok=True)
        except _hub_failures() as exc:
            raise fail(exc, "creating the repository") from None
        operations: list[CommitOperationAdd | CommitOperationDelete] = [
            CommitOperationAdd(path_in_repo=f.path, path_or_fileobj=str(f.source)) for f in files
        ]
        operations += [CommitOperationDelete(path_in_repo=path) for path in to_delete]
        message = COMMIT_MESSAGE.format(rev=git_revision(layout.root))
        try:
            commit = api.create_commit(repo_id, operations, commit_message=message, repo_type=REPO_TYPE)
        except _hub_failures() as exc:
            raise fail(exc, "committing") from None
        except ValueError as exc:  # the hub's check of the dataset card's YAML metadata
            if "README.md" not in str(exc):
                raise
            raise UserError(layout.rel(card), scrub(f"the hub rejected the metadata: {exc}", token)) from None

    state = f"created ({'private' if private else 'public'})" if remote is None else "updated"
    print(
        f"pushed {len(files)} file(s) ({sum(f.size for f in files)} bytes), deleted {len(to_delete)}: "
        f"{repo_url} {state}"
    )
    print(f"commit: {scrub(str(commit.commit_url), token)}")
    return 0


def _deletions(files: list[LocalFile], remote: list[str] | None) -> list[str]:
    local = {f.path for f in files}
    return [path for path in (remote or []) if path not in local and path not in KEEP_REMOTE]


def _dry_run(
    api, repo_id: str, repo_url: str, private: bool, files: list[LocalFile], token: str | None, offline: bool
) -> int:
    """List what a push would do; only reads from the hub, and still lists uploads when it cannot."""
    for f in files:
        print(f"upload {f.path} ({f.size} bytes)")
    unknown = None
    remote: list[str] | None = None
    if offline:  # huggingface_hub refuses every request then; say so rather than a connection error
        unknown = "HF_HUB_OFFLINE is set"
    else:
        with _quiet_hub():
            try:
                remote = remote_files(api, repo_id)
            except _hub_failures() as exc:
                unknown = _hub_error(exc, action="listing", where=repo_url, token=token, repo_id=repo_id).message
    to_delete = _deletions(files, remote)
    for path in to_delete:
        print(f"delete {path}")
    size = sum(f.size for f in files)
    if unknown is not None:
        print(f"deletions could not be determined: {unknown}")
        tail = "deletions unknown"
    elif remote is None:
        maybe = "" if token else " (or it is private and HF_TOKEN is not set)"
        tail = f"the repository does not exist yet{maybe} and would be created {'private' if private else 'public'}"
    else:
        tail = f"{len(to_delete)} file(s) to delete"
    print(f"dry run: {len(files)} file(s) to upload ({size} bytes) to {repo_url}; {tail}; nothing was changed")
    return 0
