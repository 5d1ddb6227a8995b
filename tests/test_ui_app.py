"""The Gradio app driven in-process with gradio_client: answers, uploads, isolation, errors, files.

One app is launched for the module (on a free loopback port); each test makes its own Client, which
Gradio treats as its own session.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import duckdb
import pandas as pd
import pytest

gradio_client = pytest.importorskip("gradio_client")
from gradio_client import Client, handle_file  # noqa: E402
from ui_helpers import EXAMPLES, components, launched_app, step_messages, table_of, texts  # noqa: E402

from insightchat.ui.formatting import escape_markdown  # noqa: E402
from insightchat.ui.planners import offline_option  # noqa: E402

pytestmark = pytest.mark.timeout(180)


def _has_offline_planner() -> bool:
    try:
        from insightchat.planner.offline import OfflinePlanner  # noqa: F401
    except ImportError:
        return False
    return True


HAS_OFFLINE_PLANNER = _has_offline_planner()


@pytest.fixture(scope="module")
def app():
    # the offline planner only: a local model installed on the machine must not change the answers
    yield from launched_app([EXAMPLES / "reviews.csv", EXAMPLES / "tickets.csv"], planner_options=[offline_option()])


@pytest.fixture
def client(app, tmp_path) -> Client:
    return Client(app.local_url, verbose=False, download_files=str(tmp_path / "downloads"))


def ask(client: Client, question: str) -> list[dict]:
    box, chat = client.predict(question, api_name="/ask")
    assert box == ""  # the box is cleared for the next question
    return chat


def session_of(app, client: Client):
    return app.insight_registry.get(client.session_hash)


# ---------------------------------------------------------------------------------------- answers


def test_sql_answer_has_step_table_and_chart(client):
    sql = "SELECT region, count(*) AS n FROM reviews GROUP BY region ORDER BY region"
    chat = ask(client, sql)
    assert chat[0]["role"] == "user" and texts(chat[0]) == sql
    steps = [m for m in step_messages(chat) if m["metadata"]["title"].startswith("Ran SQL")]
    assert len(steps) == 1
    assert all(m["metadata"]["status"] == "done" for m in step_messages(chat))
    assert "```sql" in texts(steps[0]) and "GROUP BY" in texts(steps[0]).upper()
    final = chat[-1]
    headers, rows = table_of(final)
    expected = duckdb.sql(
        f"SELECT region, count(*) AS n FROM read_csv('{EXAMPLES / 'reviews.csv'}') GROUP BY region ORDER BY region"
    ).fetchall()
    assert headers == ["region", "n"]
    assert rows == [[str(v) for v in r] for r in expected]
    assert components(final, "plot"), "a bar chart fits a count by region"
    assert "4 rows" in texts(final)
    assert "planner" in texts(final)  # who answered is always said


def test_downloads_csv_png_html(client):
    ask(client, "SELECT category, avg(rating) AS avg_rating FROM reviews GROUP BY 1 ORDER BY 1")
    csv_btn, png_btn, html_btn, grid, planner = client.predict(api_name="/downloads")
    assert grid["value"]["headers"] == ["category", "avg_rating"] and "Current result" in grid["label"]
    csv_path, png_path, html_path = (Path(b["value"]) for b in (csv_btn, png_btn, html_btn))
    df = pd.read_csv(csv_path)
    assert list(df.columns) == ["category", "avg_rating"] and len(df) >= 3
    assert png_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    html = html_path.read_text(encoding="utf-8")
    assert '<script src="http' not in html and "<script src='http" not in html  # plotly.js inline: works offline
    assert len(html) > 1_000_000 and "Plotly.newPlot" in html
    assert "Planner:" in planner


def test_large_result_shows_first_rows_with_total(client):
    chat = ask(client, "SELECT * FROM reviews")
    final = chat[-1]
    headers, rows = table_of(final)
    assert len(rows) == 50 and "review_text" in headers
    assert "first 50 of 400 rows" in texts(final)


def test_follow_up_keeps_the_conversation(client):
    ask(client, "SELECT count(*) AS n FROM reviews")
    chat = ask(client, "SELECT count(*) AS n FROM tickets")
    users = [texts(m) for m in chat if m["role"] == "user"]
    assert users == ["SELECT count(*) AS n FROM reviews", "SELECT count(*) AS n FROM tickets"]
    assert table_of(chat[-1])[1] == [["300"]]


@pytest.mark.skipif(not HAS_OFFLINE_PLANNER, reason="the offline natural-language planner (issue 3) has not landed yet")
def test_natural_language_question_and_follow_up(client):
    chat = ask(client, "How many rows are in reviews?")
    assert "400" in texts(chat[-1])
    chat = ask(client, "average rating by region")
    headers, rows = table_of(chat[-1])
    assert len(rows) == 4


# ---------------------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "question, expected",
    [
        ("SELECT nope FROM reviews", "nope"),
        ("SELECT 1; DROP TABLE reviews", "Could not answer"),
        ("SELECT * FROM read_csv('/etc/passwd')", "Could not answer"),
    ],
)
def test_errors_are_clear_chat_messages(client, question, expected):
    chat = ask(client, question)
    final = texts(chat[-1])
    assert expected in final
    assert "Traceback" not in json.dumps(chat)
    assert not any((m.get("metadata") or {}).get("status") == "pending" for m in chat), "no spinner left behind"


def test_empty_question_does_nothing(client):
    assert ask(client, "   ") == []


def test_unexpected_error_is_an_apology_not_a_trace(app, client):
    sess = session_of(app, client)

    from insightchat.planner.base import Planner

    class Boom(Planner):
        name = "boom"

        def plan(self, *args, **kwargs):
            raise RuntimeError("internal detail that must not leak")

    sess.assistant.planner = Boom()
    chat = ask(client, "SELECT 1")
    final = texts(chat[-1])
    assert "Something went wrong" in final and "internal detail" not in final
    # the session still works afterwards
    from insightchat.planner.select import offline_planner

    sess.assistant.planner = offline_planner()
    assert table_of(ask(client, "SELECT 2 AS x")[-1])[1] == [["2"]]


def test_stop_interrupts_a_long_query(app, client):
    slow = "SELECT sum(a.range * b.range) AS s FROM range(200000) a, range(200000) b"
    job = client.submit(slow, api_name="/ask")
    sess = session_of(app, client)
    deadline = threading.Event()
    for _ in range(100):  # wait until the query is running
        if sess.busy.locked():
            break
        deadline.wait(0.1)
    deadline.wait(0.5)
    chat = client.predict(api_name="/stop")
    assert "Stopped" in json.dumps(chat)
    for _ in range(100):  # the worker lets go of the session soon after the interrupt
        if not sess.busy.locked():
            break
        deadline.wait(0.1)
    assert not sess.busy.locked()
    assert table_of(ask(client, "SELECT 3 AS x")[-1])[1] == [["3"]]
    job.cancel()


# ---------------------------------------------------------------------------------------- uploads


def _write_sources(folder: Path) -> dict[str, tuple[Path, str, int]]:
    """One small file of each supported kind: name -> (path, table it becomes, rows)."""
    df = pd.DataFrame({"city": ["Berlin", "Paris", "Rome"], "sales": [10, 20, 30]})
    out: dict[str, tuple[Path, str, int]] = {}
    p = folder / "csv_sales.csv"
    df.to_csv(p, index=False)
    out["csv"] = (p, "csv_sales", 3)
    p = folder / "tsv_sales.tsv"
    df.to_csv(p, index=False, sep="\t")
    out["tsv"] = (p, "tsv_sales", 3)
    p = folder / "parquet_sales.parquet"
    df.to_parquet(p)
    out["parquet"] = (p, "parquet_sales", 3)
    p = folder / "json_sales.json"
    df.to_json(p, orient="records")
    out["json"] = (p, "json_sales", 3)
    p = folder / "excel_sales.xlsx"
    df.to_excel(p, index=False)
    out["excel"] = (p, "excel_sales", 3)
    p = folder / "lite.sqlite"
    with sqlite3.connect(p) as con:
        df.to_sql("lite_sales", con, index=False)
    out["sqlite"] = (p, "lite_sales", 3)
    p = folder / "duck_sales.duckdb"
    con = duckdb.connect(str(p))
    con.execute("CREATE TABLE duck_sales AS SELECT * FROM df")
    con.close()
    out["duckdb"] = (p, "duck_sales", 3)
    return out


def test_upload_every_file_type_at_once(app, client, tmp_path):
    sources = _write_sources(tmp_path)
    files, chat, tables_md, dropdown, preview = client.predict(
        [handle_file(str(p)) for p, _, _ in sources.values()], api_name="/upload"
    )
    assert files is None  # the widget is cleared: the data now lives in the session's own folder
    assert "Could not load" not in texts(chat[-1]), texts(chat[-1])
    for kind, (_, table, rows) in sources.items():
        assert f"**{escape_markdown(table)}** — {rows:,} rows" in tables_md, (kind, tables_md)
        answer = ask(client, f"SELECT sum(sales) AS total FROM {table}")[-1]
        assert table_of(answer)[1] == [["60"]], (kind, texts(answer))
    # the uploads sit in this session's folder, not in Gradio's servable cache
    sess = session_of(app, client)
    kept = {p.name for p in sess.upload_dir.rglob("*") if p.is_file()}
    assert {p.name for p, _, _ in sources.values()} <= kept


def test_bad_upload_is_reported_and_the_rest_loads(client, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("a,b\n1,2\n")
    bad = tmp_path / "broken.csv"
    bad.write_bytes(b"\x00\x01\x02garbage\x00")
    _, chat, tables_md, _, _ = client.predict([handle_file(str(bad)), handle_file(str(good))], api_name="/upload")
    message = texts(chat[-1])
    assert "**Could not load** broken.csv" in message and "**good**" in message
    assert "**good** — 1 rows" in tables_md


def test_preview_of_a_table(client):
    preview = client.predict("tickets", api_name="/preview")
    assert "ticket_id" in preview["headers"] and len(preview["data"]) == 20


# ---------------------------------------------------------------------------------------- isolation


def test_two_sessions_at_once_are_isolated(app, tmp_path):
    a = Client(app.local_url, verbose=False, download_files=False)
    b = Client(app.local_url, verbose=False, download_files=False)
    secret = tmp_path / "secret_a.csv"
    secret.write_text("k,v\nx,1\ny,2\n")
    a.predict([handle_file(str(secret))], api_name="/upload")

    results: dict[str, list] = {}

    def run(name: str, c: Client, q: str) -> None:
        results[name] = c.predict(q, api_name="/ask")[1]

    threads = [
        threading.Thread(target=run, args=("a", a, "SELECT sum(v) AS total FROM secret_a")),
        threading.Thread(target=run, args=("b", b, "SELECT sum(v) AS total FROM secret_a")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert table_of(results["a"][-1])[1] == [["3"]]
    assert "secret_a" in texts(results["b"][-1]) and not components(results["b"][-1], "html")
    # neither history shows the other's turns
    assert all("Loaded" not in texts(m) for m in results["b"])
    sa, sb = session_of(app, a), session_of(app, b)
    assert sa is not sb and sa.workspace.engine.pid != sb.workspace.engine.pid and sa.upload_dir != sb.upload_dir
    assert "secret_a" not in sb.workspace.table_names()
    # ending a session removes its folder and closes its connection
    folder = sa.upload_dir
    app.insight_registry.close(a.session_hash)
    assert not folder.exists()


# ---------------------------------------------------------------------------------------- launch rules


def test_launch_beyond_loopback_needs_a_password():
    from insightchat.tools.errors import InsightError
    from insightchat.ui.app import launch, parse_auth

    with pytest.raises(InsightError, match="password"):
        launch(share=True)
    with pytest.raises(InsightError, match="password"):
        launch(host="0.0.0.0")
    assert parse_auth("ann:pw:with:colons") == ("ann", "pw:with:colons")
    with pytest.raises(InsightError):
        parse_auth("nopassword")
