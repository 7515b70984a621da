"""The dataset card, ``data/publish/README.md``: what a model builder reads on the hub.

Rendered from the run's own figures (never hand-written), in a fixed order with no
timestamps, so the card is as reproducible as the shards.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import yaml

from pipeline.core.batch_stage import text_length
from pipeline.core.config import Params
from pipeline.core.contract import Stage, stages
from pipeline.core.licenses import Registry
from pipeline.core.schema import published_columns, published_schema
from pipeline.pii.sensitive import CATEGORIES as SENSITIVE_CATEGORIES
from pipeline.publish.card_text import cell, detectors_run, segmenters

_SIZES = [
    (1_000, "n<1K"),
    (10_000, "1K<n<10K"),
    (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"),
    (100_000_000, "10M<n<100M"),
    (1_000_000_000, "100M<n<1B"),
]


def size_category(rows: int) -> str:
    for bound, name in _SIZES:
        if rows < bound:
            return name
    return "n>1B"


def _count_values(column: pa.ChunkedArray | pa.Array, into: Counter) -> None:
    for row in pc.value_counts(column).to_pylist():
        into[row["values"]] += row["counts"]


@dataclass
class SourceSummary:
    id: str
    info: dict[str, Any]  # the validated manifest and the files ingest read, or {"id", "error"}
    pii_run: dict[str, Any] = field(default_factory=dict)  # the pii stage's own account: detectors, ner
    documents: int = 0
    characters: int = 0
    rejected: int = 0
    converted: int = 0  # documents converted from Simplified (or variant-normalized)
    languages: Counter = field(default_factory=Counter)
    segmenters: Counter = field(default_factory=Counter)  # `segmenter` value -> documents
    licenses: Counter = field(default_factory=Counter)  # license -> documents
    license_characters: Counter = field(default_factory=Counter)
    pii: Counter = field(default_factory=Counter)  # type -> items recorded in `text` (redacted or flagged)
    pii_fields: Counter = field(default_factory=Counter)  # type -> items in title, url, meta and source_file
    removed: Counter = field(default_factory=Counter)  # (stage, reason) -> documents not published
    sensitive: Counter = field(default_factory=Counter)  # PDPA Art. 6 category -> published documents flagged
    with_persons: int = 0  # published documents naming a private person

    @property
    def error(self) -> str | None:
        return self.info.get("error")

    @property
    def formats(self) -> dict[str, int]:
        return self.info.get("files_by_format", {})

    @property
    def encodings(self) -> dict[str, int]:
        return self.info.get("files_by_encoding", {})

    def count(self, batch: pa.RecordBatch) -> None:
        self.documents += batch.num_rows
        self.characters += text_length(batch)
        self.converted += batch.num_rows - batch.column("converted").null_count
        _count_values(batch.column("lang"), self.languages)
        _count_values(batch.column("segmenter"), self.segmenters)
        _count_values(batch.column("license"), self.licenses)
        spans = pc.list_flatten(batch.column("pii"))
        if len(spans):
            _count_values(pc.struct_field(spans, "type"), self.pii)
        flagged = pc.list_flatten(batch.column("sensitive"))
        if len(flagged):
            _count_values(flagged, self.sensitive)
        types = pc.list_flatten(batch.column("pii_types"))  # unique per document: a count is documents
        self.with_persons += pc.sum(pc.equal(types, "person")).as_py() or 0 if len(types) else 0
        in_fields = pc.list_flatten(batch.column("pii_fields"))
        if len(in_fields):
            _count_values(pc.struct_field(in_fields, "type"), self.pii_fields)
        for license_id in pc.unique(batch.column("license")).to_pylist():  # this batch's licenses only
            mask = pc.equal(batch.column("license"), license_id)
            self.license_characters[license_id] += (
                pc.sum(pc.utf8_length(pc.filter(batch.column("text"), mask))).as_py() or 0
            )


@dataclass
class GroupSummary:
    """One license group of the publication policy: a config of the dataset on the hub."""

    name: str
    documents: int = 0
    characters: int = 0
    licenses: Counter = field(default_factory=Counter)
    shards: list[str] = field(default_factory=list)
    num_bytes: int = 0  # Arrow in-memory size, as `datasets` reports it
    download_size: int = 0  # bytes of the Parquet shards

    def count(self, batch: pa.RecordBatch) -> None:
        self.documents += batch.num_rows
        self.characters += text_length(batch)
        self.num_bytes += batch.nbytes
        _count_values(batch.column("license"), self.licenses)


@dataclass
class Statistics:
    """Distributions over the published documents, for the card, the metrics and the plots."""

    # value -> documents: memory grows with the distinct values, not with the corpus
    lengths: Counter = field(default_factory=Counter)  # characters per document
    token_counts: Counter = field(default_factory=Counter)  # non-whitespace tokens per document
    families: Counter = field(default_factory=Counter)  # dup_family -> published members
    family_titles: dict[str, str] = field(default_factory=dict)  # dup_family -> its first published title
    regional: Counter = field(default_factory=Counter)  # documents: measured, with a Mainland term, a variant
    mainland_shares: Counter = field(default_factory=Counter)  # mainland_share -> documents with enough terms

    def count(self, batch: pa.RecordBatch, min_regional_terms: int = 1) -> None:
        self.lengths.update(pc.utf8_length(batch.column("text")).to_pylist())
        regional = batch.column("regional")  # null for a document measured before the signal existed
        mainland, taiwan = pc.struct_field(regional, "mainland_terms"), pc.struct_field(regional, "taiwan_terms")
        self.regional["measured"] += len(regional) - regional.null_count
        self.regional["mainland"] += pc.sum(pc.greater(mainland, 0)).as_py() or 0
        self.regional["variant"] += pc.sum(pc.greater(pc.struct_field(regional, "variant_chars"), 0)).as_py() or 0
        judged = pc.and_(
            pc.is_valid(pc.struct_field(regional, "mainland_share")),
            pc.greater_equal(pc.add(mainland, taiwan), min_regional_terms),
        )
        _count_values(
            pc.filter(pc.struct_field(regional, "mainland_share"), pc.fill_null(judged, False)), self.mainland_shares
        )
        self.token_counts.update(self.word_counts(batch.column("tokens")).tolist())
        if batch.column("dup_family").null_count < batch.num_rows:
            for family, title in zip(batch.column("dup_family").to_pylist(), batch.column("title").to_pylist()):
                if family is not None:
                    self.families[family] += 1
                    self.family_titles.setdefault(family, (title or "(untitled)").replace("|", "｜"))

    @staticmethod
    def word_counts(tokens: pa.ListArray | pa.ChunkedArray) -> np.ndarray:
        """Per document, its tokens that are not whitespace (``not token.isspace()``: an empty
        token counts): its number of tokens less its whitespace tokens, in Arrow. No token
        becomes a Python string, and memory grows with the whitespace tokens only (a bit per
        token besides). ``utf8_is_space`` is true for a non-empty string of whitespace only,
        whitespace being what ``str.isspace`` says of every code point (a test checks them all)."""
        if isinstance(tokens, pa.ChunkedArray):  # a table's column
            return np.concatenate(
                [np.zeros(0, dtype=np.int64), *(Statistics.word_counts(chunk) for chunk in tokens.chunks)]
            )
        offsets = tokens.offsets.to_numpy().astype(np.int64)  # this slice's, into the whole of `values`
        values = tokens.values.slice(offsets[0], offsets[-1] - offsets[0])
        space = pc.indices_nonzero(pc.utf8_is_space(values)).to_numpy().astype(np.int64) + offsets[0]
        owner = np.searchsorted(offsets, space, side="right") - 1
        counts = np.diff(offsets) - np.bincount(owner, minlength=len(tokens))
        if tokens.null_count:  # no tokens at all (a segmenter never writes one)
            counts[tokens.is_null().to_numpy(zero_copy_only=False)] = 0
        return counts

    @staticmethod
    def summary(values: Counter) -> dict[str, float]:
        n = sum(values.values())
        if not n:
            return {"min": 0, "p50": 0, "p90": 0, "max": 0, "mean": 0.0}
        ordered = sorted(values.items())
        q = Statistics.quantiles(values, (0.5, 0.9))
        return {
            "min": ordered[0][0],
            "p50": q[0.5],
            "p90": q[0.9],
            "max": ordered[-1][0],
            "mean": round(sum(v * c for v, c in ordered) / n, 1),
        }

    @staticmethod
    def quantiles(values: Counter, fractions: tuple[float, ...]) -> dict[float, Any]:
        """Per fraction f, the value at rank min(n - 1, ⌊f·n⌋) of the sorted documents
        (``values``: value -> documents, not empty)."""
        n = sum(values.values())
        ordered = sorted(values.items())
        out = {}
        for f in fractions:
            rank, seen = min(n - 1, int(f * n)), 0
            for value, count in ordered:
                seen += count
                if rank < seen:
                    out[f] = value
                    break
        return out


@dataclass
class Provenance:
    revision: str  # git revision of the code (with +dirty when tracked files differ), or "unknown"
    lock_hash: str  # SHA-256 of the dvc.lock entries of every stage before publish

    @property
    def clean(self) -> bool:
        return self.revision != "unknown" and not self.revision.endswith("+dirty")


@dataclass
class CardData:
    params: Params
    registry: Registry
    sources: list[SourceSummary]
    groups: list[GroupSummary]  # configs with shards, in policy order
    default_group: str
    rejects_by_reason: dict[str, int]
    stats: Statistics = field(default_factory=Statistics)
    provenance: Provenance = field(default_factory=lambda: Provenance("unknown", "none"))
    charts: tuple[tuple[str, str], ...] = ()  # (file under plots/, title) of the charts in the release
    decontam: dict[str, Any] = field(default_factory=dict)  # data/decontam/benchmarks.json: what decontam checked

    @property
    def documents(self) -> int:
        return sum(s.documents for s in self.sources)

    @property
    def characters(self) -> int:
        return sum(s.characters for s in self.sources)

    @property
    def license_documents(self) -> Counter:
        return sum((s.licenses for s in self.sources), Counter())

    @property
    def license_characters(self) -> Counter:
        return sum((s.license_characters for s in self.sources), Counter())

    @property
    def default_config(self) -> str:
        names = [g.name for g in self.groups]
        return self.default_group if self.default_group in names else names[0]


def license_metadata(data: CardData) -> dict[str, Any]:
    """One license with a hub id → that id; anything else → `other` with a name and a link."""
    used = sorted(data.license_documents)
    if len(used) == 1:
        entry = data.registry.get(used[0])
        if entry.hf_id:
            return {"license": entry.hf_id}
        return {"license": "other", "license_name": used[0].lower(), "license_link": entry.url}
    return {"license": "other", "license_name": "tw-corpus-mixed", "license_link": "LICENSES.md"}


def front_matter(data: CardData) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    meta.update(license_metadata(data))
    meta.update(
        {
            "language": ["zh"],
            "language_details": "zh-Hant-TW",
            "pretty_name": data.params.publish.pretty_name,
            "size_categories": [size_category(data.documents)],
            "task_categories": ["text-generation"],
            "tags": ["traditional-chinese", "taiwan", "government", "zh-Hant-TW"],
            "configs": [
                {"config_name": g.name, "data_files": [{"split": "train", "path": f"data/{g.name}/train-*"}]}
                | ({"default": True} if g.name == data.default_config else {})
                for g in data.groups
            ],
            "dataset_info": [
                {
                    "config_name": g.name,
                    "features": _features(),
                    "splits": [{"name": "train", "num_bytes": g.num_bytes, "num_examples": g.documents}],
                    "download_size": g.download_size,
                    "dataset_size": g.num_bytes,
                }
                for g in data.groups
            ],
        }
    )
    return meta


def _features() -> list[dict[str, Any]]:
    """The Parquet schema in the card's `dataset_info` form, as `datasets` itself writes it."""
    import datasets

    return datasets.Features.from_arrow_schema(published_schema())._to_yaml_list()


def render_card(data: CardData) -> str:
    head = yaml.safe_dump(front_matter(data), allow_unicode=True, sort_keys=False, width=1000)
    parts = [
        f"---\n{head}---\n",
        f"# {data.params.publish.pretty_name}\n",
        data.params.publish.description.strip() + "\n",
    ]
    parts.append(
        f"**{data.documents:,} documents, {data.characters:,} characters** from "
        f"{sum(1 for s in data.sources if not s.error)} sources, in {sum(len(g.shards) for g in data.groups)} "
        "Parquet shard(s).\n"
    )
    parts.append(_usage(data))
    parts.append(_schema())
    parts.append(_sources(data))
    parts.append(_licenses(data))
    parts.append(_risks(data))
    parts.append(_removed(data))
    parts.append(_statistics(data))
    parts.append(_charts(data))
    parts.append(_processing(data))
    parts.append(_limitations(data))
    parts.append(_citation(data))
    parts.append(_provenance(data))
    return "\n".join(parts)


def _usage(data: CardData) -> str:
    others = [g.name for g in data.groups if g.name != data.default_config]
    lines = [
        "## How to load\n",
        "```python",
        "from datasets import load_dataset",
        "",
        f'ds = load_dataset("<org>/<this-dataset>", split="train")  # config `{data.default_config}`',
    ]
    lines += [f'ds_{g.replace("-", "_")} = load_dataset("<org>/<this-dataset>", "{g}", split="train")' for g in others]
    lines += ['print(ds[0]["text"][:100], ds[0]["license"])', "```", ""]
    if others:
        lines.append("Configs keep apart licenses that must not be mixed (see Licenses).\n")
    return "\n".join(lines)


def _schema() -> str:
    rows = "\n".join(f"| `{name}` | {_arrow_name(typ)} | {desc} |" for name, typ, desc in published_columns())
    return f"## Columns\n\n| column | type | description |\n|---|---|---|\n{rows}\n"


def _arrow_name(typ: pa.DataType) -> str:
    if pa.types.is_list(typ):
        return f"list of {_arrow_name(typ.value_type)}"
    return str(typ)


def _sources(data: CardData) -> str:
    lines = [
        "## Sources\n",
        "| source | publisher | title | license | documents | characters |",
        "|---|---|---|---|---:|---:|",
    ]
    for s in data.sources:
        if s.error:
            continue
        title = f"[{cell(s.info['title'])}]({s.info['url']})"
        lines.append(
            f"| `{s.id}` | {cell(s.info['publisher'])} | {title} | `{s.info['license']}` | {s.documents:,} | {s.characters:,} |"
        )
    left_out = [s for s in data.sources if s.error]
    if left_out:
        lines.append("\nSources left out of this release because their manifest is invalid:\n")
        lines.extend(f"- `{s.id}`: {cell(s.error)}" for s in left_out)
    return "\n".join(lines) + "\n"


def _licenses(data: CardData) -> str:
    lines = [
        "## Licenses\n",
        "Every row carries its license in the `license` column. Each config holds licenses that may be "
        "used together; share-alike licenses have a config of their own, and licenses that forbid "
        "modification (ND) or commercial use (NC) are never published.\n",
        "| config | licenses | documents | characters |",
        "|---|---|---:|---:|",
    ]
    for g in data.groups:
        default = " (default)" if g.name == data.default_config else ""
        lines.append(
            f"| `{g.name}`{default} | {', '.join(f'`{x}`' for x in sorted(g.licenses))} | "
            f"{g.documents:,} | {g.characters:,} |"
        )
    lines += ["", "| license | name | documents | characters |", "|---|---|---:|---:|"]
    chars = data.license_characters
    for license_id, count in sorted(data.license_documents.items()):
        entry = data.registry.get(license_id)
        lines.append(f"| `{license_id}` | [{cell(entry.name)}]({entry.url}) | {count:,} | {chars[license_id]:,} |")
    statements = attribution_statements(data)
    if statements:
        lines.append("\n### Attribution\n")
        lines.extend(f"- {s}" for s in statements)
    return "\n".join(lines) + "\n"


def attribution_statements(data: CardData) -> list[str]:
    """One statement per source and license it is published under, from the license's template."""
    out = []
    for s in data.sources:
        for license_id in sorted(s.licenses):
            entry = data.registry.get(license_id)
            if entry.attribution_template:
                out.append(
                    entry.attribution_template.format(
                        publisher=s.info["publisher"],
                        title=s.info["title"],
                        url=s.info["url"],
                        year=str(s.info.get("collected") or "")[:4],
                    )
                )
    return out


def _risks(data: CardData) -> str:
    """A short risk summary: what of personal data, sensitive data and vocabulary a model
    builder should know before training, each figure from this run."""
    policy = data.params.pii
    redacted = flagged = 0
    for s in data.sources:
        for kind, n in (s.pii + s.pii_fields).items():
            if policy.policy.get(kind) == "redact":
                redacted += n
            else:
                flagged += n
    sensitive = sum((s.sensitive for s in data.sources), Counter())
    flagged_docs = sum(s.removed.get(("pii", "pii:sensitive"), 0) for s in data.sources)
    categories = ", ".join(f"{c.replace('_', ' ')} {sensitive.get(c, 0):,}" for c in SENSITIVE_CATEGORIES)
    persons = sum(s.with_persons for s in data.sources)
    kept = (
        "are published and flagged in the `sensitive` column"
        if policy.sensitive == "flag"
        else "were dropped by the policy"
    )
    mainland = data.stats.regional["mainland"]
    return (
        "## Risk summary\n\n"
        f"- **Personal data**: {persons:,} published documents name a private person; {redacted:,} personal items "
        f"were redacted to placeholders and {flagged:,} kept and flagged (see Processing); "
        f"{data.rejects_by_reason.get('pii:register', 0):,} registers of private persons were not published.\n"
        f"- **Sensitive personal data** (PDPA Art. 6, said of an identified private person): documents by category: "
        f"{categories}; such documents {kept} ({flagged_docs:,} dropped).\n"
        f"- **Vocabulary**: {mainland:,} published documents hold a Mainland term in Traditional script "
        "(column `regional`).\n"
        f"- **Evaluation benchmarks**: {_benchmarks_risk(data)}\n"
    )


def _benchmarks_risk(data: CardData) -> str:
    checked = data.decontam.get("benchmarks", [])
    if not checked:
        return (
            "none was checked (`decontam.benchmarks` is empty): the corpus may contain the text of an "
            "evaluation set; check before you evaluate a model trained on it."
        )
    names = ", ".join(f"`{b['name']}`" for b in checked)
    return (
        f"{len(checked)} checked ({names}); "
        f"{data.decontam.get('removed', 0):,} documents sharing text with one were removed and "
        f"{data.decontam.get('flagged', 0):,} kept and flagged in column `contamination` (see Processing)."
    )


def _removed(data: CardData) -> str:
    if not data.rejects_by_reason:
        return "## What was removed\n\nNothing: every contributed document is published.\n"
    rows = "\n".join(f"| `{reason}` | {count:,} |" for reason, count in sorted(data.rejects_by_reason.items()))
    total = sum(data.rejects_by_reason.values())
    return (
        "## What was removed\n\n"
        f"{total:,} contributed documents or files were not published. Every one is listed, "
        "with its source, file, line, stage, reason and detail (not its text), in `rejects.parquet` beside "
        "this card.\n\n"
        f"| reason | count |\n|---|---:|\n{rows}\n\n"
        "Per source, by stage and reason:\n\n| source | stage | reason | documents |\n|---|---|---|---:|\n"
        + "\n".join(
            f"| `{s.id}` | {stage} | `{reason}` | {n:,} |"
            for s in data.sources
            for (stage, reason), n in sorted(s.removed.items())
        )
        + "\n"
    )


def _processing(data: CardData) -> str:
    """One numbered step per stage, in the pipeline's order, each written from what ran by the
    stage's own ``card`` function (``pipeline/<stage>/card.py``, named in its contract)."""
    return "## Processing\n\n" + "".join(f"{n}. {_step(stage, data)}" for n, stage in enumerate(stages(), 1))


def _step(stage: Stage, data: CardData) -> str:
    write = stage.card_step()
    # a stage without a card function of its own is described by its contract's help
    return write(data) if write else f"**{stage.name}** — {stage.help}\n"


def publish_step(data: CardData) -> str:
    """Publish's own step of the card (its contract names it)."""
    p = data.params.publish
    return (
        "**publish** — documents are written in source order into zstd-compressed Parquet shards (level "
        f"{p.compression_level}, at most {p.max_shard_bytes:,} bytes each), byte-identical across re-runs of the "
        "same inputs; the list of what was not published goes beside them as `rejects.parquet`.\n"
    )


def _statistics(data: CardData) -> str:
    lengths = Statistics.summary(data.stats.lengths)
    tokens = Statistics.summary(data.stats.token_counts)
    rows = "\n".join(
        f"| {name} | {v['min']:,} | {v['p50']:,} | {v['p90']:,} | {v['max']:,} | {v['mean']:,} |"
        for name, v in (("characters per document", lengths), ("tokens per document", tokens))
    )
    return (
        "## Statistics\n\n| | min | median | 90th percentile | max | mean |\n|---|---:|---:|---:|---:|---:|\n"
        + rows
        + "\n\nCharacters per source and per license are in the Sources and Licenses tables; "
        "personal-data counts under Processing; removals under What was removed.\n"
    )


def _charts(data: CardData) -> str:
    if not data.charts:
        return ""
    return "## Charts\n\n" + "\n\n".join(f"![{title}](plots/{name})" for name, title in data.charts) + "\n"


def _citation(data: CardData) -> str:
    repo = data.params.push.repo_id or "<org>/<this-dataset>"
    key = re.sub(r"\W+", "_", repo.split("/")[-1]).strip("_").lower() or "tw_corpus"
    return (
        "## How to cite\n\n```bibtex\n"
        f"@misc{{{key},\n"
        f"  title        = {{{data.params.publish.pretty_name}}},\n"
        "  author       = {tw-corpus contributors and the contributing agencies},\n"
        f"  howpublished = {{\\url{{https://huggingface.co/datasets/{repo}}}}},\n"
        f"  note         = {{Built with tw-corpus from git revision {data.provenance.revision}}}\n"
        "}\n```\n\nPlease also credit each source as its license requires (see Attribution).\n"
    )


def _provenance(data: CardData) -> str:
    prov = data.provenance
    if prov.clean:
        rebuild = "Running `make repro` at that revision rebuilds these shards byte for byte."
    elif prov.revision == "unknown":
        rebuild = (
            "The code was not in a git checkout, so no revision can rebuild this release: keep the code that built it."
        )
    else:
        rebuild = (
            "The working tree had uncommitted changes to tracked files (`+dirty`), so the revision alone "
            "does not rebuild these shards: commit the changes and rebuild to get a release that can be "
            "reproduced."
        )
    return (
        "## Provenance\n\n"
        f"Built by the tw-corpus pipeline at git revision `{prov.revision}`, from the pipeline state "
        f"recorded in `dvc.lock` (SHA-256 of its entries before publish: `{prov.lock_hash}`). {rebuild}\n"
    )


def _limitations(data: CardData) -> str:
    """What this release cannot promise, from what ran: each line holds only when its cause did."""
    lines = []
    fallback = [name for name in segmenters(data) if name.startswith("fallback:")]
    if fallback:
        lines.append(
            f"Tokens of {', '.join(f'`{n}`' for n in fallback)} rows come from an offline dictionary "
            "segmenter, used because no CKIP model was available when this release was built; they are "
            "less accurate than CKIP's (see the `segmenter` column)."
        )
    detectors, ner_all, ner_any = detectors_run(data)
    covered = {t for d in detectors for t in d.types}
    how = (
        "by rules and CKIP NER"
        if ner_all
        else "by rules, and by CKIP NER for some sources only"
        if ner_any
        else "by rules only (no NER model ran)"
    )
    names = [d for d in detectors if "person" in d.types]
    lines.append(
        f"Personal data is found {how}: "
        + (f"for names, {names[0].misses} are not found; " if names and not ner_all else "")
        + "the detector table under Processing says what each detector cannot find. Health, criminal, "
        "financial and other special categories of personal data (PDPA Art. 6) are not looked for."
        if detectors
        else "No personal-data detector ran: personal data was neither found nor removed."
    )
    if "official" in covered and data.params.pii.policy.get("official") == "flag":
        lines.append(
            "Names of officials named with their office (signature blocks, minutes) are kept and flagged "
            "(`official`) as part of the public record."
        )
    d = data.params.dedup
    if d.exact or d.near:
        near = "" if d.near else " Near copies are not removed (`dedup.near: false`)."
        lines.append(
            "Deduplication is within this release only; earlier releases and other corpora were not compared." + near
        )
    else:
        lines.append("Copies were not removed: deduplication was off for this release.")
    lines.append("The quality filters are heuristics tuned on government text (see Processing).")
    converted = sum(s.converted for s in data.sources)
    if converted:
        lines.append(
            f"{converted:,} {'document was' if converted == 1 else 'documents were'} converted from "
            "Simplified automatically (OpenCC "
            f"`{data.params.normalize.convert_simplified}`); vocabulary mapping (軟件→軟體) covers common "
            "terms, not all of them."
        )
    return "## Limitations\n\n" + "".join(f"- {line}\n" for line in lines)


def render_licenses_file(data: CardData) -> str:
    """``LICENSES.md``: the `license_link` of a card with several licenses."""
    lines = ["# Licenses of this dataset\n", "Each row of the dataset names its license in the `license` column.\n"]
    for license_id in sorted(data.license_documents):
        entry = data.registry.get(license_id)
        lines.append(f"## {license_id}\n\n{entry.name}: <{entry.url}>\n")
    statements = attribution_statements(data)
    if statements:
        lines.append("## Attribution\n")
        lines.extend(f"- {s}" for s in statements)
        lines.append("")
    return "\n".join(lines)
