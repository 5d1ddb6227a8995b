"""Every loader, every bad-input path, and the promise that user files are never written."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from insightchat.tools.errors import DataSourceError
from insightchat.tools.sources import safe_table_name, table_name_for
from insightchat.tools.workspace import Workspace


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def rows(ws: Workspace, sql: str) -> list[tuple]:
    return ws.query_rows(sql)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("sales", "sales"),
        ("Sales 2023 (EU)", "sales_2023_eu"),
        ("2023-report", "t_2023_report"),
        ("order", "order_table"),
        ("select", "select_table"),
        ("my.data", "my_data"),
        ("***", "data"),
        ("Ümlaut Données", "umlaut_donnees"),
    ],
)
def test_safe_table_name(raw: str, expected: str) -> None:
    assert safe_table_name(raw) == expected


def test_table_name_for_double_extension() -> None:
    assert table_name_for(Path("x/Events.ndjson")) == "events"
    assert table_name_for(Path("x/my file.csv")) == "my_file"


def test_csv_with_bom_semicolons_and_nulls(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes("\ufeffname;age;city\nAnn;31;Berlin\nBob;;Paris\n".encode("utf-8"))
    before = digest(path)
    ws = Workspace([path])
    assert ws.table_names() == ["people"]
    assert [c for c, _ in ws.columns("people")] == ["name", "age", "city"]
    assert rows(ws, "SELECT name, age FROM people ORDER BY name") == [("Ann", 31), ("Bob", None)]
    assert digest(path) == before


def test_tsv_and_latin1(tmp_path: Path) -> None:
    tsv = tmp_path / "cities.tsv"
    tsv.write_text("city\tpop\nLyon\t500\nNice\t340\n", encoding="utf-8")
    latin = tmp_path / "names.csv"
    latin.write_bytes("name,city\nJos\xe9,M\xfcnchen\nAna,K\xf6ln\n".encode("latin-1"))
    ws = Workspace([tsv, latin])
    assert rows(ws, "SELECT sum(pop) FROM cities") == [(840,)]
    assert ("José", "München") in rows(ws, "SELECT name, city FROM names")


def test_ragged_rows_are_padded(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text("a,b,c\n1,2,3\n4\n5,6\n", encoding="utf-8")
    ws = Workspace([path])
    assert rows(ws, "SELECT count(*), count(c) FROM ragged") == [(3, 1)]


def test_header_only_gives_empty_table(tmp_path: Path) -> None:
    path = tmp_path / "empty_rows.csv"
    path.write_text("id,name\n", encoding="utf-8")
    ws = Workspace([path])
    assert [c for c, _ in ws.columns("empty_rows")] == ["id", "name"]
    assert ws.catalog().table("empty_rows").row_count == 0


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "is empty"),
        (b"   \n\n", "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
    ],
)
def test_bad_csv_files(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(DataSourceError, match=message):
        Workspace([path])


def test_missing_path_and_folder_and_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(DataSourceError, match="File not found"):
        Workspace([tmp_path / "nope.csv"])
    with pytest.raises(DataSourceError, match="is a folder"):
        Workspace([tmp_path])
    odd = tmp_path / "notes.docx"
    odd.write_text("hello")
    with pytest.raises(DataSourceError, match="Don't know how to read"):
        Workspace([odd])
    fake = tmp_path / "fake.parquet"
    fake.write_text("a,b\n1,2\n")
    with pytest.raises(DataSourceError, match="not a valid parquet"):
        Workspace([fake])


def test_parquet_json_ndjson(tmp_path: Path) -> None:
    df = pd.DataFrame({"id": [1, 2, 3], "amount": [9.5, 3.0, 7.25]})
    pq = tmp_path / "payments.parquet"
    df.to_parquet(pq)
    js = tmp_path / "users.json"
    js.write_text(json.dumps([{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]))
    nd = tmp_path / "events.ndjson"
    nd.write_text('{"kind": "click", "n": 2}\n{"kind": "view", "n": 5}\n')
    ws = Workspace([pq, js, nd])
    assert sorted(ws.table_names()) == ["events", "payments", "users"]
    assert rows(ws, "SELECT sum(amount) FROM payments") == [(19.75,)]
    assert rows(ws, "SELECT name FROM users WHERE id = 2") == [("b",)]
    assert rows(ws, "SELECT sum(n) FROM events") == [(7,)]
    assert ws.sources["payments"].kind == "parquet"


def test_excel_every_sheet_and_empty_sheet(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        pd.DataFrame({"region": ["N", "S"], "sales": [10, 20]}).to_excel(writer, sheet_name="Sales Q1", index=False)
        pd.DataFrame({"name": ["x"]}).to_excel(writer, sheet_name="People", index=False)
        pd.DataFrame().to_excel(writer, sheet_name="Blank", index=False)
    before = digest(path)
    ws = Workspace([path])
    assert sorted(ws.table_names()) == ["people", "sales_q1"]
    assert rows(ws, "SELECT sum(sales) FROM sales_q1") == [(30,)]
    assert any("Blank" in n for n in ws.notes)
    assert digest(path) == before


def test_sqlite_tables_and_declared_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "shop.sqlite"
    con = sqlite3.connect(path)
    con.executescript(
        """
        CREATE TABLE customer (customer_id INTEGER PRIMARY KEY, name TEXT);
        CREATE TABLE purchase (id INTEGER PRIMARY KEY, buyer INTEGER REFERENCES customer(customer_id), total REAL);
        CREATE TABLE "order" (id INTEGER, note TEXT);
        INSERT INTO customer VALUES (1, 'Ann'), (2, 'Bob');
        INSERT INTO purchase VALUES (1, 1, 10.0), (2, 1, 5.0), (3, 2, 1.5);
        """
    )
    con.commit()
    con.close()
    before = digest(path)
    ws = Workspace([path])
    assert sorted(ws.table_names()) == ["customer", "order_table", "purchase"]
    rels = ws.catalog().relations
    assert any(
        r.left == "purchase" and r.left_column == "buyer" and r.right == "customer" and r.origin == "declared"
        for r in rels
    )
    assert rows(
        ws,
        "SELECT c.name, sum(p.total) FROM purchase p JOIN customer c ON p.buyer = c.customer_id GROUP BY 1 ORDER BY 1",
    ) == [("Ann", 15.0), ("Bob", 1.5)]
    assert digest(path) == before


def test_duckdb_file_read_only(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE facts AS SELECT range AS i FROM range(5)")
    con.close()
    before = digest(path)
    ws = Workspace([path])
    assert rows(ws, "SELECT sum(i) FROM facts") == [(10,)]
    ws.execute("INSERT INTO facts VALUES (99)")  # the workspace's copy, never the file
    assert rows(ws, "SELECT sum(i) FROM facts") == [(109,)]
    ws.close()
    assert digest(path) == before
    assert Workspace([path]).query_rows("SELECT sum(i) FROM facts") == [(10,)]


def test_glob_unions_files(tmp_path: Path) -> None:
    for month, n in (("01", 2), ("02", 3)):
        (tmp_path / f"sales_{month}.csv").write_text("k,v\n" + "".join(f"a,{i}\n" for i in range(n)))
    ws = Workspace([str(tmp_path / "sales_*.csv")])
    assert ws.table_names() == ["sales"]
    assert rows(ws, "SELECT count(*) FROM sales") == [(5,)]
    with pytest.raises(DataSourceError, match="No files match"):
        Workspace([str(tmp_path / "nothing_*.csv")])


def test_dataframe_is_copied() -> None:
    df = pd.DataFrame({"x": [1, 2], "label with space": ["a", "b"]})
    ws = Workspace()
    name = ws.add_dataframe(df, "My Frame")
    df.loc[0, "x"] = 100
    assert name == "my_frame"
    assert rows(ws, 'SELECT sum(x), max("label with space") FROM my_frame') == [(3, "b")]


def test_name_clash_gets_suffix_and_note(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "data.csv").write_text("x\n1\n")
    (tmp_path / "b" / "data.csv").write_text("x\n2\n")
    ws = Workspace([tmp_path / "a" / "data.csv", tmp_path / "b" / "data.csv"])
    assert ws.table_names() == ["data", "data_2"]
    assert any("data_2" in n for n in ws.notes)


def test_keyword_table_and_awkward_column_names(tmp_path: Path) -> None:
    path = tmp_path / "select.csv"
    path.write_text('"first name","it\'s, ok",group\nAnn,1,x\n', encoding="utf-8")
    ws = Workspace([path])
    assert ws.table_names() == ["select_table"]
    cols = [c for c, _ in ws.columns("select_table")]
    assert cols == ["first name", "it's, ok", "group"]
    prof = ws.catalog().table("select_table")
    assert prof.column("first name").values == ["Ann"]


def test_replace_with_view_keeps_original_rows(reviews_csv: Path) -> None:
    ws = Workspace([reviews_csv])
    v0 = ws.version("reviews")
    ws.replace_with_view("reviews", lambda base: f"SELECT *, rating >= 4 AS happy FROM {base}")
    assert ws.version("reviews") > v0
    assert rows(ws, "SELECT count(*) FROM reviews WHERE happy") == rows(
        ws, "SELECT count(*) FROM _base_reviews WHERE rating >= 4"
    )
    assert "happy" in ws.catalog().table("reviews").column_names
    assert ws.table_names() == ["reviews"]


def test_closing_an_engine_from_a_finalizer_inside_a_spawn_does_not_deadlock() -> None:
    """The garbage collector may finalize a dropped workspace (closing its engine) while this thread is
    inside the fork server's spawn; the kill waits for the spawn instead of taking its lock again."""
    import threading

    from insightchat.tools.engine_fork import fork_server

    server = fork_server()
    old = Workspace()
    pid = old.engine.pid
    assert pid is not None
    done = threading.Event()

    def spawn_with_a_finalizer_inside() -> None:
        with server._held():  # what spawn holds while it encodes and sends its request
            server.kill(pid)  # what the dropped workspace's finalizer calls at that moment
        done.set()

    threading.Thread(target=spawn_with_a_finalizer_inside, daemon=True).start()
    assert done.wait(10), "the kill re-entered the fork server's lock and deadlocked"
    assert server.exit_code(pid, timeout=10) is not None  # the deferred kill ran when the lock was released
    new = Workspace()  # the server still serves
    assert new.query_rows("SELECT 1")[0][0] == 1
    new.close()
    old.close()  # closing a workspace whose engine was killed is quiet
