"""The package layering facts -> knowledge -> actions -> cli, read from the import graph.

Every ``import`` and ``from ... import`` in a module (top level or inside a
function, relative imports resolved) is taken from its syntax tree, so a lazy
import inside a function counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import kbridge

PKG = Path(kbridge.__file__).parent


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PKG.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, imported module) for every import statement of *path*."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            # "from kbridge import actions" imports the package kbridge.actions
            found.extend((node.lineno, f"{name}.{alias.name}") for alias in node.names)
            found.append((node.lineno, name))
    return found


def violations(layer: str, forbidden: tuple[str, ...]) -> list[str]:
    bad = []
    for path in sorted((PKG / layer).rglob("*.py")):
        for line, name in imports_of(path):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                bad.append(f"{path.relative_to(PKG.parent)}:{line}: imports {name}")
    return bad


def test_facts_never_import_actions_cli_or_reports():
    assert violations("facts", ("kbridge.actions", "kbridge.cli", "kbridge.reports")) == []


def test_knowledge_never_imports_actions_cli_or_reports():
    assert violations("knowledge", ("kbridge.actions", "kbridge.cli", "kbridge.reports")) == []


def test_the_checker_sees_every_import_form(tmp_path, monkeypatch):
    """The walk finds top-level, lazy, relative and package-attribute imports."""
    fake = tmp_path / "kbridge"
    (fake / "facts").mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "facts" / "__init__.py").write_text("")
    (fake / "facts" / "a.py").write_text(
        "import kbridge.actions.kbuild\n"
        "from kbridge import actions\n"
        "def f():\n"
        "    from ..actions.kbuild import run_kbuild\n"
        "from . import scan\n")
    monkeypatch.setattr(__import__(__name__), "PKG", fake)
    assert violations("facts", ("kbridge.actions",)) == [
        "kbridge/facts/a.py:1: imports kbridge.actions.kbuild",
        "kbridge/facts/a.py:2: imports kbridge.actions",
        "kbridge/facts/a.py:4: imports kbridge.actions.kbuild.run_kbuild",
        "kbridge/facts/a.py:4: imports kbridge.actions.kbuild",
    ]
