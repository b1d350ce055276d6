"""kg's modules import one another in one direction, as the data flows (DESIGN.md).

The imports are read with ``ast`` from the source, not by importing: a cycle is a
design fault even where Python's lazy import machinery would tolerate it. Imports
inside functions count too, since a deferred import is how a cycle hides (``cache``
once imported ``io``'s writer inside a method, closing cache -> io -> mapping ->
resolve -> load -> cache).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "kg"


def _modules() -> dict[str, Path]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    return modules


def _targets(node: ast.Import | ast.ImportFrom, modules: Mapping[str, Path]) -> set[str]:
    """The kg modules an import statement loads: ``from kg.site import timeline`` loads
    ``kg.site.timeline`` (and the package, whose own imports are its own edges)."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names if alias.name in modules}
    if node.level or node.module is None or node.module not in modules:
        return set()
    found = set()
    for alias in node.names:
        child = f"{node.module}.{alias.name}"
        found.add(child if child in modules else node.module)
    return found


def import_graph(module_level_only: bool) -> dict[str, set[str]]:
    """Module -> the kg modules it imports (the package ``kg`` itself, a facade, left out)."""
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        nodes: Iterable[ast.AST] = tree.body if module_level_only else ast.walk(tree)
        edges: set[str] = set()
        for node in nodes:
            if isinstance(node, ast.Import | ast.ImportFrom):
                edges |= _targets(node, modules)
        edges.discard("kg")
        edges.discard(name)
        graph[name] = edges
    return graph


def cycle(graph: Mapping[str, set[str]]) -> list[str] | None:
    """One import cycle (first module repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_the_checker_finds_a_cycle() -> None:
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_module_level_imports_have_no_cycle() -> None:
    assert cycle(import_graph(module_level_only=True)) is None


def test_no_cycle_even_counting_imports_inside_functions() -> None:
    graph = import_graph(module_level_only=False)
    assert {"kg.cache", "kg.io", "kg.load", "kg.mapping", "kg.resolve"} <= graph.keys()
    assert cycle(graph) is None


def test_the_former_cycle_is_broken() -> None:
    graph = import_graph(module_level_only=False)
    assert "kg.mapping" not in graph["kg.io"], "io takes Quad from kg.ntriples"
    assert "kg.io" not in graph["kg.cache"], "cache writes through kg.atomic"
