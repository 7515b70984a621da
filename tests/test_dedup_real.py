"""Dedup's defaults on real document pairs (benchmarks/dedup_pairs.py, tests/labels/dedup_pairs.jsonl):
no labeled real pair is a copy, so at the defaults none is removed, and copies made of real
documents the ways agencies republish them are."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from conftest import REPO

from pipeline.dedup.params import DedupParams

sys.path.insert(0, str(REPO / "benchmarks"))
from dedup_pairs import estimated, labeled_pairs  # noqa: E402

REAL = REPO.parent / "shared" / "real" / "ey-gazette"


@pytest.fixture(scope="module")
def pairs():
    if not REAL.is_dir():
        pytest.skip(f"the development set is not at {REAL}")
    return labeled_pairs(REAL)


def test_copies_are_told_from_template_siblings_at_the_defaults(pairs):
    similarity = estimated(pairs, DedupParams())
    copy = np.array([label.startswith("copy") for *_, label in pairs])
    removed = similarity >= DedupParams().threshold
    assert copy.sum() == 240 and (~copy).sum() == 557
    precision, recall = (removed & copy).sum() / removed.sum(), (removed & copy).sum() / copy.sum()
    assert precision >= 0.99 and recall >= 0.95, (precision, recall)


def test_the_previous_defaults_merged_template_siblings(pairs):
    similarity = estimated(pairs, DedupParams(ngram=3, threshold=0.5))
    template = np.array([label == "template" for *_, label in pairs])
    assert (similarity[template] >= 0.5).mean() > 0.3  # the failure the real source showed
