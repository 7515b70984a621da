"""A line that is only a page number, in the forms Taiwanese documents print.

"12", "- 12 -", "~ 12 ~", "3/10", "Page 3 of 10", "p. 3 / 10", "第 3 頁", "第 3 頁，共 10 頁",
"共 10 頁 第 3 頁". PDF reading drops such lines at page edges, normalize drops them
anywhere in a text; both build their pattern from these forms, each with the spaces it
allows inside a line.
"""

from __future__ import annotations

_N = r"\d{1,4}"
_DASH = "[-–—－~]"


def page_number_forms(space: str) -> str:
    """The forms as one regex alternation, unanchored; ``space`` is the regex class of one
    space allowed between their parts (``[ \\t]``; ``\\s`` only where no newline can occur)."""
    s = space
    return "|".join(
        (
            rf"{_DASH}?{s}*{_N}{s}*{_DASH}?",  # 12   - 12 -
            rf"第{s}*{_N}{s}*頁(?:{s}*[，,、/／]?{s}*共{s}*{_N}{s}*頁)?",  # 第 3 頁，共 10 頁
            rf"共{s}*{_N}{s}*頁{s}*[，,、]?{s}*第{s}*{_N}{s}*頁",  # 共 10 頁 第 3 頁
            rf"{_N}{s}*[/／]{s}*{_N}",  # 3/10
            rf"(?i:page|p\.){s}*{_N}(?:{s}*(?i:of|/){s}*{_N})?",  # Page 3 of 10
        )
    )
