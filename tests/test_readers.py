"""The per-format readers (pipeline.ingest.readers) and format selection."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest
from conftest import write
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.core.registry import Registry
from pipeline.ingest.encoding import HEAD_BYTES
from pipeline.ingest.formats import EXTENSIONS, FORMATS, LINE_FORMATS, format_for
from pipeline.ingest.manifest import CsvOptions, Manifest
from pipeline.ingest.readers import base
from pipeline.ingest.readers.base import READERS, Problem, Record
from pipeline.ingest.readers.csv import read_csv
from pipeline.ingest.readers.jsonl import read_jsonl
from pipeline.ingest.readers.lawdb import read_lawdb
from pipeline.ingest.readers.text import read_markdown, read_text

REPO = Path(__file__).resolve().parents[1]
CONSTITUTION = REPO / "data" / "raw" / "laws" / "A0000001.json"


def manifest(**csv_options) -> Manifest:
    options = {"text_column": "內容", "title_column": "標題", **csv_options}
    return Manifest(id="s", title="t", publisher="p", license="CC0-1.0", url="https://x", csv=CsvOptions(**options))


MANIFEST = manifest()


def read(reader, path: Path, m: Manifest = MANIFEST) -> list[Record | Problem]:
    return list(reader(path, m))


BINARY = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01\x02"
INVALID = b"abc\x80\xff\x81def"


# --- text ------------------------------------------------------------------------------


def test_text_one_record_with_the_exact_text(tmp_path):
    text = "  臺灣文學\r\n\n第二段。\n"
    path = write(tmp_path, "a.txt", text)
    assert read(read_text, path) == [Record(text=text)]


@pytest.mark.parametrize("data", [b"", b"   \n\t\r\n", "\u3000\n".encode("utf-8")])
def test_text_empty_or_whitespace_only(tmp_path, data):
    path = write(tmp_path, "a.txt", data)
    assert read(read_text, path) == [Problem("empty", "the file holds no text")]


def test_text_big5(tmp_path):
    text = "中華民國憲法\n第一條 主權屬於國民全體。\n"
    path = write(tmp_path, "a.txt", text, "cp950")
    assert read(read_text, path) == [Record(text=text)]


def test_text_utf8_bom_is_not_part_of_the_text(tmp_path):
    path = write(tmp_path, "a.txt", codecs.BOM_UTF8 + "公告\n".encode())
    assert read(read_text, path) == [Record(text="公告\n")]


def test_text_undecodable(tmp_path):
    path = write(tmp_path, "a.txt", INVALID)
    assert read(read_text, path) == [Problem("undecodable", "not UTF-8, UTF-16 or Big5 text (byte 0x80 at offset 3)")]


def test_text_binary(tmp_path):
    path = write(tmp_path, "a.txt", BINARY)
    assert read(read_text, path) == [Problem("undecodable", "binary file (NUL bytes), not text")]


@settings(max_examples=50, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")))
def test_text_roundtrip_property(tmp_path, text):
    # NUL bytes mark binary files and a leading U+FEFF is read as a UTF-8 BOM: both by design.
    if text.startswith("\ufeff"):
        text = "x" + text
    path = write(tmp_path, "prop.txt", text.encode("utf-8"))
    items = read(read_text, path)
    if text.strip():
        assert items == [Record(text=text)]
    else:
        assert items == [Problem("empty", "the file holds no text")]


# --- markdown --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("## 會議紀錄\n\n出席：甲、乙\n", "會議紀錄"),
        ("前言一段。\n\n# 標題 #\n## 第二個標題\n", "標題"),
        ("   ### 縮排標題   \n", "縮排標題"),
        ("# 標題\r\n內文\r\n", "標題"),
        ("沒有標題的文字。\n", None),
        ("#hashtag 不是標題\n", None),
        ("    # 縮排四格是程式碼\n", None),
    ],
)
def test_markdown_title_is_the_first_atx_heading(tmp_path, text, title):
    path = write(tmp_path, "a.md", text)
    assert read(read_markdown, path) == [Record(text=text, title=title)]


def test_markdown_empty(tmp_path):
    path = write(tmp_path, "a.md", "\n\n")
    assert read(read_markdown, path) == [Problem("empty", "the file holds no text")]


def test_markdown_empty_heading_does_not_take_the_next_line(tmp_path):
    path = write(tmp_path, "a.md", "#\n這是一段內文，不是標題。\n")
    [record] = read(read_markdown, path)
    assert record.title is None


def test_markdown_heading_ending_in_hash(tmp_path):
    path = write(tmp_path, "a.md", "## 使用 C#\n")
    [record] = read(read_markdown, path)
    assert record.title == "使用 C#"


# --- jsonl -----------------------------------------------------------------------------


def jsonl(*objects) -> str:
    return "".join((o if isinstance(o, str) else json.dumps(o, ensure_ascii=False)) + "\n" for o in objects)


def test_jsonl_columns_and_meta(tmp_path):
    obj = {
        "text": "  第一篇文章。\n第二段。",
        "title": " 標題 ",
        "url": "https://example.gov.tw/1",
        "date": "2024-01-02",
        "license": "CC-BY-4.0",
        "author": "某局",
        "tags": ["公告", "新聞"],
        "page": 3,
    }
    path = write(tmp_path, "a.jsonl", jsonl(obj))
    assert read(read_jsonl, path) == [
        Record(
            text="  第一篇文章。\n第二段。",
            line=1,
            title="標題",
            url="https://example.gov.tw/1",
            date="2024-01-02",
            license="CC-BY-4.0",
            meta={"author": "某局", "tags": ["公告", "新聞"], "page": 3},
        )
    ]


def test_jsonl_line_numbers_are_physical_lines_and_blank_lines_are_skipped(tmp_path):
    path = write(tmp_path, "a.jsonl", '\n{"text": "一"}\n   \n\n{"text": "二"}\r\n{"text": "三"}')
    assert read(read_jsonl, path) == [Record("一", line=2), Record("二", line=5), Record("三", line=6)]


def test_jsonl_bom_on_the_first_line(tmp_path):
    path = write(tmp_path, "a.jsonl", codecs.BOM_UTF8 + '{"text": "一"}\n'.encode())
    assert read(read_jsonl, path) == [Record("一", line=1)]


def test_jsonl_malformed_line(tmp_path):
    path = write(tmp_path, "a.jsonl", jsonl({"text": "一"}, '{"text": "a",, "x": 1}', {"text": "三"}))
    assert read(read_jsonl, path) == [
        Record("一", line=1),
        Problem(
            "malformed-line",
            "line 2: not valid JSON (Expecting property name enclosed in double quotes, column 14)",
            2,
            '{"text": "a",, "x": 1}\n',
        ),
        Record("三", line=3),
    ]


def test_jsonl_truncated_line_is_malformed(tmp_path):
    path = write(tmp_path, "a.jsonl", jsonl('{"text": "a"', {"text": "二"}))
    items = read(read_jsonl, path)
    assert [(i.reason, i.line, i.text) for i in items[:1]] == [("malformed-line", 1, '{"text": "a"\n')]
    assert items[0].detail.startswith("line 1: not valid JSON (Expecting ',' delimiter, column ")
    assert items[1:] == [Record("二", line=2)]


def test_jsonl_truncated_line_names_the_right_column(tmp_path):
    path = write(tmp_path, "a.jsonl", jsonl('{"text": "a"'))
    assert read(read_jsonl, path)[0].detail == "line 1: not valid JSON (Expecting ',' delimiter, column 13)"


@pytest.mark.parametrize(("line", "kind"), [("[1, 2]", "list"), ('"文字"', "str"), ("42", "int"), ("null", "NoneType")])
def test_jsonl_non_object_line(tmp_path, line, kind):
    path = write(tmp_path, "a.jsonl", jsonl({"text": "一"}, line))
    assert read(read_jsonl, path) == [
        Record("一", line=1),
        Problem("malformed-line", f"line 2: expected a JSON object, got {kind}", 2, line + "\n"),
    ]


def test_jsonl_missing_or_non_string_text(tmp_path):
    path = write(tmp_path, "a.jsonl", jsonl({"title": "無內文"}, {"text": 5}, {"text": ["a"]}, {"text": None}))
    assert read(read_jsonl, path) == [
        Problem("missing-text", "line 1: no 'text' field", 1, '{"title": "無內文"}\n'),
        Problem("missing-text", "line 2: 'text' is int, not a string", 2, '{"text": 5}\n'),
        Problem("missing-text", "line 3: 'text' is list, not a string", 3, '{"text": ["a"]}\n'),
        Problem("missing-text", "line 4: no 'text' field", 4, '{"text": null}\n'),
    ]


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_jsonl_empty_text(tmp_path, text):
    path = write(tmp_path, "a.jsonl", jsonl({"text": text}))
    assert read(read_jsonl, path) == [Problem("empty", "line 1: 'text' is empty", 1)]


def test_jsonl_invalid_byte_on_one_line_of_a_large_file(tmp_path):
    # The first line is longer than the detection head, so the file is decoded line by line.
    first = json.dumps({"text": "x" * HEAD_BYTES}).encode() + b"\n"
    second = '{"text": "二"}\n'.encode()
    path = write(tmp_path, "a.jsonl", first + second + b'{"text": "\xff"}\n' + '{"text": "四"}\n'.encode())
    offset = len(first) + len(second) + 10
    assert read(read_jsonl, path) == [
        Record("x" * HEAD_BYTES, line=1),
        Record("二", line=2),
        Problem("undecodable", f"line 3: byte 0xFF at file offset {offset} is not valid utf-8", 3),
        Record("四", line=4),
    ]


def test_jsonl_invalid_byte_on_one_line_of_a_small_file(tmp_path):
    data = jsonl({"text": "一"}, {"text": "二"}).encode() + b'{"text": "\xff"}\n' + jsonl({"text": "四"}).encode()
    path = write(tmp_path, "a.jsonl", data)
    items = read(read_jsonl, path)
    assert [(type(i).__name__, i.line) for i in items] == [("Record", 1), ("Record", 2), ("Problem", 3), ("Record", 4)]
    assert items[2].reason == "undecodable"


@pytest.mark.parametrize("data", [BINARY, INVALID], ids=["binary", "invalid"])
def test_jsonl_undecodable_file_is_a_problem_not_an_exception(tmp_path, data):
    path = write(tmp_path, "a.jsonl", data)
    items = read(read_jsonl, path)
    assert [i.reason for i in items] == ["undecodable"]


# --- csv -------------------------------------------------------------------------------


def test_csv_rows_columns_meta_and_line_numbers(tmp_path):
    data = (
        "標題,內容,分類\n"  # 1
        '甲," 第一行\n第二行",公告\n'  # 2-3: a quoted cell spanning two lines
        "\n"  # 4: blank, skipped
        "乙,乙的內容,\n"  # 5
        "丙,only\n"  # 6: too few fields
        "丁,  ,x\n"  # 7: empty text
        " 戊 ,戊的內容,新聞\n"  # 8
    )
    path = write(tmp_path, "a.csv", data)
    assert read(read_csv, path) == [
        Record(text=" 第一行\n第二行", line=2, title="甲", meta={"分類": "公告"}),
        Record(text="乙的內容", line=5, title="乙", meta={}),
        Problem("malformed-row", "line 6: 2 fields where the header has 3", 6, "丙,only"),
        Problem("empty", "line 7: column '內容' is empty", 7),
        Record(text="戊的內容", line=8, title="戊", meta={"分類": "新聞"}),
    ]


def test_csv_too_many_fields(tmp_path):
    path = write(tmp_path, "a.csv", "標題,內容\n甲,一,多出來\n乙,二\n")
    assert read(read_csv, path) == [
        Problem("malformed-row", "line 2: 3 fields where the header has 2", 2, "甲,一,多出來"),
        Record(text="二", line=3, title="乙"),
    ]


def test_csv_crlf_and_multiline_cell(tmp_path):
    path = write(tmp_path, "a.csv", '標題,內容\r\n甲,"一\r\n二"\r\n乙,三\r\n')
    assert read(read_csv, path) == [
        Record(text="一\r\n二", line=2, title="甲"),
        Record(text="三", line=4, title="乙"),
    ]


def test_csv_header_names_are_stripped_and_bom_removed(tmp_path):
    path = write(tmp_path, "a.csv", codecs.BOM_UTF8 + " 內容 , 標題 \n文字,題\n".encode())
    assert read(read_csv, path) == [Record(text="文字", line=2, title="題")]


def test_csv_all_mapped_columns_and_delimiter(tmp_path):
    m = manifest(url_column="網址", date_column="日期", license_column="授權", delimiter="\t")
    path = write(
        tmp_path, "a.tsv", "標題\t內容\t網址\t日期\t授權\t備註\n題\t文\t https://a.tw \t2024-05-01\tCC-BY-4.0\t 附註 \n"
    )
    assert read(read_csv, path, m) == [
        Record(
            text="文",
            line=2,
            title="題",
            url="https://a.tw",
            date="2024-05-01",
            license="CC-BY-4.0",
            meta={"備註": " 附註 "},
        )
    ]


def test_csv_missing_text_column(tmp_path):
    path = write(tmp_path, "a.csv", "title,body\na,b\nc,d\n")
    assert read(read_csv, path) == [
        Problem(
            "missing-column",
            "no column '內容' (the manifest's csv.text_column); the header has: title, body",
            1,
        )
    ]


def test_csv_big5(tmp_path):
    path = write(tmp_path, "a.csv", "標題,內容\n憲法,中華民國基於三民主義。\n", "cp950")
    assert read(read_csv, path) == [Record(text="中華民國基於三民主義。", line=2, title="憲法")]


def test_csv_unterminated_quote_at_the_end(tmp_path):
    path = write(tmp_path, "a.csv", '標題,內容\n甲,一\n乙,"沒有結束\n還在引號裡\n')
    assert read(read_csv, path) == [
        Record(text="一", line=2, title="甲"),
        Problem("malformed-row", "line 3: unexpected end of data (lines 3–4 rejected)", 3),
    ]


def test_csv_a_bad_row_does_not_lose_the_rows_after_it(tmp_path):
    path = write(tmp_path, "a.csv", 'text,title\n"第一列"x,a\n第三列正常內容,c\n')
    manifest = Manifest(id="s", title="t", publisher="p", license="CC0-1.0", url="https://x")
    assert read(read_csv, path, manifest) == [
        Problem("malformed-row", "line 2: ',' expected after '\"' (lines 2–2 rejected)", 2),
        Record(text="第三列正常內容", line=3, title=None, meta={"title": "c"}),
    ]


def test_jsonl_absurd_nesting_is_one_bad_line(tmp_path):
    path = write(tmp_path, "a.jsonl", "[" * 100_000 + "\n" + '{"text": "下一行"}\n')
    items = read(read_jsonl, path)
    assert [(type(i).__name__, i.line) for i in items] == [("Problem", 1), ("Record", 2)]
    assert items[0].detail == "line 1: not valid JSON (RecursionError)"


def test_csv_empty_file(tmp_path):
    path = write(tmp_path, "a.csv", b"")
    assert read(read_csv, path) == [Problem("empty", "the file holds no rows")]


def test_csv_header_only(tmp_path):
    path = write(tmp_path, "a.csv", "標題,內容\n")
    # a file that gives no document always leaves a reject
    assert read(read_csv, path) == [Problem("empty", "the file holds a header and no rows")]


def test_csv_unreadable_header(tmp_path):
    path = write(tmp_path, "a.csv", '標題,"內容\n')
    assert read(read_csv, path) == [
        Problem("malformed-file", "line 1: cannot read the CSV header (unexpected end of data)", 1)
    ]


def test_csv_undecodable_row_in_a_large_file(tmp_path):
    big = "x" * HEAD_BYTES
    head = f"標題,內容\n甲,{big}\n".encode()
    path = write(tmp_path, "a.csv", head + b"\xe4\xb9,\xff\n" + "丙,三\n".encode())
    items = read(read_csv, path)
    assert items[0] == Record(text=big, line=2, title="甲")
    assert items[1] == Problem("undecodable", f"line 3: byte 0xE4 at file offset {len(head)} is not valid utf-8", 3)
    assert items[2] == Record(text="三", line=4, title="丙")


@pytest.mark.parametrize("data", [BINARY, INVALID], ids=["binary", "invalid"])
def test_csv_undecodable_file_is_a_problem_not_an_exception(tmp_path, data):
    path = write(tmp_path, "a.csv", data)
    items = read(read_csv, path)
    assert [i.reason for i in items] == ["undecodable"]


# --- lawdb -----------------------------------------------------------------------------


def law(name: str = "測試法", **extra) -> dict:
    base = {
        "LawLevel": "法律",
        "LawName": name,
        "LawURL": "https://law.moj.gov.tw/LawClass/LawAll.aspx?pcode=X0000001",
        "LawCategory": "測試類",
        "LawModifiedDate": "20220615",
        "LawEffectiveDate": "",
        "LawAttachements": [],
        "LawHistories": "中華民國一百十一年六月十五日公布",
        "LawForeword": "  為測試而制定本法。 ",
        "LawArticles": [
            {"ArticleType": "C", "ArticleNo": "", "ArticleContent": "   第 一 章 總則"},
            {"ArticleType": "A", "ArticleNo": "第 1 條", "ArticleContent": "本法依憲法制定之。"},
            {"ArticleType": "A", "ArticleNo": "第 2 條", "ArticleContent": "  本法自公布日施行。\n"},
            {"ArticleType": "C", "ArticleNo": "", "ArticleContent": "第 二 章 附則"},
            {"ArticleType": "A", "ArticleNo": "第 3 條", "ArticleContent": "（刪除）"},
        ],
    }
    base.update(extra)
    return base


LAW_TEXT = (
    "測試法\n"
    "為測試而制定本法。\n"
    "第 一 章 總則\n"
    "第 1 條\n本法依憲法制定之。\n"
    "第 2 條\n本法自公布日施行。\n"
    "第 二 章 附則\n"
    "第 3 條\n（刪除）"
)
LAW_META = {"LawLevel": "法律", "LawCategory": "測試類", "LawHistories": "中華民國一百十一年六月十五日公布"}


def write_json(tmp_path, data, name="law.json") -> Path:
    return write(tmp_path, name, json.dumps(data, ensure_ascii=False, indent=2))


def test_lawdb_single_law(tmp_path):
    path = write_json(tmp_path, law())
    assert read(read_lawdb, path) == [
        Record(
            text=LAW_TEXT,
            line=None,
            title="測試法",
            url="https://law.moj.gov.tw/LawClass/LawAll.aspx?pcode=X0000001",
            date="20220615",  # as written: ingest reads it
            meta=LAW_META,
        )
    ]


def test_lawdb_laws_export_numbers_records(tmp_path):
    path = write_json(tmp_path, {"Laws": [law("甲法"), law("乙法", LawModifiedDate="2022-06-15")]})
    items = read(read_lawdb, path)
    assert [(i.line, i.title, i.date) for i in items] == [(1, "甲法", "20220615"), (2, "乙法", "2022-06-15")]
    assert items[0].text == LAW_TEXT.replace("測試法", "甲法", 1)
    assert items[1].text.startswith("乙法\n為測試而制定本法。\n")


def test_lawdb_list_of_laws(tmp_path):
    path = write_json(tmp_path, [law("甲法"), law("乙法")])
    assert [(i.line, i.title) for i in read(read_lawdb, path)] == [(1, "甲法"), (2, "乙法")]


def test_lawdb_record_without_law_name(tmp_path):
    nameless = law()
    del nameless["LawName"]
    path = write_json(tmp_path, {"Laws": [law("甲法"), nameless, "not a dict"]})
    items = read(read_lawdb, path)
    assert items[0].title == "甲法"
    assert items[1:] == [
        Problem("malformed-record", "law #2: not a law-database record (no LawName)", 2),
        Problem("malformed-record", "law #3: not a law-database record (no LawName)", 3),
    ]


def test_lawdb_single_record_without_law_name(tmp_path):
    path = write_json(tmp_path, {"Name": "x"})
    assert read(read_lawdb, path) == [Problem("malformed-record", "not a law-database record (no LawName)")]


def test_lawdb_record_without_articles(tmp_path):
    path = write_json(tmp_path, {"Laws": [law(LawArticles=None)]})
    assert read(read_lawdb, path) == [Problem("malformed-record", "law #1: 測試法: no LawArticles list", 1)]


def test_lawdb_no_article_text(tmp_path):
    path = write_json(tmp_path, law(LawArticles=[{"ArticleType": "C", "ArticleNo": "", "ArticleContent": "  "}]))
    assert read(read_lawdb, path) == [Problem("empty", "測試法: no article has text")]


def test_lawdb_articles_with_numbers_but_no_content_are_empty(tmp_path):
    articles = [{"ArticleType": "A", "ArticleNo": "第 1 條", "ArticleContent": ""}]
    path = write_json(tmp_path, law(LawArticles=articles))
    assert read(read_lawdb, path) == [Problem("empty", "測試法: no article has text")]


def test_lawdb_invalid_json(tmp_path):
    path = write(tmp_path, "law.json", '{"LawName": "測試法",')
    assert read(read_lawdb, path) == [
        Problem(
            "malformed-file", "not valid JSON (line 1, column 19: Expecting property name enclosed in double quotes)"
        )
    ]


def test_lawdb_laws_not_a_list(tmp_path):
    path = write_json(tmp_path, {"Laws": {"LawName": "x"}})
    assert read(read_lawdb, path) == [Problem("malformed-file", "'Laws' is not a list")]


def test_lawdb_empty_and_undecodable_files(tmp_path):
    assert read(read_lawdb, write(tmp_path, "e.json", " \n")) == [Problem("empty", "the file holds no text")]
    assert read(read_lawdb, write(tmp_path, "b.json", BINARY)) == [
        Problem("undecodable", "binary file (NUL bytes), not text")
    ]


def test_lawdb_shipped_constitution():
    [record] = read(read_lawdb, CONSTITUTION)
    assert isinstance(record, Record)
    assert record.title == "中華民國憲法"
    assert record.line is None
    assert record.date == "19470101"
    assert record.url == "https://law.moj.gov.tw/LawClass/LawAll.aspx?pcode=A0000001"
    assert record.text.startswith("中華民國憲法\n")
    assert "第 一 章 總綱\n第 1 條\n中華民國基於三民主義，為民有民治民享之民主共和國。\n第 2 條\n" in record.text
    assert "第 1 條\n中華民國基於三民主義" in record.text
    assert record.meta["LawLevel"] == "憲法"
    assert "LawArticles" not in record.meta and "LawEffectiveDate" not in record.meta


# --- formats ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("a.txt", "text"),
        ("a.text", "text"),
        ("a.md", "markdown"),
        ("a.markdown", "markdown"),
        ("a.jsonl", "jsonl"),
        ("a.ndjson", "jsonl"),
        ("a.csv", "csv"),
        ("A0000001.json", "lawdb"),
        ("dir/UPPER.TXT", "text"),
        ("a.CSV", "csv"),
    ],
)
def test_format_for_extension(name, fmt):
    assert format_for(Path(name), None) == fmt


@pytest.mark.parametrize("name", ["a.doc", "a.rtf", "README", "a.txt.gz", ".txt"])
def test_format_for_unknown_extension(name):
    assert format_for(Path(name), None) is None


def test_format_for_declared_format_wins():
    assert format_for(Path("a.txt"), "csv") == "csv"
    assert format_for(Path("a.pdf"), "text") == "text"
    assert format_for(Path("README"), "markdown") == "markdown"


def test_every_extension_maps_to_a_reader():
    assert set(EXTENSIONS.values()) <= set(FORMATS)
    assert FORMATS["text"].read is read_text and FORMATS["lawdb"].read is read_lawdb


def test_the_format_tables_are_what_the_readers_register():
    assert (
        set(FORMATS)
        == set(READERS.names())
        == {"text", "markdown", "jsonl", "csv", "lawdb", "html", "xml", "docx", "odt", "pdf", "zip"}
    )
    assert all(FORMATS[name] is fmt for name, fmt in READERS.items())
    assert EXTENSIONS == {ext: name for name, fmt in READERS.items() for ext in fmt.extensions}
    assert LINE_FORMATS == {"jsonl", "csv"} == {name for name, fmt in READERS.items() if fmt.per_line}
    assert FORMATS["xml"].title == "XML records (HTML inside turned into text)"
    assert all(fmt.read.__module__.startswith("pipeline.ingest.readers.") for fmt in FORMATS.values())


def test_a_reader_registers_with_its_decorator(monkeypatch):
    monkeypatch.setattr(base, "READERS", Registry("format"))

    @base.reader("rtf", "Rich Text", extensions=(".rtf",))
    def read_rtf(path, manifest):
        yield Record(text="x")

    assert base.READERS.get("rtf") == base.Format(read_rtf, "Rich Text", (".rtf",), per_line=False)
    assert base.extensions() == {".rtf": "rtf"}


def test_two_formats_claiming_one_extension_is_a_programming_error(monkeypatch):
    monkeypatch.setattr(base, "READERS", Registry("format"))
    base.reader("a", "A", extensions=(".txt",))(read_text)
    base.reader("b", "B", extensions=(".md", ".txt"))(read_markdown)
    with pytest.raises(ValueError, match="extension '.txt' is claimed by formats 'a' and 'b'"):
        base.extensions()
