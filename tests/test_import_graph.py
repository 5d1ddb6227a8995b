"""The product's modules import each other without cycles (issue 17).

Why: a cycle makes import order a hidden contract (a module half-initialised when another reads it)
and ties modules that should change alone. The graph is read from the source with ``ast``: imports
executed when a module is imported (module level, class bodies, ``if``/``try`` blocks), not those
inside functions (deferred on purpose) or under ``if TYPE_CHECKING:`` (never executed).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# repository folder -> installed package name (pyproject.toml's package-dir)
ROOTS = {
    "assistant": "insightchat",
    "tools": "insightchat.tools",
    "models": "insightchat.models",
    "ui": "insightchat.ui",
}
SKIP = {"shipped", "__pycache__"}  # models/shipped holds model files, not code

Graph = dict[str, set[str]]


def module_files(repo: Path, roots: dict[str, str]) -> dict[str, Path]:
    """Installed module name -> source file, for every ``.py`` file under the root folders."""
    out: dict[str, Path] = {}
    for folder, package in roots.items():
        base = repo / folder
        for path in sorted(base.rglob("*.py")):
            parts = path.relative_to(base).with_suffix("").parts
            if SKIP & set(parts):
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join((package, *parts))] = path
    return out


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _executed_imports(body: list[ast.stmt]) -> list[ast.Import | ast.ImportFrom]:
    """The import statements that run when ``body`` runs at import time."""
    out: list[ast.Import | ast.ImportFrom] = []
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            out.append(node)
        elif isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                out += _executed_imports(node.body)
            out += _executed_imports(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, *(h.body for h in node.handlers), node.orelse, node.finalbody):
                out += _executed_imports(block)
        elif isinstance(node, (ast.With, ast.ClassDef)):
            out += _executed_imports(node.body)
    return out


def _package_of(module: str, path: Path) -> str:
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def import_graph(files: dict[str, Path]) -> Graph:
    """module -> the product modules it imports at import time."""
    graph: Graph = {m: set() for m in files}
    for module, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in _executed_imports(tree.body):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:
                    package = _package_of(module, path).split(".")
                    package = package[: len(package) - (node.level - 1)]
                    base = ".".join([*package, base] if base else package)
                # ``from pkg import name``: the submodule pkg.name when there is one, else pkg itself
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in files else base for a in node.names]
            graph[module] |= {t for t in targets if t in files and t != module}
    return graph


def find_cycle(graph: Graph) -> list[str] | None:
    """One import cycle as a path (first module repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)) is not None:
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)) is not None:
            return found
    return None


@pytest.fixture(scope="module")
def graph() -> Graph:
    return import_graph(module_files(REPO, ROOTS))


def test_the_product_modules_import_without_cycles(graph: Graph) -> None:
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_graph_covers_the_product_and_its_imports(graph: Graph) -> None:
    assert {"insightchat", "insightchat.tools.workspace", "insightchat.planner.llm.repair"} <= set(graph)
    assert "insightchat.planner.llm.sanity" in graph["insightchat.planner.llm.repair"]
    assert sum(len(targets) for targets in graph.values()) > len(graph)  # far more imports than modules


def test_the_workspace_does_not_import_the_catalog_at_import_time(graph: Graph) -> None:
    # one direction only: the catalog reads a workspace; the workspace builds a catalog lazily
    assert "insightchat.tools.catalog" not in graph["insightchat.tools.workspace"]


def test_a_cycle_is_found_and_deferred_imports_are_not_edges(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from . import b\n")
    (pkg / "b.py").write_text("from pkg.c import thing\n")
    (pkg / "c.py").write_text("try:\n    import pkg.a\nexcept ImportError:\n    pass\nthing = 1\n")
    (pkg / "d.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pkg.a\n\ndef f():\n    import pkg.a\n"
    )
    graph = import_graph(module_files(tmp_path, {"pkg": "pkg"}))
    assert graph["pkg.d"] == set()
    assert find_cycle(graph) == ["pkg.a", "pkg.b", "pkg.c", "pkg.a"]
    (pkg / "c.py").write_text("thing = 1\n")
    assert find_cycle(import_graph(module_files(tmp_path, {"pkg": "pkg"}))) is None
