"""The one validated place for configuration: ``params.yaml`` and ``configs/sources.yaml``.

``params.yaml`` holds one section per stage; each section is a frozen dataclass below,
validated by ``pipeline.core.settings.build`` (unknown keys, wrong types and bad values
are one-line errors). ``configs/sources.yaml`` registers sources:
``sources: {<id>: {...overrides of the source's manifest...}}``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pipeline.core.contract import stages
from pipeline.core.errors import UserError, did_you_mean
from pipeline.core.layout import Layout, checked_source_id
from pipeline.core.settings import build
from pipeline.core.yamlio import load_yaml
from pipeline.engine import ENGINES
from pipeline.pii.params import PiiParams  # the pii section: its types are the ones its detectors register

Ranges = dict[str, tuple[float, float]]  # key -> (lowest, highest) allowed, checked by settings.build
ROWS = (1, 1_000_000)  # a batch of rows: more than a million rows at once is a typo, not a setting
GiB = 1024**3
SEED = (0, 2**32 - 1)
SHARE = (0, 1)


@dataclass(frozen=True)
class IngestParams:
    batch_size: int = 1000  # rows per Arrow record batch; bounds the stage's memory
    max_file_bytes: int = 256 * 1024 * 1024  # larger files are rejected as too-large, unread

    RANGES: ClassVar[Ranges] = {"batch_size": ROWS, "max_file_bytes": (1, 4 * GiB)}


@dataclass(frozen=True)
class CleanupParams:
    """Each Unicode clean-up step, on or off (pipeline/normalize/cleanup.py)."""

    mojibake: bool = True
    compat_ideographs: bool = True
    nfc: bool = True
    newlines: bool = True
    control_chars: bool = True
    fullwidth_alnum: bool = True
    page_numbers: bool = True
    broken_paragraphs: bool = True
    spaces: bool = True


SIMPLIFIED_CONFIGS = ("s2twp", "s2tw", "s2t")
TRADITIONAL_CONFIGS = ("t2tw",)


@dataclass(frozen=True)
class NormalizeParams:
    batch_size: int = 1000
    cleanup: CleanupParams = field(default_factory=CleanupParams)
    keep_languages: tuple[str, ...] = ("zh",)  # primary subtags; zh keeps zh-Hant and converted zh-Hans
    min_han_share: float = 0.5  # Han share of the letters (Latin words count once) to call a text Chinese
    simplified_share: float = 0.5  # Simplified-only share of the script-specific characters to call it Simplified
    convert_simplified: str = "s2twp"  # OpenCC config for Simplified documents
    traditional_variants: str | None = None  # optional OpenCC pass for Traditional documents (t2tw), off by default
    langdetect_seed: int = 0

    RANGES: ClassVar[Ranges] = {
        "batch_size": ROWS,
        "min_han_share": SHARE,
        "simplified_share": SHARE,
        "langdetect_seed": SEED,
    }

    def check(self, where: str, prefix: str) -> None:
        for key in ("min_han_share", "simplified_share"):
            if not 0 < getattr(self, key) <= 1:
                raise UserError(where, f"'{prefix}.{key}' must be in (0, 1]")
        if self.convert_simplified not in SIMPLIFIED_CONFIGS:
            raise UserError(
                where,
                f"'{prefix}.convert_simplified' must be one of {', '.join(SIMPLIFIED_CONFIGS)}"
                f" (never a config that also rewrites Traditional text), got '{self.convert_simplified}'",
            )
        if self.traditional_variants not in (None, *TRADITIONAL_CONFIGS):
            raise UserError(
                where, f"'{prefix}.traditional_variants' must be null or t2tw, got '{self.traditional_variants}'"
            )
        if not self.keep_languages:
            raise UserError(where, f"'{prefix}.keep_languages' must name at least one language")


@dataclass(frozen=True)
class SegmentParams:
    model: str = "albert-tiny"  # CKIP alias, Hugging Face id, or local folder (relative to the repo root)
    pos_model: str | None = None  # defaults to the alias's -pos model; required for a custom model when pos is on
    ner_model: str | None = None  # likewise for NER
    pos: bool = False  # part-of-speech tags (column pos)
    ner: bool = False  # named entities with character offsets (column entities)
    strict: bool = False  # fail instead of falling back when no CKIP model can be had
    fallback: str = (
        "jieba-hant"  # the offline segmenter when no CKIP model is available (checked by the segment contract)
    )
    device: str = "auto"  # auto, cpu, cuda, cuda:N
    pieces_per_call: int = 64  # pieces per call of the ckip-transformers reference path (benchmarks, tests)
    # tokens per model batch of our inference path, padding included; null: 2,048 on CPU, 32,768 on GPU
    batch_tokens: int | None = None
    precision: str = "fp32"  # fp32 (ckip-transformers' tokens), bf16 (AVX-512 BF16/AMX CPUs, GPUs), int8 (CPU)
    max_chars: int = 500  # documents are cut into pieces of at most this many characters (< 510)
    cache_dir: str | None = ".cache/segment"  # content-addressed cache, relative to the repo root; null: none
    batch_size: int = 1000  # documents read at a time (rows, as in every section)

    RANGES: ClassVar[Ranges] = {
        "pieces_per_call": (1, 8192),
        "batch_tokens": (1, 16_777_216),
        "max_chars": (1, 509),
        "batch_size": ROWS,
    }

    def check(self, where: str, prefix: str) -> None:
        if not 1 <= self.max_chars <= 509:
            raise UserError(where, f"'{prefix}.max_chars' must be between 1 and 509 (CKIP models take 510 characters)")
        if not (self.device in ("auto", "cpu", "cuda") or self.device.startswith("cuda:")):
            raise UserError(where, f"'{prefix}.device' must be auto, cpu, cuda or cuda:N, got '{self.device}'")
        if self.precision not in ("fp32", "bf16", "int8"):
            raise UserError(where, f"'{prefix}.precision' must be fp32, bf16 or int8, got '{self.precision}'")


@dataclass(frozen=True)
class QualityParams:
    """Thresholds of the quality rules (pipeline/quality/rules/, one module each, declaring the
    keys it reads); every removal is a reject quality:<rule>."""

    min_chars: int = 10  # characters without whitespace (a five-character quatrain line pair is 20)
    max_chars: int = 2_000_000
    # Han characters / letters (Han, Latin, Kana, Hangul), each letter counted, over the whole text; not
    # normalize.min_han_share, which counts a Latin word once (rules/han_share.py says both)
    min_han_share: float = 0.3
    bilingual_han_chars: int = 300  # a document with this many Han characters is judged by its Chinese part
    repetition_min_chars: int = 100  # the repetition rules below need this much text to mean anything
    max_dup_line_share: float = 0.7  # characters in repeated lines (Gopher: 0.3; gazette tables reach 0.65)
    top_ngram: int = 2  # n of the character n-gram whose coverage is measured
    max_top_ngram_share: float = 0.3  # Gopher's top 2-gram bound is 0.2 on words; gazette text reaches 0.22
    dup_ngram: int = 10
    max_dup_ngram_share: float = 0.95  # amendment comparison tables and corrections repeat their text: up to 0.91
    max_boilerplate_share: float = 0.3  # page furniture and navigation lines
    # Mainland terms / (Mainland + Taiwan terms) above which a document is rejected
    # quality:mainland_vocabulary; null: off (the share is measured and kept either way)
    max_mainland_share: float | None = None
    regional_min_terms: int = 5  # a document is judged on its share only from this many regional terms
    batch_size: int = 1000

    RANGES: ClassVar[Ranges] = {
        "min_chars": (0, 1_000_000_000),
        "max_chars": (1, 1_000_000_000),
        "min_han_share": SHARE,
        "bilingual_han_chars": (0, 1_000_000_000),
        "repetition_min_chars": (0, 1_000_000_000),
        "max_dup_line_share": SHARE,
        "top_ngram": (1, 10),
        "max_top_ngram_share": SHARE,
        "dup_ngram": (1, 100),
        "max_dup_ngram_share": SHARE,
        "max_boilerplate_share": SHARE,
        "max_mainland_share": SHARE,
        "regional_min_terms": (1, 1_000_000),
        "batch_size": ROWS,
    }

    def check(self, where: str, prefix: str) -> None:
        if self.min_chars > self.max_chars:
            raise UserError(where, f"'{prefix}.min_chars' is larger than '{prefix}.max_chars'")


MAX_PERMUTATIONS = 2048


@dataclass(frozen=True)
class DedupParams:
    """Exact and near-duplicate removal across all sources (README: "dedup in detail")."""

    exact: bool = True
    near: bool = True
    ngram: int = 5  # character shingle size, chosen with the threshold on real pairs (README: "dedup in detail")
    bands: int = 42
    rows: int = 3  # bands × rows MinHash permutations; candidate threshold ≈ (1/bands)^(1/rows) ≈ 0.29
    threshold: float = 0.8  # estimated Jaccard similarity with the document kept at which a document is its copy
    family_threshold: float = 0.5  # estimated Jaccard similarity that makes two documents one template family
    max_per_family: int | None = None  # publish at most this many of a template family (null: all)
    seed: int = 42
    source_priority: tuple[str, ...] = ()  # sources whose copy is kept first; then registration order, then position
    batch_size: int = 10_000

    RANGES: ClassVar[Ranges] = {
        "ngram": (1, 100),
        "bands": (1, 1024),
        "rows": (1, 64),
        "threshold": SHARE,
        "family_threshold": SHARE,
        "max_per_family": (1, 1_000_000_000),
        "seed": SEED,
        "batch_size": ROWS,
    }

    def check(self, where: str, prefix: str) -> None:
        for key in ("threshold", "family_threshold"):
            if not 0 < getattr(self, key) <= 1:
                raise UserError(where, f"'{prefix}.{key}' must be in (0, 1]")
        if self.family_threshold > self.threshold:
            raise UserError(where, f"'{prefix}.family_threshold' must not exceed '{prefix}.threshold'")
        if self.bands * self.rows > MAX_PERMUTATIONS:  # each permutation is a hash of every shingle
            raise UserError(
                where,
                f"'{prefix}.bands' × '{prefix}.rows' must be at most {MAX_PERMUTATIONS:,} MinHash "
                f"permutations, got {self.bands * self.rows:,}",
            )


# The decontam section. Benchmark files live under data/benchmarks/, the folder the stage
# depends on in dvc.yaml: a file elsewhere would change nothing DVC watches, and the stage
# would not re-run (README: "decontam in detail").
DECONTAM_NGRAM = (4, 1000)  # characters; fewer than 4 Han characters match everywhere

DECONTAM_POLICIES = ("remove", "flag")
BENCHMARK_FORMATS = ("jsonl", "csv", "parquet")  # the readers of pipeline/decontam/benchmarks.py
BENCHMARK_NAME = re.compile(r"[a-z0-9][a-z0-9._-]*")
BENCHMARK_FOLDER = "data/benchmarks"  # a dependency of the decontam stage in dvc.yaml


@dataclass(frozen=True)
class BenchmarkSpec:
    """One evaluation set to keep out of the corpus: a local file (or a glob of files, as
    TMMLU+ ships one CSV per subject), and the fields whose text makes up an item."""

    name: str  # lowercase letters, digits, '.', '_', '-': the reject reason is decontam:<name>
    path: str  # under data/benchmarks/, relative to the repository root; a glob (*, ?, [...]) reads every matching file, sorted
    fields: tuple[str, ...]  # fields / columns joined into an item's text, e.g. [question, A, B, C, D, answer]
    format: str | None = (
        None  # jsonl, csv or parquet; null: from the extension (.jsonl/.ndjson/.json, .csv, .parquet/.pq)
    )
    id_field: str | None = None  # field holding the item's id; null: <file>:<row> (rows count from 1)
    ngram: int | None = None  # this benchmark's n-gram size in characters; null: decontam.ngram
    policy: str | None = None  # remove or flag for this benchmark; null: decontam.policy

    RANGES: ClassVar[Ranges] = {"ngram": DECONTAM_NGRAM}

    def check(self, where: str, prefix: str) -> None:
        if not BENCHMARK_NAME.fullmatch(self.name):
            raise UserError(
                where,
                f"'{prefix}.name' must be lowercase letters, digits, '.', '_' or '-' "
                f"(it becomes the reject reason decontam:<name>), got '{self.name}'",
            )
        if not self.path.strip():
            raise UserError(where, f"'{prefix}.path' is empty")
        parts = self.path.replace("\\", "/").split("/")
        if self.path.startswith("/") or ".." in parts or "/".join(parts[:2]) != BENCHMARK_FOLDER or len(parts) < 3:
            raise UserError(
                where,
                f"'{prefix}.path' must be a file or glob under {BENCHMARK_FOLDER}/ (the folder DVC watches "
                f"for the decontam stage), got '{self.path}'",
            )
        if not self.fields:
            raise UserError(where, f"'{prefix}.fields' must name at least one field (e.g. [question, answer])")
        if any(not f for f in self.fields):
            raise UserError(where, f"'{prefix}.fields' holds an empty field name")
        if self.format is not None and self.format not in BENCHMARK_FORMATS:
            raise UserError(
                where, f"'{prefix}.format' must be null or one of {', '.join(BENCHMARK_FORMATS)}, got '{self.format}'"
            )
        if self.policy is not None and self.policy not in DECONTAM_POLICIES:
            raise UserError(where, f"'{prefix}.policy' must be null, remove or flag, got '{self.policy}'")


@dataclass(frozen=True)
class DecontamParams:
    """Removal (or flagging) of documents that share a long character n-gram with an item of
    an evaluation benchmark (README: "decontam in detail"). Both sides are normalized the same
    way first (NFKC, lowercase, whitespace, punctuation and symbols dropped), so n counts
    letters, digits and Han characters only."""

    benchmarks: tuple[BenchmarkSpec, ...] = ()  # none: the stage passes every document through
    ngram: int = 18  # shared run of normalized characters that makes a match; measured (README table)
    min_chars: int = 10  # an item shorter than ngram is matched whole if it has at least this many characters
    policy: str = "remove"  # remove (reject decontam:<benchmark>) or flag (keep; column contamination)
    batch_size: int = 10_000  # documents per record batch

    RANGES: ClassVar[Ranges] = {"ngram": DECONTAM_NGRAM, "min_chars": DECONTAM_NGRAM, "batch_size": ROWS}

    def check(self, where: str, prefix: str) -> None:
        if self.policy not in DECONTAM_POLICIES:
            raise UserError(where, f"'{prefix}.policy' must be remove or flag, got '{self.policy}'")
        if self.min_chars > self.ngram:
            raise UserError(where, f"'{prefix}.min_chars' must not exceed '{prefix}.ngram'")
        seen: set[str] = set()
        for i, b in enumerate(self.benchmarks):
            if b.name in seen:
                raise UserError(where, f"'{prefix}.benchmarks[{i}].name': '{b.name}' is used twice")
            seen.add(b.name)
            if b.ngram is not None and b.ngram < self.min_chars:
                raise UserError(where, f"'{prefix}.benchmarks[{i}].ngram' must not be below '{prefix}.min_chars'")

    def ngram_of(self, b: BenchmarkSpec) -> int:
        return b.ngram if b.ngram is not None else self.ngram

    def policy_of(self, b: BenchmarkSpec) -> str:
        return b.policy if b.policy is not None else self.policy


@dataclass(frozen=True)
class PublishParams:
    pretty_name: str = "Taiwan Traditional-Chinese Public Text Corpus"
    description: str = (
        "Taiwanese government and cultural text in Traditional Chinese, contributed by the agencies that publish it, "
        "with provenance and license for every document."
    )
    max_shard_bytes: int = 256 * 1024 * 1024  # cut shards at this much UTF-8 text
    row_group_rows: int = 10_000  # small row groups keep the hub's dataset viewer fast
    compression_level: int = 9  # zstd
    batch_size: int = 1000

    RANGES: ClassVar[Ranges] = {
        "max_shard_bytes": (1, 16 * GiB),
        "row_group_rows": (1, 10_000_000),
        "compression_level": (1, 22),
        "batch_size": ROWS,
    }


@dataclass(frozen=True)
class LicensesParams:
    """The publication policy: which licenses are published, grouped into hub configs.

    A license in no group is never published; its documents become rejects
    ``license:<id>``. Cross-checks against the registry live in ``pipeline.core.policy``.
    """

    groups: dict[str, tuple[str, ...]] = field(
        default_factory=lambda: {
            "default": (
                "LicenseRef-TW-Copyright-Act-Art9",
                "LicenseRef-Public-Domain",
                "OGDL-Taiwan-1.0",
                "CC0-1.0",
                "CC-BY-4.0",
            ),
            "share-alike": ("CC-BY-SA-4.0",),
        }
    )
    default_group: str = "default"  # the hub's default config

    def check(self, where: str, prefix: str) -> None:
        if self.default_group not in self.groups:
            raise UserError(
                where,
                f"'{prefix}.default_group' is '{self.default_group}', which is not a group "
                f"(groups: {', '.join(self.groups)})",
            )
        for name in self.groups:
            if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
                raise UserError(where, f"'{prefix}.groups.{name}': a group name is lowercase letters, digits and '-'")


@dataclass(frozen=True)
class PushParams:
    """Where `twcorpus push` uploads data/publish/ (HF_TOKEN comes from the environment)."""

    repo_id: str = ""  # <org>/<name> on the Hugging Face hub; empty: push refuses to run
    private: bool = True  # a new repository is created private

    def check(self, where: str, prefix: str) -> None:
        if self.repo_id and not re.fullmatch(r"[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*", self.repo_id):
            raise UserError(where, f"'{prefix}.repo_id' must look like org/name, got '{self.repo_id}'")


@dataclass(frozen=True)
class RayParams:
    """How stages use a Ray cluster when ``engine: ray`` (README: "Running on a cluster").

    None of these change a stage's output, so DVC does not track them.
    """

    num_cpus: int | None = None  # CPUs of a local Ray instance (RAY_ADDRESS unset); null: all of them
    segment_actors: int = 1  # segmentation actors, each loading the model once
    segment_cpus: float = 1  # CPUs reserved per segmentation actor
    segment_gpus: float | None = None  # GPUs per actor; null: 1 when the cluster has GPUs, else 0
    segment_rows: int = 256  # documents per actor call
    dedup_partitions: int = 16  # hash partitions of the LSH bucket shuffle

    RANGES: ClassVar[Ranges] = {
        "num_cpus": (1, 100_000),
        "segment_actors": (1, 10_000),
        "segment_cpus": (0, 1024),
        "segment_gpus": (0, 64),
        "segment_rows": ROWS,
        "dedup_partitions": (1, 100_000),
    }


@dataclass(frozen=True)
class Params:
    engine: str = "local"  # where stage functions run: a name in pipeline.engine.ENGINES (local, ray)
    ray: RayParams = field(default_factory=RayParams)
    ingest: IngestParams = field(default_factory=IngestParams)
    normalize: NormalizeParams = field(default_factory=NormalizeParams)
    quality: QualityParams = field(default_factory=QualityParams)
    pii: PiiParams = field(default_factory=PiiParams)
    segment: SegmentParams = field(default_factory=SegmentParams)
    dedup: DedupParams = field(default_factory=DedupParams)
    decontam: DecontamParams = field(default_factory=DecontamParams)
    licenses: LicensesParams = field(default_factory=LicensesParams)
    publish: PublishParams = field(default_factory=PublishParams)
    push: PushParams = field(default_factory=PushParams)

    def check(self, where: str, prefix: str) -> None:
        if self.engine not in ENGINES:  # by name: checking an engine never imports it
            names = ENGINES.names()
            raise UserError(
                where,
                f"'engine' must be one of {', '.join(names)}, got '{self.engine}'{did_you_mean(self.engine, names)}",
            )


def load_params(layout: Layout) -> Params:
    if not layout.params.exists():
        return Params()
    where = layout.rel(layout.params)
    params = build(Params, load_yaml(layout.params, where), where)
    for stage in stages():  # checks that need a stage's own registries (segment: its fallbacks)
        check = stage.params_check()
        if check is not None:
            check(params, where)
    return params


@dataclass(frozen=True)
class SourcesConfig:
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)

    def check(self, where: str, prefix: str) -> None:
        for source_id, overrides in self.sources.items():
            checked_source_id(source_id, f"{where}: sources")
            if overrides is not None and not isinstance(overrides, dict):
                raise UserError(where, f"'sources.{source_id}' must be a mapping of overrides ({{}} for none)")
            if overrides and "id" in overrides:
                raise UserError(where, f"'sources.{source_id}.id' cannot be overridden")

    @property
    def ids(self) -> list[str]:
        return sorted(self.sources)

    @property
    def registration_order(self) -> list[str]:
        """The sources in the order they were registered (``twcorpus register`` appends)."""
        return list(self.sources)

    def require(self, layout: Layout, source_id: str) -> None:
        """A one-line error when a stage is asked to run for a source nobody registered."""
        if source_id not in self.sources:
            raise UserError(
                layout.rel(layout.sources_config),
                f"source '{source_id}' is not registered; run: twcorpus register data/raw/{source_id}",
            )

    def overrides(self, source_id: str) -> dict[str, Any]:
        return dict(self.sources.get(source_id) or {})


def load_sources(layout: Layout) -> SourcesConfig:
    where = layout.rel(layout.sources_config)
    if not layout.sources_config.exists():
        return SourcesConfig()
    return build(SourcesConfig, load_yaml(layout.sources_config, where), where)
