"""PDF with a text layer: one document per file, read with pypdf.

The text is extracted page by page, then cleaned of what is layout rather than text:

* **Running headers and footers.** With 3 or more pages that have text, a page's first
  or last non-empty line is dropped when the same line, with every digit replaced by
  ``#`` and spaces collapsed, is the first or last line of at least half of those pages
  ("Gazette page 3", "行政院公報 第 30 卷第 12 期"). Repeated for up to three rounds,
  so two-line headers go too. A table header repeated at the top of every page goes
  as well, its first occurrence included.
* **Page numbers.** A first or last line of a page that is only a page number ("12",
  "- 12 -", "3/10", "Page 3 of 10", "第 3 頁，共 10 頁") is dropped, whatever the page count.
* **Hyphenation.** A line ending with a Latin letter and one hyphen, followed by a line
  starting with a lower-case Latin letter, is joined without the hyphen
  ("infor-" + "mation" → "information"), within a page and across a page break.
  Genuinely hyphenated compounds broken at the hyphen lose it ("well-" + "known" →
  "wellknown"); without a dictionary that cannot be told apart.
* **Chinese lines broken by the layout.** Within a page, a line ending with a Han
  character (or ，、；) is joined without a space to the next line when that one starts
  with a Han character, does not open a list item or heading (一、 第三條 附件 …), and
  the first line fills the text width: at least 20 columns (a Han character is two) and
  at least 80% of the page's typical long line (its upper-quartile width). Short lines
  (titles, headings, signatures) are kept as lines. Lines ending with 。！？：or any
  other punctuation are never joined.
* **Paragraphs broken at a page end.** The last line of a page and the first line of
  the next are joined by the same rules (hyphenation, Chinese, with the width taken on
  the first page), and Latin text ending with a letter or ``,`` / ``;`` followed by a
  lower-case letter is joined with a space; otherwise the pages are separated by a line
  break.

A PDF with pages but no extractable text is ``no-text-layer`` (scanned; OCR it first).
An encrypted PDF is opened with the empty password when its owner only restricted
printing or copying; otherwise it, like any PDF pypdf cannot open, is ``malformed-file``.
A page whose text cannot be extracted is one ``malformed-file`` problem with its page
number as ``line``; the other pages still make the document. Title and date come from
the document information (``/Title``; ``/ModDate`` else ``/CreationDate`` as ISO date).
pypdf's log messages and warnings about damaged files are silenced.
"""

from __future__ import annotations

import contextlib
import logging
import math
import re
import unicodedata
import warnings
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from pipeline.core.chars import HAN, STARTS_ITEM
from pipeline.core.page_numbers import page_number_forms
from pipeline.ingest.readers.base import Problem, Record, reader, text_or_none

MIN_PAGES_FOR_RUNNING_LINES = 3
RUNNING_SHARE = 0.5
MIN_JOIN_WIDTH = 20  # display columns; a Han character counts 2
FULL_LINE_SHARE = 0.8

_ENDS_OPEN_CJK = re.compile(rf"[{HAN}，、；]$")
_STARTS_HAN = re.compile(rf"^[{HAN}]")
_ENDS_HYPHEN = re.compile(r"[A-Za-z]-$")
_STARTS_LOWER = re.compile(r"^[a-z]")
_ENDS_LATIN_OPEN = re.compile(r"[A-Za-z,;]$")
_PAGE_NUMBER = re.compile("^(?:" + page_number_forms(r"\s") + ")$")  # a page's lines hold no newline


@reader("pdf", "PDF (its text layer)", extensions=(".pdf",))
def read_pdf(path: Path, manifest: object) -> Iterator[Record | Problem]:
    with _quiet():  # pypdf runs to the end here: the silencing never spans a yield
        items = list(_read(path))
    yield from items


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def _read(path: Path) -> Iterator[Record | Problem]:
    from pypdf import PdfReader  # the import costs ~0.1 s; only PDF sources pay it

    with path.open("rb") as f:
        try:
            reader = PdfReader(f, strict=False)
            if reader.is_encrypted and not reader.decrypt(""):
                yield Problem("malformed-file", "the PDF is encrypted with a password; decrypt it first")
                return
            count = len(reader.pages)
        except Exception as exc:  # pypdf raises many kinds on damaged files
            yield Problem("malformed-file", f"not a readable PDF ({_describe(exc)})")
            return
        if count == 0:
            yield Problem("empty", "the PDF has no pages")
            return
        if count > MAX_PAGES:
            yield Problem("too-large", f"{count:,} pages; the limit is {MAX_PAGES:,}")
            return
        pages: list[str] = []
        failures: list[Problem] = []
        extracted = 0
        for number in range(1, count + 1):
            if extracted > MAX_CHARS:  # pages sharing one content stream can multiply a small file
                yield Problem(
                    "too-large",
                    f"more than {MAX_CHARS:,} characters by page {number - 1}: not a document this pipeline reads",
                )
                return
            try:
                pages.append(reader.pages[number - 1].extract_text() or "")
                extracted += len(pages[-1])
            except Exception as exc:
                pages.append("")
                failures.append(
                    Problem(
                        "malformed-file", f"page {number}: text cannot be extracted ({_describe(exc)})", line=number
                    )
                )
        title, date = _metadata(reader)
    if len(failures) == count:
        yield Problem("malformed-file", f"no page's text can be extracted; {failures[0].detail}")
        return
    yield from failures
    text = clean_pages(pages)
    if not text:
        if failures:
            return
        if any(page.strip() for page in pages):
            yield Problem("empty", "the text layer holds only page numbers and running headers")
            return
        yield Problem(
            "no-text-layer",
            f"{count} page{'s' if count != 1 else ''} and no extractable text: a scanned PDF needs OCR first",
        )
        return
    yield Record(text=text, title=title, date=date)


MAX_PAGES = 5_000
MAX_CHARS = 20_000_000


def _describe(exc: BaseException) -> str:
    message = " ".join(str(exc).split())[:200]
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _metadata(reader: object) -> tuple[str | None, str | None]:
    try:
        info = reader.metadata  # type: ignore[attr-defined]
    except Exception:
        return None, None
    if not info:
        return None, None
    title = date = None
    with contextlib.suppress(Exception):
        title = text_or_none(str(info.title).replace("\x00", "")) if info.title else None
    for name in ("modification_date", "creation_date"):
        with contextlib.suppress(Exception):
            value = getattr(info, name)
            if value is not None:
                date = value.date().isoformat()
                break
    return title, date


# --- from page texts to one text -----------------------------------------------------------


def clean_pages(pages: list[str]) -> str:
    """The document's text from its pages' extracted texts, following the module's rules."""
    lines = [_trim_blank([line.strip() for line in page.splitlines()]) for page in pages]
    _drop_running_lines(lines)
    out: list[str] = []
    last_line, last_ref = "", 0.0  # the previous page's last physical line and its page's width
    for page in lines:
        if not page:
            continue
        ref = _reference_width(page)
        first = 0
        if out and out[-1] and _join_across_pages(last_line, page[0], last_ref):
            out[-1] = _join(out[-1], page[0])
            first = 1
        out.extend(_join_within_page(page, first, ref, out))
        last_line, last_ref = page[-1], ref
    text = "\n".join(out)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _trim_blank(page: list[str]) -> list[str]:
    start, end = 0, len(page)
    while start < end and not page[start]:
        start += 1
    while end > start and not page[end - 1]:
        end -= 1
    return page[start:end]


def _key(line: str) -> str:
    return re.sub(r"\d", "#", " ".join(line.split()))


def _drop_running_lines(pages: list[list[str]]) -> None:
    """Drops running headers/footers and page-number lines at the edges of pages, in place."""
    for _ in range(3):
        changed = False
        with_text = [page for page in pages if page]
        repeated: set[str] = set()
        if len(with_text) >= MIN_PAGES_FOR_RUNNING_LINES:
            counts = Counter(key for page in with_text for key in {_key(page[0]), _key(page[-1])})
            needed = math.ceil(RUNNING_SHARE * len(with_text))
            repeated = {key for key, n in counts.items() if n >= needed and n >= 2}
        for i, page in enumerate(pages):
            if not page:
                continue
            before = len(page)
            # A repeated line is a running header only beside other text: a page's only line is content.
            if (len(page) > 1 and _key(page[-1]) in repeated) or _PAGE_NUMBER.match(page[-1]):
                page = page[:-1]
            if page and ((len(page) > 1 and _key(page[0]) in repeated) or _PAGE_NUMBER.match(page[0])):
                page = page[1:]
            page = _trim_blank(page)
            changed = changed or len(page) != before
            pages[i] = page
        if not changed:
            return


def _width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def _reference_width(page: list[str]) -> float:
    widths = sorted((_width(line) for line in page if line), reverse=True)
    return float(widths[len(widths) // 4]) if widths else 0.0


def _fills_line(line: str, ref: float) -> bool:
    width = _width(line)
    return width >= MIN_JOIN_WIDTH and width >= FULL_LINE_SHARE * ref


def _han_break(prev: str, nxt: str, ref: float) -> bool:
    return bool(
        _ENDS_OPEN_CJK.search(prev) and _STARTS_HAN.match(nxt) and not STARTS_ITEM.match(nxt) and _fills_line(prev, ref)
    )


def _hyphen_break(prev: str, nxt: str) -> bool:
    return bool(_ENDS_HYPHEN.search(prev) and not prev.endswith("--") and _STARTS_LOWER.match(nxt))


def _join(prev: str, nxt: str) -> str:
    if _hyphen_break(prev, nxt):
        return prev[:-1] + nxt
    if _ENDS_OPEN_CJK.search(prev) or _STARTS_HAN.match(nxt):
        return prev + nxt
    return f"{prev} {nxt}"


def _join_within_page(page: list[str], first: int, ref: float, out: list[str]) -> list[str]:
    """The page's lines from ``first`` on, layout breaks joined; line ``first - 1`` (if any)
    was already joined onto ``out[-1]``, which then continues."""
    result: list[str] = []
    for i in range(first, len(page)):
        line, prev = page[i], page[i - 1] if i > 0 else ""
        target = result if result else (out if first else None)
        if target and target[-1] and prev and line and (_hyphen_break(prev, line) or _han_break(prev, line, ref)):
            target[-1] = _join(target[-1], line)  # the tests look at the physical line before
            continue
        result.append(line)
    return result


def _join_across_pages(prev: str, nxt: str, ref: float) -> bool:
    if not nxt:
        return False
    if _hyphen_break(prev, nxt) or _han_break(prev, nxt, ref):
        return True
    return bool(_ENDS_LATIN_OPEN.search(prev) and _STARTS_LOWER.match(nxt))
