"""The CSV reader's plan (tools/csv_reading.py): each case is a file the test writes, read with the
plan's SELECT on a real DuckDB connection and compared with what a person sees in the file."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from insightchat.tools.csv_reading import CsvPlan, Dialect, choose_dialect, detect_encoding, plan_csv
from insightchat.tools.errors import DataSourceError


@pytest.fixture
def loader() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    yield con
    con.close()


def read(loader: duckdb.DuckDBPyConnection, path: Path) -> tuple[CsvPlan, list[str], list[tuple]]:
    plan = plan_csv(loader, [path])
    result = loader.execute(plan.select_sql)
    names = [d[0] for d in result.description]
    return plan, names, result.fetchall()


def write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(data, str):
        path.write_bytes(data.encode("utf-8"))
    else:
        path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'id,text\r\n1,"line one\nline two"\r\n2,plain\r\n', [(1, "line one\nline two"), (2, "plain")]),
        (b'id,text\n1,"line one\r\nline two"\n2,plain\n', [(1, "line one\r\nline two"), (2, "plain")]),
    ],
    ids=["LF inside quotes, CRLF file", "CRLF inside quotes, LF file"],
)
def test_line_breaks_inside_quotes_stay_in_their_cell(loader, tmp_path, body, expected) -> None:
    plan, names, rows = read(loader, write(tmp_path, "tickets.csv", body))
    assert names == ["id", "text"]
    assert rows == expected
    assert plan.independent_shape is not None and plan.independent_shape.rows == 2


def test_a_file_written_by_pythons_csv_module_keeps_its_two_columns(loader, tmp_path) -> None:
    path = tmp_path / "train.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["sentence", "gold"])
        for i in range(30):
            w.writerow([f'hello, world {i}, "quoted"\nsecond line', "pos" if i % 2 else "neg"])
    plan, names, rows = read(loader, path)
    assert names == ["sentence", "gold"]
    assert len(rows) == 30
    assert rows[0] == ('hello, world 0, "quoted"\nsecond line', "neg")


@pytest.mark.parametrize(
    ("body", "quote"),
    [
        ('name,quote\nA,"he said ""hi"", twice"\nB,x\n', "doubled"),
        ('"name","quote"\n"A","he said \\"hi\\", twice"\n"B","x"\n', "backslash"),
    ],
)
def test_quoted_delimiters_and_both_quote_escapes(loader, tmp_path, body, quote) -> None:
    plan, names, rows = read(loader, write(tmp_path, "q.csv", body))
    assert names == ["name", "quote"]
    assert rows == [("A", 'he said "hi", twice'), ("B", "x")]
    assert ("backslash" in plan.notes[0]) == (quote == "backslash")


@pytest.mark.parametrize(("delimiter", "word"), [(";", "semicolon"), ("\t", "tab"), ("|", "pipe")])
def test_other_delimiters_keep_decimal_commas_as_written(loader, tmp_path, delimiter, word) -> None:
    body = (
        delimiter.join(["name", "amount"]) + "\n" + "\n".join(delimiter.join(r) for r in [("A", "1,5"), ("B", "2,75")])
    )
    plan, names, rows = read(loader, write(tmp_path, "eu.csv", body + "\n"))
    assert names == ["name", "amount"]
    assert rows == [("A", "1,5"), ("B", "2,75")]  # the cleaning step types them (tests/test_cleaning.py)
    assert word in plan.notes[0]


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (codecs.BOM_UTF8 + "name,city\nAnn,Zürich\nBob,Köln\n".encode(), "utf-8-sig"),
        ("name,city\nAnn,Zürich\nBob,Köln\n".encode("utf-16"), "utf-16"),
        ("name,city\nAnn,Zürich\nBob,Köln\n".encode("utf-16-le"), "utf-16-le"),
        ("name,city\nAnn,Zürich\nBob,Köln\n".encode("latin-1"), "latin-1"),
    ],
    ids=["utf-8 BOM", "utf-16 BOM", "utf-16 no BOM", "latin-1"],
)
def test_encodings(loader, tmp_path, data, encoding) -> None:
    path = write(tmp_path, "cities.csv", data)
    assert detect_encoding(path) == encoding
    plan, names, rows = read(loader, path)
    assert names == ["name", "city"]
    assert rows == [("Ann", "Zürich"), ("Bob", "Köln")]


def test_cp1252_is_read_through_a_utf8_copy_and_the_file_is_untouched(loader, tmp_path) -> None:
    data = "name,quote\nAnn,“hi” – €5\nBob,Köln\n".encode("cp1252")
    path = write(tmp_path, "win.csv", data)
    assert detect_encoding(path) == "cp1252"
    plan, names, rows = read(loader, path)
    assert rows == [("Ann", "“hi” – €5"), ("Bob", "Köln")]
    assert path.read_bytes() == data
    assert any("cp1252" in n for n in plan.notes)


def test_title_rows_above_the_header_are_skipped_and_named(loader, tmp_path) -> None:
    body = "Sales report 2023\nGenerated on 2024-01-05\n\nregion,amount,units\nEU,10,1\nUS,20,2\nAPAC,30,3\n"
    plan, names, rows = read(loader, write(tmp_path, "report.csv", body))
    assert names == ["region", "amount", "units"]
    assert rows == [("EU", 10, 1), ("US", 20, 2), ("APAC", 30, 3)]
    assert any("title row" in n and "Sales report 2023" in n for n in plan.notes)


def test_a_file_without_a_header_says_so(loader, tmp_path) -> None:
    plan, names, rows = read(loader, write(tmp_path, "raw.csv", "Ann,Berlin,3\nBob,Paris,4\nCid,Rome,5\n"))
    assert len(rows) == 3 and rows[0] == ("Ann", "Berlin", 3)
    assert any("no header" in n for n in plan.notes)


def test_duplicate_and_empty_header_names_are_renamed_with_a_note(loader, tmp_path) -> None:
    plan, names, rows = read(loader, write(tmp_path, "dup.csv", "name,value,value,,x\nA,1,2,3,4\nB,5,6,7,8\n"))
    assert len(names) == 5 and len(set(names)) == 5
    assert names[:2] == ["name", "value"] and names[4] == "x"
    assert rows[0] == ("A", 1, 2, 3, 4)
    assert any("empty" in n for n in plan.notes) and any("'value' -> " in n for n in plan.notes)


def test_a_total_and_a_footnote_below_the_data_are_left_out_and_listed(loader, tmp_path) -> None:
    body = "region,amount\nEU,10\nUS,20\nAPAC,30\nTotal,60\n* figures in thousands\n"
    plan, names, rows = read(loader, write(tmp_path, "total.csv", body))
    assert names == ["region", "amount"]
    assert rows == [("EU", 10), ("US", 20), ("APAC", 30)]
    assert any("Left out 2" in n and "Total 60" in n and "figures in thousands" in n for n in plan.notes)


def test_a_total_that_does_not_add_up_is_kept(loader, tmp_path) -> None:
    body = "region,amount\nEU,10\nUS,20\nTotal,99\n"
    _, _, rows = read(loader, write(tmp_path, "total.csv", body))
    assert rows[-1] == ("Total", 99)


def test_ragged_rows_are_padded_and_extra_values_kept(loader, tmp_path) -> None:
    plan, names, rows = read(loader, write(tmp_path, "ragged.csv", "a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n"))
    assert names[:3] == ["a", "b", "c"] and len(names) == 4
    assert rows == [(1, 2, 3, None), (4, 5, None, None), (6, 7, 8, 9), (10, 11, 12, None)]
    assert any("fewer fields" in n for n in plan.notes) and any("more fields" in n for n in plan.notes)
    assert plan.difference  # DuckDB's own sniffing read it as one column


def test_ragged_rows_with_line_breaks_inside_quotes(loader, tmp_path) -> None:
    lines = ["id,text,n"] + [f'{i},"multi\nline, {i}"' + ("" if i % 7 == 0 else f",{i}") for i in range(3000)]
    plan, names, rows = read(loader, write(tmp_path, "tickets.csv", "\n".join(lines) + "\n"))
    assert names == ["id", "text", "n"]
    assert len(rows) == 3000 and rows[1] == (1, "multi\nline, 1", 1) and rows[0][2] is None


def test_a_trailing_delimiter_does_not_add_a_column(loader, tmp_path) -> None:
    plan, names, rows = read(loader, write(tmp_path, "trail.csv", "a,b,c,\n1,2,3,\n4,5,6,\n"))
    assert names == ["a", "b", "c"]
    assert rows == [(1, 2, 3), (4, 5, 6)]


def test_one_column_files_keep_one_column(loader, tmp_path) -> None:
    plan, names, rows = read(loader, write(tmp_path, "names.csv", "name\nann, the first\nbob\ncid\n"))
    assert names == ["name"]
    assert rows == [("ann, the first",), ("bob",), ("cid",)]


def test_a_type_that_later_rows_break_is_relaxed_not_an_error(loader, tmp_path) -> None:
    lines = ["id,code,day"] + [f"{i},{i},07/12/2013" for i in range(25_000)] + ["25000,X1,27/10/2013"]
    plan, names, rows = read(loader, write(tmp_path, "late.csv", "\n".join(lines) + "\n"))
    assert len(rows) == 25_001
    assert rows[-1][1] == "X1"  # the code column is text, as its last value needs
    assert rows[-1][2] == dt.date(2013, 10, 27) and rows[0][2] == dt.date(2013, 12, 7)  # day first, from all rows


def test_a_lone_quote_in_an_unquoted_file_is_a_character(loader, tmp_path) -> None:
    plan, names, rows = read(loader, write(tmp_path, "notes.csv", 'a,b\n1,"open\n2,x\n3,y\n'))
    assert rows == [(1, '"open'), (2, "x"), (3, "y")]
    assert "no quoting" in plan.notes[0]


def test_a_file_the_readings_disagree_on_is_an_error_not_a_wrong_table(loader, tmp_path) -> None:
    # quoted fields and an unclosed quote that swallows the rest: no reading gives the rows a person sees
    body = 'a,b\n1,"x, y"\n2,"open\n3,z\n4,w\n'
    with pytest.raises(DataSourceError, match="reliably"):
        plan_csv(loader, [write(tmp_path, "broken.csv", body)])


@pytest.mark.parametrize("data", [b"", b"   \n", b"\x00\x01\x02binary\x00\xff" * 50])
def test_empty_and_binary_files_fail_with_their_name(loader, tmp_path, data) -> None:
    with pytest.raises(DataSourceError, match="bad.csv"):
        plan_csv(loader, [write(tmp_path, "bad.csv", data)])


def test_the_dialect_is_chosen_by_consistent_field_counts() -> None:
    assert choose_dialect("a;b;c\n1;2,5;3\n4;5;6\n") == Dialect(";")
    assert choose_dialect('a,b\n"x \\"y\\", z",1\n"w",2\n').escape == "\\"
    assert choose_dialect('id\tq\n1\t"hi\n2\tok\n3\tno\n').quote == ""  # a quote that opens nothing


def test_several_files_are_one_table(loader, tmp_path) -> None:
    a = write(tmp_path, "a.csv", "id,name\n1,x\n2,y\n")
    b = write(tmp_path, "b.csv", "id,name\n3,z\n")
    plan = plan_csv(loader, [a, b])
    assert loader.execute(f"SELECT count(*) FROM ({plan.select_sql})").fetchone() == (3,)


def test_a_header_that_fits_the_column_types_is_still_the_header(loader, tmp_path) -> None:
    # pandas writes its index under an empty header cell; DuckDB's sniffer sees a row that fits every type
    path = tmp_path / "export.csv"
    pd.DataFrame({"name": ["Ann", "Bob", "Cid"], "city": ["Berlin", "Paris", "Rome"]}).to_csv(path)
    plan, names, rows = read(loader, path)
    assert names[1:] == ["name", "city"]
    assert rows == [(0, "Ann", "Berlin"), (1, "Bob", "Paris"), (2, "Cid", "Rome")]
    assert any("saw no header" in n and "row counter" in n for n in plan.notes)
    assert "the first row is the header" in plan.notes[0]


def test_a_header_cell_over_dates_written_as_text_marks_the_header(loader, tmp_path) -> None:
    body = ',Name,Took office\n7,Ben,"March 4, 1789"\n3,Will,"March 4, 1791"\n9,John,"February 5, 1792"\n'
    plan, names, rows = read(loader, write(tmp_path, "office.csv", body))
    assert names[1:] == ["Name", "Took office"]
    assert rows[0] == (7, "Ben", "March 4, 1789") and len(rows) == 3
    assert any("'Took office' is no date" in n for n in plan.notes)


@pytest.mark.parametrize(
    ("body", "first"),
    [
        ("".join(f"{i},{i * 7 % 11},{i * 3}\n" for i in range(30)), (0, 0, 0)),  # numbers only
        ("1.5,2\n2.5,3\n3.5,4\n", (1.5, 2)),
        ("1,alpha\n2,beta\n3,gamma\n4,delta\n", (1, "alpha")),  # a counter, but its first cell is filled
        (",5,6\n1,6,7\n2,7,8\n3,8,9\n", (None, 5, 6)),  # an empty first cell over a counter, but the row is numbers
        ("Ann,Berlin,3\nBob,Paris,4\nCid,Rome,5\n", ("Ann", "Berlin", 3)),
    ],
    ids=["numbers", "decimals", "counter and text", "empty cell and numbers", "text and numbers"],
)
def test_files_without_a_header_stay_without_one(loader, tmp_path, body, first) -> None:
    plan, names, rows = read(loader, write(tmp_path, "raw.csv", body))
    assert rows[0] == first
    assert any("no header row" in n for n in plan.notes)
    assert not any("saw no header" in n for n in plan.notes)
