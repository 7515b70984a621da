"""Documents as a stage receives them, for tests and benchmarks (which put tests/ on their path)."""

from __future__ import annotations

from typing import Any


def normalized_batch(texts: list[str], source: str = "s", source_file: str = "f") -> Any:
    """Documents as normalize writes them (the columns quality, pii and segment read), one per
    text, ids id0, id1, …, lines 0, 1, …"""
    import pyarrow as pa

    from pipeline.core.schema import schema_after

    rows = [
        {
            "id": f"id{i}",
            "text": t,
            "source": source,
            "source_file": source_file,
            "source_line": i,
            "license": "CC0-1.0",
            "title": None,
            "url": None,
            "date": None,
            "meta": None,
            "lang": "zh-Hant",
            "converted": None,
            "cleanup": None,
        }
        for i, t in enumerate(texts)
    ]
    return pa.RecordBatch.from_pylist(rows, schema=schema_after("normalize"))
