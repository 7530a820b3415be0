"""The core imports neither Flask nor SQLAlchemy nor the app (house rule)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[2] / "ledger"
FORBIDDEN = {"flask", "flask_smorest", "sqlalchemy", "alembic", "marshmallow", "app"}
ALLOWED_THIRD_PARTY = {"cryptography", "rfc8785"}


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
    outside = {
        name
        for name in imported
        if name not in sys.stdlib_module_names
        and name not in ALLOWED_THIRD_PARTY
        and name != "ledger"
    }
    assert not outside, f"{path.name} imports {outside}"
