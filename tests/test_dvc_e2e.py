"""End to end: a copy of the repository, `dvc repro`, a new source, and what re-runs."""

from __future__ import annotations

import json
import shutil
import subprocess

import pyarrow.parquet as pq
import pytest
import yaml
from conftest import REPO, manifest_for, run_env

from pipeline.core.contract import source_stages

pytestmark = pytest.mark.e2e


def clone_files() -> list[str]:
    """What a clone of this working tree holds: the tracked files and those git does not ignore
    (the files a commit of the tree would add), so the test sees what a fresh clone sees."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    return [rel for rel in listed if rel and (REPO / rel).is_file()]


def sh(cwd, *cmd, check=True):
    result = subprocess.run(cmd, cwd=cwd, env=run_env(), capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


def ran_stages(output: str) -> list[str]:
    return sorted(line.split("'")[1] for line in output.splitlines() if line.startswith("Running stage"))


GLOBAL = ["dedup", "decontam", "publish"]


def stages_of(*source_ids: str) -> list[str]:
    return [f"{stage}@{source_id}" for source_id in source_ids for stage in source_stages()]


def lock(root) -> dict:
    return yaml.safe_load((root / "dvc.lock").read_text())["stages"]


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    root = tmp_path_factory.mktemp("e2e") / "repo"
    for rel in clone_files():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / rel, root / rel)
    sh(root, "git", "init", "-q")
    first = sh(root, "dvc", "repro")
    return root, first


def test_repro_publishes_the_sample_corpus(repo):
    root, first = repo
    assert ran_stages(first.stdout) == sorted(
        stages_of("classical-poems", "classical-prose", "ey-gazette", "laws", "smart-nation-meeting") + GLOBAL
    )
    table = pq.read_table(root / "data" / "publish" / "data")
    rows = table.to_pylist()
    assert {r["source"] for r in rows} == {
        "classical-poems",
        "classical-prose",
        "ey-gazette",
        "laws",
        "smart-nation-meeting",
    }
    titles = {r["title"] for r in rows if r["source"] == "laws"}
    assert titles == {
        "中華民國憲法",
        "中央法規標準法",
        "文化資產保存法",
        "國家語言發展法",
        "政府資訊公開法",
        "個人資料保護法",
        "著作權法",
    }
    poem = next(r for r in rows if r["source_file"] == "chun-wang.txt")  # the Big5 file
    assert "國破山河在，城春草木深。" in poem["text"]
    metrics = json.loads((root / "data" / "metrics" / "publish.json").read_text())
    rejects = pq.read_table(root / "data" / "rejects" / "rejects.parquet").to_pylist()
    # only the real gazette loses documents: its registers of persons, and copies
    assert metrics["documents"] == len(rows) and metrics["rejected"] == len(rejects)
    assert {r["source"] for r in rejects} == {"ey-gazette"}
    assert sum(r["reason"] == "pii:register" for r in rejects) == 6
    shown = json.loads(sh(root, "dvc", "metrics", "show", "--json").stdout)[""]["data"]
    summary = "data/metrics/summary/"
    assert sorted(shown) == [
        f"{summary}{name}.json"
        for name in ("_total", "classical-poems", "classical-prose", "ey-gazette", "laws", "smart-nation-meeting")
    ]
    assert shown[f"{summary}_total.json"]["data"] == {
        "documents_in": len(rows) + len(rejects),
        "published": len(rows),
        "rejected": len(rejects),
        "characters": metrics["characters"],
    }
    assert shown[f"{summary}laws.json"]["data"]["published"] == 7
    detail = json.loads((root / "data" / "metrics" / "classical-poems" / "ingest.json").read_text())
    assert detail["files_by_encoding"] == {"cp950": 1, "utf-8": 10}  # the detail stays in the stage's file
    table = sh(root, "dvc", "metrics", "show").stdout.splitlines()
    assert len(table) == 7 and max(map(len, table)) < 100


def test_a_fresh_clone_changes_only_publish_in_dvc_lock(repo):
    """The committed dvc.lock is the pipeline's state: a clone's first run rewrites only publish's
    entry (the card names the revision it was built at). It fails when code or params changed
    without `make repro` being run before the commit."""
    root, _ = repo
    committed = yaml.safe_load((REPO / "dvc.lock").read_text())["stages"]
    rebuilt = lock(root)
    assert sorted(rebuilt) == sorted(committed)
    changed = sorted(name for name in rebuilt if rebuilt[name] != committed[name])
    assert changed in ([], ["publish"]), f"dvc.lock is stale for {changed}: run make repro and commit dvc.lock"


def test_each_warning_is_printed_once_in_a_run(repo):
    _, first = repo
    fallback = [line for line in first.stderr.splitlines() if line.startswith("twcorpus: warning: no CKIP model")]
    assert len(fallback) == 1, first.stderr  # ten segment and pii processes, one line


def test_adding_a_source_reruns_only_that_source_and_publish(repo):
    root, _ = repo
    before = lock(root)
    folder = root / "data" / "raw" / "agency-news"
    folder.mkdir()
    (folder / "source.yaml").write_text(
        yaml.safe_dump(manifest_for("agency-news", license="CC-BY-4.0"), allow_unicode=True)
    )
    (folder / "news.jsonl").write_text(
        json.dumps({"text": "行政院今日宣布推動繁體中文語料庫。", "title": "新聞稿"}, ensure_ascii=False)
        + "\n"
        + "{broken\n",
        encoding="utf-8",
    )

    warned = sh(root, "twcorpus", "sources", "--check")
    assert warned.stderr == (
        "twcorpus: warning: data/raw/agency-news: has a manifest but is not registered; "
        "run: twcorpus register data/raw/agency-news\n"
    )
    registered = sh(root, "twcorpus", "register", "data/raw/agency-news")
    assert registered.stdout.startswith("agency-news: registered in configs/sources.yaml")
    config = (root / "configs" / "sources.yaml").read_text()
    assert "# Registered sources." in config  # comments survive the edit
    assert list(yaml.safe_load(config)["sources"]) == [
        "classical-poems",
        "classical-prose",
        "laws",
        "smart-nation-meeting",
        "ey-gazette",
        "agency-news",
    ]

    status = json.loads(sh(root, "dvc", "status", "--json").stdout)
    # status lists the stages whose own inputs changed; decontam follows once dedup has a new output
    assert sorted(status) == sorted(stages_of("agency-news") + ["dedup", "publish"])
    output = sh(root, "dvc", "repro").stdout
    assert ran_stages(output) == sorted(stages_of("agency-news") + GLOBAL)
    after = lock(root)
    for name, entry in before.items():
        if name not in GLOBAL:
            assert after[name] == entry, f"{name} changed"

    rows = pq.read_table(root / "data" / "publish" / "data").to_pylist()
    news = [r for r in rows if r["source"] == "agency-news"]
    assert [(r["text"], r["title"], r["license"], r["source_line"]) for r in news] == [
        ("行政院今日宣布推動繁體中文語料庫。", "新聞稿", "CC-BY-4.0", 1)
    ]
    rejects = pq.read_table(root / "data" / "rejects" / "rejects.parquet").to_pylist()
    assert [
        (r["source"], r["source_file"], r["source_line"], r["reason"]) for r in rejects if r["source"] != "ey-gazette"
    ] == [("agency-news", "news.jsonl", 2, "malformed-line")]


def test_changing_one_registration_or_file_reruns_only_that_source(repo):
    root, _ = repo
    config = yaml.safe_load((root / "configs" / "sources.yaml").read_text())
    config["sources"]["classical-prose"] = {"description": "overridden for this deployment"}
    (root / "configs" / "sources.yaml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False))
    # the documents did not change, so neither normalize@classical-prose nor decontam (dedup's output) is re-run
    assert ran_stages(sh(root, "dvc", "repro").stdout) == sorted(["ingest@classical-prose", "dedup", "publish"])

    (root / "data" / "raw" / "laws" / "A0000001.json").unlink()
    # status lists what changed directly; publish follows once ingest@laws has new outputs
    assert sorted(json.loads(sh(root, "dvc", "status", "--json").stdout)) == ["ingest@laws"]
    assert ran_stages(sh(root, "dvc", "repro").stdout) == sorted(stages_of("laws") + GLOBAL)
    assert sh(root, "dvc", "status", "--json").stdout.strip() == "{}"


def test_a_benchmark_reruns_only_decontam_and_publish_and_removes_what_it_quotes(repo):
    root, _ = repo
    before = lock(root)
    law = json.loads((root / "data" / "raw" / "laws" / "J0070017.json").read_text(encoding="utf-8"))
    (quoted,) = [a["ArticleContent"] for a in law["LawArticles"] if a["ArticleNo"] == "第 52 條"]
    (root / "data" / "benchmarks" / "exam.jsonl").write_text(
        json.dumps({"q": f"依著作權法，{quoted}下列何者正確？", "choices": ["甲", "乙"]}, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    params = yaml.safe_load((root / "params.yaml").read_text(encoding="utf-8"))
    params["decontam"]["benchmarks"] = [
        {"name": "exam", "path": "data/benchmarks/exam.jsonl", "fields": ["q", "choices"]}
    ]
    (root / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert ran_stages(sh(root, "dvc", "repro").stdout) == ["decontam", "publish"]
    after = lock(root)
    assert {name for name in before if after[name] != before[name]} == {"decontam", "publish"}
    titles = {r["title"] for r in pq.read_table(root / "data" / "publish" / "data").to_pylist()}
    assert "著作權法" not in titles and "個人資料保護法" in titles
    rejects = pq.read_table(root / "data" / "rejects" / "rejects.parquet").to_pylist()
    assert [(r["source_file"], r["reason"]) for r in rejects if r["stage"] == "decontam"] == [
        ("J0070017.json", "decontam:exam")
    ]


def test_rerun_from_scratch_is_byte_identical(repo, tmp_path):
    root, _ = repo
    publish = root / "data" / "publish"
    before = {p.relative_to(publish): p.read_bytes() for p in publish.rglob("*") if p.is_file()}
    sh(root, "dvc", "repro", "--force")
    after = {p.relative_to(publish): p.read_bytes() for p in publish.rglob("*") if p.is_file()}
    assert after == before


@pytest.mark.reliability
def test_push_never_sends_the_unredacted_interim_documents(repo, tmp_path):
    root, _ = repo
    remote = tmp_path / "remote"
    sh(root, "dvc", "remote", "add", "--local", "-f", "attack", str(remote))
    sh(root, "dvc", "push", "-r", "attack")
    pushed = {p.parent.name + p.name for p in (remote / "files" / "md5").glob("*/*")}
    outs = {out["path"]: out["md5"] for stage in lock(root).values() for out in stage.get("outs", [])}
    for source_id in ("laws", "ey-gazette"):
        for stage in ("ingest", "normalize", "quality"):  # the text before pii: never pushed
            assert outs[f"data/interim/{source_id}/{stage}.parquet"] not in pushed, (source_id, stage)
        for name in ("ingest.rejects", "pii", "segment"):  # redacted: pushed like the release
            assert outs[f"data/interim/{source_id}/{name}.parquet"] in pushed, (source_id, name)
