"""The decontam stage in the pipeline: exam questions cut from the sample laws remove (or,
by policy, flag) exactly the laws they came from; the release, its rejects and its card say
so; a benchmark file that is wrong stops the stage before any output is written."""

from __future__ import annotations

import shutil

import pyarrow.parquet as pq
import pytest
import yaml
from conftest import REPO, context
from test_decontam import write_benchmarks

from pipeline import stages
from pipeline.core.errors import UserError
from pipeline.decontam import stage as decontam

LAWS = REPO / "data" / "raw" / "laws"


def set_decontam(layout, **section):
    params = yaml.safe_load(layout.params.read_text(encoding="utf-8"))
    params["decontam"] = {**params["decontam"], **section}
    layout.params.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")


@pytest.fixture
def laws_repo(layout):
    """The seven sample laws as a registered source, and three exam sets under data/benchmarks/:
    civics (removes the Constitution), law-quiz (flags the Personal Data Protection Act) and
    tmmlu-sample (removes the Copyright Act)."""
    shutil.copytree(LAWS, layout.source_dir("laws"))
    (layout.sources_config).write_text("sources:\n  laws: {}\n", encoding="utf-8")
    specs = write_benchmarks(layout.benchmarks / "exams")
    set_decontam(
        layout,
        benchmarks=[
            {
                "name": s.name,
                "path": f"data/benchmarks/exams/{s.path}",
                "fields": list(s.fields),
                **({"id_field": s.id_field} if s.id_field else {}),
                **({"policy": "flag"} if s.name == "law-quiz" else {}),
            }
            for s in specs
        ],
    )
    return layout


def published(layout):
    return {
        r["source_file"]: r
        for f in sorted((layout.publish / "data").rglob("*.parquet"))
        for r in pq.read_table(f).to_pylist()
    }


def test_matching_documents_go_the_flagged_stay_marked_and_the_others_stay(laws_repo):
    layout = laws_repo
    stages.run_all(context(layout))
    rows = published(layout)
    assert sorted(rows) == ["A0030133.json", "H0170001.json", "H0170143.json", "I0020026.json", "I0050021.json"]
    assert rows["I0050021.json"]["contamination"] == ["law-quiz"]
    assert all(r["contamination"] == [] for name, r in rows.items() if name != "I0050021.json")

    rejects = {r["source_file"]: r for r in pq.read_table(layout.rejects).to_pylist() if r["stage"] == "decontam"}
    assert {f: r["reason"] for f, r in rejects.items()} == {
        "A0000001.json": "decontam:civics",
        "J0070017.json": "decontam:tmmlu-sample",
    }
    assert rejects["A0000001.json"]["detail"].startswith("shares a 18-character sequence with civics item c2 (…")
    released = pq.read_table(layout.publish / "rejects.parquet").to_pylist()
    assert sorted(r["reason"] for r in released if r["stage"] == "decontam") == [
        "decontam:civics",
        "decontam:tmmlu-sample",
    ]

    card = (layout.publish / "README.md").read_text(encoding="utf-8")
    assert "**decontam** — documents that share a run of 18 characters" in card
    assert "   | `civics` | `data/benchmarks/exams/civics.jsonl` | 18 | remove | 2 | 1 | 1 | 0 |" in card
    assert "   | `law-quiz` | `data/benchmarks/exams/law_quiz.csv` | 18 | flag | 2 | 1 | 0 | 1 |" in card
    assert (
        "- **Evaluation benchmarks**: 3 checked (`civics`, `law-quiz`, `tmmlu-sample`); 2 documents sharing "
        "text with one were removed and 1 kept and flagged in column `contamination`"
    ) in card
    assert "| `decontam:civics` | 1 |" in card


def test_without_benchmarks_every_document_passes_and_the_card_says_none_was_checked(laws_repo):
    layout = laws_repo
    set_decontam(layout, benchmarks=[])
    metrics = stages.run_all(context(layout))
    assert metrics["documents"] == 7 and all(r["contamination"] == [] for r in published(layout).values())
    card = (layout.publish / "README.md").read_text(encoding="utf-8")
    assert "**decontam** — no benchmark was named in `decontam.benchmarks`" in card
    assert "- **Evaluation benchmarks**: none was checked" in card


def test_a_missing_benchmark_file_stops_the_stage_before_it_writes(laws_repo):
    layout = laws_repo
    stages.run_source(context(layout), "laws")
    from pipeline.dedup import stage as dedup

    dedup.run(context(layout), progress=False)
    (layout.benchmarks / "exams" / "law_quiz.csv").unlink()
    with pytest.raises(UserError) as e:
        decontam.run(context(layout), progress=False)
    assert str(e.value) == "data/benchmarks/exams/law_quiz.csv: benchmark 'law-quiz': file not found"
    assert not layout.decontam.exists() and not layout.decontam_metrics.exists()


def test_a_benchmark_outside_data_benchmarks_is_refused_when_params_load(laws_repo):
    layout = laws_repo
    set_decontam(layout, benchmarks=[{"name": "exam", "path": "exam.csv", "fields": ["q"]}])
    with pytest.raises(
        UserError,
        match=r"'decontam.benchmarks\[0\].path' must be a file or glob under "
        r"data/benchmarks/",
    ):
        context(layout)
