"""Dates as agencies write them become ISO 8601 in `date`; the written form stays in `meta`."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest
from conftest import add_source, context

from pipeline.ingest import stage as ingest_stage
from pipeline.ingest.dates import to_iso


@pytest.mark.parametrize(
    "written, iso",
    [
        # the forms of the gazette, the laws database and agencies' spreadsheets
        ("中華民國95年1月2日", "2006-01-02"),
        ("民國95年1月2日", "2006-01-02"),
        ("95年1月2日", "2006-01-02"),
        ("095/01/02", "2006-01-02"),
        ("95.1.2", "2006-01-02"),
        ("95-01-02", "2006-01-02"),
        ("0950102", "2006-01-02"),
        ("九十五年一月二日", "2006-01-02"),
        ("中華民國一〇〇年六月七日", "2011-06-07"),
        ("民國一百零一年十二月二十五日", "2012-12-25"),
        ("中華民國 100 年 6 月 7 日", "2011-06-07"),
        ("１００年６月７日", "2011-06-07"),
        ("民國1年1月1日", "1912-01-01"),
        # Western
        ("2006/1/2", "2006-01-02"),
        ("2006.01.02", "2006-01-02"),
        ("2006年1月2日", "2006-01-02"),
        ("20060102", "2006-01-02"),
        ("2006-01-02", "2006-01-02"),
        ("2006-01-02T08:00:00+08:00", "2006-01-02T08:00:00+08:00"),
        # not dates, or impossible ones
        ("95年2月30日", None),
        ("2006-13-01", None),
        ("20241399", None),
        ("下週一", None),
        ("95年", None),
        ("", None),
    ],
)
def test_written_dates_become_iso(written, iso):
    assert to_iso(written) == iso


def test_ingest_converts_keeps_the_written_form_and_counts(layout):
    lines = [
        {"text": "甲", "date": "中華民國95年1月2日"},
        {"text": "乙", "date": "2006-01-03"},
        {"text": "丙", "date": "九十五年一月二日", "category": "公告"},
        {"text": "丁", "date": "95年2月30日"},
        {"text": "戊"},
    ]
    add_source(layout, "agency", {"a.jsonl": "\n".join(json.dumps(x, ensure_ascii=False) for x in lines)})
    metrics = ingest_stage.run(context(layout), "agency", progress=False)
    rows = pq.read_table(layout.stage_docs("agency", "ingest")).to_pylist()
    assert [(r["date"], json.loads(r["meta"]) if r["meta"] else None) for r in rows] == [
        ("2006-01-02", {"date_written": "中華民國95年1月2日"}),
        ("2006-01-03", None),
        ("2006-01-02", {"category": "公告", "date_written": "九十五年一月二日"}),
        (None, {"date_written": "95年2月30日"}),
        (None, None),
    ]
    assert metrics["dates"] == {"iso": 1, "converted": 2, "unreadable": 1}
