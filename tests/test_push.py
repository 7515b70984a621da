"""``twcorpus push`` against a fake hub: a local HTTP server that records every request.

The real hub is never reached: HF_ENDPOINT points huggingface_hub at a server on
127.0.0.1 that implements just the endpoints one push uses, answers "regular" to every
preupload (so file contents travel inline, base64, in the commit's NDJSON body) and
keeps the repository's file list, so a test can check what a push would leave there.
"""

from __future__ import annotations

import base64
import json
import socket
import subprocess
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from conftest import context

from pipeline.cli import main
from pipeline.core.errors import UserError
from pipeline.publish.push import push, scrub

TOKEN = "hf_SECRETtoken123"
REPO_ID = "org/tw-corpus-test"
STALE = "data/default/train-00000-of-00002.parquet"  # a shard an earlier, larger release left on the hub


@dataclass
class Request:
    method: str
    path: str  # without the query string
    query: str
    headers: dict[str, str]  # names lowercased
    body: bytes


@dataclass
class FakeHub:
    """The hub's side of one push: repositories, their files, and every request seen."""

    url: str = ""
    repos: dict[str, list[str]] = field(default_factory=dict)  # repo id → files on main
    created: list[dict] = field(default_factory=list)  # create payloads
    requests: list[Request] = field(default_factory=list)
    fail: dict[tuple[str, str], tuple[int, str]] = field(default_factory=dict)  # (method, path suffix) → answer

    def paths(self, method: str | None = None) -> list[str]:
        return [r.path for r in self.requests if method is None or r.method == method]

    def commits(self) -> list[list[dict]]:
        """The NDJSON body of every commit request, decoded."""
        return [
            [json.loads(line) for line in r.body.splitlines() if line.strip()]
            for r in self.requests
            if r.method == "POST" and "/commit/" in r.path
        ]


def _handler(hub: FakeHub):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep the test output clean
            pass

        def _answer(self, status: int, payload, headers: dict[str, str] | None = None) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _handle(self) -> None:
            parts = urlsplit(self.path)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            hub.requests.append(
                Request(self.command, parts.path, parts.query, {k.lower(): v for k, v in self.headers.items()}, body)
            )
            for (method, suffix), (status, message) in hub.fail.items():
                if self.command == method and parts.path.endswith(suffix):
                    return self._answer(status, {"error": message, "errors": [{"message": message}]})
            self._route(parts.path, body)

        def _route(self, path: str, body: bytes) -> None:
            if self.command == "POST" and path == "/api/repos/create":
                payload = json.loads(body)
                hub.created.append(payload)
                repo_id = f"{payload['organization']}/{payload['name']}"
                if repo_id in hub.repos:
                    # as the hub does: the conflict still says where the repository is
                    return self._answer(
                        409, {"error": "You already created this dataset repo", "url": f"{hub.url}/datasets/{repo_id}"}
                    )
                hub.repos[repo_id] = [".gitattributes"]  # what the hub puts in a new repository
                return self._answer(200, {"url": f"{hub.url}/datasets/{repo_id}", "name": repo_id})
            if self.command == "POST" and path == "/api/validate-yaml":
                return self._answer(200, {"errors": [], "warnings": []})
            if not path.startswith("/api/datasets/"):
                return self._answer(404, {"error": f"fake hub: no route for {self.command} {path}"})
            # /api/datasets/<org>/<name>[/<action>/<revision>[/...]]
            org, name, action, *rest = path[len("/api/datasets/") :].split("/") + [""]
            repo_id = f"{org}/{name}"
            if repo_id not in hub.repos:  # also answers repo_info, which create_repo asks after a 403
                return self._answer(404, {"error": "Repository not found"}, {"X-Error-Code": "RepoNotFound"})
            if self.command == "GET" and action == "tree":  # list_repo_tree(recursive=True)
                files = hub.repos[repo_id]
                folders = sorted({f.rsplit("/", 1)[0] for f in files if "/" in f})
                return self._answer(
                    200,
                    [{"type": "directory", "path": d, "oid": "0" * 40, "size": 0} for d in folders]
                    + [{"type": "file", "path": f, "oid": "1" * 40, "size": 1} for f in files],
                )
            if self.command == "POST" and action == "preupload":
                files = json.loads(body)["files"]
                return self._answer(
                    200, {"files": [{"path": f["path"], "uploadMode": "regular", "shouldIgnore": False} for f in files]}
                )
            if self.command == "POST" and action == "commit":
                lines = [json.loads(line) for line in body.splitlines() if line.strip()]
                files = set(hub.repos[repo_id])
                for op in lines:
                    if op["key"] == "file":
                        files.add(op["value"]["path"])
                    elif op["key"] == "deletedFile":
                        files.discard(op["value"]["path"])
                hub.repos[repo_id] = sorted(files)
                oid = "c" * 40
                return self._answer(
                    200, {"commitUrl": f"{hub.url}/datasets/{repo_id}/commit/{oid}", "commitOid": oid, "success": True}
                )
            return self._answer(404, {"error": f"fake hub: no route for {self.command} {path}"})

        def do_GET(self):
            self._handle()

        def do_POST(self):
            self._handle()

    return Handler


@pytest.fixture
def hub(monkeypatch):
    """A fake hub on 127.0.0.1 (random free port), set as HF_ENDPOINT, online, with HF_TOKEN set."""
    from huggingface_hub import constants
    from huggingface_hub.utils import close_session

    state = FakeHub()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    monkeypatch.setenv("HF_ENDPOINT", state.url)
    monkeypatch.setattr(constants, "ENDPOINT", state.url)  # read once, when huggingface_hub was imported
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)  # conftest turns offline mode on for every test
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    close_session()  # no pooled connection to another test's server
    yield state
    server.shutdown()
    server.server_close()
    close_session()


def write_parquet(path, texts):
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({"id": [f"doc-{i}" for i in range(len(texts))], "text": texts}), path, compression="zstd")


@pytest.fixture
def repo(layout):
    """A layout with params.yaml's push section, a git commit, and a small data/publish/."""
    params = yaml.safe_load(layout.params.read_text(encoding="utf-8"))
    params["push"] = {"repo_id": REPO_ID, "private": True}
    layout.params.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    publish = layout.publish
    publish.mkdir(parents=True)
    (publish / "README.md").write_text(
        "---\nlicense: other\nlanguage:\n- zh\nconfigs:\n- config_name: default\n  data_files:\n"
        "  - split: train\n    path: data/default/train-*\n---\n\n# 測試語料\n",
        encoding="utf-8",
    )
    (publish / "LICENSES.md").write_text("# 授權\n\nCC0-1.0\n", encoding="utf-8")
    write_parquet(publish / "data" / "default" / "train-00000-of-00001.parquet", ["憲法條文。", "第一則新聞稿。"])
    write_parquet(publish / "data" / "share-alike" / "train-00000-of-00001.parquet", ["姓名標示－相同方式分享。"])
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.org", "-c", "commit.gpgsign=false"]
    subprocess.run(git + ["init", "-q"], cwd=layout.root, check=True)
    subprocess.run(git + ["add", "params.yaml"], cwd=layout.root, check=True)
    subprocess.run(git + ["commit", "-q", "-m", "test"], cwd=layout.root, check=True)
    return layout


def local(layout) -> dict[str, bytes]:
    return {
        p.relative_to(layout.publish).as_posix(): p.read_bytes()
        for p in sorted(layout.publish.rglob("*"))
        if p.is_file()
    }


def cli(layout, *args) -> int:
    return main(["--root", str(layout.root), "push", *args])


def test_push_mirrors_publish_in_one_commit(repo, hub, capsys):
    hub.repos[REPO_ID] = [".gitattributes", "README.md", STALE, "data/default/train-00001-of-00002.parquet"]
    rev = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo.root, capture_output=True, text=True, check=True
    ).stdout.strip()

    assert push(context(repo)) == 0

    assert hub.created == [
        {"name": "tw-corpus-test", "organization": "org", "visibility": "private", "type": "dataset"}
    ]
    (commit,) = hub.commits()
    header, *ops = commit
    assert header == {
        "key": "header",
        "value": {"summary": f"Publish tw-corpus dataset from git revision {rev}", "description": ""},
    }
    sent = {op["value"]["path"]: base64.b64decode(op["value"]["content"]) for op in ops if op["key"] == "file"}
    assert sent == local(repo)  # exactly the local files, byte for byte
    assert list(sent) == sorted(sent)
    deleted = [op["value"]["path"] for op in ops if op["key"] == "deletedFile"]
    assert deleted == [STALE, "data/default/train-00001-of-00002.parquet"]
    assert ".gitattributes" not in deleted
    assert {op["key"] for op in ops} == {"file", "deletedFile"}
    # the hub now holds what publish wrote, plus its own .gitattributes
    assert hub.repos[REPO_ID] == sorted([".gitattributes", *local(repo)])
    # reads, then one create, then one commit: nothing is written before the listing
    writes = [p for p in hub.paths("POST") if not p.endswith(("/preupload/main", "/validate-yaml"))]
    assert writes == ["/api/repos/create", f"/api/datasets/{REPO_ID}/commit/main"]
    out = capsys.readouterr().out
    assert f"{hub.url}/datasets/{REPO_ID}/commit/" in out
    assert "pushed 4 file(s)" in out and "deleted 2" in out


def test_push_creates_a_new_repository_with_cli_overrides(repo, hub, capsys):
    assert cli(repo, "--repo-id", "other-org/corpus", "--no-private") == 0
    assert hub.created == [{"name": "corpus", "organization": "other-org", "visibility": "public", "type": "dataset"}]
    (commit,) = hub.commits()
    assert [op["key"] for op in commit[1:]] == ["file"] * 4  # a new repository: nothing to delete
    assert hub.repos["other-org/corpus"] == sorted([".gitattributes", *local(repo)])
    assert "created (public)" in capsys.readouterr().out
    # pushing again deletes nothing and keeps .gitattributes
    assert cli(repo, "--repo-id", "other-org/corpus") == 0
    assert [op["key"] for op in hub.commits()[1][1:]] == ["file"] * 4


def test_commit_message_without_git(repo, hub):
    subprocess.run(["rm", "-rf", str(repo.root / ".git")], check=True)
    (repo.root / ".git").write_text("not a repository\n")  # so git does not find an enclosing one
    assert push(context(repo)) == 0
    assert hub.commits()[0][0]["value"]["summary"] == "Publish tw-corpus dataset from git revision unknown"


def test_token_is_sent_but_never_shown(repo, hub, capfd):
    assert push(context(repo)) == 0
    assert hub.requests
    assert all(r.headers.get("authorization") == f"Bearer {TOKEN}" for r in hub.requests)
    out, err = capfd.readouterr()
    assert TOKEN not in out + err


@pytest.mark.parametrize(
    "method, suffix, status, server_message, expected",
    [
        (
            "POST",
            "/api/repos/create",
            403,
            f"You don't have the rights to create a dataset under org (token {TOKEN})",
            "creating the repository failed: HTTP 403 Forbidden: You don't have the rights to create a dataset under "
            "org (token ***); check that HF_TOKEN is a write token with access to 'org'",
        ),
        (
            "POST",
            "/commit/main",
            500,
            f"Internal Error: Bearer {TOKEN} rejected",
            "committing failed: HTTP 500 Internal Server Error: Internal Error: Bearer *** rejected",
        ),
    ],
)
def test_hub_errors_are_one_line_without_token(repo, hub, capfd, method, suffix, status, server_message, expected):
    # the fake hub echoes the token in its error, as a careless server might
    hub.fail[(method, suffix)] = (status, server_message)
    with pytest.raises(UserError) as raised:
        push(context(repo))
    assert TOKEN not in str(raised.value) and TOKEN not in repr(raised.value.args)
    assert str(raised.value) == f"{hub.url}/datasets/{REPO_ID}: {expected}"
    assert raised.value.__cause__ is None and raised.value.__suppress_context__

    assert cli(repo) == 2
    out, err = capfd.readouterr()
    assert TOKEN not in out + err
    assert err.splitlines()[-1] == f"twcorpus: error: {hub.url}/datasets/{REPO_ID}: {expected}"
    assert "Traceback" not in err
    assert all(r.headers.get("authorization") == f"Bearer {TOKEN}" for r in hub.requests)
    if status == 403:
        assert not hub.commits()


def test_card_rejected_by_the_hub(repo, hub, capsys):
    hub.fail[("POST", "/api/validate-yaml")] = (400, '"license" must be one of [...]')
    assert cli(repo) == 2
    assert capsys.readouterr().err == (
        "twcorpus: error: data/publish/README.md: the hub rejected the metadata: "
        'Invalid metadata in README.md. - "license" must be one of [...]\n'
    )
    assert not hub.commits()


def test_dry_run_lists_and_changes_nothing(repo, hub, capsys):
    hub.repos[REPO_ID] = [".gitattributes", "README.md", STALE]
    assert cli(repo, "--dry-run") == 0
    lines = capsys.readouterr().out.splitlines()
    files = local(repo)
    assert lines[:-1] == [f"upload {path} ({len(data)} bytes)" for path, data in files.items()] + [f"delete {STALE}"]
    assert lines[-1] == (
        f"dry run: 4 file(s) to upload ({sum(map(len, files.values()))} bytes) to "
        f"{hub.url}/datasets/{REPO_ID}; 1 file(s) to delete; nothing was changed"
    )
    assert hub.requests and {r.method for r in hub.requests} == {"GET"}
    assert not hub.created and not hub.commits()
    assert hub.repos[REPO_ID] == [".gitattributes", "README.md", STALE]


def test_dry_run_needs_no_token_and_reports_a_new_repository(repo, hub, capsys, monkeypatch):
    monkeypatch.delenv("HF_TOKEN")
    assert cli(repo, "--dry-run") == 0
    last = capsys.readouterr().out.splitlines()[-1]
    assert (
        "the repository does not exist yet (or it is private and HF_TOKEN is not set) and would be created "
        "private" in last
    )
    assert {r.method for r in hub.requests} == {"GET"}


def test_dry_run_when_the_hub_cannot_be_reached(repo, monkeypatch, capsys):
    from huggingface_hub import constants

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{port}")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    monkeypatch.setattr("time.sleep", lambda seconds: None)  # huggingface_hub's retries back off for ~20 s
    assert cli(repo, "--dry-run") == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert [line.split(" ")[0] for line in lines[:4]] == ["upload"] * 4
    assert lines[4].startswith("deletions could not be determined: listing failed: cannot reach the hub (")
    assert lines[5].endswith("deletions unknown; nothing was changed")
    assert len(lines) == 6 and TOKEN not in out + err


def test_dry_run_offline(repo, monkeypatch, capsys):
    from huggingface_hub import constants

    # HF_HUB_OFFLINE=1 (as conftest sets it) is read when huggingface_hub is imported
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    assert cli(repo, "--dry-run") == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(" ")[0] for line in lines[:4]] == ["upload"] * 4
    assert lines[4] == "deletions could not be determined: HF_HUB_OFFLINE is set"
    assert len(lines) == 6


def test_real_push_offline_is_a_user_error(repo, hub, monkeypatch, capsys):
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    assert cli(repo) == 2
    assert capsys.readouterr().err == (
        "twcorpus: error: HF_HUB_OFFLINE: offline mode is on; unset HF_HUB_OFFLINE to reach the hub\n"
    )
    assert not hub.requests


def test_repo_id_not_set(repo, hub, capsys):
    params = yaml.safe_load(repo.params.read_text(encoding="utf-8"))
    params["push"]["repo_id"] = ""
    repo.params.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    assert cli(repo) == 2
    assert capsys.readouterr().err == (
        "twcorpus: error: params.yaml: push.repo_id is not set; set it to <org>/<name> or pass --repo-id\n"
    )
    assert not hub.requests


def test_bad_repo_id_argument(repo, hub, capsys):
    assert cli(repo, "--repo-id", "no-slash") == 2
    assert capsys.readouterr().err == "twcorpus: error: --repo-id: must look like org/name, got 'no-slash'\n"
    assert not hub.requests


def test_publish_missing(repo, hub, capsys):
    subprocess.run(["rm", "-rf", str(repo.publish)], check=True)
    assert cli(repo) == 2
    assert capsys.readouterr().err == "twcorpus: error: data/publish/README.md: not found; run dvc repro first\n"
    assert not hub.requests


def test_token_missing(repo, hub, capsys, monkeypatch):
    monkeypatch.delenv("HF_TOKEN")
    assert cli(repo) == 2
    assert capsys.readouterr().err == (
        "twcorpus: error: HF_TOKEN: not set; export a Hugging Face token with write access, or use --dry-run\n"
    )
    assert not hub.requests


def test_scrub():
    assert scrub(f"a {TOKEN}\nb", TOKEN) == "a *** b"
    assert scrub("Authorization: Bearer hf_abcdefghijk", None) == "Authorization: Bearer ***"
    assert scrub("token hf_abcdefghijk leaked", None) == "token hf_*** leaked"
    assert len(scrub("x" * 1000, None)) == 300
