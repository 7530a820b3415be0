"""The core imports neither Flask nor SQLAlchemy nor the app (house rule). The party CLI
(``ledger/cli``) may use click as well, and nothing else in the core imports the CLI."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[2] / "ledger"
FORBIDDEN = {"flask", "flask_smorest", "sqlalchemy", "alembic", "marshmallow", "app"}
ALLOWED_THIRD_PARTY = {"cryptography", "rfc8785"}
CLI = CORE / "cli"


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
