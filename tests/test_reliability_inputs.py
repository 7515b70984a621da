"""No input stops a run: every odd file name, field value, link, binary byte and empty file
becomes a reject with a reason (or one line from ``twcorpus validate``) for its own source,
and the other files, the other sources and publish go on.

What DVC itself does with such entries of ``data/raw/<id>/`` was measured with dvc 3.67
(see ``pipeline/ingest/sanitize.py``): a name that is not UTF-8, a dangling link and a link
loop make ``dvc status`` and ``dvc repro`` fail for every source, a named pipe (or a link to
one or to a device) makes them hang; so ``validate`` fails on exactly those.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import add_source, context, run_env
from test_ingest import ingest

from pipeline import stages
from pipeline.cli import main
from pipeline.core.schema import DOCUMENT
from pipeline.ingest import encoding
from pipeline.normalize.params import CleanupParams, NormalizeParams
from pipeline.normalize.stage import NormalizeStats, normalize_batch

pytestmark = pytest.mark.reliability

BIG5_NAME = "公告.txt"  # a Windows share's name, in CP950
RENAME_BIG5 = (
    "the name is Big5 (CP950), not UTF-8: rename it to '公告.txt' in UTF-8 (e.g. convmv -f big5 -t utf-8 "
    "--notest); dvc cannot track the folder and the dataset cannot store the name"
)
RENAME_BYTES = (
    "the name is not UTF-8 (its bad bytes are shown as \\xNN): rename it with a UTF-8 name; dvc cannot "
    "track the folder and the dataset cannot store the name"
)
DANGLING = "a dangling symbolic link (its target does not exist): remove it; dvc fails on it"
LOOP = "a symbolic link that loops back on itself: remove it; dvc fails on it"
FIFO = "a named pipe (FIFO), not a file: remove it; dvc would wait on it for ever"
TO_DEVICE = "a symbolic link to a device, not a file: remove it; dvc would wait on it for ever"
LINK = "a symbolic link: not read (contribute the file itself)"


def where(rejects):
    return [(r["source_file"], r["source_line"], r["reason"], r["detail"]) for r in rejects]


def write_raw(folder, name: bytes, data: bytes) -> None:
    """A file whose name is the bytes given (Python would refuse a str that is not UTF-8)."""
    with open(os.fsencode(folder) + b"/" + name, "wb") as f:
        f.write(data)


def validate(layout, *args):
    return main(["--root", str(layout.root), "validate", "agency", *args])


# --- file names --------------------------------------------------------------------------


def test_a_big5_file_name_is_a_reject_and_the_other_sources_and_publish_go_on(layout):
    folder = add_source(layout, "agency", {"a.txt": "機關的第一份文件。"})
    write_raw(folder, BIG5_NAME.encode("cp950"), "公告的內容。".encode())
    write_raw(folder, b"\xff\xfe.txt", "另一份內容。".encode())  # neither UTF-8 nor Big5
    add_source(layout, "other", {"b.txt": "另一個來源的文件。"})
    metrics = stages.run_all(context(layout))
    assert metrics["documents"] == 2
    published = [
        row
        for shard in sorted((layout.publish / "data").rglob("*.parquet"))
        for row in pq.read_table(shard).to_pylist()
    ]
    assert sorted((r["source"], r["source_file"]) for r in published) == [("agency", "a.txt"), ("other", "b.txt")]
    rejects = pq.read_table(layout.rejects).to_pylist()
    assert [(r["source"], r["stage"]) + w for r, w in zip(rejects, where(rejects))] == [
        ("agency", "ingest", BIG5_NAME, None, "file-name", RENAME_BIG5),
        ("agency", "ingest", "\\xff\\xfe.txt", None, "file-name", RENAME_BYTES),
    ]


def test_a_big5_name_inside_a_utf8_folder_is_shown_part_by_part(layout):
    folder = add_source(layout, "agency", {"公報/a.txt": "正常的文件。"})
    write_raw(folder, "公報/".encode() + BIG5_NAME.encode("cp950"), "內容。".encode())
    docs, rejects, metrics = ingest(layout)
    assert [d["source_file"] for d in docs] == ["公報/a.txt"]
    assert where(rejects) == [
        ("公報/公告.txt", None, "file-name", RENAME_BIG5.replace("'公告.txt'", "'公報/公告.txt'"))
    ]
    assert metrics["rejects_by_reason"] == {"file-name": 1}


@pytest.mark.parametrize(
    "name, shown, detail",
    [
        ("new\nline.txt", "new\\x0aline.txt", "the name holds control characters (shown as \\xNN): rename the file"),
        ("esc\x1b[31m.txt", "esc\\x1b[31m.txt", "the name holds control characters (shown as \\xNN): rename the file"),
        (
            "report\u202etxt.exe.txt",
            "report\\u202etxt.exe.txt",
            "the name holds bidirectional control characters (shown as \\uNNNN), which reorder how it is displayed: "
            "rename the file",
        ),
    ],
    ids=["newline", "escape", "bidi"],
)
def test_a_name_with_control_characters_is_a_reject_under_a_printable_name(layout, capsys, name, shown, detail):
    folder = add_source(layout, "agency", {"a.txt": "正常的文件。"})
    (folder / name).write_text("內容。", encoding="utf-8")
    docs, rejects, _ = ingest(layout)
    assert [d["source_file"] for d in docs] == ["a.txt"]
    assert where(rejects) == [(shown, None, "file-name", detail)]
    # dvc copes with such a name, so validate lists the reject and does not fail
    assert validate(layout) == 0
    assert f"  ! {shown}: file-name — {detail}" in capsys.readouterr().out.splitlines()


def test_a_source_left_out_for_its_manifest_records_a_big5_name_printably(layout):
    folder = add_source(layout, "agency", {"a.txt": "文字"}, license="MIT-ish")
    write_raw(folder, BIG5_NAME.encode("cp950"), "內容。".encode())
    docs, rejects, metrics = ingest(layout)
    assert docs == []
    assert [(r["source_file"], r["reason"]) for r in rejects] == [("a.txt", "manifest"), (BIG5_NAME, "manifest")]
    assert not metrics["manifest_ok"]


def test_a_zip_member_name_with_control_characters_is_shown_escaped(layout):
    folder = add_source(layout, "agency", {})
    with zipfile.ZipFile(folder / "bundle.zip", "w") as z:
        z.writestr("a\x01b.txt", "壓縮檔裡的文字。")
    docs, rejects, _ = ingest(layout)
    assert [(d["source_file"], d["text"]) for d in docs] == [("bundle.zip!a\\x01b.txt", "壓縮檔裡的文字。")]
    assert rejects == []


# --- links and other entries dvc chokes on -------------------------------------------------


def _dangling(folder):
    (folder / "dangling.txt").symlink_to("nowhere.txt")


def _loop(folder):
    (folder / "loop1.txt").symlink_to("loop2.txt")
    (folder / "loop2.txt").symlink_to("loop1.txt")


def _fifo(folder):
    os.mkfifo(folder / "pipe.txt")


def _device(folder):
    (folder / "zero.txt").symlink_to("/dev/zero")


def test_every_link_and_special_file_is_a_reject_with_its_reason(layout, tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text("不該被發布的秘密。", encoding="utf-8")
    folder = add_source(layout, "agency", {"a.txt": "正常的文件。", "sub/b.txt": "子資料夾的文件。"})
    for make in (_dangling, _loop, _fifo, _device):
        make(folder)
    (folder / "outside.txt").symlink_to(outside)
    (folder / "inside.txt").symlink_to("a.txt")
    (folder / "up").symlink_to("..", target_is_directory=True)
    docs, rejects, metrics = ingest(layout)
    assert [d["source_file"] for d in docs] == ["a.txt", "sub/b.txt"]
    assert where(rejects) == [
        ("dangling.txt", None, "not-a-file", DANGLING),
        ("inside.txt", None, "not-a-file", LINK),
        ("loop1.txt", None, "not-a-file", LOOP),
        ("loop2.txt", None, "not-a-file", LOOP),
        ("outside.txt", None, "not-a-file", LINK),
        ("pipe.txt", None, "not-a-file", FIFO),
        ("up", None, "not-a-file", LINK),
        ("zero.txt", None, "not-a-file", TO_DEVICE),
    ]
    assert metrics["documents"] == 2


@pytest.mark.parametrize(
    "make, shown, problem",
    [
        (lambda f: write_raw(f, BIG5_NAME.encode("cp950"), b"x"), BIG5_NAME, RENAME_BIG5),
        (
            lambda f: write_raw(f, b"." + BIG5_NAME.encode("cp950"), b"x"),
            "." + BIG5_NAME,
            RENAME_BIG5.replace("'公告.txt'", "'.公告.txt'"),
        ),  # a dotfile: ingest skips it, dvc does not
        (
            lambda f: os.mkdir(os.fsencode(f) + b"/" + "公報".encode("cp950")),
            "公報",
            RENAME_BIG5.replace("'公告.txt'", "'公報'"),
        ),
        (_dangling, "dangling.txt", DANGLING),
        (_loop, "loop1.txt", LOOP + " (and 1 more such entry)"),
        (_fifo, "pipe.txt", FIFO),
        (_device, "zero.txt", TO_DEVICE),
    ],
    ids=["big5-name", "big5-dotfile", "big5-folder", "dangling-link", "link-loop", "fifo", "link-to-device"],
)
def test_validate_fails_with_one_line_on_what_dvc_chokes_on(layout, capsys, make, shown, problem):
    folder = add_source(layout, "agency", {"a.txt": "正常的文件。"}, register=False)
    make(folder)
    assert validate(layout) == 1
    out, err = capsys.readouterr()
    assert out == f"✗ agency: data/raw/agency/{shown}: {problem}\n"
    assert err == ""
    assert validate(layout, "--json") == 1
    report = json.loads(capsys.readouterr().out)
    assert (report["ok"], report["error"]) == (False, f"data/raw/agency/{shown}: {problem}")


def test_validate_of_a_big5_name_as_a_command_has_no_traceback(layout):
    folder = add_source(layout, "agency", {"a.txt": "正常的文件。"}, register=False)
    write_raw(folder, BIG5_NAME.encode("cp950"), b"x")
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "--root", str(layout.root), "validate", "agency"],
        capture_output=True,
        text=True,
        env=run_env(),
    )
    assert (result.returncode, result.stdout, result.stderr) == (
        1,
        f"✗ agency: data/raw/agency/{BIG5_NAME}: {RENAME_BIG5}\n",
        "",
    )


def test_validate_lists_links_dvc_copes_with_and_passes(layout, tmp_path, capsys):
    outside = tmp_path / "secret.txt"
    outside.write_text("秘密。", encoding="utf-8")
    folder = add_source(layout, "agency", {"a.txt": "正常的文件。"}, register=False)
    (folder / "outside.txt").symlink_to(outside)
    assert validate(layout) == 0
    assert f"  ! outside.txt: not-a-file — {LINK}" in capsys.readouterr().out.splitlines()
    assert validate(layout, "--strict") == 1


# --- field values ------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["title", "url", "date", "license", "text"])
def test_a_lone_surrogate_in_any_field_is_one_reject_naming_the_field(layout, field):
    bad = {"text": "壞的內容", field: "值\\ud800"}
    add_source(
        layout,
        "agency",
        {"a.jsonl": json.dumps(bad, ensure_ascii=False).replace("\\\\", "\\") + "\n" + '{"text": "好的內容"}\n'},
    )
    docs, rejects, _ = ingest(layout)
    assert [d["text"] for d in docs] == ["好的內容"]
    assert where(rejects) == [
        ("a.jsonl", 1, "undecodable", f"a.jsonl:1: {field} holds a lone surrogate (an invalid \\u escape)")
    ]


def test_a_lone_surrogate_in_meta_names_the_key(layout):
    add_source(
        layout,
        "agency",
        {
            "a.jsonl": '{"text": "一", "author": {"name": "\\udc00"}}\n'
            '{"text": "二", "tags": ["ok", "\\ud83d"]}\n{"text": "三", "k\\ud800": 1}\n'
            '{"text": "四"}\n'
        },
    )
    docs, rejects, _ = ingest(layout)
    assert [d["text"] for d in docs] == ["四"]
    assert [r["detail"] for r in rejects] == [
        "a.jsonl:1: meta.author.name holds a lone surrogate (an invalid \\u escape)",
        "a.jsonl:2: meta.tags[1] holds a lone surrogate (an invalid \\u escape)",
        "a.jsonl:3: meta.k\\ud800 (the key) holds a lone surrogate (an invalid \\u escape)",
    ]


def test_nul_and_other_controls_never_reach_a_metadata_field(layout):
    line = {
        "text": "公告的內容。",
        "title": "標\u0000題\u202e",
        "url": "https://x.gov.tw/\u0001a",
        "date": "2026-01-02\u0000",
        "license": "CC0-1.0\u0000",
        "note": "備\u0000註\t第二欄\n第二行",
        "nested": {"k\u0000": ["\u0007值"]},
    }
    add_source(
        layout,
        "agency",
        {
            "a.jsonl": json.dumps(line, ensure_ascii=False) + "\n",
            "b.jsonl": json.dumps({"text": "只有控制字元的標題。", "title": "\u0000\u0001"}) + "\n",
        },
    )
    docs, rejects, _ = ingest(layout)
    assert rejects == []
    first, second = docs
    assert (first["title"], first["url"], first["date"], first["license"]) == (
        "標題",
        "https://x.gov.tw/a",
        "2026-01-02",
        "CC0-1.0",
    )
    assert json.loads(first["meta"]) == {
        "note": "備註\t第二欄\n第二行",
        "nested": {"k": ["值"]},
    }  # tab and newline stay
    assert second["title"] is None
    for doc in docs:
        assert not any("\x00" in (doc[k] or "") for k in ("title", "url", "date", "license", "meta", "source_file"))


def test_nul_never_reaches_the_text_of_a_reject(layout):
    add_source(
        layout, "agency", {"a.jsonl": json.dumps({"text": "授權\u0000不明的公告。", "license": "CC-BY-9.9"}) + "\n"}
    )
    _, rejects, _ = ingest(layout)
    assert [(r["reason"], r["text"]) for r in rejects] == [("unknown-license", "授權不明的公告。")]


@pytest.mark.parametrize("control_chars", [True, False])
def test_nul_never_reaches_the_published_text(control_chars):
    params = NormalizeParams(cleanup=CleanupParams(control_chars=control_chars))
    row = {name: None for name in DOCUMENT.names} | {
        "id": "x",
        "text": "臺灣\u0000的公告。",
        "source": "s",
        "source_file": "a.jsonl",
        "license": "CC0-1.0",
    }
    result = normalize_batch(pa.RecordBatch.from_pylist([row], schema=DOCUMENT), params)
    assert result.kept.column("text").to_pylist() == ["臺灣的公告。"]
    assert json.loads(result.kept.column("cleanup")[0].as_py())["control_chars"] == 1


# --- binary data: per line for line formats, per file for the others ---------------------


@pytest.mark.parametrize("bad_line", [1, 1500])
def test_one_nul_byte_rejects_one_jsonl_line_not_the_file(layout, bad_line):
    lines = [json.dumps({"text": f"第{i}則公告。"}, ensure_ascii=False).encode() for i in range(1, 2001)]
    offset = sum(len(line) + 1 for line in lines[: bad_line - 1]) + 10
    lines[bad_line - 1] = b'{"text": "\x00\x01\x02"}'
    add_source(layout, "agency", {"a.jsonl": b"\n".join(lines) + b"\n"})
    docs, rejects, metrics = ingest(layout)
    assert len(docs) == 1999
    assert where(rejects) == [
        (
            "a.jsonl",
            bad_line,
            "binary-line",
            f"line {bad_line}: NUL byte at file offset {offset}: binary data, not text",
        )
    ]
    assert metrics["files_by_encoding"] == {"utf-8": 1}


def test_one_nul_byte_rejects_one_csv_row_not_the_file(layout):
    rows = "標題,內容\n" + "".join(f"公告{i},第{i}則公告。\n" for i in range(1, 101))
    data = rows.encode().replace("公告1,".encode(), b"\x00\x00,", 1)
    add_source(layout, "agency", {"a.csv": data}, csv={"text_column": "內容", "title_column": "標題"})
    docs, rejects, _ = ingest(layout)
    assert len(docs) == 99 and docs[0]["source_line"] == 3
    offset = len("標題,內容\n".encode())
    assert where(rejects) == [
        ("a.csv", 2, "binary-line", f"line 2: NUL byte at file offset {offset}: binary data, not text")
    ]


def test_a_binary_file_with_a_line_format_extension_is_still_one_reject(layout):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01\x02" + bytes(range(256)) * 40
    add_source(layout, "agency", {"a.jsonl": png, "b.csv": png, "ok.jsonl": '{"text": "好"}\n'})
    docs, rejects, _ = ingest(layout)
    assert [d["source_file"] for d in docs] == ["ok.jsonl"]
    assert where(rejects) == [
        ("a.jsonl", None, "undecodable", "binary file (NUL bytes), not text"),
        ("b.csv", None, "undecodable", "binary file (NUL bytes), not text"),
    ]


def test_whole_file_formats_judge_binary_data_for_the_file(layout):
    text = "".join(f"第{i}行的文字。\n" for i in range(1, 6001))  # past the 64 KiB detection head
    add_source(
        layout, "agency", {"a.txt": text.encode() + b"\x00\n", "b.txt": b"\x00" + text.encode(), "ok.txt": "好的文件。"}
    )
    docs, rejects, _ = ingest(layout)
    assert [d["source_file"] for d in docs] == ["ok.txt"]
    assert where(rejects) == [
        ("a.txt", None, "undecodable", "binary file (NUL bytes from line 6001), not text"),
        ("b.txt", None, "undecodable", "binary file (NUL bytes), not text"),
    ]


# --- empty files and over-long lines -----------------------------------------------------


def test_every_file_that_gives_no_document_leaves_a_reject(layout):
    folder = add_source(
        layout,
        "agency",
        {
            "a.jsonl": b"",
            "b.jsonl": "\n  \n\n",
            "c.csv": b"",
            "d.csv": "text,title\n\n",
            "e.txt": b"",
            "f.md": b"",
            "g.json": b"",
            "h.html": b"",
            "i.xml": b"",
            "ok.txt": "好的文件。",
        },
    )
    with zipfile.ZipFile(folder / "j.zip", "w") as z:
        z.writestr("inner.jsonl", "")
    docs, rejects, _ = ingest(layout)
    assert [d["source_file"] for d in docs] == ["ok.txt"]
    assert where(rejects) == [
        ("a.jsonl", None, "empty", "the file holds no text"),
        ("b.jsonl", None, "empty", "the file holds no text"),
        ("c.csv", None, "empty", "the file holds no rows"),
        ("d.csv", None, "empty", "the file holds a header and no rows"),
        ("e.txt", None, "empty", "the file holds no text"),
        ("f.md", None, "empty", "the file holds no text"),
        ("g.json", None, "empty", "the file holds no text"),
        ("h.html", None, "empty", "the file holds no text"),
        ("i.xml", None, "empty", "the file holds no text"),
        ("j.zip!inner.jsonl", None, "empty", "the file holds no text"),
    ]


def test_a_reader_that_yields_nothing_still_leaves_a_reject(layout, monkeypatch):
    from pipeline.ingest import formats

    monkeypatch.setitem(formats.FORMATS, "text", formats.Format(lambda path, manifest: iter(()), "plain text"))
    add_source(layout, "agency", {"a.txt": "文字"})
    _, rejects, _ = ingest(layout)
    assert where(rejects) == [("a.txt", None, "empty", "the file holds no document")]


def test_an_over_long_line_says_so(layout, monkeypatch):
    monkeypatch.setattr(encoding, "MAX_LINE_BYTES", 1000)
    long_text = "字" * 400  # 1,200 bytes in UTF-8, 400 characters in UTF-16
    add_source(
        layout,
        "agency",
        {
            "a.jsonl": json.dumps({"text": long_text}, ensure_ascii=False) + '\n{"text": "短"}\n',
            "b.csv": f"text\n{long_text}\n短的\n",
            "c.txt": long_text,
            "d.jsonl": (
                "\ufeff" + json.dumps({"text": "字" * 600}, ensure_ascii=False) + '\n{"text": "短短"}\n'
            ).encode("utf-16-le"),
        },
    )
    docs, rejects, _ = ingest(layout)
    assert [(d["source_file"], d["text"]) for d in docs] == [("a.jsonl", "短"), ("b.csv", "短的"), ("d.jsonl", "短短")]
    assert where(rejects) == [
        ("a.jsonl", 1, "line-too-long", "line 1: 1,213 bytes, longer than the limit of 1,000"),
        ("b.csv", 2, "line-too-long", "line 2: 1,201 bytes, longer than the limit of 1,000"),
        ("c.txt", None, "line-too-long", "line 1: 1,200 bytes, longer than the limit of 1,000"),
        ("d.jsonl", 1, "line-too-long", "line 1: 613 characters, longer than the limit of 500"),
    ]


# --- normalize: replacement characters counted, bidirectional controls removed ------------


def test_normalize_counts_replacement_characters_and_removes_bidi_controls(layout):
    texts = [
        "臺灣\ufffd\ufffd的公告。",
        "沒有問題的公告。",
        "另一份\ufffd公告。",
        "價格\u202e0202\u202c與\u2066日期\u2069\u200e\u200f\u061c\u202a\u202b\u202d\u2067\u2068。",
    ]
    add_source(
        layout, "agency", {"a.jsonl": "".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in texts)}
    )
    metrics = stages.run_source(context(layout), "agency", until="normalize")["normalize"]
    assert metrics["replacement_chars"] == {"characters": 3, "documents": 2}
    assert metrics["cleanup_chars"]["control_chars"] == 12
    kept = pq.read_table(layout.stage_docs("agency", "normalize")).column("text").to_pylist()
    assert kept == ["臺灣\ufffd\ufffd的公告。", "沒有問題的公告。", "另一份\ufffd公告。", "價格0202與日期。"]
    data = json.loads(layout.stage_metrics("agency", "normalize").read_text())
    assert data["replacement_chars"] == {"characters": 3, "documents": 2}


def test_replacement_characters_are_zero_when_there_are_none():
    stats = NormalizeStats()
    row = {name: None for name in DOCUMENT.names} | {
        "id": "x",
        "text": "臺灣的公告。",
        "source": "s",
        "source_file": "a.txt",
        "license": "CC0-1.0",
    }
    stats.merge(normalize_batch(pa.RecordBatch.from_pylist([row], schema=DOCUMENT), NormalizeParams()).stats)
    assert stats.as_metrics()["replacement_chars"] == {"characters": 0, "documents": 0}
