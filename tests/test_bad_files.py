"""Bad files and odd values: each gives a right result or one clear error line, never a traceback.

The corpus is written by the test into ``tmp_path``: empty and header-only files, binary bytes named .csv,
a zip named .xlsx, a 0-byte parquet, a corrupt SQLite file, scalar and nested-array JSON, 5,000 columns,
a 10 MB cell, duplicate and empty column names, a symlink out to a system file, a path with spaces and
unicode, markup-like text and HTML in cells and names, and every DuckDB result type. Each goes through the
real CLI (``insightchat tables FILE`` and ``insightchat sql FILE "SELECT * FROM t"``); the odd types also
through the rendering of the CLI and of the UI, where cell text must be escaped.
"""

from __future__ import annotations

import html
import os
import re
import sqlite3
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from markdown_it import MarkdownIt
from rich.console import Console
from typer.testing import CliRunner

from insightchat.cli import app

runner = CliRunner()

MARKUP = ["[/bold]", "[red]x", "<img src=x onerror=alert(1)>", "![x](http://evil.example/?q=1)", "[a](javascript:1)"]


def _csv(text: str) -> Callable[[Path], None]:
    return lambda p: p.write_text(text, encoding="utf-8")


def _bytes(data: bytes) -> Callable[[Path], None]:
    return lambda p: p.write_bytes(data)


def _zip_as_xlsx(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "not a workbook")


def _corrupt_sqlite(path: Path) -> None:
    sqlite3.connect(path).execute("CREATE TABLE t(a)").connection.commit()
    data = bytearray(path.read_bytes())
    data[16:] = b"\xff" * (len(data) - 16)  # the header's magic kept, everything after it garbage
    path.write_bytes(bytes(data))


def _wide(path: Path) -> None:
    n = 5_000
    lines = [",".join(f"c{i}" for i in range(n))] + [",".join(str(i * r) for i in range(n)) for r in (1, 2, 3)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _markup(path: Path) -> None:
    pd.DataFrame({name: MARKUP for name in MARKUP}).to_csv(path, index=False)


@dataclass(frozen=True)
class Case:
    name: str  # the file name written in tmp_path (may hold a folder)
    write: Callable[[Path], None]
    table: str  # the table the file opens as
    error: str = ""  # '' : both commands succeed; else a word the one error line must contain
    shows: tuple[str, ...] = ()  # text the successful output must show literally


CASES = [
    Case("empty.csv", _bytes(b""), "empty", error="empty"),
    Case("header.csv", _csv("a,b,c\n"), "header", shows=("a", "b", "c")),
    Case("binary.csv", _bytes(bytes(range(256)) * 40), "binary", error="binary"),
    Case("zip.xlsx", _zip_as_xlsx, "zip", error="Excel"),
    Case("zero.parquet", _bytes(b""), "zero", error="parquet"),
    Case("corrupt.sqlite", _corrupt_sqlite, "corrupt", error="SQLite"),
    Case("scalar.json", _csv("42"), "scalar", error="records"),
    Case("nested.json", _csv("[[1,2],[3]]"), "nested", error="records"),
    Case("dupes.csv", _csv("a,a,,b,\n1,2,3,4,5\n"), "dupes", shows=("a", "b")),
    Case("my folder é/données ü.csv", _csv("x,y\n1,2\n"), "donnees_u", shows=("x", "y")),
    Case("markup.csv", _markup, "markup", shows=tuple(MARKUP)),
    # a 10 MB cell: loading it is the goal (see test_a_10_mb_cell_loads); until then a clear refusal
    Case("bigcell.csv", _csv("id,text\n1," + "x" * 10_000_000 + "\n2,short\n"), "bigcell", error="?"),
]


def _check(result, error: str) -> None:
    """Success, or exit != 0 with exactly one 'Error:' line on stderr (plus hint and notes), no traceback."""
    assert "Traceback" not in result.output, result.output[-3000:]
    if not error:
        assert result.exit_code == 0, result.output[-3000:]
        return
    if error == "?" and result.exit_code == 0:
        return
    assert result.exit_code != 0, result.output[-3000:]
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    assert all(line.startswith(("Error:", "Hint:", "Note:")) for line in lines), result.stderr
    assert error == "?" or error in errors[0], errors[0]
    assert "failed unexpectedly" not in errors[0], errors[0]  # a clear reason, not the catch-all


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_file_through_the_cli(case: Case, tmp_path: Path):
    path = tmp_path / case.name
    path.parent.mkdir(parents=True, exist_ok=True)
    case.write(path)
    tables = runner.invoke(app, ["tables", str(path)], env={"COLUMNS": "400"})
    _check(tables, case.error)
    sql = runner.invoke(app, ["sql", str(path), f'SELECT * FROM "{case.table}"', "--json"])
    _check(sql, case.error)
    pretty = runner.invoke(app, ["sql", str(path), f'SELECT * FROM "{case.table}"'], env={"COLUMNS": "400"})
    _check(pretty, case.error)
    for text in case.shows:
        assert text in tables.stdout and text in pretty.stdout, (text, pretty.stdout[-2000:])


def test_duplicate_and_empty_column_names_get_distinct_names(tmp_path: Path):
    path = tmp_path / "dupes.csv"
    path.write_text("a,a,,b,\n1,2,3,4,5\n", encoding="utf-8")
    result = runner.invoke(app, ["sql", str(path), "SELECT * FROM dupes", "--json"])
    assert result.exit_code == 0, result.output
    import json

    row = json.loads(result.stdout)["rows"][0]
    assert len(row) == 5 and sorted(row.values()) == [1, 2, 3, 4, 5]  # no column lost or merged


def test_a_symlink_out_of_its_folder_is_refused(tmp_path: Path):
    link = tmp_path / "data.csv"
    link.symlink_to("/etc/passwd")
    inside = tmp_path / "latest.csv"
    (tmp_path / "2024.csv").write_text("a\n1\n", encoding="utf-8")
    inside.symlink_to(tmp_path / "2024.csv")
    for command in (["tables", str(link)], ["sql", str(link), "SELECT * FROM data"]):
        result = runner.invoke(app, command)
        _check(result, "outside its folder")
        assert "root:" not in result.output  # nothing of the file was shown
    assert runner.invoke(app, ["tables", str(inside)]).exit_code == 0  # a link within its folder is fine


def test_five_thousand_columns_profile_in_bounded_time(tmp_path: Path):
    path = tmp_path / "wide.csv"
    _wide(path)
    started = time.perf_counter()
    result = runner.invoke(app, ["tables", str(path), "--json"])
    elapsed = time.perf_counter() - started
    _check(result, "")
    import json

    table = json.loads(result.stdout)["tables"][0]
    names = {c["name"] for c in table["columns"]}
    assert table["rows"] == 3 and {f"c{i}" for i in range(5_000)} <= names  # (plus the loader's row position)
    assert elapsed < 90, f"5,000 columns took {elapsed:.1f} s"  # 20 s on a shared 2-core machine; target: seconds


def test_a_10_mb_cell_loads(tmp_path: Path):
    path = tmp_path / "bigcell.csv"
    path.write_text("id,text\n1," + "x" * 10_000_000 + "\n2,short\n", encoding="utf-8")
    result = runner.invoke(app, ["sql", str(path), "SELECT id, length(text) AS n FROM bigcell ORDER BY id", "--json"])
    assert result.exit_code == 0, result.output[-2000:]
    assert '"n": 10000000' in result.stdout


# ----------------------------------------------------------------------------- every DuckDB result type

ODD_TYPES = {  # column -> (SQL expression, text its rendering must show)
    "u": ("union_value(num := 2)::UNION(num INTEGER, str VARCHAR)", "2"),
    "d_inf": ("'infinity'::DATE", "infinity"),
    "d_ninf": ("'-infinity'::DATE", "-infinity"),
    "ts_inf": ("'infinity'::TIMESTAMP", "infinity"),
    "uh": ("340282366920938463463374607431768211455::UHUGEINT", "340282366920938463463374607431768211455"),
    "hh": ("(-170141183460469231731687303715884105728)::HUGEINT", "-170141183460469231731687303715884105728"),
    "ub": ("18446744073709551615::UBIGINT", "18446744073709551615"),
    "iv": ("INTERVAL 1 YEAR + INTERVAL 3 DAY + INTERVAL 5 SECOND", "3 days"),
    "lst": ("[1, 2, NULL]", "2"),
    "nested": ("[[1], []]", "1"),
    "st": ("{'a': 1, 'b': [1, 2]}", "a"),
    "mp": ("MAP {'k': 1, 'j': 2}", "k"),
    "bl": ("'\\x00\\xff'::BLOB", "x00"),
    "nan": ("'nan'::DOUBLE", ""),
    "inf": ("'inf'::DOUBLE", "inf"),
    "fnan": ("'nan'::FLOAT", ""),
    "dec": ("123.456::DECIMAL(38, 10)", "123.456"),
    "tm": ("TIME '23:59:59.999999'", "23:59:59"),
    "ttz": ("TIMETZ '12:00:00+05'", "12:00:00"),
    "tstz": ("TIMESTAMPTZ '2024-01-01 00:00:00+00'", "2024-01-01"),
    "tsns": ("TIMESTAMP_NS '2024-01-01 00:00:00.123456789'", "2024-01-01"),
    "uid": ("'5b2c0ec4-1b5a-4e5c-8a3c-2f7d0a1b9c11'::UUID", "5b2c0ec4-1b5a-4e5c-8a3c-2f7d0a1b9c11"),
    "bits": ("'101'::BIT", "101"),
    "arr": ("['a', 'b']::VARCHAR[2]", "a"),
    "en": ("'ok'::ENUM('ok', 'bad')", "ok"),
    "nothing": ("NULL", ""),
    "[/bold]": ("'[/bold] <img src=x onerror=alert(1)>'", "[/bold] <img src=x onerror=alert(1)>"),
}
ODD_SELECT = ", ".join(f'{expr} AS "{name}"' for name, (expr, _) in ODD_TYPES.items())


@pytest.fixture(scope="module")
def odd_workspace():
    """A table of every odd type, made by the product's own code (replace_with_view, as derived columns are)."""
    from insightchat.tools.workspace import Workspace

    ws = Workspace([])
    ws.add(pd.DataFrame({"k": [1, 2]}), name="odd")
    ws.replace_with_view("odd", lambda base: f"SELECT k, {ODD_SELECT} FROM {base}")
    yield ws
    ws.close()


def test_every_result_type_reaches_the_cli_rendering(odd_workspace, monkeypatch):
    from insightchat.cli import common
    from insightchat.tools.sql import run_query

    result = run_query(odd_workspace, "SELECT * FROM odd")
    assert len(result.df) == 2 and list(result.df.columns) == ["k", *ODD_TYPES]
    wide = Console(width=4000, record=True, file=open(os.devnull, "w"))  # noqa: SIM115 - closed by the test end
    monkeypatch.setattr(common, "out", wide)
    common.render_table(result.df, title="[/bold] odd")
    shown = wide.export_text()
    wide.file.close()
    for name, (_, text) in ODD_TYPES.items():
        assert name in shown and text in shown, (name, text)
    assert "340282366920938463463374607431768211455" in shown and "-1 " not in shown  # UHUGEINT max is not -1
    rows = common.json_ready(result.df)
    assert rows[0]["bl"] == "\\x00\\xff" and rows[0]["uh"] == "340282366920938463463374607431768211455"


def test_every_result_type_through_the_cli_from_a_duckdb_file(tmp_path: Path):
    path = tmp_path / "odd.duckdb"
    con = duckdb.connect(str(path))
    con.execute(f"CREATE TABLE odd AS SELECT k, {ODD_SELECT} FROM range(2) t(k)")
    con.close()
    for args in (["--json"], []):
        result = runner.invoke(app, ["sql", str(path), "SELECT * FROM odd", *args], env={"COLUMNS": "4000"})
        _check(result, "")
        assert "340282366920938463463374607431768211455" in result.stdout
    tables = runner.invoke(app, ["tables", str(path)])
    assert "Traceback" not in tables.output and (tables.exit_code == 0 or "Error:" in tables.stderr)


def test_every_result_type_profiles_in_the_catalog(odd_workspace):
    catalog = odd_workspace.catalog()
    assert len(catalog.tables["odd"].columns) == len(ODD_TYPES) + 1


# ----------------------------------------------------------------------------- escaping in the UI

md = MarkdownIt("commonmark", {"html": True})  # Markdown with raw HTML on, as the Chatbot renders it


def _html(markdown: str) -> str:
    return md.render(markdown)


@pytest.mark.parametrize("text", MARKUP + ["`code` <b>x</b>", "\\`![x](http://e)`", "a\n\n![x](http://e)", "# h"])
def test_markdown_escaping_leaves_no_tag_link_or_image(text: str):
    from insightchat.ui.formatting import code_span, escape_markdown, safe_markdown

    for rendered in (escape_markdown(text), safe_markdown(text), code_span(text)):
        out = _html(rendered)
        assert "<img" not in out and "<a " not in out and "<b>" not in out, (rendered, out)
    plain = _html(escape_markdown(text))
    assert "<h1" not in plain and "<code>" not in plain
    assert html.unescape(re.sub(r"<[^>]+>", "", plain)).strip() == text.replace("\n", " ")  # reads as typed


def test_safe_markdown_keeps_code_spans_and_emphasis():
    from insightchat.ui.formatting import safe_markdown

    page = _html(safe_markdown("**Berlin** has the most rows in `city` (`[x](y)`)"))
    assert "<strong>Berlin</strong>" in page and "<code>city</code>" in page and "<code>[x](y)</code>" in page


def test_chat_messages_escape_cell_text(odd_workspace):
    from insightchat.contracts import Answer, Step
    from insightchat.tools.errors import QueryError
    from insightchat.tools.sql import run_query
    from insightchat.ui.formatting import (
        answer_message,
        error_text,
        format_cell_frame,
        step_message,
        table_html,
    )

    result = run_query(odd_workspace, "SELECT * FROM odd")
    table = table_html(format_cell_frame(result.df, 50))
    assert "<img" not in table and "&lt;img src=x onerror=alert(1)&gt;" in table and "infinity" in table
    evil = "![x](http://evil.example/?q=1) <img src=x onerror=alert(1)>"
    answer = Answer(text=f"The top value is {evil}.", table=result.df, warnings=[evil], suggestions=[evil])
    message = answer_message(answer, chart=False)
    text_html = _html(message["content"][0])
    assert "<img" not in text_html and "<a " not in text_html and "evil.example" in text_html
    step = step_message(Step(tool="sql", title=f"Looked up {evil}", details=evil))
    for part in (step["content"], step["metadata"]["title"]):
        assert "<img" not in _html(part) and "<a " not in _html(part)
    assert "<img" not in _html(error_text(QueryError(f"Unknown column {evil}", "try [this](http://e)")))


def test_side_panel_escapes_table_and_column_names(tmp_path: Path):
    from insightchat.tools.workspace import Workspace
    from insightchat.ui.formatting import tables_markdown

    path = tmp_path / "markup.csv"
    _markup(path)
    ws = Workspace([path])
    try:
        page = _html(tables_markdown(ws))
    finally:
        ws.close()
    assert "<img" not in page and "<a " not in page
    assert "<code>[/bold]</code>" in page and "<code>&lt;img src=x onerror=alert(1)&gt;</code>" in page
