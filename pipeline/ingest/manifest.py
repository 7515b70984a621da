"""The source manifest, ``data/raw/<id>/source.yaml``.

Required: ``id`` (the folder name), ``title``, ``publisher``, ``license`` (an id in
``licenses/registry.yaml``) and ``url``. Optional: ``format`` (otherwise chosen per file
by extension), ``description``, ``collected``, ``contact``, ``exclude`` (globs of files
that are not documents) and per-format options (``csv:``). ``configs/sources.yaml`` may
override any field but ``id``.

Every problem is one ``UserError`` line that names the file and the field.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any

from pipeline.core.errors import UserError, did_you_mean
from pipeline.core.layout import Layout
from pipeline.core.licenses import Registry
from pipeline.core.settings import build
from pipeline.core.yamlio import load_yaml
from pipeline.ingest.formats import FORMATS, known_formats
from pipeline.ingest.readers.csv import CsvOptions
from pipeline.ingest.readers.xml import XmlOptions

__all__ = ["MANIFEST_FIELDS", "SOURCE_ID", "CsvOptions", "Manifest", "XmlOptions", "load_manifest"]


@dataclass(frozen=True)
class Manifest:
    id: str
    title: str
    publisher: str
    license: str
    url: str
    format: str | None = None
    description: str | None = None
    collected: str | None = None
    contact: str | None = None
    exclude: tuple[str, ...] = ()
    formats: dict[str, str] = field(default_factory=dict)  # glob -> format, for folders that mix formats
    csv: CsvOptions = field(default_factory=CsvOptions)
    xml: XmlOptions = field(default_factory=XmlOptions)

    def check(self, where: str, prefix: str) -> None:
        for name in ("id", "title", "publisher", "license", "url"):
            if not getattr(self, name).strip():
                raise UserError(where, f"field '{name}' is empty")
        if not self.url.startswith(("http://", "https://")):
            raise UserError(where, f"field 'url' must be an http(s) URL, got {self.url!r}")
        for key, value in [("format", self.format)] + [(f"formats.{g}", f) for g, f in self.formats.items()]:
            if value is not None and value not in FORMATS:
                raise UserError(
                    where,
                    f"field '{key}': unknown format '{value}'{did_you_mean(value, FORMATS)}; "
                    f"known formats: {known_formats()}",
                )

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


SOURCE_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
MANIFEST_FIELDS = frozenset(f.name for f in dataclasses.fields(Manifest))


def load_manifest(
    layout: Layout, source_id: str, registry: Registry, overrides: dict[str, Any] | None = None
) -> Manifest:
    """Read, merge with the registration's overrides, and validate one source's manifest."""
    path = layout.manifest(source_id)
    where = layout.rel(path)
    if not layout.source_dir(source_id).is_dir():
        raise UserError(layout.rel(layout.source_dir(source_id)), "no such source folder")
    if not path.is_file():
        raise UserError(where, "missing: every source folder needs a source.yaml manifest")
    data = load_yaml(path, where)
    if not isinstance(data, dict):
        raise UserError(where, "must be a mapping of fields (id, title, publisher, license, url, …)")
    if overrides:
        config_where = f"{layout.rel(layout.sources_config)}: sources.{source_id}"
        for key in overrides:
            if key not in MANIFEST_FIELDS or key == "id":
                raise UserError(
                    config_where, f"cannot override '{key}'{did_you_mean(str(key), MANIFEST_FIELDS - {'id'})}"
                )
        data = _merge(data, overrides)
    manifest = build(Manifest, data, where)
    if not SOURCE_ID.fullmatch(source_id):
        raise UserError(
            where,
            f"the folder name '{source_id}' is not a valid source id: use lowercase letters, "
            "digits and '-' (e.g. moj-laws)",
        )
    if manifest.id != source_id:
        raise UserError(where, f"field 'id' is '{manifest.id}' but the folder is named '{source_id}'; they must match")
    if manifest.license not in registry:
        raise UserError(where, f"field 'license': {registry.unknown(manifest.license)}")
    return manifest


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged
