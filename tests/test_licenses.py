"""The license registry, the publication policy, and what the card says about licenses."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest
import yaml
from conftest import REPO, add_source, context

from pipeline import stages
from pipeline.core.config import LicensesParams
from pipeline.core.errors import UserError
from pipeline.core.layout import Layout
from pipeline.core.licenses import load_registry
from pipeline.core.policy import build_policy

REQUIRED = [
    "LicenseRef-TW-Copyright-Act-Art9",
    "OGDL-Taiwan-1.0",
    "CC0-1.0",
    "CC-BY-4.0",
    "CC-BY-SA-4.0",
    "CC-BY-NC-4.0",
    "CC-BY-ND-4.0",
    "LicenseRef-MOE-CC-BY-ND-3.0-TW",
]


def front_matter(layout):
    return yaml.safe_load((layout.publish / "README.md").read_text(encoding="utf-8").split("---\n")[1])


def published(layout):
    return pq.read_table(layout.publish / "data").to_pylist()


# --- registry ---------------------------------------------------------------------------


def test_registry_has_the_required_licenses_with_their_texts():
    registry = load_registry(Layout.at(REPO))
    for license_id in REQUIRED:
        entry = registry.get(license_id)
        text = (REPO / "licenses" / entry.text).read_text(encoding="utf-8")
        assert len(text) > 200 or license_id.startswith("LicenseRef-MOE"), license_id
    assert registry.get("CC-BY-4.0").hf_id == "cc-by-4.0" and registry.get("OGDL-Taiwan-1.0").hf_id is None
    assert "Exhibit - Attribution" in (REPO / "licenses/texts/OGDL-Taiwan-1.0.txt").read_text(encoding="utf-8")
    assert "著作權法 第 9 條" in (REPO / "licenses/texts/LicenseRef-TW-Copyright-Act-Art9.txt").read_text()
    assert [registry.get(x).modification for x in ("CC-BY-ND-4.0", "LicenseRef-MOE-CC-BY-ND-3.0-TW")] == [False, False]
    assert registry.get("CC-BY-NC-4.0").commercial_use is False and registry.get("CC-BY-SA-4.0").share_alike


def test_adding_a_license_is_an_entry_and_a_text_file(layout):
    (layout.licenses / "texts" / "LicenseRef-Agency-Terms.txt").write_text("Terms of the agency.\n")
    with open(layout.licenses / "registry.yaml", "a") as f:
        f.write(
            "  LicenseRef-Agency-Terms:\n    name: Agency terms\n    url: https://agency.gov.tw/terms\n"
            "    text: texts/LicenseRef-Agency-Terms.txt\n"
        )
    assert load_registry(layout).get("LicenseRef-Agency-Terms").name == "Agency terms"
    with open(layout.licenses / "registry.yaml", "a") as f:
        f.write("  LicenseRef-No-Text:\n    name: x\n    url: https://x\n    text: texts/missing.txt\n")
    with pytest.raises(
        UserError,
        match=r"^licenses/registry.yaml: 'licenses.LicenseRef-No-Text.text': "
        r"no file licenses/texts/missing.txt$",
    ):
        load_registry(layout)


# --- policy ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "groups, message",
    [
        (
            {"default": ["CC-BY-4.0", "CC-BY-ND-4.0"]},
            "'licenses.groups.default': CC-BY-ND-4.0 can never be published: it forbids modification",
        ),
        (
            {"default": ["CC-BY-NC-4.0"]},
            "'licenses.groups.default': CC-BY-NC-4.0 can never be published: it forbids commercial use",
        ),
        (
            {"default": ["CC-BY-4.0", "CC-BY-SA-4.0"]},
            "'licenses.groups.default' mixes share-alike and other licenses; "
            "put share-alike licenses in a group of their own",
        ),
        (
            {"default": ["CC-BY-4.0"], "more": ["CC-BY-4.0"]},
            "'licenses.groups.more': CC-BY-4.0 is already in group 'default'",
        ),
        ({"default": ["CC-BY-40"]}, "'licenses.groups.default': unknown license 'CC-BY-40' (nearest: CC-BY-4.0"),
    ],
)
def test_policy_rules(groups, message):
    registry = load_registry(Layout.at(REPO))
    params = LicensesParams(groups={k: tuple(v) for k, v in groups.items()})
    with pytest.raises(UserError) as info:
        build_policy(params, registry)
    assert str(info.value).startswith(f"params.yaml: {message}")


def test_default_group_must_exist(layout, capsys):
    from pipeline.cli import main

    layout.params.write_text("licenses:\n  groups:\n    open: [CC0-1.0]\n")
    assert main(["--root", str(layout.root), "publish"]) == 2
    assert capsys.readouterr().err == (
        "twcorpus: error: params.yaml: 'licenses.default_group' is 'default', which is not a group (groups: open)\n"
    )


def test_nc_and_nd_sources_never_reach_the_published_data(layout):
    add_source(layout, "open", {"a.txt": "開放授權的文字。"}, license="CC-BY-4.0")
    add_source(layout, "nc", {"a.txt": "非商業授權的文字。", "b.txt": "另一份。"}, license="CC-BY-NC-4.0")
    add_source(
        layout,
        "moe",
        {
            "a.jsonl": json.dumps({"text": "辭典條目。"}, ensure_ascii=False)
            + "\n"
            + json.dumps({"text": "開放的條目。", "license": "CC0-1.0"}, ensure_ascii=False)
        },
        license="LicenseRef-MOE-CC-BY-ND-3.0-TW",
    )
    metrics = stages.run_all(context(layout))
    assert sorted((r["source"], r["text"]) for r in published(layout)) == [
        ("moe", "開放的條目。"),
        ("open", "開放授權的文字。"),
    ]
    rejects = pq.read_table(layout.rejects).to_pylist()
    assert [(r["source"], r["source_file"], r["source_line"], r["stage"], r["reason"]) for r in rejects] == [
        ("moe", "a.jsonl", 1, "ingest", "license:LicenseRef-MOE-CC-BY-ND-3.0-TW"),
        ("nc", "a.txt", None, "ingest", "license:CC-BY-NC-4.0"),
        ("nc", "b.txt", None, "ingest", "license:CC-BY-NC-4.0"),
    ]
    assert rejects[1]["detail"] == (
        "a.txt: not published: CC-BY-NC-4.0 forbids commercial use, and the corpus is published for industry"
    )
    assert rejects[0]["detail"] == (
        "a.jsonl:1: not published: LicenseRef-MOE-CC-BY-ND-3.0-TW forbids modification, "
        "and normalization and segmentation modify text"
    )
    assert metrics["licenses"] == {
        "CC-BY-4.0": {"documents": 1, "characters": 8},
        "CC0-1.0": {"documents": 1, "characters": 6},
    }
    assert metrics["rejects_by_reason"] == {"license:CC-BY-NC-4.0": 2, "license:LicenseRef-MOE-CC-BY-ND-3.0-TW": 1}
    # never normalized or segmented either
    assert pq.read_table(layout.stage_docs("nc", "segment")).num_rows == 0


def test_share_alike_is_published_in_a_config_of_its_own(layout):
    datasets = pytest.importorskip("datasets")
    add_source(layout, "open", {"a.txt": "開放授權的文字。"}, license="CC-BY-4.0")
    add_source(layout, "wiki", {"a.txt": "維基百科的條目。", "b.txt": "另一個條目。"}, license="CC-BY-SA-4.0")
    metrics = stages.run_all(context(layout))
    assert front_matter(layout)["configs"] == [
        {"config_name": "default", "data_files": [{"split": "train", "path": "data/default/train-*"}], "default": True},
        {"config_name": "share-alike", "data_files": [{"split": "train", "path": "data/share-alike/train-*"}]},
    ]
    assert front_matter(layout)["license"] == "other"
    assert metrics["groups"] == {
        "default": {"documents": 1, "characters": 8, "shards": 1},
        "share-alike": {"documents": 2, "characters": 14, "shards": 1},
    }
    default = datasets.load_dataset(str(layout.publish), split="train")
    share_alike = datasets.load_dataset(str(layout.publish), "share-alike", split="train")
    assert default["source"] == ["open"] and share_alike["source"] == ["wiki", "wiki"]
    body = (layout.publish / "README.md").read_text(encoding="utf-8")
    assert "| `share-alike` | `CC-BY-SA-4.0` | 2 | 14 |" in body
    assert "wiki title by 測試機關 Test Agency (https://example.gov.tw/wiki), licensed under CC BY-SA 4.0" in body


def test_ogdl_attribution_follows_the_exhibit(layout):
    add_source(
        layout,
        "portal",
        {"a.txt": "開放資料。"},
        license="OGDL-Taiwan-1.0",
        collected="2026-05-01",
        title="臺北市公車路線資料 v2",
    )
    stages.run_all(context(layout))
    body = (layout.publish / "README.md").read_text(encoding="utf-8")
    assert (
        "- 測試機關 Test Agency 2026 臺北市公車路線資料 v2. The Open Data is made available to the public under "
        "the Open Government Data License, User can make use of it when complying to the condition and "
        "obligation of its terms. Open Government Data License: https://data.gov.tw/license"
    ) in body
    assert front_matter(layout)["license_name"] == "ogdl-taiwan-1.0"
