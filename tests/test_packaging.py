"""The installed names belong to the product: everything imports as ``insightchat.*``."""

from __future__ import annotations

import ast
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {
    "assistant": "insightchat",
    "tools": "insightchat.tools",
    "models": "insightchat.models",
    "ui": "insightchat.ui",
}
TOP_LEVEL = set(FOLDERS)


def python_files() -> list[Path]:
    dirs = [*FOLDERS, "tests", "benchmarks", "examples"]
    return sorted(p for d in dirs for p in (ROOT / d).rglob("*.py"))


def test_every_package_folder_is_installed():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert config["package-dir"] == {v: k for k, v in FOLDERS.items()}
    expected = set()
    for folder, name in FOLDERS.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder).parts
            expected.add(".".join((name, *rel)))
    assert set(config["packages"]) == expected


def test_no_module_imports_the_repository_folders_by_their_own_names():
    offenders = []
    for path in python_files():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] in TOP_LEVEL]
    assert not offenders, offenders


def test_the_documented_import_works():
    from insightchat import Assistant
    from insightchat.assistant import Assistant as Facade

    assert Assistant is Facade
