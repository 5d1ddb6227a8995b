"""Cleaning and typing (tools/cleaning.py) on a real workspace: each rule table-driven, the original
columns untouched, what could not convert counted and listed, and the row position kept."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from insightchat.tools.cleaning import POSITION_COLUMN, clean_table, clean_workspace, reports
from insightchat.tools.workspace import Workspace


@pytest.fixture
def ws() -> Workspace:
    w = Workspace()
    yield w
    w.close()


def typed(ws: Workspace, values: list[str | None]) -> tuple[list[object], str, str]:
    """Clean a one-column table of ``values``; the typed column's values, its family and its type."""
    ws.add_dataframe(pd.DataFrame({"v": values}), "t")
    report = clean_table(ws, "t", position=False)
    assert len(report.columns) == 1, report.notes()
    col = report.columns[0]
    rows = ws.query_rows(f'SELECT "{col.typed_column}" FROM t')
    return [r[0] for r in rows], col.family, col.dtype


@pytest.mark.parametrize(
    ("values", "expected", "family"),
    [
        (["1,234", "12", "-3.5", "5,000,000"], [1234, 12, -3.5, 5_000_000], "number"),
        (["$1.2 million", "$300", "€5 m", "£2bn"], [1_200_000, 300, 5_000_000, 2_000_000_000], "number"),
        (["12 %", "5%", "7.5 %", "100%"], [12, 5, 7.5, 100], "number"),
        (["1st", "2nd", "3rd", "4th"], [1, 2, 3, 4], "number"),
        (["1,5", "2,75", "10", "1.234,5"], [1.5, 2.75, 10, 1234.5], "number (decimal comma)"),
        (["3:45.2", "1:02:03", "59.9", "4:01"], [225.2, 3723, 59.9, 241], "duration in seconds"),
        (["1990–91", "1991-92", "1993", "1999/2000"], [1990, 1991, 1993, 1999], "year"),
        (
            ["Italy [a]", "France", "Spain*", "Peru †"],
            ["Italy", "France", "Spain", "Peru"],
            "text without footnote marks",
        ),
        (["1,234[3]", "5 [a]", "7*", "−2"], [1234, 5, 7, -2], "number"),
    ],
)
def test_rules(ws: Workspace, values, expected, family) -> None:
    got, fam, _ = typed(ws, values)
    assert fam == family
    assert got == pytest.approx(expected) if not isinstance(expected[0], str) else got == expected


@pytest.mark.parametrize(
    ("values", "expected", "family"),
    [
        (
            ["January 26, 1995", "Feb 3, 1990", "3 March 2001", "Sept. 9th, 1967"],
            [dt.date(1995, 1, 26), dt.date(1990, 2, 3), dt.date(2001, 3, 3), dt.date(1967, 9, 9)],
            "date (month first)",
        ),
        (
            ["9/9/67", "12/31/1999", "1/2/03", "1995-01-26"],
            [dt.date(1967, 9, 9), dt.date(1999, 12, 31), dt.date(2003, 1, 2), dt.date(1995, 1, 26)],
            "date (month first)",
        ),
        (
            ["27/10/2013", "07/12/2013", "1.2.2001", "31/1/99"],
            [dt.date(2013, 10, 27), dt.date(2013, 12, 7), dt.date(2001, 2, 1), dt.date(1999, 1, 31)],
            "date (day first)",
        ),
    ],
)
def test_dates(ws: Workspace, values, expected, family) -> None:
    got, fam, dtype = typed(ws, values)
    assert (fam, dtype, got) == (family, "DATE", expected)


def test_whole_numbers_are_integers(ws: Workspace) -> None:
    assert typed(ws, ["1,234", "5"])[2] == "BIGINT"


def test_empty_markers_and_failures_are_counted_and_listed_never_dropped(ws: Workspace) -> None:
    ws.add_dataframe(
        pd.DataFrame({"pop": ["1,234", "—", "n/a", "5,000", "-", "12", "13", "14", "15", "about 9", None]}), "t"
    )
    (col,) = clean_table(ws, "t", position=False).columns
    assert col.typed_column == "pop_num"
    assert (col.converted, col.empty, col.failed) == (6, 4, 1)
    assert col.failed_values == [("about 9", 1)]
    assert "'about 9'" in col.note() and "could not be converted" in col.note()
    rows = ws.query_rows("SELECT pop, pop_num FROM t")
    assert rows[0] == ("1,234", 1234) and rows[1] == ("—", None) and rows[9] == ("about 9", None)


def test_the_original_columns_and_the_row_order_are_kept(ws: Workspace) -> None:
    frame = pd.DataFrame({"team": list("dcbae"), "points": ["10", "1,000", "7", "—", "3"]})
    ws.add_dataframe(frame, "league")
    report = clean_table(ws, "league")
    assert report.position_column == POSITION_COLUMN
    df = ws.query_df("SELECT * FROM league")
    assert list(df.columns) == ["team", "points", "points_num", POSITION_COLUMN]
    assert df["team"].tolist() == list("dcbae") and df["points"].tolist() == frame["points"].tolist()
    assert df[POSITION_COLUMN].tolist() == [1, 2, 3, 4, 5]


def test_codes_prose_and_mixed_text_get_no_typed_column(ws: Workspace) -> None:
    ws.add_dataframe(
        pd.DataFrame(
            {
                "zip": ["01234", "02115", "00501", "10001"],
                "note": ["won 2-1 at home", "lost", "drew 0-0", "won 3 to 1"],
                "review": ["a long review that talks about 12 things and 3 more things, at length"] * 4,
            }
        ),
        "t",
    )
    assert clean_table(ws, "t", position=False).columns == []


def test_spellings_that_differ_only_in_case_or_spacing_are_noted(ws: Workspace) -> None:
    ws.add_dataframe(pd.DataFrame({"region": ["EU", "eu ", "US", "U S", "EU"]}), "t")
    report = clean_table(ws, "t", position=False)
    assert report.spellings == [("region", ["EU", "eu "])]
    assert any("differ only in case or spacing" in n for n in report.notes())


def test_prose_is_not_read_for_spellings_or_types(ws: Workspace) -> None:
    """Free text (ticket bodies) is left to the text models: its repeats in other case are no category."""
    body = "The kettle arrived with a cracked lid and the box was damaged, please send a replacement."
    ws.add_dataframe(pd.DataFrame({"body": [body, body.upper(), body, "1,234"], "team": ["A", "a", "A", "B"]}), "t")
    report = clean_table(ws, "t", position=False)
    assert report.columns == [] and report.spellings == [("team", ["A", "a"])]


def test_a_position_column_never_clashes(ws: Workspace) -> None:
    ws.add_dataframe(pd.DataFrame({POSITION_COLUMN: ["x", "y"]}), "t")
    report = clean_table(ws, "t")
    assert report.position_column == f"{POSITION_COLUMN}_2"
    assert ws.query_rows(f'SELECT "{POSITION_COLUMN}", "{POSITION_COLUMN}_2" FROM t') == [("x", 1), ("y", 2)]


def test_clean_workspace_cleans_each_table_once_and_file_tables_get_positions(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "medals.csv"
    path.write_text('nation,gold\nItaly [a],"1,001"\nPeru,2\n', encoding="utf-8")
    ws.add(path)
    ws.add_dataframe(pd.DataFrame({"n": ["1,000", "2"]}), "frame")
    first = clean_workspace(ws)
    assert set(first) == {"medals", "frame"}
    assert first["medals"].position_column and not first["frame"].position_column
    assert clean_workspace(ws) == {}  # already cleaned
    assert set(reports(ws)) == {"medals", "frame"}
    assert ws.query_rows("SELECT nation_clean, gold_num, row_position FROM medals") == [
        ("Italy", 1001, 1),
        ("Peru", 2, 2),
    ]


# a header DuckDB's sniffer reads as data (its empty first cell fits the numbers below it)
OFFICE = (
    ',Name,Took office,Votes\n1,Ben,"March 4, 1789","1,234"\n'
    '2,Will,"March 4, 1791","5,678 [a]"\n3,John,"May 5, 1792",—\n'
)


def test_tables_shows_each_typed_column_with_the_text_it_came_from_and_the_notes(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from insightchat.cli import app

    path = tmp_path / "office.csv"
    path.write_text(OFFICE, encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(app, ["tables", str(path), "--json"])
    assert result.exit_code == 0, result.output
    (table,) = json.loads(result.stdout)["tables"]
    made_from = {c["name"]: c["typed_from"] for c in table["columns"]}
    assert made_from == {
        "column0": None,
        "Name": None,
        "Took office": None,
        "Votes": None,
        "Took office_date": "Took office",
        "Votes_num": "Votes",
        POSITION_COLUMN: None,
    }
    notes = " ".join(table["notes"])
    assert (
        "saw no header" in notes
        and "'Votes_num' (BIGINT) holds 'Votes'" in notes
        and "1 empty or marked as no value" in notes
    )

    shown = runner.invoke(app, ["tables", str(path)], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    rows = {line.split("│")[1].strip(): line.split("│")[2].strip() for line in shown.stdout.splitlines() if "│" in line}
    assert rows["Took office_date"] == "Took office" and rows["Votes_num"] == "Votes"
    assert rows[POSITION_COLUMN] == "row order" and rows["Name"] == ""
    assert "How office was read and cleaned:" in shown.stdout and "holds 'Took office' as a date" in shown.stdout

    plain = runner.invoke(app, ["tables", str(path), "--no-clean", "--json"])
    assert [c["name"] for c in json.loads(plain.stdout)["tables"][0]["columns"]] == [
        "column0",
        "Name",
        "Took office",
        "Votes",
    ]


def test_the_ui_side_panel_shows_typed_columns_and_their_notes(tmp_path: Path) -> None:
    from insightchat.assistant import Assistant
    from insightchat.ui.formatting import tables_markdown

    path = tmp_path / "votes.csv"
    path.write_text('party,votes\nBlue,"14,422"\nRed,"9,001"\nGreen,n/a\n', encoding="utf-8")
    bot = Assistant(path)
    panel = tables_markdown(bot.workspace)
    typed = next(c for c, of in bot.workspace.sources["votes"].typed_columns.items() if of == "votes")
    assert f"`{typed}` double (from `votes`)" in panel or f"`{typed}` bigint (from `votes`)" in panel, panel
    notes = [line for line in panel.splitlines() if line.startswith("<small>· ")]
    assert any("holds 'votes'" in line for line in notes), panel  # the conversion, under the table
