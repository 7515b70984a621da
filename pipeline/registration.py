"""Which source folders exist, which are registered, and registering new ones.

Registration is an entry ``<id>: {}`` in ``configs/sources.yaml``. The file is edited
with a round-trip YAML parser so comments and the other entries stay as they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from pipeline.core.config import load_sources
from pipeline.core.errors import UserError
from pipeline.core.layout import MANIFEST_NAME, SOURCE_ID, SOURCE_ID_RULE, Layout, checked_source_id
from pipeline.core.licenses import Registry
from pipeline.ingest.manifest import Manifest, load_manifest
from pipeline.ingest.sanitize import dvc_hazard, shown_name


@dataclass(frozen=True)
class SourceStatus:
    id: str
    registered: bool
    has_folder: bool
    manifest: Manifest | None
    error: str | None

    @property
    def fatal(self) -> bool:
        """A problem of a registered source: DVC would run its stages on it, so `make repro` stops first."""
        return self.registered and self.problem is not None

    @property
    def problem(self) -> str | None:
        if not self.has_folder:
            return f"configs/sources.yaml: source '{self.id}' is registered but data/raw/{self.id}/ does not exist"
        if self.error:
            return self.error
        if not self.registered:
            return (
                f"data/raw/{self.id}: has a manifest but is not registered; run: twcorpus register data/raw/{self.id}"
            )
        return None


def source_id_from(layout: Layout, arg: str) -> str:
    """Accept ``laws``, ``data/raw/laws`` or ``data/raw/laws/source.yaml``."""
    path = Path(arg)
    if path.name == MANIFEST_NAME:
        path = path.parent
    if len(path.parts) == 1 and not path.is_absolute():
        return _valid(layout, path.name)
    raw = layout.raw.resolve()
    for base in (Path.cwd(), layout.root):  # relative to where the user is, or to --root
        resolved = (base / path).resolve()
        if resolved.parent == raw:
            return _valid(layout, resolved.name)
    raise UserError(arg, f"a source must be a folder directly under {layout.rel(layout.raw)}/")


def _valid(layout: Layout, source_id: str) -> str:
    return checked_source_id(source_id, f"{layout.rel(layout.raw)}/{shown_name(source_id)[0]}")


def survey(layout: Layout, registry: Registry) -> list[SourceStatus]:
    sources = load_sources(layout)
    folders = {p.name for p in layout.raw.iterdir() if (p / MANIFEST_NAME).is_file()} if layout.raw.is_dir() else set()
    out = []
    for source_id in sorted(folders | set(sources.sources)):
        if not SOURCE_ID.fullmatch(source_id):  # a folder only: configs/sources.yaml's keys are checked on load
            shown = shown_name(source_id)[0]
            out.append(
                SourceStatus(
                    shown,
                    False,
                    True,
                    None,
                    f"{layout.rel(layout.raw)}/{shown}: the folder name is not a valid source id: use {SOURCE_ID_RULE}",
                )
            )
            continue
        has_folder = layout.source_dir(source_id).is_dir()
        manifest, error = None, None
        if has_folder:
            try:
                manifest = load_manifest(layout, source_id, registry, sources.overrides(source_id))
            except UserError as exc:
                error = str(exc)
            else:  # what makes dvc status/repro fail or hang for every source
                hazard = dvc_hazard(layout.source_dir(source_id), layout.rel(layout.source_dir(source_id)))
                error = str(hazard) if hazard else None
        out.append(SourceStatus(source_id, source_id in sources.sources, has_folder, manifest, error))
    return out


def register(layout: Layout, registry: Registry, source_id: str) -> bool:
    """Validate the manifest and add the source; False when it was registered already."""
    load_manifest(layout, source_id, registry)  # a broken manifest is not registered
    hazard = dvc_hazard(layout.source_dir(source_id), layout.rel(layout.source_dir(source_id)))
    if hazard:  # nor a folder DVC cannot hash: it would stop `dvc repro` for every source
        raise hazard
    load_sources(layout)  # a broken configs/sources.yaml is one clear error, not a parser traceback
    yaml = YAML()
    yaml.indent(mapping=2, sequence=4, offset=2)
    path = layout.sources_config
    data = yaml.load(path.read_text(encoding="utf-8")) if path.exists() else None
    if data is None:
        data = CommentedMap()
    if data.get("sources") is None:
        data["sources"] = CommentedMap()
    entries = data["sources"]
    if source_id in entries:
        return False
    # appended: the order of registration decides which copy dedup keeps (an older source's)
    entries[source_id] = CommentedMap()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        yaml.dump(data, f)
    return True
