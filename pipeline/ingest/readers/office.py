"""Word (DOCX) and OpenDocument (ODT) text documents: one document per file.

Both are zip archives of XML parts, read with ``zipfile`` and ``defusedxml`` (a part that
declares entities or a DTD is refused as ``hostile-xml``). The text is the body's
paragraphs, headings, list items and tables in reading order, one line each; a table
row is one line with its cells joined by `` | `` (tabs would be collapsed into spaces
by the normalize stage) and the paragraphs of a cell joined by a space. Empty
paragraphs and empty table rows are dropped.

DOCX: the main part named by ``_rels/.rels`` (else ``word/document.xml``); ``w:p`` and
``w:tbl`` children of ``w:body`` (and of content controls ``w:sdt``) in order; runs'
``w:t`` with ``w:tab`` as a tab and ``w:br``/``w:cr`` as a line break; deleted text
(``w:delText``, ``w:moveFrom``), ruby annotations (注音 over the base text, ``w:rt``)
and the fallback copy of drawings (``mc:Fallback``) are left out; text boxes become lines after their paragraph. Title ``dc:title`` of
``docProps/core.xml``, date ``dcterms:modified`` else ``dcterms:created``.

ODT: ``text:p``, ``text:h``, ``text:list`` and ``table:table`` children of
``office:text`` (and of ``text:section``) in order; ``text:s`` (spaces), ``text:tab``,
``text:line-break`` kept; footnotes, annotations, ruby text and image descriptions left
out; text boxes become lines
after their paragraph. Title ``dc:title``
of ``meta.xml``, date ``dc:date`` (last saved) else ``meta:creation-date``.

Dates are ISO (``YYYY-MM-DD``). Zip bombs are refused (``hostile-archive``): an XML part
larger than 64 MiB uncompressed or compressed more than 200 times (``zipsafe.MAX_RATIO``),
counted while decompressing, not only as declared.
"""

from __future__ import annotations

import datetime as _dt
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal, overload
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from pipeline.ingest import zipsafe
from pipeline.ingest.readers.base import Problem, Record, is_blank, reader, text_or_none

MAX_PART_BYTES = 64 * 1024 * 1024
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# Transitional and Strict OOXML spell the WordprocessingML namespace differently.
_W = (
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "http://purl.oclc.org/ooxml/wordprocessingml/main",
)
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_DC = "http://purl.org/dc/elements/1.1/"
_DCTERMS = "http://purl.org/dc/terms/"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_META = "urn:oasis:names:tc:opendocument:xmlns:meta:1.0"
_DRAW = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
_SVG = "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"

_CELL_SEP = " | "
_MAX_REPEAT = 100  # ODT's number-columns/rows-repeated, capped: a hostile file may say 10⁹


class _Refused(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason, self.detail = reason, detail


# --- public readers ------------------------------------------------------------------------


@reader("docx", "Word (DOCX)", extensions=(".docx",))
def read_docx(path: Path, manifest: object) -> Iterator[Record | Problem]:
    yield from _read(path, "DOCX", _docx)


@reader("odt", "OpenDocument text (ODT)", extensions=(".odt",))
def read_odt(path: Path, manifest: object) -> Iterator[Record | Problem]:
    yield from _read(path, "ODT", _odt)


def _read(
    path: Path, kind: str, extract: Callable[[zipfile.ZipFile], tuple[str, str | None, str | None]]
) -> Iterator[Record | Problem]:
    try:
        with _open_zip(path, kind) as zf:
            text, title, date = extract(zf)
    except _Refused as exc:
        yield Problem(exc.reason, exc.detail)
        return
    except RecursionError:
        yield Problem("malformed-file", f"the {kind} nests its XML too deeply to read")
        return
    if is_blank(text):
        yield Problem("empty", f"the {kind} holds no text")
        return
    yield Record(text=text, title=title, date=date)


# --- zip and XML, safely -------------------------------------------------------------------


def _open_zip(path: Path, kind: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        with path.open("rb") as f:
            head = f.read(8)
        if head == _OLE_MAGIC:
            raise _Refused(
                "malformed-file",
                f"not a {kind} but an OLE2 file: an old binary .doc or a "
                "password-protected document; save it unprotected as .docx/.odt",
            ) from None
        raise _Refused("malformed-file", f"not a {kind}: the file is not a zip archive") from None
    except (OSError, ValueError, EOFError, NotImplementedError, RuntimeError) as exc:  # truncated directory, …
        raise _Refused(
            "malformed-file", f"not a {kind}: unreadable zip archive ({type(exc).__name__}: {exc})"
        ) from None


def _read_part(zf: zipfile.ZipFile, name: str) -> bytes | None:
    """The bytes of a part, None when absent; refuses bombs while decompressing."""
    try:
        info = zf.getinfo(name)
    except KeyError:
        return None
    if info.flag_bits & 0x1:
        raise _Refused("malformed-file", f"{name} is encrypted")
    if info.file_size > MAX_PART_BYTES:
        raise _Refused(
            "hostile-archive", f"{name} declares {info.file_size:,} bytes uncompressed; the limit is {MAX_PART_BYTES:,}"
        )
    if zipsafe.too_compressed(info):
        raise _Refused(
            "hostile-archive",
            f"{name} is compressed {zipsafe.ratio(info):.0f} times; the limit is {zipsafe.MAX_RATIO} (a zip bomb?)",
        )
    try:
        return b"".join(zipsafe.inflate(zf, info, zipsafe.inflate_limit(info, MAX_PART_BYTES)))
    except zipsafe.Inflated as exc:
        raise _Refused("hostile-archive", f"{name} inflates past {exc.limit:,} bytes (a zip bomb?)") from None
    except zipsafe.INFLATE_ERRORS as exc:
        raise _Refused("malformed-file", f"{name} cannot be decompressed ({exc})") from None


@overload
def _parse(zf: zipfile.ZipFile, name: str, kind: str, required: Literal[True]) -> Element: ...
@overload
def _parse(zf: zipfile.ZipFile, name: str, kind: str, required: bool) -> Element | None: ...
def _parse(zf: zipfile.ZipFile, name: str, kind: str, required: bool) -> Element | None:
    data = _read_part(zf, name)
    if data is None:
        if required:
            raise _Refused("malformed-file", f"not a {kind}: the archive has no {name}")
        return None
    try:
        return SafeET.fromstring(data)
    except DefusedXmlException as exc:
        raise _Refused(
            "hostile-xml", f"{name} declares entities or a DTD, which are refused ({type(exc).__name__})"
        ) from None
    except (ParseError, ValueError, LookupError) as exc:  # also: an encoding expat cannot read
        if not required:
            return None  # broken metadata loses the title, not the document
        raise _Refused("malformed-file", f"{name} is not well-formed XML ({exc})") from None


def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


def _iso_date(value: str | None) -> str | None:
    value = text_or_none(value)
    if not value:
        return None
    match = re.match(r"(\d{4})-(\d{2})-(\d{2})", value)
    if not match:
        return None
    try:
        return _dt.date(*map(int, match.groups())).isoformat()
    except ValueError:
        return None


def _join_lines(lines: list[str]) -> str:
    return "\n".join(line for line in (raw.strip() for raw in lines) if line)


def _table_line(cells: list[str]) -> str:
    while cells and not cells[-1]:
        cells.pop()
    return _CELL_SEP.join(cells) if any(cells) else ""


# --- DOCX ----------------------------------------------------------------------------------


def _w(name: str) -> set[str]:
    return {_q(ns, name) for ns in _W}


_W_P, _W_TBL, _W_TR, _W_TC, _W_T = _w("p"), _w("tbl"), _w("tr"), _w("tc"), _w("t")
_W_BODY, _W_SDT, _W_SDT_CONTENT, _W_CUSTOM_XML = _w("body"), _w("sdt"), _w("sdtContent"), _w("customXml")
_W_TAB, _W_BREAK, _W_NB_HYPHEN = _w("tab"), _w("br") | _w("cr"), _w("noBreakHyphen")
_W_TXBX = _w("txbxContent")
_W_SKIP = (
    _w("delText")
    | _w("moveFrom")
    | _w("del")
    | _w("instrText")
    | _w("pPr")
    | _w("rPr")
    | _w("rt")
    | {_q(_MC, "Fallback")}
)


def _docx(zf: zipfile.ZipFile) -> tuple[str, str | None, str | None]:
    main, core = _docx_parts(zf)
    root = _parse(zf, main, "DOCX", required=True)
    body = next((child for child in root if child.tag in _W_BODY), None)
    if body is None:
        raise _Refused("malformed-file", f"not a DOCX: {main} has no w:body")
    lines: list[str] = []
    _docx_blocks(body, lines)
    title = date = None
    props = _parse(zf, core, "DOCX", required=False)
    if props is not None:
        title = text_or_none(props.findtext(_q(_DC, "title")))
        date = _iso_date(props.findtext(_q(_DCTERMS, "modified"))) or _iso_date(props.findtext(_q(_DCTERMS, "created")))
    return _join_lines(lines), title, date


def _docx_parts(zf: zipfile.ZipFile) -> tuple[str, str]:
    """The main document and core-properties parts as the package relationships name them."""
    main, core = "word/document.xml", "docProps/core.xml"
    rels = _parse(zf, "_rels/.rels", "DOCX", required=False)
    if rels is not None:
        for rel in rels.iter(_q(_PKG_REL, "Relationship")):
            kind, target = rel.get("Type", ""), rel.get("Target", "")
            if not target or rel.get("TargetMode") == "External":
                continue
            target = posixpath.normpath(target.lstrip("/"))
            if kind.endswith("/officeDocument"):
                main = target
            elif kind.endswith("/core-properties"):
                core = target
    return main, core


def _docx_blocks(parent: Element, lines: list[str]) -> None:
    for child in parent:
        if child.tag in _W_P:
            extra: list[str] = []
            lines.append(_docx_paragraph(child, extra))
            lines.extend(extra)
        elif child.tag in _W_TBL:
            lines.extend(_docx_table(child))
        elif child.tag in _W_SDT or child.tag in _W_SDT_CONTENT or child.tag in _W_CUSTOM_XML:
            _docx_blocks(child, lines)
        elif child.tag == _q(_MC, "AlternateContent"):  # read the choice; the fallback repeats it
            choices = [c for c in child if c.tag == _q(_MC, "Choice")] or [
                c for c in child if c.tag == _q(_MC, "Fallback")
            ]
            if choices:
                _docx_blocks(choices[0], lines)


def _docx_paragraph(p: Element, extra: list[str]) -> str:
    parts: list[str] = []

    def walk(elem: Element) -> None:
        for child in elem:
            tag = child.tag
            if tag in _W_SKIP:
                continue
            if tag in _W_T:
                parts.append(child.text or "")
            elif tag in _W_TAB:
                parts.append("\t")
            elif tag in _W_BREAK:
                parts.append("\n")
            elif tag in _W_NB_HYPHEN:
                parts.append("-")
            elif tag in _W_TXBX:
                _docx_blocks(child, extra)  # a text box: its own lines, after the paragraph
            else:
                walk(child)  # runs, hyperlinks, fields, smart tags, drawings' Choice

    walk(p)
    return "".join(parts)


def _docx_table(tbl: Element) -> list[str]:
    lines = []
    for row in _docx_children(tbl, _W_TR):
        cells = []
        for cell in _docx_children(row, _W_TC):
            inner: list[str] = []
            _docx_blocks(cell, inner)
            cells.append(" ".join(" ".join(line.split()) for line in inner if line.strip()))
        lines.append(_table_line(cells))
    return lines


def _docx_children(parent: Element, tags: set[str]) -> Iterator[Element]:
    """Rows of a table or cells of a row, looking through content controls around them."""
    for child in parent:
        if child.tag in tags:
            yield child
        elif child.tag in _W_SDT or child.tag in _W_SDT_CONTENT or child.tag in _W_CUSTOM_XML:
            yield from _docx_children(child, tags)


# --- ODT -----------------------------------------------------------------------------------

_T_P, _T_H, _T_LIST, _T_SECTION = _q(_TEXT, "p"), _q(_TEXT, "h"), _q(_TEXT, "list"), _q(_TEXT, "section")
_T_LIST_ITEM, _T_LIST_HEADER = _q(_TEXT, "list-item"), _q(_TEXT, "list-header")
_T_S, _T_TAB, _T_BREAK, _T_C = _q(_TEXT, "s"), _q(_TEXT, "tab"), _q(_TEXT, "line-break"), _q(_TEXT, "c")
_T_SKIP = {
    _q(_TEXT, "note"),
    _q(_OFFICE, "annotation"),
    _q(_OFFICE, "annotation-end"),
    _q(_TEXT, "tracked-changes"),
    _q(_TEXT, "ruby-text"),
    _q(_SVG, "title"),
    _q(_SVG, "desc"),
}
_D_TEXT_BOX = _q(_DRAW, "text-box")
_TB_TABLE, _TB_ROW, _TB_CELL = _q(_TABLE, "table"), _q(_TABLE, "table-row"), _q(_TABLE, "table-cell")
_TB_ROW_GROUPS = {_q(_TABLE, name) for name in ("table-header-rows", "table-rows", "table-row-group")}
_TB_COLS_REPEATED, _TB_ROWS_REPEATED = _q(_TABLE, "number-columns-repeated"), _q(_TABLE, "number-rows-repeated")


def _odt(zf: zipfile.ZipFile) -> tuple[str, str | None, str | None]:
    root = _parse(zf, "content.xml", "ODT", required=True)
    body = root.find(f"{_q(_OFFICE, 'body')}/{_q(_OFFICE, 'text')}")
    if body is None:
        raise _Refused("malformed-file", "not an ODT text document: content.xml has no office:text")
    lines: list[str] = []
    _odt_blocks(body, lines)
    title = date = None
    meta = _parse(zf, "meta.xml", "ODT", required=False)
    if meta is not None:
        info = meta.find(_q(_OFFICE, "meta"))
        if info is not None:
            title = text_or_none(info.findtext(_q(_DC, "title")))
            date = _iso_date(info.findtext(_q(_DC, "date"))) or _iso_date(info.findtext(_q(_META, "creation-date")))
    return _join_lines(lines), title, date


def _odt_blocks(parent: Element, lines: list[str]) -> None:
    for child in parent:
        tag = child.tag
        if tag in (_T_P, _T_H):
            extra: list[str] = []
            lines.append(_odt_inline(child, extra))
            lines.extend(extra)
        elif tag == _T_LIST:
            for item in child:
                if item.tag in (_T_LIST_ITEM, _T_LIST_HEADER):
                    _odt_blocks(item, lines)
        elif tag == _TB_TABLE:
            lines.extend(_odt_table(child))
        elif tag in (_T_SECTION, _q(_TEXT, "numbered-paragraph")):
            _odt_blocks(child, lines)
        elif tag == _q(_DRAW, "frame"):  # a page-anchored frame: its text box is content
            for box in child:
                if box.tag == _D_TEXT_BOX:
                    _odt_blocks(box, lines)


def _odt_inline(elem: Element, extra: list[str]) -> str:
    parts: list[str] = [elem.text or ""]

    def walk(node: Element) -> None:
        for child in node:
            tag = child.tag
            if tag == _T_S:
                parts.append(" " * min(_count(child, _T_C), _MAX_REPEAT))
            elif tag == _T_TAB:
                parts.append("\t")
            elif tag == _T_BREAK:
                parts.append("\n")
            elif tag == _D_TEXT_BOX:
                _odt_blocks(child, extra)  # a text box: its own lines, after the paragraph
            elif tag not in _T_SKIP:
                parts.append(child.text or "")
                walk(child)  # spans, links, frames, …
            parts.append(child.tail or "")

    walk(elem)
    return "".join(parts)


def _odt_table(table: Element) -> list[str]:
    lines = []
    for row in _odt_rows(table):
        cells: list[str] = []
        for cell in row:
            if cell.tag != _TB_CELL:
                continue  # covered (merged) cells repeat nothing
            inner: list[str] = []
            _odt_blocks(cell, inner)
            text = " ".join(" ".join(line.split()) for line in inner if line.strip())
            # A repeated cell or row holding text is kept once: repeats multiply through nested
            # tables (471 bytes of ODT could expand to a billion characters).
            cells.extend([text] if text else [text] * min(_count(cell, _TB_COLS_REPEATED), _MAX_REPEAT))
        line = _table_line(cells)
        if line:
            lines.append(line)
    return lines


def _odt_rows(parent: Element) -> Iterator[Element]:
    for child in parent:
        if child.tag == _TB_ROW:
            yield child
        elif child.tag in _TB_ROW_GROUPS:
            yield from _odt_rows(child)


def _count(elem: Element, attr: str) -> int:
    try:
        return max(int(elem.get(attr, "1")), 1)
    except ValueError:
        return 1
