"""The core imports neither Flask nor SQLAlchemy nor the app (house rule). The party CLI
(``ledger/cli``) may use click as well, and nothing else in the core imports the CLI. The
database layer (``app/db``) imports no Flask either."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[2] / "ledger"
FORBIDDEN = {"flask", "flask_smorest", "sqlalchemy", "alembic", "marshmallow", "app"}
ALLOWED_THIRD_PARTY = {"cryptography", "rfc8785"}
CLI = CORE / "cli"
DATABASE_LAYER = CORE.parent / "app" / "db"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", sorted(CORE.rglob("*.py")), ids=lambda p: p.name)
def test_core_module_imports_only_the_standard_library_and_its_crypto(path):
    import sys

    imported = _imports(path)
    assert not imported & FORBIDDEN, f"{path.name} imports {imported & FORBIDDEN}"
    allowed = ALLOWED_THIRD_PARTY | ({"click"} if CLI in path.parents else set())
    outside = {
        name
        for name in imported
        if name not in sys.stdlib_module_names and name not in allowed and name != "ledger"
    }
    assert not outside, f"{path.name} imports {outside}"
    if CLI not in path.parents:
        cli = {m for m in _modules(path) if m == "ledger.cli" or m.startswith("ledger.cli.")}
        assert not cli, f"{path.name} imports the CLI"


@pytest.mark.parametrize("path", sorted(DATABASE_LAYER.glob("*.py")), ids=lambda p: p.name)
def test_the_database_layer_imports_no_flask(path):
    flask = {name for name in _imports(path) if name == "flask" or name.startswith("flask_")}
    assert not flask, f"{path.name} imports {flask}"


def _modules(path: Path) -> set[str]:
    """Every module ``path`` imports, by its full dotted name."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def _module_name(path: Path) -> str:
    parts = path.relative_to(CORE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _core_graph() -> dict[str, set[str]]:
    """Core module -> the core modules it imports: ``from package import module`` counts as
    importing the module (a package's own ``__init__`` running first is not a cycle)."""
    modules = {_module_name(path): path for path in CORE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                edges.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                submodules = {f"{node.module}.{alias.name}" for alias in node.names} & set(modules)
                edges.update(submodules or {node.module})
        graph[name] = {edge for edge in edges if edge in modules and edge != name}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph``, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        state[node] = 2
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_core_import_graph_has_no_cycle():
    assert _cycle(_core_graph()) is None


def test_the_cycle_check_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
