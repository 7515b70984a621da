"""The national law database's JSON (全國法規資料庫 open API): one document per law.

A file holds one law object, a list of them, or ``{"Laws": [...]}`` as in the full
export. The text is the law's name, its foreword, then chapter headings and articles in
order. title = ``LawName``, url = ``LawURL``, date = ``LawModifiedDate`` as ISO 8601;
the other scalar fields go to ``meta``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.ingest.readers.base import Problem, Record, reader, text_or_none, whole_text

_KEPT_AS_COLUMNS = {"LawName", "LawURL", "LawModifiedDate", "LawArticles", "LawForeword"}


# .json: the only JSON layout agencies send us so far
@reader("lawdb", "national law database JSON", extensions=(".json",))
def read_lawdb(path: Path, manifest: object) -> Iterator[Record | Problem]:
    raw = whole_text(path)
    if isinstance(raw, Problem):
        yield raw
        return
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        yield Problem("malformed-file", f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})")
        return
    if isinstance(data, dict) and "Laws" in data:
        laws, numbered = data["Laws"], True
    elif isinstance(data, list):
        laws, numbered = data, True
    else:
        laws, numbered = [data], False
    if not isinstance(laws, list):
        yield Problem("malformed-file", "'Laws' is not a list")
        return
    for position, law in enumerate(laws, start=1):
        line = position if numbered else None
        where = f"law #{position}: " if numbered else ""
        if not isinstance(law, dict) or not isinstance(law.get("LawName"), str):
            yield Problem("malformed-record", f"{where}not a law-database record (no LawName)", line)
            continue
        articles = law.get("LawArticles")
        if not isinstance(articles, list):
            yield Problem("malformed-record", f"{where}{law['LawName']}: no LawArticles list", line)
            continue
        text = law_text(law["LawName"], law.get("LawForeword"), articles)
        if text is None:
            yield Problem("empty", f"{where}{law['LawName']}: no article has text", line)
            continue
        meta = {
            k: v for k, v in law.items() if k not in _KEPT_AS_COLUMNS and isinstance(v, (str, int, float)) and v != ""
        }
        yield Record(
            text=text,
            line=line,
            title=law["LawName"].strip(),
            url=text_or_none(law.get("LawURL")),
            date=text_or_none(law.get("LawModifiedDate")),  # 19470101: ingest reads it
            meta=meta,
        )


def law_text(name: str, foreword: Any, articles: list[Any]) -> str | None:
    """Name, foreword, then each chapter heading (type C) and article (type A) in order."""
    body = []
    has_text = False
    for article in articles:
        if not isinstance(article, dict):
            continue
        content = str(article.get("ArticleContent") or "").strip()
        number = str(article.get("ArticleNo") or "").strip()
        has_text = has_text or bool(content)
        if article.get("ArticleType") == "A" and number:
            body.append(f"{number}\n{content}" if content else number)
        elif content:
            body.append(content)
    if not has_text:  # article numbers alone are not a law's text
        return None
    head = [name.strip()]
    if isinstance(foreword, str) and foreword.strip():
        head.append(foreword.strip())
    return "\n".join(head + body)
