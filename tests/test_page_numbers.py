"""One set of page-number forms (pipeline/core/page_numbers.py), read by PDF reading and normalize alike."""

from __future__ import annotations

import pytest

from pipeline.ingest.readers.pdf import clean_pages
from pipeline.normalize.cleanup import remove_page_numbers

FORMS = [
    "12",
    "- 12 -",
    "－12－",
    "~ 12 ~",
    "3/10",
    "3 ／ 10",
    "Page 3 of 10",
    "page 3 / 10",
    "p. 3",
    "第 3 頁",
    "第3頁，共10頁",
    "第 3 頁 / 共 10 頁",
    "共 10 頁 第 3 頁",
    "共10頁，第3頁",
]
NOT_FORMS = ["12345", "第三頁", "1~3", "3/10/2024", "Page three", "共 10 頁", "12 號", "- 12 - 13"]


@pytest.mark.parametrize("line", FORMS)
def test_a_page_number_line_is_dropped_by_both(line):
    assert remove_page_numbers(f"前文。\n{line}\n後文。") == ("前文。\n後文。", len(line) + 1)
    pages = [f"第{i}頁的內文。\n{line}" for i in range(1, 3)]  # two pages: no running-line detection
    assert clean_pages(pages) == "第1頁的內文。\n第2頁的內文。"


@pytest.mark.parametrize("line", NOT_FORMS)
def test_other_short_lines_are_kept_by_both(line):
    text = f"前文。\n{line}\n後文。"
    assert remove_page_numbers(text) == (text, 0)
    assert clean_pages([f"內文。\n{line}"]) == f"內文。\n{line}"


def test_normalize_allows_only_spaces_and_tabs_inside_a_line():
    broken = "前文。\n第\n3 頁\n後文。"  # not 第 3 頁: a newline never joins a form's parts
    assert remove_page_numbers(broken) == (broken, 0)
    assert remove_page_numbers("前文。\n\u3000 12 \t\n後文。") == ("前文。\n後文。", 7)
