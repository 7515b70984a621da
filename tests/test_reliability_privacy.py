"""Nothing a redaction removed can be read back from what leaves the interim files: not from the
published id, not from a file name, not from Parquet statistics, not from the card or metrics."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import add_source, context

from pipeline import stages
from pipeline.core.ids import document_id, published_id

pytestmark = pytest.mark.reliability

CONTACT = "本案承辦人聯絡電話為0912345678，請於上班時間來電洽詢，逾期不予受理。"
SECRET_FILE = "王小明_A123456789_0912345678.txt"
SECRETS = ("0912345678", "A123456789")


def _published(layout) -> list[dict]:
    return [
        row
        for shard in sorted((layout.publish / "data").rglob("*.parquet"))
        for row in pq.read_table(shard).to_pylist()
    ]


@pytest.fixture
def released(layout):
    """A release built from a contact line and a file named after a person, and one rejected file of that name."""
    add_source(
        layout,
        "agency",
        {
            "notice.jsonl": json.dumps({"text": CONTACT}, ensure_ascii=False) + "\n",
            SECRET_FILE: "臺北市政府公告：本府訂於下週辦理公聽會，歡迎市民參加。\n",
            "A123456789_0912345678.bin": b"\x00\x01binary",
        },
        format=None,
    )
    stages.run_all(context(layout))
    return layout


def test_the_published_id_does_not_confirm_a_guess_of_a_redacted_number(released):
    row = next(r for r in _published(released) if r["source_file"] == "notice.jsonl")
    assert row["text"] == "本案承辦人聯絡電話為[PHONE]，請於上班時間來電洽詢，逾期不予受理。"
    # the id is a digest of the published row alone: it holds nothing the row does not show
    assert row["id"] == published_id(row["source"], row["source_file"], row["source_line"], row["text"])
    # the attack of the issue: substitute candidate numbers (the true one among them) and hash
    candidates = [f"09123456{n:02d}" for n in range(100)]
    guesses = {document_id("agency", row["text"].replace("[PHONE]", c)) for c in candidates}
    guesses |= {
        published_id("agency", row["source_file"], row["source_line"], row["text"].replace("[PHONE]", c))
        for c in candidates
    }
    assert row["id"] not in guesses
    # the id is stable: the same contribution gives the same id in a second run
    stages.run_all(context(released))
    assert row["id"] in {r["id"] for r in _published(released)}


def test_file_names_are_redacted_in_the_release_and_in_the_rejects(released):
    files = {r["source_file"] for r in _published(released)}
    assert files == {"notice.jsonl", "王小明_[TW_ID]_[PHONE].txt"}
    rejects = pq.read_table(released.rejects).to_pylist()
    assert [(r["source_file"], r["reason"]) for r in rejects] == [("[TW_ID]_[PHONE].bin", "unsupported-format")]


def test_no_secret_in_any_file_of_the_release_rejects_metrics_or_statistics(released):
    outside_interim = [
        p
        for folder in ("publish", "rejects", "metrics", "plots", "dedup")
        for p in (released.root / "data" / folder).rglob("*")
        if p.is_file()
    ]
    assert outside_interim
    for path in outside_interim:
        data = path.read_bytes()
        for secret in SECRETS:
            assert secret.encode() not in data, (path, secret)
        if path.suffix == ".parquet":
            for value in _statistics(path):
                assert not any(secret in value for secret in SECRETS), (path, value)


def _statistics(path: Path) -> list[str]:
    """Every min and max value Parquet keeps for the file's string columns."""
    meta = pq.ParquetFile(path).metadata
    values = []
    for g in range(meta.num_row_groups):
        for c in range(meta.num_columns):
            stats = meta.row_group(g).column(c).statistics
            if stats is not None and stats.has_min_max and isinstance(stats.min, str):
                values += [stats.min, stats.max]
    return values
