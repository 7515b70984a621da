"""Fuzzing every reader: arbitrary bytes never escape as an exception (they become Problems)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.ingest.formats import EXTENSIONS, FORMATS
from pipeline.ingest.manifest import Manifest
from pipeline.ingest.readers.base import Problem, Record

MANIFEST = Manifest(id="s", title="t", publisher="p", license="CC0-1.0", url="https://x")
SUFFIX = {fmt: ext for ext, fmt in sorted(EXTENSIONS.items(), reverse=True)}

# Bytes that look a little like each format, so the fuzzer gets past the first check.
PREFIXES = [
    b"",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b'{"text": "',
    b"text,title\n",
    b"<html><body>",
    b"<?xml version='1.0'?>",
    b"PK\x03\x04",
    b"%PDF-1.4\n",
    "中華民國".encode("cp950"),
]


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(prefix=st.sampled_from(PREFIXES), body=st.binary(max_size=2048))
def test_readers_never_raise(tmp_path, fmt, prefix, body):
    path = tmp_path / f"fuzz{SUFFIX.get(fmt, '.txt')}"
    path.write_bytes(prefix + body)
    items = list(FORMATS[fmt].read(path, MANIFEST))
    assert all(isinstance(i, (Record, Problem)) for i in items)
    for item in items:
        if isinstance(item, Record):
            assert item.text.strip()
        else:
            assert item.reason and "\n" not in item.detail
