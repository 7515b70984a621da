"""The import graph of ``pipeline/``: no cycles, and ``core/`` knows no stage.

Edges are read from the source with ``ast`` (nothing is imported): every ``import`` and
``from … import`` between ``pipeline.*`` modules, at module level or inside a function,
except those under ``if TYPE_CHECKING:`` (they never run). Importing ``a.b.c`` also runs
the ``__init__`` of ``a.b``, so that package is an edge too, unless the importer is inside it
(a package's modules importing each other while its ``__init__`` loads is the usual order).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from pipeline.core.contract import stages

ROOT = Path(__file__).resolve().parents[1] / "pipeline"
STAGES = tuple(s.name for s in stages())  # every stage package, from the contracts


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(node: ast.AST, type_checking: bool) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement under ``node``, skipping ``if TYPE_CHECKING:`` bodies unless asked."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            yield child
        elif isinstance(child, ast.If) and _is_type_checking(child.test) and not type_checking:
            for other in child.orelse:
                yield from _imports(ast.Module(body=[other], type_ignores=[]), type_checking)
        else:
            yield from _imports(child, type_checking)


def _known(name: str) -> str | None:
    """The module ``name`` is, or is inside (``pipeline.x.attr`` → ``pipeline.x``)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imported(module: str, type_checking: bool = False, source: str | None = None) -> set[str]:
    """The ``pipeline.*`` modules that importing ``module`` imports directly (``source``: its
    code, when not the file's)."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    source = path.read_text(encoding="utf-8") if source is None else source
    targets: set[str] = set()
    for node in _imports(ast.parse(source), type_checking):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            # ``from a import b``: the module a.b when there is one, else a
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
        for name in names:
            target = _known(name)
            if target is None:
                continue
            parts = target.split(".")
            for i in range(2, len(parts) + 1):  # the packages whose __init__ runs first, and the module
                step = ".".join(parts[:i])
                if step != module and not module.startswith(step + "."):
                    targets.add(step)
    return targets


def graph(type_checking: bool = False) -> dict[str, set[str]]:
    return {m: imported(m, type_checking) for m in MODULES}


def strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's components of more than one module (a cycle each), iterative."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def a_cycle(edges: dict[str, set[str]], members: list[str]) -> list[str]:
    """One cycle through the component's first module, as the chain of imports."""
    inside, start = set(members), members[0]
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for child in sorted(edges[node] & inside):
            if child == start:
                return paths[node] + [start]
            if child not in paths:
                paths[child] = paths[node] + [child]
                queue.append(child)
    raise AssertionError(f"no cycle through {start}")


def test_the_edges_are_every_import_that_runs():
    source = """
from typing import TYPE_CHECKING
import numpy
from pipeline.core import errors
from pipeline.engine.base import Actors
from .buckets import star_links
if TYPE_CHECKING:
    from pipeline.core.config import Params
else:
    from pipeline.core.layout import Layout
def later():
    from pipeline.dedup.minhash import signatures
    import pipeline.ingest.readers.csv
"""
    assert imported("pipeline.engine.local", source=source) == {
        "pipeline.core",
        "pipeline.core.errors",
        "pipeline.engine.base",
        "pipeline.engine.buckets",
        "pipeline.core.layout",
        "pipeline.dedup",
        "pipeline.dedup.minhash",
        "pipeline.ingest",
        "pipeline.ingest.readers",
        "pipeline.ingest.readers.csv",
    }  # and not its own package, pipeline.engine
    assert "pipeline.core.config" in imported("pipeline.engine.local", type_checking=True, source=source)
    edges = graph()
    assert set(edges) >= {"pipeline", "pipeline.core", "pipeline.core.config", "pipeline.engine.on_ray"}
    assert "pipeline.engine.on_ray" not in edges["pipeline.engine"]  # named lazily, as a string


def test_pipeline_has_no_import_cycle():
    edges = graph()
    cycles = list(strongly_connected(edges))
    assert not cycles, "import cycles:\n" + "\n".join(" → ".join(a_cycle(edges, c)) for c in cycles)


def reachable(edges: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for child in edges[todo.pop()] - seen:
            seen.add(child)
            todo.append(child)
    return seen


def test_core_imports_no_stage_package():
    """Not even a type: every params section is declared by its stage's contract
    (pipeline.core.config.params_class), every column by its stage (core.schema)."""
    edges = graph(type_checking=True)  # a type named from a stage is knowledge of it too
    stages = tuple(f"pipeline.{s}" for s in STAGES)
    found = sorted(
        f"{m} → {t}"
        for m in edges
        if m == "pipeline.core" or m.startswith("pipeline.core.")
        for t in reachable(edges, m)
        if t in stages or t.startswith(tuple(f"{s}." for s in stages))
    )
    assert not found, "core reaches stage packages:\n" + "\n".join(found)
