"""Shared fixtures: a throw-away repository layout and helpers to contribute sources to it."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.core.context import Context, load_context
from pipeline.core.layout import Layout

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent  # the venv running the tests holds twcorpus and dvc


@pytest.fixture(autouse=True)
def _offline_hub(tmp_path_factory, monkeypatch):
    """Keep datasets' caches out of the home folder and never try the network."""
    cache = tmp_path_factory.mktemp("hf")
    monkeypatch.setenv("HF_HOME", str(cache))
    monkeypatch.setenv("HF_DATASETS_CACHE", str(cache / "datasets"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")


@pytest.fixture
def layout(tmp_path) -> Layout:
    """An empty repository: the real licenses and params, no sources registered."""
    return empty_repo(tmp_path / "repo")


def empty_repo(root: Path) -> Layout:
    """The ``layout`` fixture's repository at ``root``, for fixtures of a wider scope."""
    shutil.copytree(REPO / "licenses", root / "licenses")
    # The real params, except that test documents may be as short as one character.
    params = yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))
    params["quality"]["min_chars"] = 1
    (root / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    (root / "configs").mkdir()
    (root / "configs" / "sources.yaml").write_text("sources: {}\n", encoding="utf-8")
    (root / "data" / "raw").mkdir(parents=True)
    return Layout.at(root)


def write(tmp_path: Path, name: str, data: bytes | str, encoding: str = "utf-8") -> Path:
    """A fixture file: text is encoded (UTF-8 unless told), bytes are written as they are."""
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path


def manifest_for(source_id: str, **fields: Any) -> dict[str, Any]:
    data = {
        "id": source_id,
        "title": f"{source_id} title",
        "publisher": "測試機關 Test Agency",
        "license": "CC0-1.0",
        "url": f"https://example.gov.tw/{source_id}",
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def add_source(
    layout: Layout,
    source_id: str,
    files: dict[str, str | bytes],
    *,
    register: bool = True,
    manifest: dict[str, Any] | str | None = None,
    **fields: Any,
) -> Path:
    """Contribute a folder: files (str → UTF-8), a source.yaml, and optionally its registration."""
    folder = layout.raw / source_id  # not source_dir: tests contribute folders with invalid names too
    folder.mkdir(parents=True)
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_bytes(content.encode("utf-8"))
        else:
            path.write_bytes(content)
    if isinstance(manifest, str):
        (folder / "source.yaml").write_text(manifest, encoding="utf-8")
    else:
        data = manifest if manifest is not None else manifest_for(source_id, **fields)
        (folder / "source.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    if register:
        config = yaml.safe_load(layout.sources_config.read_text(encoding="utf-8")) or {}
        config.setdefault("sources", {})[source_id] = {}
        # in registration order, as `twcorpus register` writes it (dedup keeps the older source's copy)
        layout.sources_config.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


def context(layout: Layout) -> Context:
    """The run's context as a stage would load it (after the test changed files)."""
    return load_context(layout.root)


def run_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["DVC_NO_ANALYTICS"] = "true"
    return env


def rows_and_row_groups(path: Path) -> tuple[Any, list[int]]:
    """A Parquet file's rows (as one table) and the rows of each of its row groups: what two files written
    from the same rows in the same row groups share when their pages are cut differently."""
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(path).metadata
    return pq.read_table(path), [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]


def same_rows_and_row_groups(a: Path, b: Path) -> bool:
    (table_a, groups_a), (table_b, groups_b) = rows_and_row_groups(a), rows_and_row_groups(b)
    return table_a.schema == table_b.schema and table_a.equals(table_b) and groups_a == groups_b
