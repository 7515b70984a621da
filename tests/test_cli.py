"""The command line: --help everywhere, one-line errors, registration and validation."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pytest
import yaml
from conftest import REPO, add_source, manifest_for, run_env

from pipeline.cli import build_parser, main

COMMANDS = [
    "ingest",
    "normalize",
    "quality",
    "pii",
    "segment",
    "dedup",
    "decontam",
    "publish",
    "push",
    "report",
    "register",
    "validate",
    "params",
    "sources",
]


def run(layout, *args):
    return main(["--root", str(layout.root), *args])


@pytest.mark.parametrize("command", COMMANDS)
def test_every_subcommand_has_help(command, capsys):
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    assert f"usage: twcorpus {command}" in capsys.readouterr().out


def test_the_parser_has_exactly_these_commands():
    (subparsers,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    assert sorted(subparsers.choices) == sorted(COMMANDS)


def test_subcommands_cover_every_dvc_stage():
    dvc = yaml.safe_load((REPO / "dvc.yaml").read_text())
    for stage in dvc["stages"].values():
        cmd = (stage.get("do") or stage)["cmd"]
        assert cmd.split()[0] == "twcorpus" and cmd.split()[2] in COMMANDS


def test_bad_params_is_one_line_without_traceback(layout):
    layout.params.write_text("ingest:\n  batchsize: 10\n")
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "--root", str(layout.root), "publish"],
        capture_output=True,
        text=True,
        env=run_env(),
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == "twcorpus: error: params.yaml: unknown key 'ingest.batchsize' (nearest: batch_size)\n"


@pytest.mark.parametrize(
    "params, message",
    [
        ("ingest:\n  batch_size: many\n", "params.yaml: 'ingest.batch_size' must be a whole number, got text ('many')"),
        ("ingest:\n  batch_size: 0\n", "params.yaml: 'ingest.batch_size' must be between 1 and 1,000,000, got 0"),
        (
            "publish:\n  compression_level: 40\n",
            "params.yaml: 'publish.compression_level' must be between 1 and 22, got 40",
        ),
        ("ingest: [1]\n", "params.yaml: 'ingest' must be a mapping, got a list"),
    ],
)
def test_params_are_validated(layout, capsys, params, message):
    layout.params.write_text(params)
    assert run(layout, "publish") == 2
    assert capsys.readouterr().err == f"twcorpus: error: {message}\n"


def test_register_validates_then_appends_in_registration_order(layout, capsys):
    layout.sources_config.write_text("# keep me\nsources:\n  zeta: {}\n")
    add_source(layout, "zeta", {"a.txt": "文字"}, register=False)
    add_source(layout, "alpha", {"a.txt": "文字"}, register=False)
    add_source(layout, "bad", {"a.txt": "文字"}, register=False, license="MIT-ish")
    assert run(layout, "register", str(layout.raw / "alpha")) == 0
    assert capsys.readouterr().out == ("alpha: registered in configs/sources.yaml; `dvc repro` will ingest it\n")
    assert run(layout, "register", "alpha") == 0
    assert "alpha: already registered" in capsys.readouterr().out
    # appended, not sorted: registration order decides which copy dedup keeps
    assert layout.sources_config.read_text() == "# keep me\nsources:\n  zeta: {}\n  alpha: {}\n"
    assert run(layout, "register", "bad") == 2
    assert capsys.readouterr().err.startswith(
        "twcorpus: error: data/raw/bad/source.yaml: field 'license': unknown license 'MIT-ish'"
    )
    assert "bad" not in layout.sources_config.read_text()


def test_sources_lists_and_warns(layout, capsys):
    add_source(layout, "good", {"a.txt": "文字"})
    add_source(layout, "new", {"a.txt": "文字"}, register=False)
    add_source(layout, "bad", {"a.txt": "文字"}, url="not a url")
    assert run(layout, "sources") == 2  # a registered source's manifest is broken: `make repro` stops here
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        f"{'bad':32} {'problem':13} -",
        f"{'good':32} {'ok':13} CC0-1.0",
        f"{'new':32} {'unregistered':13} CC0-1.0",
    ]
    assert err.splitlines() == [
        "twcorpus: warning: data/raw/new: has a manifest but is not registered; run: twcorpus register data/raw/new",
        "twcorpus: error: data/raw/bad/source.yaml: field 'url' must be an http(s) URL, got 'not a url'",
    ]
    assert run(layout, "sources", "--check") == 2
    layout.sources_config.write_text("sources:\n  good: {}\n")
    assert run(layout, "sources", "--check") == 0  # an unregistered broken folder only warns
    assert run(layout, "sources", "--check", "--strict") == 1


def test_validate_reports_counts_rejects_and_samples(layout, capsys):
    add_source(
        layout,
        "agency",
        {
            "a.txt": "第一份文件的內容。",
            "b.jsonl": '{"text": "第二份", "title": "標題"}\n{oops\n',
            "c.txt": "中文".encode("cp950"),
        },
        register=False,
    )
    assert run(layout, "validate", "data/raw/agency") == 0
    assert capsys.readouterr().out.splitlines() == [
        "✓ agency: manifest valid 清單有效 (not registered yet: twcorpus register data/raw/agency)",
        "  files 檔案: 3   encodings 編碼: cp950 1, utf-8 2",
        "  documents 文件: 3   characters 字數: 14   rejected 退件: 1",
        "    malformed-line: 1",
        "  ! b.jsonl:2: malformed-line — line 2: not valid JSON (Expecting property name enclosed in double quotes, column 2)",
        "  after ingest 讀取之後 (normalize, quality, personal data; nothing written):",
        "    go on to dedup and publish 進入去重與發布: 3 documents, 14 characters",
        "  · a.txt 第一份文件的內容。",
        "  · b.jsonl:1 《標題》 第二份",
        "  · c.txt 中文",
    ]
    assert run(layout, "validate", "agency", "--strict") == 1


@pytest.mark.parametrize(
    "setup, args, message",
    [
        (
            lambda lay: add_source(
                lay,
                "agency",
                {"a.txt": "文字"},
                manifest="id: agency\ntitle: t\npublisher: p\n"
                "license: CC0-1.0\nurl: https://x.tw\ncollected: 2026-02-30\n",
            ),
            ["validate", "agency"],
            None,
        ),
        (
            lambda lay: add_source(lay, "agency", {"a.txt": "文字"}),
            ["quality", "agency"],
            "data/interim/agency/normalize.parquet: missing: run the stages before quality for 'agency' first "
            "(dvc repro quality@agency)",
        ),
        (
            lambda lay: add_source(lay, "agency", {"a.txt": "文字"}),
            ["dedup"],
            "data/interim/agency/segment.parquet: missing: run the per-source stages for 'agency' first (dvc repro)",
        ),
        (
            lambda lay: (
                add_source(lay, "agency", {"a.txt": "文字"}, register=False),
                lay.sources_config.write_text("sources: [agency]\n"),
            ),
            ["register", "agency"],
            "configs/sources.yaml: 'sources' must be a mapping, got a list",
        ),
        (
            lambda lay: add_source(lay, "Bad_Id", {"a.txt": "文字"}, register=False, manifest={"id": "Bad_Id"}),
            ["register", "Bad_Id"],
            "data/raw/Bad_Id: 'Bad_Id' is not a valid source id: use lowercase letters, digits and '-', at most 64, "
            "starting with a letter or digit (e.g. moj-laws)",
        ),
    ],
)
def test_more_user_errors_are_one_line(layout, capsys, setup, args, message):
    setup(layout)
    if message is None:  # validate reports on stdout and exits 1
        assert run(layout, *args) == 1
        assert capsys.readouterr().out == (
            "✗ agency: data/raw/agency/source.yaml: not valid YAML: day is out of range for month\n"
        )
        return
    assert run(layout, *args) == 2
    assert capsys.readouterr().err == f"twcorpus: error: {message}\n"


def test_source_ids_are_lowercase_kebab_case(layout, capsys):
    from conftest import manifest_for

    add_source(layout, "Bad_Id", {"a.txt": "文字"}, register=False, manifest=manifest_for("Bad_Id"))
    assert run(layout, "register", "Bad_Id") == 2
    assert capsys.readouterr().err == (
        "twcorpus: error: data/raw/Bad_Id: 'Bad_Id' is not a valid source id: use lowercase letters, digits and '-', "
        "at most 64, starting with a letter or digit (e.g. moj-laws)\n"
    )
    assert run(layout, "sources") == 0  # an unregistered folder: a warning
    assert capsys.readouterr().err == (
        "twcorpus: warning: data/raw/Bad_Id: the folder name is not a valid source id: use lowercase letters, "
        "digits and '-', at most 64, starting with a letter or digit (e.g. moj-laws)\n"
    )


def test_validate_previews_what_normalize_quality_and_pii_would_drop(layout, capsys):
    names = [
        "王大明",
        "林小華",
        "陳美玲",
        "張志強",
        "李淑芬",
        "黃俊傑",
        "吳雅婷",
        "劉建宏",
        "蔡佩君",
        "楊宗翰",
        "許家豪",
    ]
    register = "姓名\n" + "\n".join(f"{name}\n民國{40 + i}年3月{i + 1}日生" for i, name in enumerate(names))
    lines = [
        "這是一份正常的中文公告，說明本機關的業務。",
        "This line is written in English only, nothing else.",
        "短",
        register,
    ]
    add_source(
        layout,
        "agency",
        {"a.jsonl": "\n".join(json.dumps({"text": t}, ensure_ascii=False) for t in lines)},
        register=False,
    )
    params = yaml.safe_load(layout.params.read_text())
    params["quality"]["min_chars"] = 5
    layout.params.write_text(yaml.safe_dump(params, allow_unicode=True))
    assert run(layout, "validate", str(layout.raw / "agency"), "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert {
        stage: {reason: (d["documents"], d["sample"]["where"]) for reason, d in by.items()}
        for stage, by in report["dropped"].items()
    } == {
        "normalize": {"language:en": (1, "a.jsonl:2")},
        "quality": {"quality:too_short": (1, "a.jsonl:3")},
        "pii": {"pii:register": (1, "a.jsonl:4")},
    }
    assert report["kept"] == {"documents": 1, "characters": len(lines[0])}
    assert run(layout, "validate", str(layout.raw / "agency")) == 0
    out = capsys.readouterr().out
    assert "    pii pii:register: 1 documents, " in out and "a.jsonl:4: a register of private persons: 11" in out
    assert "王大明" not in out.split("after ingest")[1].split("  · ")[0]  # the drop list holds no personal data


GAZETTE = (
    "<Gazette><Record><Title>公告一</Title><Content>第一則公告內容。</Content></Record>"
    "<Record><Title>公告二</Title><Content>第二則公告內容。</Content></Record></Gazette>"
)


@pytest.mark.parametrize(
    "xml, line",
    [
        (
            {"record_path": ".//Item", "text_fields": ["Content"], "title_field": "Title"},
            "✗ data/raw/gazette/source.yaml: the folder yields no document (1 files, 1 rejects): check the format and its "
            "options",
        ),
        (
            {"record_path": ".//Record", "text_fields": ["Content"], "title_field": "Titel"},
            "✗ data/raw/gazette/source.yaml: 'xml.title_field: Titel' never appears: none of the 2 documents has a title",
        ),
    ],
)
def test_validate_fails_when_the_manifest_reads_nothing_it_names(layout, capsys, xml, line):
    add_source(layout, "gazette", {"a.xml": GAZETTE}, format="xml", xml=xml)
    assert run(layout, "validate", "gazette") == 1
    assert capsys.readouterr().out.splitlines()[-1] == line
    layout.manifest("gazette").write_text(
        yaml.safe_dump(
            manifest_for(
                "gazette",
                format="xml",
                xml={"record_path": ".//Record", "text_fields": ["Content"], "title_field": "Title"},
            ),
            allow_unicode=True,
        )
    )
    assert run(layout, "validate", "gazette") == 0


def test_ingest_of_a_missing_folder_is_an_error_and_writes_nothing(layout, capsys):
    layout.sources_config.write_text("sources:\n  gone: {}\n")
    assert run(layout, "ingest", "gone") == 2
    assert capsys.readouterr().err == (
        "twcorpus: error: data/raw/gone: no such source folder; contribute it or "
        "remove 'gone' from configs/sources.yaml\n"
    )
    assert not (layout.root / "data" / "interim").exists() and not (layout.root / "data" / "metrics").exists()
