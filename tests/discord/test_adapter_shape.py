"""The Discord adapter's parts depend one way: a translator, parts that receive what they use,
and an adapter that composes them. A cycle would let every part reach the whole again."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = "adapters.discord"
ROOT = Path(__file__).resolve().parents[2] / "adapters" / "discord"


def imports_of(path: Path) -> set[str]:
    """Every adapters.discord module `path` imports, TYPE_CHECKING imports included."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found.update(n for n in names if n.startswith(PACKAGE + "."))
    return found


def import_graph() -> dict[str, set[str]]:
    modules = {f"{PACKAGE}.{p.stem}": p for p in ROOT.glob("*.py") if p.stem != "__init__"}
    return {name: imports_of(path) & modules.keys() for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return path[path.index(node) :] + [node]
        if node in done:
            return None
        for target in sorted(graph[node]):
            cycle = visit(target, path + [node])
            if cycle:
                return cycle
        done.add(node)
        return None

    for start in sorted(graph):
        cycle = visit(start, [])
        if cycle:
            return cycle
    return None


def test_the_discord_adapter_has_no_import_cycle() -> None:
    graph = import_graph()
    assert len(graph) > 5, graph
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_the_cycle_finder_sees_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_only_the_adapter_module_composes_the_parts() -> None:
    graph = import_graph()
    importers = {name for name, targets in graph.items() if f"{PACKAGE}.adapter" in targets}
    assert importers == set(), importers


def test_buttons_find_their_handler_without_type_ignores() -> None:
    ignored = [p.name for p in ROOT.glob("*.py") if "type: ignore" in p.read_text()]
    assert ignored == []
