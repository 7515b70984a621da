"""Outputs survive crashes and concurrent runs; corruption is caught, in one line.

Temporary files live in ``<root>/.tmp`` (never in a folder DVC hashes), each output is
locked while it is written, the release folder is swapped in whole, every Parquet page
carries a checksum that every read verifies, and a corrupt segmentation cache is a miss.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import random
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from conftest import REPO, add_source, context, run_env
from documents import normalized_batch
from test_segment import CountingSegmenter

from pipeline import stages
from pipeline.core import parquet
from pipeline.core.errors import UserError
from pipeline.core.jsonfile import read_json, write_json
from pipeline.core.parquet import RowWriter, count_rows, read_batches, read_table
from pipeline.decontam import stage as decontam_stage
from pipeline.dedup import stage as dedup_stage
from pipeline.publish import stage as publish_stage
from pipeline.publish.plots import CHART_TITLES
from pipeline.segment import stage as segment_stage
from pipeline.segment.cache import SegmentCache, cache_key
from pipeline.stages import runner

pytestmark = pytest.mark.reliability

SENTENCES = (Path(__file__).parent / "data" / "ud_gsd_dev_sentences.txt").read_text(encoding="utf-8").splitlines()
SCHEMA = pa.schema([("text", pa.string())])
UNREADABLE = r"not a readable Parquet file \(.+\); delete it and run dvc repro$"


def news(layout, n=40, batch=10):
    """One source of ``n`` documents; segment reads ``batch`` documents at a time."""
    add_source(
        layout,
        "news",
        {
            "news.jsonl": "\n".join(
                json.dumps({"text": f"第{i}則新聞稿：{SENTENCES[i]}"}, ensure_ascii=False) for i in range(n)
            )
        },
    )
    params = yaml.safe_load(layout.params.read_text(encoding="utf-8"))
    params["segment"]["batch_size"] = batch
    layout.params.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")


def names(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")} if folder.exists() else set()


def leftovers(layout) -> list[str]:
    """What is in .tmp besides the lock files (which stay, by design)."""
    scratch = layout.root / ".tmp"
    return sorted(p.name for p in scratch.iterdir() if not p.name.endswith(".lock")) if scratch.exists() else []


def digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# A stage run in another process, paused (or killed with SIGKILL) inside its second batch,
# after the first batch's rows were written to its temporary file.
SEGMENT = textwrap.dedent("""
    import os, signal, sys, time
    from pipeline.core.context import load_context
    from pipeline.segment import stage
    root, mode = sys.argv[1], sys.argv[2]
    real, calls = stage.segment_batch, []
    def paused(batch, **kw):
        calls.append(1)
        if len(calls) == 2:
            print("writing", flush=True)
            if mode == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            time.sleep(300)
        return real(batch, **kw)
    stage.segment_batch = paused
    from pipeline.stages import runner
    runner("segment")(load_context(root), "news", progress=False)
""")

# A publish in another process, killed (or paused) after its shards and card, before LICENSES.md.
PUBLISH = textwrap.dedent("""
    import os, signal, sys, time
    from pipeline.core.context import load_context
    from pipeline.publish import stage
    root, mode = sys.argv[1], sys.argv[2]
    def paused(card):
        print("writing", flush=True)
        if mode == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(300)
    stage.render_licenses_file = paused
    stage.run(load_context(root), progress=False)
""")


def start(script: str, layout, mode: str) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(layout.root), mode],
        cwd=REPO,
        env=run_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline()
    if line != "writing\n":
        proc.kill()
        pytest.fail(f"the writer did not get to its write: {proc.communicate()[1]}")
    return proc


def twcorpus(layout, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", "--root", str(layout.root), "--quiet", *args],
        capture_output=True,
        text=True,
        env=run_env(),
        cwd=REPO,
    )


# --- crashes ---------------------------------------------------------------------------------------


def test_an_exception_mid_write_leaves_nothing_and_the_next_write_succeeds(layout):
    out = layout.stage_docs("news", "segment")
    with pytest.raises(RuntimeError):
        with RowWriter(out, SCHEMA, batch_size=2) as writer:
            for i in range(5):
                writer.add({"text": f"第{i}句"})
            writer.flush()
            raise RuntimeError("the stage failed")
    assert names(layout.interim("news")) == set()
    assert leftovers(layout) == []
    with RowWriter(out, SCHEMA, batch_size=2) as writer:
        writer.add({"text": "新的"})
    assert read_table(out).column("text").to_pylist() == ["新的"]
    assert names(layout.interim("news")) == {"segment.parquet"} and leftovers(layout) == []


def test_temporary_files_are_outside_the_output_folder_while_writing(layout):
    out = layout.stage_docs("news", "segment")
    writer = RowWriter(out, SCHEMA, batch_size=2)
    writer.add({"text": "一"})
    writer.flush()
    assert names(layout.interim("news")) == set()  # the folder DVC hashes holds nothing yet
    assert len(leftovers(layout)) == 1 and leftovers(layout)[0].endswith(".tmp")
    writer.close()
    assert names(layout.interim("news")) == {"segment.parquet"} and leftovers(layout) == []


def test_a_stage_killed_mid_write_leaves_nothing_in_data_and_the_next_run_succeeds(layout):
    news(layout)
    ctx = context(layout)
    stages.run_source(ctx, "news", until="pii")
    before = names(layout.root / "data")
    proc = start(SEGMENT, layout, "kill")
    assert proc.wait(timeout=60) == -signal.SIGKILL
    assert names(layout.root / "data") == before  # no half file, no temporary file where DVC hashes
    assert leftovers(layout)  # the killed run's temporary files, in .tmp
    # the name writers used before, left by a crash of an older version: removed too
    (layout.interim("news") / ".segment.parquet.tmp").write_bytes(b"PAR1 half")

    metrics = runner("segment")(ctx, "news", progress=False)
    assert metrics["documents"] == 40
    assert names(layout.root / "data") - before == {
        "interim/news/segment.parquet",
        "interim/news/segment.rejects.parquet",
        "metrics/news/segment.json",
    }
    assert leftovers(layout) == []
    first = digests(layout.interim("news"))
    runner("segment")(ctx, "news", progress=False)
    assert digests(layout.interim("news")) == first  # still byte-identical across runs


def test_outputs_get_the_usual_permissions(layout):
    news(layout, n=3)
    old = os.umask(0o022)
    try:
        stages.run_all(context(layout))
    finally:
        os.umask(old)
    assert stat.S_IMODE(layout.stage_docs("news", "segment").stat().st_mode) == 0o644  # not mkstemp's 0600
    assert stat.S_IMODE(layout.publish_metrics.stat().st_mode) == 0o644
    assert stat.S_IMODE(layout.publish.stat().st_mode) == 0o755  # not mkdtemp's 0700


# --- concurrent runs -------------------------------------------------------------------------------


def test_a_second_run_of_the_same_stage_stops_with_one_line(layout):
    news(layout)
    ctx = context(layout)
    stages.run_source(ctx, "news", until="pii")
    holder = start(SEGMENT, layout, "hold")
    try:
        with pytest.raises(
            UserError,
            match=r"^data/interim/news/segment\.parquet: another run is writing this output "
            r"right now \(lock \.tmp/[^)]+\.lock\); wait for it to finish, or stop it, then run again$",
        ):
            runner("segment")(ctx, "news", progress=False)
        result = twcorpus(layout, "segment", "news")
        assert result.returncode == 2
        errors = [line for line in result.stderr.splitlines() if "warning" not in line]
        assert len(errors) == 1 and errors[0].startswith(
            "twcorpus: error: data/interim/news/segment.parquet: another run is writing this output"
        )
    finally:
        holder.kill()
        holder.wait()
    assert runner("segment")(ctx, "news", progress=False)["documents"] == 40  # the lock went with the process
    assert leftovers(layout) == []


def test_two_writers_of_one_file_in_one_process_collide_cleanly(layout):
    out = layout.stage_docs("news", "pii")
    first = RowWriter(out, SCHEMA, batch_size=2)
    with pytest.raises(UserError, match="another run is writing this output"):
        RowWriter(out, SCHEMA, batch_size=2)
    first.add({"text": "甲"})
    first.close()
    assert read_table(out).num_rows == 1


# --- the release folder ----------------------------------------------------------------------------


def released(layout) -> tuple[dict[str, str], set[str]]:
    return digests(layout.publish), names(layout.publish)


def test_a_failed_publish_leaves_the_old_release(layout, monkeypatch):
    news(layout)
    old = stages.run_all(context(layout))
    old_release = released(layout)
    add_source(layout, "laws", {"a.txt": "憲法條文。"})  # the next release differs
    stages.run_source(context(layout), "laws")
    dedup_stage.run(context(layout), progress=False)
    decontam_stage.run(context(layout), progress=False)

    def fail(card):
        raise RuntimeError("disk full")

    monkeypatch.setattr(publish_stage, "render_licenses_file", fail)
    with pytest.raises(RuntimeError):
        publish_stage.run(context(layout), progress=False)
    assert released(layout) == old_release
    assert leftovers(layout) == []

    monkeypatch.undo()
    new = publish_stage.run(context(layout), progress=False)
    assert new["documents"] == old["documents"] + 1
    assert released(layout) != old_release
    assert "laws" in (layout.publish / "README.md").read_text(encoding="utf-8")


def test_a_publish_killed_before_its_card_is_complete_leaves_the_old_release(layout):
    news(layout)
    stages.run_all(context(layout))
    old_release = released(layout)
    (layout.params).write_text(
        layout.params.read_text(encoding="utf-8").replace("max_shard_bytes:", "max_shard_bytes: 2000 #"),
        encoding="utf-8",
    )
    proc = start(PUBLISH, layout, "kill")
    assert proc.wait(timeout=60) == -signal.SIGKILL
    assert released(layout) == old_release  # shards and README of the new one exist only in .tmp
    assert leftovers(layout)

    publish_stage.run(context(layout), progress=False)
    digest, files = released(layout)
    shards = sorted(f for f in files if f.startswith("data/default/"))
    assert len(shards) > 1 and all(s.endswith(f"-of-{len(shards):05d}.parquet") for s in shards)
    charts = {f"plots/{name}" for name, _ in CHART_TITLES}
    assert files == {"README.md", "LICENSES.md", "rejects.parquet", "data", "data/default", *shards, "plots", *charts}
    assert leftovers(layout) == []


def test_a_second_publish_at_once_stops_with_one_line(layout):
    news(layout, n=5)
    stages.run_all(context(layout))
    holder = start(PUBLISH, layout, "hold")
    try:
        with pytest.raises(UserError, match=r"^data/publish: another run is writing this output right now"):
            publish_stage.run(context(layout), progress=False)
    finally:
        holder.kill()
        holder.wait()


def test_the_release_is_the_same_without_an_atomic_exchange(layout, monkeypatch):
    news(layout, n=5)
    stages.run_all(context(layout))
    first = released(layout)
    monkeypatch.setattr(parquet, "_exchange", lambda a, b: False)  # a system without renameat2
    publish_stage.run(context(layout), progress=False)
    assert released(layout) == first and leftovers(layout) == []


# --- corruption ------------------------------------------------------------------------------------


def text_chunk(path: Path) -> tuple[int, int]:
    """The byte range of the text column's pages (dictionary and data) in the first row group."""
    meta = pq.ParquetFile(path).metadata
    schema = meta.schema.to_arrow_schema()
    column = meta.row_group(0).column(schema.get_field_index("text"))
    start = min(o for o in (column.dictionary_page_offset, column.data_page_offset) if o is not None)
    return start, start + column.total_compressed_size


def silent_flips(data: bytes, start: int, end: int, enough: int = 25) -> list[int]:
    """Positions where one flipped byte is read back, without checksums, as different text."""
    expected = pq.read_table(pa.BufferReader(data)).column("text").to_pylist()
    found = []
    for pos in range(start, end, 7):
        if len(found) >= enough:
            break
        changed = bytearray(data)
        changed[pos] ^= 0x20
        try:
            table = pq.read_table(pa.BufferReader(bytes(changed)), page_checksum_verification=False)
        except (pa.ArrowException, OSError):
            continue  # caught even without checksums
        try:
            if table.column("text").to_pylist() != expected:
                found.append(pos)
        except UnicodeDecodeError:  # read "successfully" as text that is not even UTF-8
            found.append(pos)
    return found


def test_flipped_bytes_in_a_page_are_caught_not_read_as_other_text(layout):
    news(layout)
    ctx = context(layout)
    stages.run_source(ctx, "news", until="pii")
    path = layout.stage_docs("news", "pii")
    data = path.read_bytes()
    flips = silent_flips(data, *text_chunk(path))
    assert flips, "no flip changes the text silently: the test would prove nothing"
    for pos in flips:
        changed = bytearray(data)
        changed[pos] ^= 0x20
        path.write_bytes(bytes(changed))
        with pytest.raises(UserError, match=r"^data/interim/news/pii\.parquet: " + UNREADABLE) as caught:
            list(read_batches(path, 1000))
        assert "\n" not in str(caught.value)

    path.write_bytes(bytes(changed))  # through a stage and the command line: the same line
    with pytest.raises(UserError, match=r"^data/interim/news/pii\.parquet: not a readable Parquet file \(.*CRC"):
        runner("segment")(ctx, "news", progress=False)
    result = twcorpus(layout, "segment", "news")
    errors = [line for line in result.stderr.splitlines() if "warning" not in line]
    assert result.returncode == 2 and len(errors) == 1
    assert errors[0].startswith("twcorpus: error: data/interim/news/pii.parquet: not a readable Parquet file (")
    assert not layout.stage_docs("news", "segment").exists()


def test_random_corruption_is_never_read_back_silently(layout):
    news(layout)
    stages.run_source(context(layout), "news", until="quality")
    path = layout.stage_docs("news", "quality")
    data = path.read_bytes()
    expected = pq.read_table(path)
    rng = random.Random(20261127)
    outcomes = {"caught": 0, "same": 0}
    for _ in range(300):
        changed = bytearray(data)
        for _ in range(rng.randrange(1, 4)):
            changed[rng.randrange(4, len(changed) - 8)] = rng.randrange(256)
        path.write_bytes(bytes(changed))
        try:
            table = read_table(path)
        except UserError as exc:
            assert str(exc).startswith("data/interim/news/quality.parquet: not a readable Parquet file (")
            outcomes["caught"] += 1
        else:
            assert table.equals(expected)  # a byte no reader uses (statistics, padding): the same rows
            outcomes["same"] += 1
    assert outcomes["caught"] > 200


@pytest.mark.parametrize("cut", [0.5, 0.0, 0.99])
def test_a_truncated_input_is_one_line_naming_it(layout, cut):
    news(layout, n=5)
    ctx = context(layout)
    stages.run_source(ctx, "news", until="pii")
    path = layout.stage_docs("news", "pii")
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * cut)])
    with pytest.raises(UserError, match=r"^data/interim/news/pii\.parquet: " + UNREADABLE):
        runner("segment")(ctx, "news", progress=False)
    with pytest.raises(UserError, match=r"^data/interim/news/pii\.parquet: " + UNREADABLE):
        count_rows(path)


def test_every_output_carries_page_checksums(layout):
    news(layout, n=5)
    add_source(layout, "laws", {"a.txt": "憲法條文。", "b.txt": b"\xff\xfe\xfa" * 3})  # a reject
    stages.run_all(context(layout))
    outputs = [
        *layout.interim("news").glob("*.parquet"),
        layout.dedup,
        layout.rejects,
        *(layout.publish / "data").rglob("*.parquet"),
    ]
    checked = 0
    for path in outputs:
        if pq.read_metadata(path).num_rows == 0:
            continue
        _, end = text_chunk(path)
        changed = bytearray(path.read_bytes())
        changed[end - 2] ^= 0x01  # inside the text column's last page
        path.write_bytes(bytes(changed))
        with pytest.raises(UserError, match=r"not a readable Parquet file \(.*CRC checksum verification failed"):
            read_table(path)
        checked += 1
    assert checked >= 7  # six stage files with documents, dedup's, the rejects, a shard


def test_a_corrupt_json_input_is_one_line(layout):
    path = layout.source_info("news")
    write_json(path, {"id": "news"})
    assert read_json(path) == {"id": "news"} and leftovers(layout) == []
    path.write_bytes(b'{"id": "ne')
    with pytest.raises(
        UserError,
        match=r"^data/interim/news/source\.json: not a readable JSON file \(.+\); "
        r"delete it and run dvc repro$",
    ):
        read_json(path)


# --- the segmentation cache ------------------------------------------------------------------------


TEXTS = ["第一句。第二句。", "第三句。"]


def segment(cache_path: Path, texts=TEXTS) -> tuple[CountingSegmenter, list]:
    seg, cache = CountingSegmenter(), SegmentCache(cache_path)
    try:
        result = segment_stage.segment_batch(normalized_batch(texts), seg, cache, max_chars=4)
    finally:
        cache.close()
    return seg, result.kept.column("tokens").to_pylist()


def test_a_corrupt_cache_entry_is_a_miss_and_is_rewritten(layout, capsys):
    path = layout.root / ".cache" / "segment" / "segments.sqlite"
    _, tokens = segment(path)
    data = path.read_bytes()
    stored, flipped = '"第", "二"'.encode(), '"第", "三"'.encode()  # one byte apart: still valid JSON
    assert data.count(stored) == 1
    path.write_bytes(data.replace(stored, flipped))
    capsys.readouterr()

    seg, again = segment(path)
    assert again == tokens  # never the corrupt tokens
    assert seg.calls == ["第二句。"]  # only the corrupt entry segmented again
    warnings = capsys.readouterr().err.splitlines()
    assert len(warnings) == 1
    assert warnings[0].startswith("twcorpus: warning: .cache/segment/segments.sqlite: corrupt segmentation cache")
    assert warnings[0].endswith("(deleting .cache/segment is always safe)")

    seg, _ = segment(path)
    assert seg.calls == [] and capsys.readouterr().err == ""  # rewritten: a hit, no warning


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_an_unreadable_cache_file_is_replaced_by_a_new_one(layout, capsys, damage):
    path = layout.root / ".cache" / "segment" / "segments.sqlite"
    _, tokens = segment(path, [f"第{i}句話。" * 30 for i in range(200)])
    data = path.read_bytes()
    path.write_bytes(os.urandom(len(data)) if damage == "garbage" else data[: len(data) // 3])
    capsys.readouterr()

    seg, again = segment(path, [f"第{i}句話。" * 30 for i in range(200)])
    assert again == tokens and seg.calls
    warnings = capsys.readouterr().err.splitlines()
    assert len(warnings) == 1 and "the segmentation cache is unreadable" in warnings[0]
    assert warnings[0].endswith("(deleting .cache/segment is always safe)")
    seg, _ = segment(path, [f"第{i}句話。" * 30 for i in range(200)])
    assert seg.calls == []


def test_the_stage_with_a_corrupt_cache_writes_the_same_files(layout, capsys):
    news(layout)
    ctx = context(layout)
    stages.run_source(ctx, "news")
    first = digests(layout.interim("news"))
    gc.collect()  # the stage's cache connection, closed
    for path in (layout.root / ".cache" / "segment").iterdir():  # the database and its WAL, if any
        path.write_bytes(os.urandom(path.stat().st_size))
    capsys.readouterr()
    runner("segment")(ctx, "news", progress=False)
    assert "the segmentation cache is unreadable" in capsys.readouterr().err
    assert digests(layout.interim("news")) == first


def test_a_cache_from_before_digests_is_carried_over(tmp_path):
    path = tmp_path / "c.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE segments (key BLOB PRIMARY KEY, value TEXT NOT NULL)")
    db.execute(
        "INSERT INTO segments VALUES (?, ?)", (cache_key("counting-v1", "第三句。"), '{"tokens": ["第三", "句。"]}')
    )
    db.commit()
    db.close()
    seg, tokens = segment(path)
    assert seg.calls == ["第一句。", "第二句。"] and tokens[1] == ["第三", "句。"]
