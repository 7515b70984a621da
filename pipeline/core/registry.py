"""Named extensions, each registered by the module that defines it: no list kept by hand.

A ``Registry`` belongs to one kind of extension (a reader, a detector, a quality rule, a
fallback segmenter, an engine). Entries come in two ways:

- **found**: ``Registry(kind, package=...)`` imports every module of that package the first
  time it is read, and each module registers its entries (``REGISTRY.add(name, entry)``
  or the ``@REGISTRY.register(name)`` decorator). A new extension is one new file there.
  With ``module=``, it imports that module of every subpackage instead (``pipeline.<x>.contract``
  for the stages: each stage declares itself in its own package).
- **lazy**: ``lazy={"ray": "pipeline.engine.on_ray:RayEngine"}`` names where an entry lives
  without importing it (fsspec's ``known_implementations``), for entries whose imports are
  heavy or optional; the module is imported when the entry is first asked for.

Order is part of the output for some kinds (detectors resolve ties by it, rules report the
first failure), so it is explicit: entries sort by their ``order`` (default 100), then by
the order they registered in (modules import in name order), never by chance.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Generic, TypeVar

from pipeline.core.errors import UserError, did_you_mean

T = TypeVar("T")
DEFAULT_ORDER = 100


def resolve(target: str) -> Any:
    """What a "module:attr" string names, imported now (lazy entries, a stage's functions)."""
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


class Registry(Generic[T]):
    def __init__(
        self, kind: str, *, package: str | None = None, module: str | None = None, lazy: dict[str, str] | None = None
    ):
        self.kind = kind
        self.package = package
        self.module = module
        self._lazy = dict(lazy or {})
        self._entries: dict[str, tuple[int, int, T]] = {}
        self._found = package is None

    def add(self, name: str, entry: T, *, order: int = DEFAULT_ORDER) -> T:
        """Register ``entry`` under ``name``; a second entry of the same name is a programming error."""
        if name in self._entries or name in self._lazy:
            raise ValueError(f"{self.kind} '{name}' is registered twice")
        self._entries[name] = (order, len(self._entries), entry)
        return entry

    def register(self, name: str, *, order: int = DEFAULT_ORDER) -> Callable[[T], T]:
        """The decorator form of ``add``."""

        def decorate(entry: T) -> T:
            return self.add(name, entry, order=order)

        return decorate

    def _find(self) -> None:
        if self._found:
            return
        self._found = True  # before importing: a module reading the registry while it loads sees what is there
        assert self.package is not None
        package = importlib.import_module(self.package)
        for found in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            if found.name.startswith("_"):
                continue
            if self.module is None:
                importlib.import_module(f"{self.package}.{found.name}")
            elif found.ispkg and any((Path(p) / found.name / f"{self.module}.py").is_file() for p in package.__path__):
                # a package without that module is not imported at all (its __init__ may be heavy)
                importlib.import_module(f"{self.package}.{found.name}.{self.module}")

    def names(self) -> tuple[str, ...]:
        """Every entry's name, in order (lazy entries last, as named, without importing them)."""
        self._find()
        found = sorted(self._entries, key=lambda n: self._entries[n][:2])
        return tuple(found) + tuple(n for n in self._lazy if n not in self._entries)

    def get(self, name: str, where: str | None = None) -> T:
        """The entry called ``name``; an unknown name is a UserError at ``where`` (a config key)
        listing the known ones."""
        self._find()
        if name not in self._entries and name in self._lazy:
            self._entries[name] = (DEFAULT_ORDER, len(self._entries), resolve(self._lazy[name]))
        if name not in self._entries:
            known = self.names()
            raise UserError(
                where or self.kind,
                f"unknown {self.kind} '{name}'{did_you_mean(name, known)}; known: {', '.join(known)}",
            )
        return self._entries[name][2]

    def __contains__(self, name: object) -> bool:
        self._find()
        return name in self._entries or name in self._lazy

    def items(self) -> Iterator[tuple[str, T]]:
        """(name, entry) in order; lazy entries are imported."""
        for name in self.names():
            yield name, self.get(name)

    def values(self) -> Iterator[T]:
        for _, entry in self.items():
            yield entry
