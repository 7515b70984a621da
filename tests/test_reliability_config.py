"""Hostile configuration: source ids that try to leave the repository, YAML bombs, absurd numbers.
Each is one line naming the file, before any stage does work."""

from __future__ import annotations

import dataclasses
import subprocess
import typing

import pytest
import yaml
from conftest import BIN, REPO, add_source, run_env

from pipeline.core import config
from pipeline.core.errors import UserError
from pipeline.core.layout import Layout, checked_source_id
from pipeline.core.settings import build

pytestmark = pytest.mark.reliability

BOMB = (
    "\n".join(
        ["a: &a [" + ", ".join(['"lol"'] * 9) + "]"]
        + [f"{b}: &{b} [" + ", ".join([f"*{a}"] * 9) + "]" for a, b in zip("abcdef", "bcdefg")]
    )
    + "\n"
)


def twcorpus(layout: Layout, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "twcorpus"), "--root", str(layout.root), "--quiet", *args],
        env=run_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def files_under(folder) -> set:
    return {p for p in folder.rglob("*")}


@pytest.mark.parametrize(
    "bad",
    [
        "../../../escape",
        "..",
        "/etc",
        "/tmp/abs",
        "a/b",
        "Laws",
        "laws.v2",
        "la ws",
        "",
        "-laws",
        "法規",
        "x" * 65,
        "a\x00b",
    ],
)
def test_a_bad_source_id_in_sources_yaml_stops_every_command_and_writes_nothing(layout, bad):
    add_source(layout, "laws", {"a.txt": "第一條。"})
    layout.sources_config.write_text(
        yaml.safe_dump({"sources": {"laws": {}, bad: {}}}, allow_unicode=True), encoding="utf-8"
    )
    outside = layout.root.parent
    before = files_under(outside)
    commands = [["sources", "--check"]]  # every command loads the configuration the same way: all three for one id
    if bad == "../../../escape":
        commands += [["ingest", "laws"], ["ingest", "--", bad]]
    for command in commands:
        result = twcorpus(layout, *command)
        assert result.returncode == 2, (command, result.stderr)
        assert result.stderr == (
            f"twcorpus: error: configs/sources.yaml: sources: {bad!r} is not a valid source id: "
            "use lowercase letters, digits and '-', at most 64, starting with a letter or digit "
            "(e.g. moj-laws)\n"
        )
    assert files_under(outside) == before


@pytest.mark.parametrize("bad", ["../escape", "/abs", "Up"])
def test_no_path_is_built_from_an_invalid_id(layout, bad):
    for make in (layout.source_dir, layout.interim, lambda s: layout.stage_metrics(s, "ingest")):
        with pytest.raises(UserError, match="is not a valid source id"):
            make(bad)
    assert checked_source_id("moj-laws") == "moj-laws"


@pytest.mark.parametrize("target", ["configs/sources.yaml", "params.yaml", "data/raw/laws/source.yaml"])
@pytest.mark.parametrize(
    "attack, message",
    [
        (BOMB, "its aliases expand to more than 100,000 values: refused as unsafe to parse (a YAML bomb?)"),
        ("a: " + "[" * 100 + "]" * 100 + "\n", "nested deeper than 64 levels: refused as unsafe to parse"),
        ("# padding\n" * 120_000, "1,200,000 bytes: too large for a configuration file (the limit is 1,048,576)"),
        # YAML keeps the second silently: the setting the user added would be ignored
        ("a:\n  b: 1\n  c: 2\n  b: 3\n", "not valid YAML at line 4, column 3: 'b' is given twice (first at line 2)"),
    ],
)
def test_make_repro_refuses_unsafe_yaml_before_dvc_runs(layout, target, attack, message):
    add_source(layout, "laws", {"a.txt": "第一條。"})
    (layout.root / target).write_text(attack, encoding="utf-8")
    result = twcorpus(layout, "sources", "--check")
    assert (result.returncode, result.stderr) == (2, f"twcorpus: error: {target}: {message}\n")


def test_sources_check_stops_on_a_params_typo_and_on_a_broken_registered_manifest(layout):
    add_source(layout, "laws", {"a.txt": "第一條。"})
    add_source(layout, "extra", {"a.txt": "第一條。"}, register=False, manifest="id: extra\n")
    result = twcorpus(layout, "sources", "--check")
    assert (result.returncode, result.stderr) == (
        0,
        "twcorpus: warning: data/raw/extra/source.yaml: missing required field 'title'\n",
    )
    params = yaml.safe_load(layout.params.read_text(encoding="utf-8"))
    params["quality"]["min_char"] = 5
    layout.params.write_text(yaml.safe_dump(params), encoding="utf-8")
    result = twcorpus(layout, "sources", "--check")
    assert (result.returncode, result.stderr) == (
        2,
        "twcorpus: error: params.yaml: unknown key 'quality.min_char' (nearest: min_chars, max_chars, min_han_share)\n",
    )
    del params["quality"]["min_char"]
    layout.params.write_text(yaml.safe_dump(params), encoding="utf-8")
    layout.manifest("laws").write_text("id: laws\n", encoding="utf-8")
    result = twcorpus(layout, "sources", "--check")
    assert result.returncode == 2
    assert "twcorpus: error: data/raw/laws/source.yaml: missing required field 'title'\n" in result.stderr


@pytest.mark.parametrize(
    "section, key, value, message",
    [
        (
            "normalize",
            "batch_size",
            10**23,
            "'normalize.batch_size' must be between 1 and 1,000,000, got 100,000,000,000,000,000,000,000",
        ),
        (
            "publish",
            "row_group_rows",
            10**23,
            "'publish.row_group_rows' must be between 1 and 10,000,000, got 100,000,000,000,000,000,000,000",
        ),
        (
            "dedup",
            "seed",
            10**23,
            "'dedup.seed' must be between 0 and 4,294,967,295, got 100,000,000,000,000,000,000,000",
        ),
        (
            "dedup",
            "bands",
            200_000,
            "'dedup.bands' × 'dedup.rows' must be at most 2,048 MinHash permutations, got 600,000",
        ),
        ("dedup", "ngram", 1000, "'dedup.ngram' must be between 1 and 100, got 1,000"),
        ("dedup", "rows", 0, "'dedup.rows' must be between 1 and 64, got 0"),
        ("ingest", "max_file_bytes", -1, "'ingest.max_file_bytes' must be between 1 and 4,294,967,296, got -1"),
    ],
)
def test_every_number_has_a_bound(section, key, value, message):
    with pytest.raises(UserError) as caught:
        build(config.params_class(), {section: {key: value}}, "params.yaml")
    assert str(caught.value) == f"params.yaml: {message}"


def test_bands_times_rows_is_bounded():
    with pytest.raises(
        UserError,
        match=r"'dedup.bands' × 'dedup.rows' must be at most 2,048 MinHash permutations, "
        r"got 32,768",
    ):
        build(config.params_class(), {"dedup": {"bands": 1024, "rows": 32}}, "params.yaml")


def _sections(cls) -> typing.Iterator[type]:
    yield cls
    for f in dataclasses.fields(cls):
        hint = typing.get_type_hints(cls)[f.name]
        if dataclasses.is_dataclass(hint):
            yield from _sections(hint)


def test_each_number_of_every_section_declares_its_range():
    for cls in _sections(config.params_class()):
        hints = typing.get_type_hints(cls)
        numbers = {
            f.name
            for f in dataclasses.fields(cls)
            if {int, float} & set(typing.get_args(hints[f.name]) or (hints[f.name],))
        }
        assert numbers <= set(getattr(cls, "RANGES", {})), (cls.__name__, numbers - set(getattr(cls, "RANGES", {})))


def test_sources_check_stops_on_what_dvc_cannot_hash_in_a_registered_folder(layout):
    folder = add_source(layout, "laws", {"a.txt": "第一條。"})
    (folder / "gone.txt").symlink_to(folder / "nowhere.txt")
    result = twcorpus(layout, "sources", "--check")
    assert (result.returncode, result.stderr) == (
        2,
        "twcorpus: error: data/raw/laws/gone.txt: a dangling symbolic link (its target does not exist): remove it; "
        "dvc fails on it\n",
    )
    add_source(layout, "poems", {"a.txt": "床前明月光。"}, register=False)
    (layout.raw / "poems" / "王小明.txt".encode("cp950").decode("utf-8", "surrogateescape")).write_text("文字")
    result = twcorpus(layout, "register", "poems")
    assert result.returncode == 2
    assert result.stderr.startswith("twcorpus: error: data/raw/poems/王小明.txt: the name is Big5 (CP950), not UTF-8")


def test_the_shipped_params_are_what_the_code_writes_at_its_defaults():
    """Each default and what it means live in one place, the sections' dataclasses (core's
    Params, pipeline/<stage>/params.py); the shipped params.yaml is their rendering at the
    defaults (`twcorpus params`), so the file and the code can never say two things."""
    from pipeline.core.config import default_params, params_class
    from pipeline.core.params_file import render

    text = render(default_params())
    assert (REPO / "params.yaml").read_text(encoding="utf-8") == text, "params.yaml is stale: twcorpus params --write"
    assert build(params_class(), yaml.safe_load(text), "params.yaml") == default_params()
    assert "  max_mainland_share: null\n" in text and "    person: redact          # names of private persons" in text
    assert (
        "  # its own), measured in characters; each removal is a reject quality:<rule>.\n" in text
    )  # a section's docstring heads it


def test_params_write_keeps_the_values_and_brings_the_keys_and_comments_of_the_code(layout):
    data = yaml.safe_load(layout.params.read_text(encoding="utf-8"))
    data["dedup"]["threshold"] = 0.9  # a data engineer's tuning
    del data["ingest"]["max_file_bytes"]  # a key the code added since this file was written
    layout.params.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = twcorpus(layout, "params", "--check")
    assert (result.returncode, result.stderr) == (
        1,
        "twcorpus: params.yaml is not as the code writes it (keys or comments differ); run: twcorpus params --write\n",
    )
    assert twcorpus(layout, "params", "--write").returncode == 0
    text = layout.params.read_text(encoding="utf-8")
    assert (
        "  threshold: 0.9            # estimated Jaccard similarity with the kept document that makes a copy\n" in text
    )
    assert "  max_file_bytes: 268435456 # larger files are rejected as too-large, unread\n" in text
    assert "  min_chars: 1              # characters without whitespace" in text  # the fixture's own value
    assert twcorpus(layout, "params", "--check").returncode == 0


def test_params_write_refuses_a_bad_file_and_leaves_it(layout):
    layout.params.write_text("dedup:\n  treshold: 0.9\n", encoding="utf-8")
    result = twcorpus(layout, "params", "--write")
    assert (result.returncode, result.stderr) == (
        2,
        "twcorpus: error: params.yaml: unknown key 'dedup.treshold' (nearest: threshold, family_threshold)\n",
    )
    assert layout.params.read_text(encoding="utf-8") == "dedup:\n  treshold: 0.9\n"
