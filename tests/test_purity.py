"""The core is pure: no files, environment, network, or today's date (STYLE.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "stackrules"
EDGES = {"cli.py", "loader.py", "learner.py", "engine.py", "cache.py", "__main__.py", "__init__.py"}
CORE = sorted(p for p in PACKAGE.glob("*.py") if p.name not in EDGES)
BANNED_MODULES = {"os", "pathlib", "socket", "urllib", "http", "subprocess", "shutil", "requests", "io"}
BANNED_CALLS = {"open", "today", "now", "utcnow", "getenv"}


@pytest.mark.parametrize("path", CORE, ids=[p.name for p in CORE])
def test_core_module_is_pure(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            assert not {a.name.split(".")[0] for a in node.names} & BANNED_MODULES, f"{path.name} imports {[a.name for a in node.names]}"
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            assert node.module.split(".")[0] not in BANNED_MODULES, f"{path.name} imports {node.module}"
        elif isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            assert name not in BANNED_CALLS, f"{path.name}:{node.lineno} calls {name}()"
