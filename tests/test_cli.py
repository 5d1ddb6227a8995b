"""End to end: the installed ``insightchat`` command in a subprocess, on the example data."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXE = shutil.which("insightchat") or str(Path(sys.executable).parent / "insightchat")


def run(*args: str, cwd: Path | None = None, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [EXE, *args],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=cwd,
        input=stdin,
        env={"PATH": str(Path(sys.executable).parent), "HF_HUB_OFFLINE": "1", "COLUMNS": "120"},
    )


def test_help_lists_commands() -> None:
    result = run("--help")
    assert result.returncode == 0
    for command in ("tables", "sql", "ask", "chat"):
        assert command in result.stdout


def test_tables_json(reviews_csv: Path, tickets_csv: Path) -> None:
    result = run("tables", str(reviews_csv), str(tickets_csv), "--json")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    tables = {t["name"]: t for t in payload["tables"]}
    assert tables["reviews"]["rows"] == 400 and tables["tickets"]["rows"] == 300
    region = next(c for c in tables["reviews"]["columns"] if c["name"] == "region")
    assert sorted(region["values"]) == ["East", "North", "South", "West"]


def test_tables_pretty(reviews_csv: Path) -> None:
    result = run("tables", str(reviews_csv))
    assert result.returncode == 0
    assert "reviews" in result.stdout and "review_text" in result.stdout


def test_sql_json_matches_python(reviews_csv: Path) -> None:
    import pandas as pd

    result = run("sql", str(reviews_csv), "SELECT region, count(*) AS n FROM reviews GROUP BY 1 ORDER BY 1", "--json")
    assert result.returncode == 0, result.stderr
    got = {r["region"]: r["n"] for r in json.loads(result.stdout)["rows"]}
    expected = pd.read_csv(reviews_csv).groupby("region").size().to_dict()
    assert got == expected


def test_sql_pretty_table(reviews_csv: Path) -> None:
    result = run("sql", str(reviews_csv), "SELECT max(rating) AS top FROM reviews")
    assert result.returncode == 0
    assert "top" in result.stdout and "5" in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["sql", "missing.csv", "SELECT 1"], "File not found"),
        (["sql", "{reviews}", "DROP TABLE reviews"], "Refused: DROP"),
        (["sql", "{reviews}", "SELECT * FROM read_csv('/etc/passwd')"], "read_csv"),
        (["sql", "{reviews}", "SELECT ratng FROM reviews"], "did you mean rating"),
        (["sql", "{reviews}"], "Give one or more files"),
    ],
)
def test_user_errors_are_one_line_no_traceback(reviews_csv: Path, args: list[str], message: str) -> None:
    result = run(*[a.replace("{reviews}", str(reviews_csv)) for a in args])
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_binary_file_named_csv(tmp_path: Path) -> None:
    bad = tmp_path / "image.csv"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    result = run("tables", str(bad))
    assert result.returncode == 1 and "binary" in result.stderr and "Traceback" not in result.stderr


def test_ask_json_with_sql_question(reviews_csv: Path) -> None:
    result = run("ask", str(reviews_csv), "SELECT count(*) AS n FROM reviews", "--json")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["table"]["rows"] == [[400]]
    assert answer["sql"]


def test_chat_repl_reads_questions_until_exit(reviews_csv: Path) -> None:
    result = run("chat", str(reviews_csv), stdin="SELECT count(*) AS n FROM reviews\nexit\n")
    assert result.returncode == 0, result.stderr
    assert "400" in result.stdout


def test_inputs_are_never_modified(reviews_csv: Path) -> None:
    before = reviews_csv.read_bytes()
    run("sql", str(reviews_csv), "SELECT * FROM reviews")
    assert reviews_csv.read_bytes() == before
