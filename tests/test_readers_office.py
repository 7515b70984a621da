"""Readers for DOCX, ODT, PDF and ZIP (pipeline.ingest.readers.office/pdf/archive)."""

from __future__ import annotations

import io
import logging
import time
import zipfile
from pathlib import Path

from pipeline.ingest.manifest import Manifest
from pipeline.ingest.readers import archive
from pipeline.ingest.readers.archive import read_zip
from pipeline.ingest.readers.base import READERS, Problem, Record
from pipeline.ingest.readers.office import read_docx, read_odt
from pipeline.ingest.readers.pdf import clean_pages, read_pdf

MANIFEST = Manifest(id="s", title="t", publisher="p", license="CC0-1.0", url="https://x")


def read(reader, path: Path) -> list[Record | Problem]:
    return list(reader(path, MANIFEST))


def reasons(items) -> list[str]:
    return [item.reason for item in items if isinstance(item, Problem)]


def records(items) -> list[Record]:
    return [item for item in items if isinstance(item, Record)]


def make_zip(path: Path, members: dict[str, bytes | str], compression=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


# --- DOCX ----------------------------------------------------------------------------------

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
CORE = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<dc:title>行政院公報 第30卷</dc:title>"
    '<dcterms:created xsi:type="dcterms:W3CDTF">2023-12-01T08:00:00Z</dcterms:created>'
    '<dcterms:modified xsi:type="dcterms:W3CDTF">2024-01-02T03:04:05Z</dcterms:modified>'
    "</cp:coreProperties>"
)


def cell(text: str) -> str:
    return f"<w:tc><w:tcPr/><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>"


def docx_body(body: str) -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {W}><w:body>{body}'
        "<w:sectPr/></w:body></w:document>"
    )


DOCX_BODY = docx_body(
    '<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>'
    '<w:r><w:t>第一段</w:t></w:r><w:r><w:t xml:space="preserve">文字，</w:t></w:r>'
    "<w:del><w:r><w:delText>刪除的字</w:delText></w:r></w:del>"
    "<w:hyperlink><w:r><w:t>含連結</w:t></w:r></w:hyperlink><w:r><w:t>。</w:t></w:r></w:p>"
    '<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>第一章 總則</w:t></w:r></w:p>'
    "<w:p/>"  # an empty paragraph is dropped
    f"<w:tbl><w:tblPr/><w:tr>{cell('名稱')}{cell('數量')}</w:tr><w:tr>{cell('蘋果')}{cell('3')}</w:tr></w:tbl>"
    "<w:p><w:r><w:t>第二段</w:t><w:tab/><w:t>文字。</w:t><w:br/><w:t>下一行</w:t></w:r></w:p>"
)
DOCX_TEXT = "第一段文字，含連結。\n第一章 總則\n名稱 | 數量\n蘋果 | 3\n第二段\t文字。\n下一行"


def make_docx(path: Path, body: str = DOCX_BODY, core: str | None = CORE, **extra: bytes | str) -> Path:
    members = {"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": body}
    if core is not None:
        members["docProps/core.xml"] = core
    return make_zip(path, {**members, **extra})


def test_docx_paragraphs_heading_and_table_in_reading_order(tmp_path):
    items = read(read_docx, make_docx(tmp_path / "a.docx"))
    assert items == [Record(text=DOCX_TEXT, title="行政院公報 第30卷", date="2024-01-02")]


def test_docx_created_date_when_not_modified_and_no_core_properties(tmp_path):
    created_only = CORE.replace("<dcterms:modified", "<x:m xmlns:x='urn:x'").replace("</dcterms:modified>", "</x:m>")
    [record] = read(read_docx, make_docx(tmp_path / "a.docx", core=created_only))
    assert record.date == "2023-12-01"
    [record] = read(read_docx, make_docx(tmp_path / "b.docx", core=None))
    assert (record.text, record.title, record.date) == (DOCX_TEXT, None, None)


def test_docx_main_part_named_by_relationships(tmp_path):
    rels = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="r1" Target="/word/main.xml" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/officeDocument"/></Relationships>'
    )
    path = make_zip(tmp_path / "a.docx", {"_rels/.rels": rels, "word/main.xml": DOCX_BODY})
    assert records(read(read_docx, path))[0].text == DOCX_TEXT


def test_docx_text_box_fallback_not_duplicated(tmp_path):
    mc = 'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
    box = "<w:txbxContent><w:p><w:r><w:t>框內文字</w:t></w:r></w:p></w:txbxContent>"
    body = docx_body(
        f"<w:p><w:r><w:t>本文</w:t></w:r><w:r><mc:AlternateContent {mc}><mc:Choice>{box}</mc:Choice>"
        f"<mc:Fallback>{box}</mc:Fallback></mc:AlternateContent></w:r><w:r><w:t>續</w:t></w:r></w:p>"
    )
    assert records(read(read_docx, make_docx(tmp_path / "a.docx", body)))[0].text == "本文續\n框內文字"


def test_docx_ruby_annotation_left_out(tmp_path):
    body = docx_body(
        "<w:p><w:r><w:ruby><w:rubyPr/><w:rt><w:r><w:t>ㄓㄨㄥ</w:t></w:r></w:rt><w:rubyBase><w:r>"
        "<w:t>中</w:t></w:r></w:rubyBase></w:ruby></w:r><w:r><w:t>文</w:t></w:r></w:p>"
    )
    assert records(read(read_docx, make_docx(tmp_path / "a.docx", body)))[0].text == "中文"


def test_docx_not_a_zip_or_without_document(tmp_path):
    garbage = tmp_path / "a.docx"
    garbage.write_bytes(b"this is not a zip file")
    ole = tmp_path / "old.docx"
    ole.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    missing = make_zip(tmp_path / "b.docx", {"[Content_Types].xml": CONTENT_TYPES})
    for path in (garbage, ole, missing):
        [problem] = read(read_docx, path)
        assert problem.reason == "malformed-file", problem
    assert "OLE2" in read(read_docx, ole)[0].detail
    assert "word/document.xml" in read(read_docx, missing)[0].detail


def test_docx_broken_xml_and_empty(tmp_path):
    assert reasons(read(read_docx, make_docx(tmp_path / "a.docx", "<w:document"))) == ["malformed-file"]
    assert reasons(
        read(read_docx, make_docx(tmp_path / "b.docx", docx_body("<w:p/><w:p><w:r><w:t> </w:t></w:r></w:p>")))
    ) == ["empty"]


def test_docx_entities_refused(tmp_path):
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;">]>'
        f"<w:document {W}><w:body><w:p><w:r><w:t>&b;</w:t></w:r></w:p></w:body></w:document>"
    )
    [problem] = read(read_docx, make_docx(tmp_path / "a.docx", laughs))
    assert problem.reason == "hostile-xml"


def test_docx_zip_bomb_refused(tmp_path):
    bomb = docx_body("<w:p><w:r><w:t>x</w:t></w:r></w:p>" + " " * 3_000_000)  # compresses ~1000×
    [problem] = read(read_docx, make_docx(tmp_path / "a.docx", bomb))
    assert problem.reason == "hostile-archive" and "word/document.xml" in problem.detail


def test_docx_deep_nesting_does_not_crash(tmp_path):
    depth = 50_000
    body = docx_body(
        "<w:sdt><w:sdtContent>" * depth + "<w:p><w:r><w:t>x</w:t></w:r></w:p>" + "</w:sdtContent></w:sdt>" * depth
    )
    path = make_zip(tmp_path / "a.docx", {"word/document.xml": body}, zipfile.ZIP_STORED)  # deflated: a bomb
    [problem] = read(read_docx, path)
    assert problem.reason == "malformed-file" and "deeply" in problem.detail


# --- ODT -----------------------------------------------------------------------------------

ODT_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/"'
)


def odt_content(body: str) -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODT_NS} office:version="1.3">'
        f"<office:body><office:text>{body}</office:text></office:body></office:document-content>"
    )


def odt_cell(text: str, **attrs: str) -> str:
    extra = "".join(f' table:{k.replace("_", "-")}="{v}"' for k, v in attrs.items())
    return f"<table:table-cell{extra}><text:p>{text}</text:p></table:table-cell>"


ODT_BODY = odt_content(
    '<text:sequence-decls/><text:h text:outline-level="1">第一章 總則</text:h>'
    '<text:p>第一段<text:span text:style-name="T1">文字</text:span>，<text:s text:c="2"/>有空格'
    "<text:note><text:note-citation>1</text:note-citation><text:note-body><text:p>註腳</text:p>"
    "</text:note-body></text:note>。</text:p>"
    '<table:table table:name="T"><table:table-column table:number-columns-repeated="2"/>'
    f"<table:table-header-rows><table:table-row>{odt_cell('名稱')}{odt_cell('數量')}</table:table-row>"
    f"</table:table-header-rows><table:table-row>{odt_cell('蘋果')}{odt_cell('3')}</table:table-row></table:table>"
    "<text:list><text:list-item><text:p>項目一</text:p></text:list-item>"
    "<text:list-item><text:p>項目二<text:tab/>附註<text:line-break/>次行</text:p></text:list-item></text:list>"
    "<text:p/><text:p>第二段。</text:p>"
)
ODT_TEXT = "第一章 總則\n第一段文字，  有空格。\n名稱 | 數量\n蘋果 | 3\n項目一\n項目二\t附註\n次行\n第二段。"
ODT_META = (
    f'<?xml version="1.0" encoding="UTF-8"?><office:document-meta {ODT_NS}><office:meta>'
    "<dc:title>公報選輯</dc:title><meta:creation-date>2024-02-03T10:00:00</meta:creation-date>"
    "</office:meta></office:document-meta>"
)


def make_odt(path: Path, content: str = ODT_BODY, meta: str | None = ODT_META) -> Path:
    members = {"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": content}
    if meta is not None:
        members["meta.xml"] = meta
    return make_zip(path, members)


def test_odt_headings_paragraphs_table_and_lists_in_reading_order(tmp_path):
    items = read(read_odt, make_odt(tmp_path / "a.odt"))
    assert items == [Record(text=ODT_TEXT, title="公報選輯", date="2024-02-03")]


def test_odt_repeated_cells_are_kept_once_and_empty_ones_dropped(tmp_path):
    table = (
        f"<table:table><table:table-row>{odt_cell('甲', number_columns_repeated='2')}"
        f"<table:table-cell table:number-columns-repeated='1000000000'/></table:table-row>"
        f"<table:table-row table:number-rows-repeated='1000000000'>"
        f"<table:table-cell table:number-columns-repeated='1000'/></table:table-row></table:table>"
    )
    [record] = read(read_odt, make_odt(tmp_path / "a.odt", odt_content(table), meta=None))
    assert (record.text, record.title, record.date) == ("甲", None, None)


def test_odt_nested_repeats_do_not_multiply(tmp_path):
    inner = (
        f"<table:table><table:table-row table:number-rows-repeated='100'>"
        f"{odt_cell('字' * 10, number_columns_repeated='100')}</table:table-row></table:table>"
    )
    outer = (
        f"<table:table><table:table-row table:number-rows-repeated='100'>"
        f"<table:table-cell table:number-columns-repeated='100'>{inner}</table:table-cell>"
        f"</table:table-row></table:table>"
    )
    [record] = read(read_odt, make_odt(tmp_path / "a.odt", odt_content(outer), meta=None))
    assert record.text == "字" * 10


def test_odt_without_content_empty_and_entities(tmp_path):
    missing = make_zip(tmp_path / "a.odt", {"mimetype": "application/vnd.oasis.opendocument.text"})
    assert reasons(read(read_odt, missing)) == ["malformed-file"]
    assert reasons(read(read_odt, make_odt(tmp_path / "b.odt", odt_content("<text:p> </text:p>")))) == ["empty"]
    hostile = '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + odt_content("<text:p>&e;</text:p>")
    assert reasons(read(read_odt, make_odt(tmp_path / "c.odt", hostile))) == ["hostile-xml"]
    not_zip = tmp_path / "d.odt"
    not_zip.write_text("plain text", encoding="utf-8")
    assert reasons(read(read_odt, not_zip)) == ["malformed-file"]


# --- PDF -----------------------------------------------------------------------------------


def _pdf_string(text: str) -> str:
    return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def make_pdf(path: Path, pages: list[list[str]], title: str | None = None) -> Path:
    """A minimal PDF by hand: Helvetica, one text object per page, one line per Tj."""
    objects: list[str] = []
    page_ids = [3 + 2 * i for i in range(len(pages))]
    font_id = 3 + 2 * len(pages)
    info_id = font_id + 1
    objects.append("<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{' '.join(f'{i} 0 R' for i in page_ids)}] /Count {len(pages)} >>")
    for page_id, lines in zip(page_ids, pages):
        ops = " ".join(f"{_pdf_string(line)} Tj T*" for line in lines)
        stream = f"BT /F1 12 Tf 14 TL 72 740 Td {ops} ET"
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 {font_id} 0 R >> >> /Contents {page_id + 1} 0 R >>"
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
    objects.append("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    info = f"/Title {_pdf_string(title)} " if title else ""
    objects.append(f"<< {info}/ModDate (D:20240305060708+08'00') /CreationDate (D:20230101000000Z) >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {info_id} 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    path.write_bytes(bytes(out))
    return path


def test_pdf_running_headers_page_numbers_and_hyphenation_removed(tmp_path):
    pages = [
        ["Gazette page 1", "The information in this", "notice is public infor-", "mation for all", "- 1 -"],
        ["Gazette page 2", "readers of the gazette.", "Second paragraph.", "- 2 -"],
        ["Gazette page 3", "Third page text.", "- 3 -"],
    ]
    path = make_pdf(tmp_path / "a.pdf", pages, title="Executive Yuan Gazette")
    items = read(read_pdf, path)
    assert items == [
        Record(
            text="The information in this\nnotice is public information for all readers of the gazette.\n"
            "Second paragraph.\nThird page text.",
            title="Executive Yuan Gazette",
            date="2024-03-05",
        )
    ]


def test_pdf_two_pages_keep_a_first_line_that_repeats(tmp_path):
    # running lines are only recognised with 3+ pages
    path = make_pdf(tmp_path / "a.pdf", [["Notice", "One."], ["Notice", "Two."]])
    [record] = read(read_pdf, path)
    assert record.text == "Notice\nOne.\nNotice\nTwo." and record.title is None


def test_pdf_without_text_layer(tmp_path):
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    writer.add_blank_page(width=612, height=792)
    path = tmp_path / "scan.pdf"
    with path.open("wb") as f:
        writer.write(f)
    assert read(read_pdf, path) == [
        Problem("no-text-layer", "2 pages and no extractable text: a scanned PDF needs OCR first")
    ]


def test_pdf_garbage_truncated_and_encrypted_are_malformed_quietly(tmp_path, caplog, capsys):
    garbage = tmp_path / "a.pdf"
    garbage.write_bytes(b"\x00\x01garbage, not a PDF at all" * 10)
    good = make_pdf(tmp_path / "good.pdf", [["Hello world."]])
    truncated = tmp_path / "b.pdf"
    truncated.write_bytes(good.read_bytes()[:60])
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(good))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    locked = tmp_path / "c.pdf"
    with locked.open("wb") as f:
        writer.write(f)
    caplog.set_level(logging.DEBUG)
    for path in (garbage, truncated, locked):
        [problem] = read(read_pdf, path)
        assert problem.reason == "malformed-file", (path, problem)
        assert "\n" not in problem.detail
    assert "password" in read(read_pdf, locked)[0].detail
    shifted = tmp_path / "d.pdf"  # damaged but readable: pypdf would log three warnings
    shifted.write_bytes(b"\n\n\n\n" + good.read_bytes())
    assert records(read(read_pdf, shifted))[0].text == "Hello world."
    assert not [r for r in caplog.records if r.name.startswith("pypdf")]
    assert capsys.readouterr().err == ""


def test_pdf_owner_only_encryption_is_read(tmp_path):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(make_pdf(tmp_path / "a.pdf", [["Hello world."]])))
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    path = tmp_path / "b.pdf"
    with path.open("wb") as f:
        writer.write(f)
    assert records(read(read_pdf, path))[0].text == "Hello world."


LONG_A = "中華民國憲法第一條規定中華民國基於三民主義為民有民治"  # 26 Han: fills the line
LONG_B = "民享之民主共和國人民依法律有選舉罷免創制複決之權利並"


def test_clean_pages_joins_chinese_lines_broken_by_layout():
    page = ["第一章 總則", LONG_A, LONG_B, "受憲法之保障。", "第二條", "中華民國之主權屬於國民全體。"]
    assert clean_pages(["\n".join(page)]) == (
        f"第一章 總則\n{LONG_A}{LONG_B}受憲法之保障。\n第二條\n中華民國之主權屬於國民全體。"
    )


def test_clean_pages_never_joins_after_sentence_end_or_before_an_item():
    full_stop = LONG_A[:-1] + "。"
    colon = LONG_A[:-1] + "："
    assert clean_pages([f"{full_stop}\n{LONG_B}"]) == f"{full_stop}\n{LONG_B}"
    assert clean_pages([f"{colon}\n{LONG_B}"]) == f"{colon}\n{LONG_B}"
    assert clean_pages([f"{LONG_A}\n一、總則"]) == f"{LONG_A}\n一、總則"
    assert clean_pages([f"{LONG_A}\n第三條 本法所稱"]) == f"{LONG_A}\n第三條 本法所稱"
    assert clean_pages(["機關名稱\n聯絡電話"]) == "機關名稱\n聯絡電話"  # short lines are lines


def test_clean_pages_joins_a_paragraph_across_pages_and_drops_chinese_running_lines():
    pages = [
        f"行政院公報 第 30 卷第 {n} 期\n{body}\n第 {n} 頁，共 3 頁"
        for n, body in ((1, f"{LONG_A}\n{LONG_B}"), (2, "受憲法之保障。\n第二段開始。"), (3, "結語。"))
    ]
    assert clean_pages(pages) == f"{LONG_A}{LONG_B}受憲法之保障。\n第二段開始。\n結語。"


def test_clean_pages_hyphenation_rules():
    assert clean_pages(["infor-\nmation"]) == "information"
    assert clean_pages(["Taipei-\nBased"]) == "Taipei-\nBased"  # next line not lower-case
    assert clean_pages(["range 3-\n5 km"]) == "range 3-\n5 km"  # not a Latin word
    assert clean_pages(["the end of infor-", "mation here"]) == "the end of information here"


# --- ZIP -----------------------------------------------------------------------------------


def test_zip_members_read_by_their_format_with_member_names(tmp_path):
    path = make_zip(
        tmp_path / "a.zip",
        {
            "docs/": "",
            "docs/a.txt": "第一份文件",
            "b.md": "# 標題\n\n內文",
            "c.jsonl": '{"text": "一"}\n{"text": "二", "title": "T"}\n',
        },
    )
    items = read(read_zip, path)
    assert items == [
        Record(text="第一份文件", member="docs/a.txt"),
        Record(text="# 標題\n\n內文", title="標題", member="b.md"),
        Record(text="一", line=1, member="c.jsonl"),
        Record(text="二", line=2, title="T", member="c.jsonl"),
    ]


def test_zip_slip_and_symlinks_refused_and_the_rest_read(tmp_path):
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("../evil.txt", "evil")
        zf.writestr("/abs.txt", "abs")
        zf.writestr("a/../../up.txt", "up")
        link = zipfile.ZipInfo("link.txt")
        link.external_attr = 0o120777 << 16
        zf.writestr(link, "/etc/passwd")
        zf.writestr("ok.txt", "fine")
        zf.writestr("a/../inside.txt", "inside")
    items = read(read_zip, path)
    problems = [(p.reason, p.member) for p in items if isinstance(p, Problem)]
    assert problems == [
        ("hostile-archive", "../evil.txt"),
        ("hostile-archive", "/abs.txt"),
        ("hostile-archive", "a/../../up.txt"),
        ("hostile-archive", "link.txt"),
    ]
    assert items[0].detail == "../evil.txt: path escapes the archive"
    assert [(r.text, r.member) for r in records(items)] == [("fine", "ok.txt"), ("inside", "a/../inside.txt")]


def test_zip_bomb_refused_without_extracting(tmp_path, monkeypatch):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        with zf.open("zeros.txt", "w") as f:
            chunk = bytes(1024 * 1024)
            for _ in range(50):
                f.write(chunk)
        zf.writestr("ok.txt", "still read")
    extracted = []
    real_extract = archive._extract
    monkeypatch.setattr(
        archive, "_extract", lambda zf, info, *a: extracted.append(info.filename) or real_extract(zf, info, *a)
    )
    start = time.monotonic()
    items = read(read_zip, path)
    assert time.monotonic() - start < 1
    assert [(type(i).__name__, getattr(i, "reason", None), i.member) for i in items] == [
        ("Problem", "hostile-archive", "zeros.txt"),
        ("Record", None, "ok.txt"),
    ]
    assert "zip bomb" in items[0].detail and extracted == ["ok.txt"]


def test_zip_member_that_inflates_past_its_declared_size_is_stopped(tmp_path, monkeypatch):
    path = make_zip(tmp_path / "a.zip", {"zeros.txt": bytes(5 * 1024 * 1024)})
    monkeypatch.setattr(archive, "_refuse", lambda info, name: None)  # as if the sizes lied
    [problem] = read(read_zip, path)
    assert problem.reason == "hostile-archive" and "inflates past" in problem.detail


def test_zip_limits_on_member_count_and_total_size(tmp_path, monkeypatch):
    path = make_zip(tmp_path / "a.zip", {f"{i}.txt": f"文件{i}" for i in range(5)})
    monkeypatch.setattr(archive, "MAX_MEMBERS", 3)
    items = read(read_zip, path)
    assert [getattr(i, "reason", None) for i in items] == [None, None, None, "hostile-archive"]
    monkeypatch.setattr(archive, "MAX_MEMBERS", 10_000)
    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 16)
    items = read(read_zip, path)
    assert [getattr(i, "reason", None) for i in items] == [None, None, "hostile-archive"]
    assert "the rest is not read" in items[-1].detail


def test_zip_nested_archives_chain_member_names_up_to_depth_two(tmp_path):
    innermost = io.BytesIO()
    with zipfile.ZipFile(innermost, "w") as zf:
        zf.writestr("deep.txt", "too deep")
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("doc.txt", "內層文件")
        zf.writestr("../escape.txt", "x")
        zf.writestr("innermost.zip", innermost.getvalue())
    path = make_zip(tmp_path / "outer.zip", {"inner.zip": inner.getvalue(), "top.txt": "外層"})
    items = read(read_zip, path)
    assert [(getattr(i, "reason", None), i.member) for i in items] == [
        (None, "inner.zip!doc.txt"),
        ("hostile-archive", "inner.zip!../escape.txt"),
        ("hostile-archive", "inner.zip!innermost.zip"),
        (None, "top.txt"),
    ]


def test_zip_unknown_extension_not_a_zip_and_empty(tmp_path):
    items = read(read_zip, make_zip(tmp_path / "a.zip", {"image.png": b"\x89PNG", "README": "x", "a.txt": "文"}))
    assert [(getattr(i, "reason", None), i.member) for i in items] == [
        ("unsupported-format", "image.png"),
        ("unsupported-format", "README"),
        (None, "a.txt"),
    ]
    not_zip = tmp_path / "b.zip"
    not_zip.write_bytes(b"PK but not really")
    assert reasons(read(read_zip, not_zip)) == ["malformed-file"]
    assert reasons(read(read_zip, make_zip(tmp_path / "c.zip", {"dir/": ""}))) == ["empty"]


def test_zip_member_problems_carry_the_member(tmp_path):
    items = read(read_zip, make_zip(tmp_path / "a.zip", {"empty.txt": "", "bad.jsonl": "{oops\n"}))
    assert [(p.reason, p.member) for p in items] == [("empty", "empty.txt"), ("malformed-line", "bad.jsonl")]


def test_zip_member_reader_failure_does_not_lose_the_others(tmp_path, monkeypatch):
    def broken(path, manifest):
        raise ValueError("boom")
        yield

    monkeypatch.setattr(READERS.get("markdown"), "read", broken)
    items = read(read_zip, make_zip(tmp_path / "a.zip", {"a.md": "x", "b.txt": "y"}))
    assert [(getattr(i, "reason", None), i.member) for i in items] == [("reader-error", "a.md"), (None, "b.txt")]


def test_zip_holding_office_documents_and_pdf(tmp_path):
    docx = make_docx(tmp_path / "a.docx").read_bytes()
    pdf = make_pdf(tmp_path / "b.pdf", [["Hello world."]]).read_bytes()
    items = read(read_zip, make_zip(tmp_path / "a.zip", {"公報/a.docx": docx, "b.pdf": pdf}))
    assert [(i.text, i.member) for i in items] == [(DOCX_TEXT, "公報/a.docx"), ("Hello world.", "b.pdf")]


def test_pages_of_one_line_each_are_content_not_running_headers():
    from pipeline.ingest.readers.pdf import clean_pages

    pages = [f"第{i}號公告已發布" for i in range(1, 5)]  # same shape once digits are masked
    assert clean_pages(pages) == "\n".join(pages)


def test_docx_block_level_alternate_content_is_read_once(tmp_path):
    mc = "http://schemas.openxmlformats.org/markup-compatibility/2006"
    body = (
        f'<w:p><w:r><w:t>前文</w:t></w:r></w:p><mc:AlternateContent xmlns:mc="{mc}"><mc:Choice Requires="w14">'
        f"<w:p><w:r><w:t>選擇的段落</w:t></w:r></w:p></mc:Choice><mc:Fallback><w:p><w:r><w:t>選擇的段落</w:t>"
        f"</w:r></w:p></mc:Fallback></mc:AlternateContent>"
    )
    [record] = read(read_docx, make_docx(tmp_path / "a.docx", docx_body(body)))
    assert record.text == "前文\n選擇的段落"


def test_odt_numbered_paragraphs_and_page_anchored_frames(tmp_path):
    body = (
        "<text:numbered-paragraph><text:p>第一項</text:p></text:numbered-paragraph>"
        '<draw:frame xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"><draw:text-box>'
        "<text:p>框內文字</text:p></draw:text-box></draw:frame>"
    )
    [record] = read(read_odt, make_odt(tmp_path / "a.odt", odt_content(body), meta=None))
    assert record.text == "第一項\n框內文字"
