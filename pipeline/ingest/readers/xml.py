"""XML exports (e.g. the Executive Yuan gazette 行政院公報): one document per record element.

The manifest's ``xml:`` block says where the documents are: ``record_path`` is an
ElementPath from the root element (``record``, ``.//Record``, ``channel/item``); each
match is one document, and its 1-based position is the record's ``line``. The text is
the ``text_fields`` (ElementPaths from the record; every match counts) joined with a blank
line; those also in ``html_fields`` hold HTML, usually in CDATA, and become text through
``markup.html_to_text``. ``title_field``, ``url_field`` and ``date_field`` fill the
columns (a plain date becomes ISO 8601). The record's attributes (as ``@name``) and its
other leaf children with short text go to ``meta`` (a repeated child becomes a list).
Namespaces are dropped from element names, so ``Record`` matches ``{urn:x}Record``.

Parsing is defused (``defusedxml``): a DTD is refused before anything in it is read, so
entity expansion (billion laughs) and external entities (XXE: local files, URLs) cannot
happen; such files are rejected as ``hostile-xml``, as are elements nested deeper than
``MAX_DEPTH`` (a parser bomb, not an export). A file that is not well-formed is rejected
whole as ``malformed-file`` with the line and column expat gives.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from xml.parsers.expat import ErrorString

from defusedxml.common import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser

from pipeline.ingest.readers.base import Problem, Record, is_blank, reader, whole_text
from pipeline.ingest.readers.markup import collapse, html_to_text, written_date

MAX_DEPTH = 256  # elements nested deeper than this are refused
META_MAX_CHARS = 200  # a leaf child with longer text is not a "simple field" for meta


@dataclass(frozen=True)
class XmlOptions:
    """Where the documents are in an XML export (e.g. the Executive Yuan gazette)."""

    record_path: str = "record"  # ElementPath of one document's element, e.g. ".//Record" or "channel/item"
    text_fields: tuple[str, ...] = ("text",)  # child elements whose text is joined into the document
    html_fields: tuple[str, ...] = ()  # those among text_fields that hold HTML (often in CDATA)
    title_field: str | None = "title"
    url_field: str | None = "url"
    date_field: str | None = "date"


class _WithXml(Protocol):  # the Manifest, as far as this reader reads it
    @property
    def xml(self) -> XmlOptions: ...


class _TooDeep(Exception):
    pass


class _Builder:
    """ElementTree's C tree builder, counting depth and dropping namespaces from names."""

    def __init__(self) -> None:
        self._builder = ET.TreeBuilder()
        self._depth = 0

    def start(self, tag: str, attrib: dict[str, str]) -> ET.Element:
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _TooDeep
        return self._builder.start(_local(tag), attrib)

    def end(self, tag: str) -> ET.Element:
        self._depth -= 1
        return self._builder.end(_local(tag))

    def data(self, data: str) -> None:
        self._builder.data(data)

    def close(self) -> ET.Element:
        return self._builder.close()


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[1] if tag.startswith("{") else tag


def parse_xml(text: str) -> ET.Element | Problem:
    """The root element of a document, or the Problem that keeps it from being read."""
    parser = DefusedXMLParser(target=_Builder(), forbid_dtd=True, forbid_entities=True, forbid_external=True)
    try:
        parser.feed(text)
        return parser.close()
    except DTDForbidden as exc:
        where = f" SYSTEM {exc.sysid!r}" if exc.sysid else ""
        return Problem(
            "hostile-xml",
            f"refused the DTD <!DOCTYPE {exc.name}{where}>: DTDs can declare entities "
            "that expand without bound or read local files, so none is read",
        )
    except EntitiesForbidden as exc:
        return Problem("hostile-xml", f"refused the entity declaration '{exc.name}'")
    except ExternalReferenceForbidden as exc:
        return Problem("hostile-xml", f"refused an external reference to {exc.sysid or exc.pubid!r}")
    except _TooDeep:
        return Problem("hostile-xml", f"refused: elements nested more than {MAX_DEPTH} levels deep")
    except ET.ParseError as exc:
        line, column = exc.position
        return Problem(
            "malformed-file", f"not well-formed XML (line {line}, column {column + 1}): {ErrorString(exc.code)}"
        )
    except RecursionError:
        return Problem("hostile-xml", "refused: nesting too deep to parse")
    except Exception as exc:  # noqa: BLE001 - a reader never raises for bad content
        return Problem("malformed-file", f"cannot parse the XML ({type(exc).__name__}: {exc})"[:300])


@reader("xml", "XML records (HTML inside turned into text)", extensions=(".xml",))
def read_xml(path: Path, manifest: _WithXml) -> Iterator[Record | Problem]:
    options = manifest.xml
    raw = whole_text(path)
    if isinstance(raw, Problem):
        yield raw
        return
    root = parse_xml(raw)
    if isinstance(root, Problem):
        yield root
        return
    try:
        records = root.findall(options.record_path)
    except Exception as exc:  # noqa: BLE001 - ElementPath raises SyntaxError, TypeError, KeyError…
        yield Problem(
            "manifest",
            f"xml.record_path {options.record_path!r} is not a valid ElementPath ({type(exc).__name__}: {exc})",
        )
        return
    if not records:
        yield Problem("empty", f"no <{options.record_path}> elements under the root <{root.tag}> (xml.record_path)")
        return
    html_fields = set(options.html_fields)
    used = {*options.text_fields, *html_fields, options.title_field, options.url_field, options.date_field}
    for number, record in enumerate(records, start=1):
        try:
            yield _record(record, number, options, html_fields, used)
        except (RecursionError, SyntaxError, KeyError, TypeError, ValueError) as exc:  # ValueError: unparsable HTML
            yield Problem(
                "malformed-record", f"record #{number}: cannot read its fields ({type(exc).__name__})", number
            )


def _record(record: ET.Element, number: int, options: Any, html_fields: set[str], used: set[Any]) -> Record | Problem:
    parts = []
    for name in options.text_fields:
        for element in record.findall(name):
            text = _element_text(element, name in html_fields)
            if not is_blank(text):
                parts.append(text)
    if not parts:
        fields = ", ".join(f"<{name}>" for name in options.text_fields)
        return Problem("empty", f"record #{number}: no text in {fields}", number)
    return Record(
        text="\n\n".join(parts),
        line=number,
        title=_field(record, options.title_field, html_fields, collapse_space=True),
        url=_field(record, options.url_field, html_fields),
        date=written_date(_field(record, options.date_field, html_fields)),
        meta=_meta(record, used),
    )


def _element_text(element: ET.Element, is_html: bool) -> str:
    if is_html:
        markup = (element.text or "") + "".join(ET.tostring(child, encoding="unicode") for child in element)
        return html_to_text(markup)[0]
    return "".join(element.itertext()).strip("\r\n\t ")


def _field(record: ET.Element, name: str | None, html_fields: set[str], collapse_space: bool = False) -> str | None:
    if not name:
        return None
    element = record.find(name)
    if element is None:
        return None
    text = _element_text(element, name in html_fields)
    text = collapse(text) if collapse_space else text.strip()
    return text or None


def _meta(record: ET.Element, used: set[Any]) -> dict[str, Any]:
    meta: dict[str, Any] = {f"@{_local(key)}": value for key, value in record.attrib.items()}
    for child in record:
        if len(child) or child.tag in used or not isinstance(child.tag, str):
            continue
        value = (child.text or "").strip()
        if not value or len(value) > META_MAX_CHARS:
            continue
        if child.tag not in meta:
            meta[child.tag] = value
        elif isinstance(meta[child.tag], list):
            meta[child.tag].append(value)
        else:
            meta[child.tag] = [meta[child.tag], value]
    return meta
