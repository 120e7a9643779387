"""Import rules: the core has no import cycle and imports no platform; adapters use only the
core's declared surface (`bot.ADAPTER_SURFACE`).

Imports under `TYPE_CHECKING` count: a cycle that exists only for type hints is still a cycle
a reader has to untangle, and the next runtime import along it breaks start-up.
"""

from __future__ import annotations

import ast
from pathlib import Path

from bot import ADAPTER_SURFACE
from bot.settings import PROJECT_ROOT

PLATFORM_LIBRARIES = {"slack_bolt", "slack_sdk", "discord", "aiohttp", "adapters", "kata"}


def modules(root: Path, package: str) -> dict[str, Path]:
    """Every module of `package` under `root`, by dotted name."""
    found = {}
    for path in (root / package).rglob("*.py"):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def imported_names(name: str, path: Path) -> set[str]:
    """What a module imports anywhere in it, one dotted name per imported thing
    (`from a.b import c` gives `a.b.c`, whether `c` is a module or a name in `a.b`)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{anchor}.{base}" if base else anchor
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def module_of(imported: str, known: dict[str, Path]) -> str | None:
    """The known module an imported name lives in (`bot.chat.Actor` -> `bot.chat`)."""
    while imported and imported not in known:
        imported = imported.rpartition(".")[0]
    return imported or None


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    known = modules(root, package)
    graph = {}
    for name, path in known.items():
        found = {module_of(imported, known) for imported in imported_names(name, path)}
        graph[name] = {module for module in found if module is not None} - {name}
    return graph


def a_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle as a path that starts and ends at the same module, or []."""
    done: set[str] = set()
    path: list[str] = []

    def visit(name: str) -> list[str]:
        if name in path:
            return [*path[path.index(name) :], name]
        if name in done:
            return []
        path.append(name)
        for other in sorted(graph[name]):
            if found := visit(other):
                return found
        path.pop()
        done.add(name)
        return []

    for name in sorted(graph):
        if found := visit(name):
            return found
    return []


def test_the_core_has_no_import_cycle() -> None:
    graph = import_graph(PROJECT_ROOT, "bot")
    assert len(graph) > 20, "the walk found the core's modules"
    cycle = a_cycle(graph)
    assert not cycle, " -> ".join(cycle)


def test_the_cycle_check_counts_type_only_and_relative_imports(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "core.py").write_text("from pkg.sub import use_case\n")
    (package / "sub" / "use_case.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .. import core\n"
    )
    assert a_cycle(import_graph(tmp_path, "pkg")) == ["pkg.core", "pkg.sub.use_case", "pkg.core"]


def test_the_core_imports_no_platform_library_no_adapter_and_not_the_composition_root() -> None:
    offenders = [
        f"{name}: {imported}"
        for name, path in modules(PROJECT_ROOT, "bot").items()
        for imported in imported_names(name, path)
        if imported.split(".")[0] in PLATFORM_LIBRARIES
    ]
    assert offenders == []


def test_adapters_import_only_the_cores_declared_surface() -> None:
    core = modules(PROJECT_ROOT, "bot")
    used: set[str] = set()
    offenders = []
    for name, path in modules(PROJECT_ROOT, "adapters").items():
        for imported in imported_names(name, path):
            root = imported.split(".")[0]
            if root == "kata":
                offenders.append(f"{name}: {imported}")
            elif root == "bot":
                module = module_of(imported, core)
                used.add(str(module))
                if module not in ADAPTER_SURFACE:
                    offenders.append(f"{name}: {imported}")
    assert offenders == []
    assert used == ADAPTER_SURFACE, "the surface lists only what adapters use"
