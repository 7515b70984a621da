"""The ingest stage: every input document ends up in the output or in the rejects."""

from __future__ import annotations

import hashlib
import json

import pyarrow.parquet as pq
from conftest import add_source, context

from pipeline.core.ids import document_id
from pipeline.ingest import stage

MESSY = {
    "good.txt": "臺灣是一個美麗的島嶼。\n",
    "big5.txt": "中華民國憲法第一條。\n".encode("cp950"),
    "empty.txt": "  \n\n",
    "broken.txt": b"\xe4\xb8\xad\xff\xfe\xfa\n",  # starts like UTF-8, then garbage: neither UTF-8 nor Big5
    "copy.txt": "臺灣是一個美麗的島嶼。\n",  # same text as good.txt
    "docs.jsonl": "\n".join(
        [
            json.dumps(
                {
                    "text": "第一則新聞稿。",
                    "title": "新聞一",
                    "url": "https://x.gov.tw/1",
                    "date": "2026-01-02",
                    "category": "新聞",
                },
                ensure_ascii=False,
            ),
            "",
            "{not json",
            json.dumps({"title": "沒有內文"}, ensure_ascii=False),
            json.dumps({"text": "採用 CC BY 授權的文字。", "license": "CC-BY-4.0"}, ensure_ascii=False),
            json.dumps({"text": "授權不明的文字。", "license": "CC-BY-9.9"}, ensure_ascii=False),
        ]
    )
    + "\n",
    "notes.doc": b"\xd0\xcf\x11\xe0 legacy Word, not supported",
    ".hidden": "not a document",
    "sub/deeper.md": "# 標題\n\n內文。\n",
}


def ingest(layout, source_id="agency"):
    metrics = stage.run(context(layout), source_id, progress=False)
    docs = pq.read_table(layout.stage_docs(source_id, "ingest")).to_pylist()
    rejects = pq.read_table(layout.stage_rejects(source_id, "ingest")).to_pylist()
    return docs, rejects, metrics


def test_messy_folder_every_document_accounted_for(layout):
    add_source(layout, "agency", MESSY)
    docs, rejects, metrics = ingest(layout)

    assert [(d["source_file"], d["source_line"], d["text"]) for d in docs] == [
        ("big5.txt", None, "中華民國憲法第一條。\n"),
        ("copy.txt", None, "臺灣是一個美麗的島嶼。\n"),  # files are read in sorted order
        ("docs.jsonl", 1, "第一則新聞稿。"),
        ("docs.jsonl", 5, "採用 CC BY 授權的文字。"),
        ("sub/deeper.md", None, "# 標題\n\n內文。\n"),
    ]
    assert [(r["source_file"], r["source_line"], r["stage"], r["reason"]) for r in rejects] == [
        ("broken.txt", None, "ingest", "undecodable"),
        ("docs.jsonl", 3, "ingest", "malformed-line"),
        ("docs.jsonl", 4, "ingest", "missing-text"),
        ("docs.jsonl", 6, "ingest", "unknown-license"),
        ("empty.txt", None, "ingest", "empty"),
        ("good.txt", None, "ingest", "duplicate-in-source"),
        ("notes.doc", None, "ingest", "unsupported-format"),
    ]
    details = {r["source_file"] + str(r["source_line"] or ""): r["detail"] for r in rejects}
    assert details["good.txt"] == "good.txt: same text as copy.txt"
    assert details["broken.txt"] == "not UTF-8, UTF-16 or Big5 text (byte 0xFF at offset 3)"
    assert details["docs.jsonl6"].startswith("docs.jsonl:6: unknown license 'CC-BY-9.9' (nearest: CC-BY-4.0")
    assert details["notes.doc"].startswith("no reader for '.doc' files")

    assert metrics["documents"] == 5 and metrics["rejected"] == 7 and metrics["documents_in"] == 12
    assert metrics["rejects_by_reason"] == {
        "duplicate-in-source": 1,
        "empty": 1,
        "malformed-line": 1,
        "missing-text": 1,
        "undecodable": 1,
        "unknown-license": 1,
        "unsupported-format": 1,
    }
    assert metrics["characters"] == sum(len(d["text"]) for d in docs)
    assert metrics["files_by_encoding"] == {"cp950": 1, "undecodable": 1, "utf-8": 5}
    assert json.loads(layout.stage_metrics("agency", "ingest").read_text()) == {
        k: v for k, v in metrics.items() if k != "error"
    }


def test_columns_license_override_and_meta(layout):
    add_source(layout, "agency", {"docs.jsonl": MESSY["docs.jsonl"]})
    docs, _, _ = ingest(layout)
    first, second = docs
    assert first == {
        "id": document_id("agency", "第一則新聞稿。"),
        "text": "第一則新聞稿。",
        "source": "agency",
        "source_file": "docs.jsonl",
        "source_line": 1,
        "license": "CC0-1.0",
        "title": "新聞一",
        "url": "https://x.gov.tw/1",
        "date": "2026-01-02",
        "meta": '{"category": "新聞"}',
    }
    assert second["license"] == "CC-BY-4.0" and second["meta"] is None


def test_ids_are_stable_and_scoped_to_the_source(layout):
    text = "同一段文字。"
    expected = hashlib.sha256(b"agency\x00" + text.encode()).hexdigest()[:32]
    assert document_id("agency", text) == expected
    assert document_id("other", text) != expected
    add_source(layout, "agency", {"a.txt": text})
    first, _, _ = ingest(layout)
    second, _, _ = ingest(layout)
    assert first[0]["id"] == second[0]["id"] == expected


def test_batches_bound_the_writer_and_keep_order(layout):
    lines = [json.dumps({"text": f"第{i}行。"}, ensure_ascii=False) for i in range(2500)]
    add_source(layout, "agency", {"many.jsonl": "\n".join(lines)})
    (layout.params).write_text("ingest:\n  batch_size: 1000\n")
    docs, _, _ = ingest(layout)
    assert [d["text"] for d in docs] == [f"第{i}行。" for i in range(2500)]
    row_groups = [
        pq.ParquetFile(layout.stage_docs("agency", "ingest")).metadata.row_group(i).num_rows for i in range(3)
    ]
    assert row_groups == [1000, 1000, 500]


def test_exclude_globs_and_csv_options(layout):
    add_source(
        layout,
        "agency",
        {
            "news.csv": "標題,內容,網址\n新聞一,內文一,https://x.tw/1\n新聞二,內文二,https://x.tw/2\n",
            "readme.txt": "not a document",
        },
        exclude=["readme.*"],
        csv={"text_column": "內容", "title_column": "標題", "url_column": "網址"},
    )
    docs, rejects, _ = ingest(layout)
    assert [(d["title"], d["text"], d["url"], d["source_line"]) for d in docs] == [
        ("新聞一", "內文一", "https://x.tw/1", 2),
        ("新聞二", "內文二", "https://x.tw/2", 3),
    ]
    assert rejects == []


def test_broken_manifest_quarantines_every_file(layout):
    add_source(layout, "agency", {"a.txt": "文字", "b.txt": "字"}, license="Nope-1.0")
    docs, rejects, metrics = ingest(layout)
    assert docs == []
    assert [(r["source_file"], r["reason"]) for r in rejects] == [("a.txt", "manifest"), ("b.txt", "manifest")]
    assert rejects[0]["detail"].startswith("data/raw/agency/source.yaml: field 'license': unknown license 'Nope-1.0'")
    assert metrics["manifest_ok"] is False
    assert json.loads(layout.source_info("agency").read_text())["error"] == rejects[0]["detail"]


def test_unregistered_source_is_a_user_error(layout, capsys):
    from pipeline.cli import main

    add_source(layout, "agency", {"a.txt": "文字"}, register=False)
    assert main(["--root", str(layout.root), "ingest", "agency"]) == 2
    assert capsys.readouterr().err == (
        "twcorpus: error: configs/sources.yaml: source 'agency' is not registered; "
        "run: twcorpus register data/raw/agency\n"
    )


def test_a_lone_surrogate_is_one_reject_not_a_crash(layout):
    add_source(layout, "agency", {"a.jsonl": '{"text": "壞\\ud800的內容"}\n{"text": "好的內容"}\n'})
    docs, rejects, _ = ingest(layout)
    assert [d["text"] for d in docs] == ["好的內容"]
    assert [(r["source_line"], r["reason"], r["detail"]) for r in rejects] == [
        (1, "undecodable", "a.jsonl:1: text holds a lone surrogate (an invalid \\u escape)")
    ]


def test_a_huge_single_line_is_one_reject_in_bounded_memory(layout, monkeypatch):
    import tracemalloc

    from pipeline.ingest import encoding

    monkeypatch.setattr(encoding, "MAX_LINE_BYTES", 1024 * 1024)
    add_source(layout, "warm", {"a.jsonl": '{"text": "暖身"}\n'})
    ingest(layout, "warm")  # imports happen here, outside the measurement
    folder = add_source(layout, "agency", {})
    with open(folder / "a.jsonl", "wb") as f:  # a 60 MB line, written in chunks so the test never holds it
        f.write(b'{"text": "')
        chunk = "字".encode() * (1024 * 1024)
        for _ in range(20):
            f.write(chunk)
        f.write('"}\n{"text": "下一行"}\n'.encode())
    tracemalloc.start()  # Python allocations: where a whole line would be held
    docs, rejects, _ = ingest(layout)
    grown_mb = tracemalloc.get_traced_memory()[1] / 1024 / 1024
    tracemalloc.stop()
    assert [d["text"] for d in docs] == ["下一行"]
    assert [(r["source_line"], r["reason"]) for r in rejects] == [(1, "line-too-long")]  # it says so
    assert rejects[0]["detail"] == "line 1: 62,914,573 bytes, longer than the limit of 1,048,576"
    assert grown_mb < 8  # reading the 60 MB line whole would take at least 60 MB


def test_too_large_files_are_rejected_unread(layout):
    add_source(layout, "agency", {"big.txt": "字" * 1000, "small.txt": "小檔案。"})
    shipped = layout.params.read_text()
    assert "  max_file_bytes: 268435456" in shipped
    layout.params.write_text(shipped.replace("  max_file_bytes: 268435456", "  max_file_bytes: 1000"))
    docs, rejects, _ = ingest(layout)
    assert [d["source_file"] for d in docs] == ["small.txt"]
    assert [(r["source_file"], r["reason"], r["detail"]) for r in rejects] == [
        ("big.txt", "too-large", "3,000 bytes; the limit is ingest.max_file_bytes = 1,000")
    ]


def test_a_file_that_changes_while_it_is_read_is_rejected(layout, monkeypatch):
    import shutil as real_shutil

    from pipeline.ingest import stage as ingest_stage

    add_source(layout, "agency", {"a.txt": "原本的內容。", "b.txt": "另一個檔案。"})
    copy = real_shutil.copyfile

    def copy_and_touch(src, dst):
        result = copy(src, dst)
        if str(src).endswith("a.txt"):  # an agency's sync rewrites the file mid-run
            with open(src, "a", encoding="utf-8") as f:
                f.write("追加")
        return result

    monkeypatch.setattr(ingest_stage.shutil, "copyfile", copy_and_touch)
    docs, rejects, _ = ingest(layout)
    assert [d["source_file"] for d in docs] == ["b.txt"]
    assert [(r["source_file"], r["reason"]) for r in rejects] == [("a.txt", "changed-during-read")]


def test_an_agency_folder_of_mixed_formats(layout):
    import zipfile

    from test_readers_office import make_docx

    gazette = (
        '<?xml version="1.0" encoding="UTF-8"?><Gazette><Record><Title>公告一</Title>'
        "<Content><![CDATA[<p>行政院公告第一則。</p><p>第二段。</p>]]></Content><PubDate>20260323</PubDate>"
        "</Record><Record><Title>公告二</Title><Content></Content></Record></Gazette>"
    )
    folder = add_source(
        layout,
        "agency",
        {
            "gazette/2026.xml": gazette,
            "page.html": "<html><head><title>新聞稿</title></head><body><nav>回首頁 | 網站導覽</nav>"
            "<article><p>智慧國家推動小組今日召開會議。</p></article></body></html>",
            "evil.xml": '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
        },
        xml={
            "record_path": ".//Record",
            "text_fields": ["Content"],
            "html_fields": ["Content"],
            "title_field": "Title",
            "date_field": "PubDate",
        },
    )
    make_docx(folder / "report.docx")
    with zipfile.ZipFile(folder / "bundle.zip", "w") as z:
        z.writestr("a.txt", "壓縮檔裡的文字。")
        z.writestr("../escape.txt", "不該被讀到")
    docs, rejects, metrics = ingest(layout)
    by_file = {(d["source_file"], d["source_line"]): d for d in docs}
    assert sorted(by_file) == [
        ("bundle.zip!a.txt", None),
        ("gazette/2026.xml", 1),
        ("page.html", None),
        ("report.docx", None),
    ]
    assert by_file[("gazette/2026.xml", 1)]["text"] == "行政院公告第一則。\n第二段。"
    assert by_file[("gazette/2026.xml", 1)]["title"] == "公告一"
    assert by_file[("page.html", None)]["text"] == "智慧國家推動小組今日召開會議。"
    assert [(r["source_file"], r["source_line"], r["reason"]) for r in rejects] == [
        ("bundle.zip!../escape.txt", None, "hostile-archive"),
        ("evil.xml", None, "hostile-xml"),
        ("gazette/2026.xml", 2, "empty"),
    ]
    assert metrics["files_by_format"] == {"docx": 1, "html": 1, "xml": 2, "zip": 1}


def test_symbolic_links_are_rejected_not_followed(layout, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("不該被發布的秘密。", encoding="utf-8")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.txt").write_text("外部資料夾。", encoding="utf-8")
    folder = add_source(layout, "agency", {"a.txt": "正常的文件。"})
    (folder / "leak.txt").symlink_to(secret)
    (folder / "linked").symlink_to(outside, target_is_directory=True)
    docs, rejects, _ = ingest(layout)
    assert [d["text"] for d in docs] == ["正常的文件。"]
    assert [(r["source_file"], r["reason"], r["detail"]) for r in rejects] == [
        ("leak.txt", "not-a-file", "a symbolic link: not read (contribute the file itself)"),
        ("linked", "not-a-file", "a symbolic link: not read (contribute the file itself)"),
    ]


def test_reject_order_does_not_depend_on_the_batch_size(layout):
    import yaml

    lines = [
        {"text": "同一段文字。"},
        {"text": "另一段文字。"},
        {"text": "同一段文字。"},
        {"text": "授權不明。", "license": "CC-BY-9.9"},
        {"text": "另一段文字。"},
    ]
    add_source(layout, "agency", {"a.jsonl": "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n"})
    seen = []
    for batch_size in (1, 2, 1000):
        params = yaml.safe_load(layout.params.read_text())
        params["ingest"]["batch_size"] = batch_size
        layout.params.write_text(yaml.safe_dump(params, allow_unicode=True))
        docs, rejects, _ = ingest(layout)
        seen.append(
            ([d["source_line"] for d in docs], [(r["source_line"], r["reason"].split(":")[0]) for r in rejects])
        )
    # the file's duplicates come after its other rejects, whatever the chunking
    assert seen == [([1, 2], [(4, "unknown-license"), (3, "duplicate-in-source"), (5, "duplicate-in-source")])] * 3
