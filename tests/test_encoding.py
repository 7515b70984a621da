"""Encoding detection and line-by-line decoding (pipeline.ingest.encoding)."""

from __future__ import annotations

import codecs

import pytest

from pipeline.ingest import encoding
from pipeline.ingest.encoding import HEAD_BYTES, Line, Undecodable, detect, iter_lines, read_document

LAW = "中華民國憲法\n第一條 主權屬於國民全體。\n"


def write(tmp_path, data: bytes, name: str = "f.txt"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def lines_of(path):
    encoding, lines = iter_lines(path)
    return encoding, list(lines)


# --- detect ---------------------------------------------------------------------------


def test_detect_plain_utf8():
    assert detect("臺灣 text\n".encode(), complete=True) == "utf-8"


def test_detect_empty_head_is_utf8():
    assert detect(b"", complete=True) == "utf-8"


@pytest.mark.parametrize(
    ("bom", "expected"),
    [
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
        (codecs.BOM_UTF32_LE, "utf-32"),  # starts with the UTF-16 LE BOM: must still be UTF-32
        (codecs.BOM_UTF32_BE, "utf-32"),
    ],
)
def test_detect_byte_order_marks(bom, expected):
    assert detect(bom + b"a\x00", complete=True) == expected


def test_detect_utf16_without_bom_both_byte_orders():
    text = "hello world\nline two\n"
    assert detect(text.encode("utf-16-le"), complete=True) == "utf-16-le"
    assert detect(text.encode("utf-16-be"), complete=True) == "utf-16-be"


def test_detect_big5_as_cp950():
    assert detect(LAW.encode("cp950"), complete=True) == "cp950"


def test_detect_big5hkscs_when_cp950_cannot_decode():
    # 㗎 exists only in HKSCS; CP950 rejects its bytes.
    assert detect("佢哋㗎\n".encode("big5hkscs"), complete=True) == "big5hkscs"


def test_detect_tolerates_a_character_cut_at_the_end_of_an_incomplete_head():
    head = "中文".encode()[:-1]  # the head of a longer file ends mid-character
    assert detect(head, complete=False) == "utf-8"
    with pytest.raises(Undecodable, match=r"^not UTF-8, UTF-16 or Big5 text \(byte 0xE6 at offset 3\)$"):
        detect(head, complete=True)


def test_detect_binary_with_nul_bytes():
    with pytest.raises(Undecodable) as info:
        detect(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01\x02", complete=True)
    assert "binary" in str(info.value)
    assert str(info.value) == "binary file (NUL bytes), not text"


def test_detect_invalid_bytes():
    with pytest.raises(Undecodable) as info:
        detect(b"abc\x80\xff\x81def", complete=True)
    assert str(info.value) == "not UTF-8, UTF-16 or Big5 text (byte 0x80 at offset 3)"


# --- iter_lines / read_document --------------------------------------------------------


def test_utf8_without_bom(tmp_path):
    path = write(tmp_path, LAW.encode("utf-8"))
    assert lines_of(path) == ("utf-8", [Line(1, "中華民國憲法\n"), Line(2, "第一條 主權屬於國民全體。\n")])
    assert read_document(path) == (LAW, "utf-8")


def test_utf8_with_bom_strips_the_bom(tmp_path):
    path = write(tmp_path, codecs.BOM_UTF8 + LAW.encode("utf-8"))
    encoding, lines = lines_of(path)
    assert encoding == "utf-8-sig"
    assert lines == [Line(1, "中華民國憲法\n"), Line(2, "第一條 主權屬於國民全體。\n")]
    text, encoding = read_document(path)
    assert (text, encoding) == (LAW, "utf-8-sig")
    assert "\ufeff" not in text


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_with_bom(tmp_path, codec):
    bom = codecs.BOM_UTF16_LE if codec == "utf-16-le" else codecs.BOM_UTF16_BE
    path = write(tmp_path, bom + LAW.encode(codec))
    assert lines_of(path) == ("utf-16", [Line(1, "中華民國憲法\n"), Line(2, "第一條 主權屬於國民全體。\n")])
    text, encoding = read_document(path)
    assert (text, encoding) == (LAW, "utf-16")
    assert "\ufeff" not in text


def test_utf16_le_without_bom(tmp_path):
    text = "Republic of China (Taiwan)\nArticle 1. 中華民國\nArticle 2.\n"
    path = write(tmp_path, text.encode("utf-16-le"))
    assert lines_of(path) == (
        "utf-16-le",
        [Line(1, "Republic of China (Taiwan)\n"), Line(2, "Article 1. 中華民國\n"), Line(3, "Article 2.\n")],
    )
    assert read_document(path) == (text, "utf-16-le")


def test_utf16_be_without_bom(tmp_path):
    text = "Republic of China\nTaiwan\n"
    path = write(tmp_path, text.encode("utf-16-be"))
    assert read_document(path) == (text, "utf-16-be")


def test_utf32_with_bom(tmp_path):
    path = write(tmp_path, "第一行\r\nline 2\n".encode("utf-32"))
    assert read_document(path) == ("第一行\r\nline 2\n", "utf-32")


def test_big5_cp950(tmp_path):
    path = write(tmp_path, LAW.encode("cp950"))
    assert lines_of(path) == ("cp950", [Line(1, "中華民國憲法\n"), Line(2, "第一條 主權屬於國民全體。\n")])
    assert read_document(path) == (LAW, "cp950")


def test_binary_file_is_undecodable(tmp_path):
    path = write(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01\x02")
    with pytest.raises(Undecodable, match="binary"):
        iter_lines(path)
    with pytest.raises(Undecodable, match="binary"):
        read_document(path)


def test_invalid_bytes_are_undecodable(tmp_path):
    path = write(tmp_path, b"abc\x80\xff\x81def")
    with pytest.raises(Undecodable) as info:
        read_document(path)
    assert str(info.value) == "not UTF-8, UTF-16 or Big5 text (byte 0x80 at offset 3)"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("第一行\r\n第二行\r\n\r\nlast".encode(), "utf-8"),
        ("第一行\r\n第二行\r\n\r\nlast".encode("cp950"), "cp950"),
        (codecs.BOM_UTF16_LE + "第一行\r\n第二行\r\n\r\nlast".encode("utf-16-le"), "utf-16"),
        ("first\r\nsecond\r\n\r\nlast".encode("utf-16-le"), "utf-16-le"),
    ],
)
def test_crlf_is_preserved_exactly(tmp_path, data, encoding):
    path = write(tmp_path, data)
    text, detected = read_document(path)
    assert detected == encoding
    assert text == data.decode(encoding)
    assert text.count("\r\n") == 3
    assert [line.number for line in iter_lines(path)[1]] == [1, 2, 3, 4]


def test_lone_cr_is_kept_and_not_a_line_break(tmp_path):
    path = write(tmp_path, b"a\rb\rc")
    assert lines_of(path) == ("utf-8", [Line(1, "a\rb\rc")])


def _big_prefix() -> bytes:
    """A first line longer than the detection head, so later lines are decoded line by line."""
    return b"x" * (HEAD_BYTES + 10) + b"\n"


def test_invalid_utf8_byte_on_line_3_of_a_large_file_is_a_line_error(tmp_path):
    line1 = _big_prefix()
    line2 = "第二行\n".encode()
    line3 = b"bad \xff byte\n"
    line4 = "第四行\n".encode()
    path = write(tmp_path, line1 + line2 + line3 + line4)
    offset = len(line1) + len(line2) + 4
    encoding, lines = lines_of(path)
    assert encoding == "utf-8"
    assert lines == [
        Line(1, line1.decode()),
        Line(2, "第二行\n"),
        Line(3, "bad \ufffd byte\n", f"line 3: byte 0xFF at file offset {offset} is not valid utf-8"),
        Line(4, "第四行\n"),
    ]
    assert "line 3" in lines[2].error
    with pytest.raises(Undecodable) as info:
        read_document(path)
    assert str(info.value) == f"line 3: byte 0xFF at file offset {offset} is not valid utf-8"


def test_file_offset_in_line_errors_counts_the_utf8_bom(tmp_path):
    line1 = _big_prefix()
    path = write(tmp_path, codecs.BOM_UTF8 + line1 + b"ok\n" + b"\x80\n")
    encoding, lines = lines_of(path)
    assert encoding == "utf-8-sig"
    assert lines[0] == Line(1, line1.decode())  # no BOM in the text
    assert lines[2] == Line(
        3, "\ufffd\n", f"line 3: byte 0x80 at file offset {3 + len(line1) + 3} is not valid utf-8-sig"
    )


def test_invalid_utf8_byte_on_line_3_of_a_small_file_is_a_line_error(tmp_path):
    path = write(tmp_path, "第一行\n第二行\n".encode() + b"bad \xff byte\n" + "第四行\n".encode())
    encoding, lines = lines_of(path)
    assert encoding == "utf-8"
    assert [(line.number, line.text) for line in lines if not line.error] == [
        (1, "第一行\n"),
        (2, "第二行\n"),
        (4, "第四行\n"),
    ]
    assert lines[2].number == 3
    assert lines[2].error is not None and "line 3" in lines[2].error


def test_utf16_truncated_at_the_end_is_an_error_on_the_last_line(tmp_path):
    path = write(tmp_path, codecs.BOM_UTF16_LE + "ab\ncd\n".encode("utf-16-le") + b"x")
    assert lines_of(path) == (
        "utf-16",
        [Line(1, "ab\n"), Line(2, "cd\n"), Line(3, "\ufffd", "line 3: not valid utf-16")],
    )
    with pytest.raises(Undecodable, match=r"^line 3: not valid utf-16$"):
        read_document(path)


def test_utf16_invalid_surrogate_on_line_3_names_line_3(tmp_path):
    data = codecs.BOM_UTF16_LE + "line1\nline2\n".encode("utf-16-le") + b"\x00\xd8" + "x\nline4\n".encode("utf-16-le")
    path = write(tmp_path, data)
    encoding, lines = lines_of(path)
    assert encoding == "utf-16"
    assert lines[:2] == [Line(1, "line1\n"), Line(2, "line2\n")]
    assert lines[2].number == 3
    assert lines[2].error.startswith("line 3: ")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_chinese_utf16_without_bom_is_detected(tmp_path, codec):
    text = "春望\n唐·杜甫\n\n國破山河在，城春草木深。\n感時花濺淚，恨別鳥驚心。\n"
    path = write(tmp_path, text.encode(codec))
    assert read_document(path) == (text, codec)


def test_a_big5_hkscs_line_after_the_sniffed_head_still_decodes(tmp_path):
    head = ("中華民國憲法第一條。\n" * 7000).encode("cp950")  # more than the 64 KiB that detection reads
    path = write(tmp_path, head + "佢哋今日去咗。\n".encode("big5hkscs"))
    encoding, lines = lines_of(path)
    assert encoding == "cp950"
    assert lines[-1] == Line(7001, "佢哋今日去咗。\n")


def _read(path):
    try:
        return read_document(path)
    except Undecodable as exc:
        return ("error", exc.reason, str(exc))


def _read_both_ways(path, monkeypatch):
    """read_document as it reads a clean file (one decode) and as it reads a file with a bad line
    (line by line, the path that names the line)."""
    whole = _read(path)
    with monkeypatch.context() as m:
        m.setattr(encoding, "_decoded_whole", lambda *_: None)
        by_lines = _read(path)
    return whole, by_lines


HKSCS = "香港增補字符集：𥚃\n"  # in Big5-HKSCS, not in CP950


@pytest.mark.parametrize(
    "data",
    [
        LAW.encode("utf-8"),
        codecs.BOM_UTF8 + LAW.encode("utf-8"),
        ("第一行\r\n" * 3 + "末行無換行").encode("utf-8"),
        ("第一行\r" * 3).encode("utf-8"),
        LAW.encode("cp950"),
        (LAW * (HEAD_BYTES // len(LAW.encode("cp950")) + 2)).encode("cp950")
        + HKSCS.encode("big5hkscs"),  # past the head
        LAW.encode("utf-8") + b"\xff\xfe bad\n" + LAW.encode("utf-8"),
        LAW.encode("utf-8") * 2000 + b"nul \x00 here\n",
        b"",
        b"\n\n",
    ],
    ids=["utf8", "bom", "crlf", "cr", "cp950", "hkscs-late", "bad-line", "nul-late", "empty", "newlines"],
)
def test_the_whole_file_decodes_to_what_its_lines_decode_to(tmp_path, monkeypatch, data):
    """read_document decodes a clean file in one call: the same text (or the same error naming the
    same line) as decoding it line by line."""
    whole, by_lines = _read_both_ways(write(tmp_path, data), monkeypatch)
    assert whole == by_lines


def test_the_real_gazette_decodes_whole_to_its_lines(monkeypatch):
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "shared" / "real" / "ey-gazette"
    files = sorted(folder.glob("*.xml"))
    if not files:
        pytest.skip("no ../shared/real/ey-gazette here")
    for path in files:
        whole, by_lines = _read_both_ways(path, monkeypatch)
        assert whole == by_lines, path.name
        assert isinstance(whole, tuple) and whole[1] == "utf-8", path.name


def test_a_clean_file_is_decoded_in_one_call_and_a_bad_one_line_by_line(tmp_path):
    clean = write(tmp_path, LAW.encode("cp950"), "clean.txt")
    assert encoding._decoded_whole(clean, "cp950") == LAW
    bad = write(tmp_path, LAW.encode("utf-8") + b"\xff\n", "bad.txt")
    assert encoding._decoded_whole(bad, "utf-8") is None
    assert encoding._decoded_whole(write(tmp_path, LAW.encode("utf-16"), "wide.txt"), "utf-16") is None
