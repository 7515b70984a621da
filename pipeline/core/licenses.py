"""The license registry under ``licenses/registry.yaml``.

Every license a source or document may carry is an entry here: an SPDX id or a
``LicenseRef-…`` id, its name, its URL, the text file beside it, the Hugging Face
``license`` value (or none, meaning ``other``), and what it allows. Adding a license is
adding an entry and a text file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.core.errors import UserError, did_you_mean
from pipeline.core.layout import Layout
from pipeline.core.settings import build
from pipeline.core.yamlio import load_yaml


@dataclass(frozen=True)
class License:
    name: str
    url: str
    text: str  # path of the full text, relative to licenses/
    hf_id: str | None = None  # the hub's `license:` value; None means `other`
    commercial_use: bool = True
    modification: bool = True
    share_alike: bool = False
    attribution: bool = False
    attribution_template: str | None = None


@dataclass(frozen=True)
class _RegistryFile:
    licenses: dict[str, License]


@dataclass(frozen=True)
class Registry:
    licenses: dict[str, License]
    path: str

    def get(self, license_id: str) -> License:
        return self.licenses[license_id]

    def __contains__(self, license_id: object) -> bool:
        return license_id in self.licenses

    def unknown(self, license_id: str) -> str:
        """The message for an id that is not registered."""
        return f"unknown license '{license_id}'{did_you_mean(license_id, self.licenses)}; known licenses are listed in {self.path}"


def load_registry(layout: Layout) -> Registry:
    path = layout.licenses / "registry.yaml"
    where = layout.rel(path)
    parsed = build(_RegistryFile, load_yaml(path, where), where)
    for license_id, entry in parsed.licenses.items():
        if not (layout.licenses / entry.text).is_file():
            raise UserError(where, f"'licenses.{license_id}.text': no file licenses/{entry.text}")
    return Registry(parsed.licenses, where)


def license_text_path(layout: Layout, entry: License) -> Path:
    return layout.licenses / entry.text
