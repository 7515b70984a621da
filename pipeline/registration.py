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
from pipeline.core.layout import MANIFEST_NAME, Layout
from pipeline.core.licenses import Registry
from pipeline.ingest.manifest import Manifest, load_manifest


@dataclass(frozen=True)
class SourceStatus:
    id: str
    registered: bool
    has_folder: bool
    manifest: Manifest | None
    error: str | None

    @property
    def problem(self) -> str | None:
        if not self.has_folder:
            return f"configs/sources.yaml: source '{self.id}' is registered but data/raw/{self.id}/ does not exist"
        if self.error:
            return self.error
        if not self.registered:
            return f"data/raw/{self.id}: has a manifest but is not registered; run: twcorpus register data/raw/{self.id}"
        return None


def source_id_from(layout: Layout, arg: str) -> str:
    """Accept ``laws``, ``data/raw/laws`` or ``data/raw/laws/source.yaml``."""
    path = Path(arg)
    if path.name == MANIFEST_NAME:
        path = path.parent
    if len(path.parts) == 1 and not path.is_absolute():
        return path.name
    raw = layout.raw.resolve()
    for base in (Path.cwd(), layout.root):  # relative to where the user is, or to --root
        resolved = (base / path).resolve()
        if resolved.parent == raw:
            return resolved.name
    raise UserError(arg, f"a source must be a folder directly under {layout.rel(layout.raw)}/")


def survey(layout: Layout, registry: Registry) -> list[SourceStatus]:
    sources = load_sources(layout)
    folders = {p.name for p in layout.raw.iterdir() if (p / MANIFEST_NAME).is_file()} if layout.raw.is_dir() else set()
    out = []
    for source_id in sorted(folders | set(sources.sources)):
        has_folder = layout.source_dir(source_id).is_dir()
        manifest, error = None, None
        if has_folder:
            try:
                manifest = load_manifest(layout, source_id, registry, sources.overrides(source_id))
            except UserError as exc:
                error = str(exc)
        out.append(SourceStatus(source_id, source_id in sources.sources, has_folder, manifest, error))
    return out


def register(layout: Layout, registry: Registry, source_id: str) -> bool:
    """Validate the manifest and add the source; False when it was registered already."""
    load_manifest(layout, source_id, registry)  # a broken manifest is not registered
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
