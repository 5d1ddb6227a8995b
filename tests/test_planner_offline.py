"""The offline planner, table-driven: question -> the rows its SQL returns (not SQL strings)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from insightchat.planner.offline import OfflinePlanner, embed
from insightchat.session import Session
from insightchat.tools.sql import run_query
from insightchat.tools.workspace import Workspace

TODAY = dt.date(2024, 7, 15)


pytestmark = pytest.mark.usefixtures("no_embeddings")


def sales_frame() -> pd.DataFrame:
    rows = [
        # order_id, order_date, region, product, amount, qty, status
        (1, "2023-01-10", "East", "Lamp", 100.0, 1, "paid"),
        (2, "2023-01-20", "West", "Desk", 300.0, 2, "paid"),
        (3, "2023-02-05", "East", "Desk", 250.0, 1, "refunded"),
        (4, "2023-03-15", "North", "Chair", 80.0, 4, "paid"),
        (5, "2023-03-18", "West", "Lamp", 120.0, 2, "paid"),
        (6, "2024-06-02", "East", "Chair", 90.0, 3, "paid"),
        (7, "2024-06-20", "North", "Desk", 310.0, 1, "pending"),
        (8, "2024-07-01", "West", "Chair", 60.0, 5, "paid"),
    ]
    df = pd.DataFrame(rows, columns=["order_id", "order_date", "region", "product", "amount", "qty", "status"])
    df["order_date"] = pd.to_datetime(df["order_date"])
    df["customer_id"] = [10, 11, 10, 12, 11, 12, 10, 13]
    return df


def customers_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [10, 11, 12, 13],
            "customer_name": ["Ada", "Ben", "Cy", "Di"],
            "segment": ["retail", "retail", "business", "business"],
        }
    )


@pytest.fixture
def ws() -> Workspace:
    w = Workspace()
    w.add_dataframe(sales_frame(), "sales")
    return w


def rows_for(ws: Workspace, question: str, session: Session | None = None) -> list[tuple]:
    plan = OfflinePlanner(today=TODAY).plan(question, ws.catalog(), session or Session())
    assert plan.calls, f"abstained on {question!r}: {plan.message}"
    call = plan.calls[0]
    assert call.name == "run_sql"
    df = run_query(ws, call.args["sql"]).df
    return [tuple(_plain(v) for v in r) for r in df.itertuples(index=False, name=None)]


def _plain(v: object) -> object:
    if isinstance(v, float):
        return round(v, 2)
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat()
    if hasattr(v, "isoformat"):
        return v.isoformat()[:10]
    return v


CASES = [
    # counts and aggregates
    ("how many rows are there?", [(8,)]),
    ("how many sales are there", [(8,)]),
    ("what is the total amount", [(1310.0,)]),
    ("average amount", [(163.75,)]),
    ("what is the average and maximum amount", [(163.75, 310.0)]),
    ("minimum qty", [(1,)]),
    ("median amount", [(110.0,)]),
    ("how many different products are there", [(3,)]),
    # filters: categorical values (value index), numbers, negation, or
    ("how many sales in East", [(3,)]),
    ("total amount for Desk", [(860.0,)]),
    ("how many sales with amount above 200", [(3,)]),
    ("how many sales with qty at least 3", [(3,)]),
    ("how many sales with amount between 90 and 120", [(3,)]),
    ("how many sales not in East", [(5,)]),
    ("how many sales in East or North", [(5,)]),
    # dates
    ("how many sales in 2023", [(5,)]),
    ("total amount last month", [(400.0,)]),
    ("how many sales between 2023-01-01 and 2023-02-28", [(3,)]),
    ("how many sales since 2024-06-15", [(2,)]),
]


@pytest.mark.parametrize("question,expected", CASES)
def test_single_values(ws: Workspace, question: str, expected: list[tuple]) -> None:
    assert rows_for(ws, question) == expected


GROUPED = [
    ("how many sales per region", {("East", 3), ("West", 3), ("North", 2)}),
    ("total amount by product", {("Lamp", 220.0), ("Desk", 860.0), ("Chair", 230.0)}),
    ("average qty per region and product", None),  # checked for shape below
    ("number of sales by status in 2024", {("paid", 2), ("pending", 1)}),
]


@pytest.mark.parametrize("question,expected", GROUPED)
def test_group_by(ws: Workspace, question: str, expected: set | None) -> None:
    rows = rows_for(ws, question)
    if expected is None:
        assert len(rows) == 8 and all(len(r) == 3 for r in rows)
    else:
        assert set(rows) == expected


def test_top_and_bottom_k(ws: Workspace) -> None:
    assert rows_for(ws, "top 2 products by total amount") == [("Desk", 860.0), ("Chair", 230.0)]
    assert rows_for(ws, "which region has the most sales")[0][0] in ("East", "West")
    assert rows_for(ws, "which product has the highest amount") == [("Desk",)]
    assert rows_for(ws, "what is the product with the lowest amount") == [("Chair",)]


def test_ordering_and_listing(ws: Workspace) -> None:
    rows = rows_for(ws, "list the product and amount of sales in West ordered by amount descending")
    assert rows == [("Desk", 300.0), ("Lamp", 120.0), ("Chair", 60.0)]
    assert rows_for(ws, "show the order id of sales with status refunded") == [(3,)]


def test_trend_over_time_uses_a_sensible_grain(ws: Workspace) -> None:
    rows = rows_for(ws, "total amount by month")
    assert rows[0] == ("2023-01-01", 400.0) and len(rows) == 5
    rows = rows_for(ws, "how many sales over time")
    assert [r[1] for r in rows] == [2, 1, 2, 2, 1]  # 18 months of data: a monthly grain


def test_distribution_comparison_and_share(ws: Workspace) -> None:
    dist = rows_for(ws, "distribution of region")
    assert dist[0][1] == 3 and len(dist) == 3
    assert len(rows_for(ws, "distribution of amount")) == 8  # numbers: the values, for a histogram
    compare = set(rows_for(ws, "compare average amount of East vs West"))
    assert compare == {("East", 146.67), ("West", 160.0)}
    share = {r[0]: r[2] for r in rows_for(ws, "share of sales by region")}
    assert share == {"East": 37.5, "West": 37.5, "North": 25.0}


def test_schema_questions(ws: Workspace) -> None:
    plan = OfflinePlanner().plan("what columns are there?", ws.catalog(), Session())
    assert plan.calls[0].name == "describe_table" and plan.calls[0].args == {"table": "sales"}
    plan = OfflinePlanner().plan("which tables do I have", ws.catalog(), Session())
    assert plan.calls[0].name == "list_tables"


def test_join_along_a_detected_relation() -> None:
    w = Workspace()
    w.add_dataframe(sales_frame(), "sales")
    w.add_dataframe(customers_frame(), "customers")
    rows = rows_for(w, "total amount per segment")
    assert set(rows) == {("retail", 1080.0), ("business", 230.0)}
    rows = rows_for(w, "how many sales per customer name")
    assert set(rows) == {("Ada", 3), ("Ben", 2), ("Cy", 2), ("Di", 1)}


def test_sqlite_file_and_quoted_value(tmp_path: Path) -> None:
    db = tmp_path / "shop.sqlite"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE employee (id INTEGER PRIMARY KEY, name TEXT, age INTEGER, city TEXT)")
    people = [(i, f"Person {i}", 20 + i, "Berlin" if i % 2 else "Paris") for i in range(1, 80)]
    con.executemany("INSERT INTO employee VALUES (?, ?, ?, ?)", people)
    con.commit()
    con.close()
    w = Workspace([db])
    assert rows_for(w, "what is the age of 'Person 7'") == [(27,)]
    assert rows_for(w, "how many employees are older than 90") == [(9,)]
    assert rows_for(w, "who is the youngest employee") == [("Person 1",)]
    assert rows_for(w, "what is the average age of employees in Berlin") == [(60.0,)]


@pytest.mark.parametrize(
    "question",
    ["what is the revenue", "how many unicorns were sold by wizards", "tell me about quantum entanglement"],
)
def test_abstains_honestly_and_runs_nothing(ws: Workspace, question: str) -> None:
    plan = OfflinePlanner().plan(question, ws.catalog(), Session())
    assert plan.calls == []
    assert plan.message and "ran nothing" in plan.message
    assert 2 <= len(plan.suggestions) <= 3


def test_unknown_word_names_the_closest_columns(ws: Workspace) -> None:
    plan = OfflinePlanner().plan("what is the total amont", ws.catalog(), Session())
    assert plan.calls  # a spelling slip still links
    plan = OfflinePlanner().plan("what is the revenue per region", ws.catalog(), Session())
    assert plan.calls == [] and "I don't know which column 'revenue' means" in plan.message


def test_embeddings_link_a_synonym(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the packaged MiniLM model, "town" reaches the ``city`` column."""
    monkeypatch.setenv(embed.DISABLE_ENV, "1")
    embed.reset()
    if not embed.available():
        pytest.skip("the packaged embedding model is not installed")
    w = Workspace()
    w.add_dataframe(pd.DataFrame({"city": ["Oslo", "Rome", "Oslo"], "sales": [1, 2, 3]}), "shops")
    assert set(rows_for(w, "total sales per town")) == {("Oslo", 4), ("Rome", 2)}


def test_sql_is_built_from_values_not_pasted(ws: Workspace) -> None:
    """A value with a quote in it stays one literal (sqlglot escapes it)."""
    w = Workspace()
    w.add_dataframe(pd.DataFrame({"name": ["O'Brien", "Smith"], "score": [3, 4]}), "people")
    assert rows_for(w, 'score of people named "O\'Brien"') == [(3,)]


def test_or_between_two_comparisons(ws: Workspace) -> None:
    assert rows_for(ws, "how many sales with amount above 300 or qty at least 5") == [(2,)]


def test_having_a_count(ws: Workspace) -> None:
    assert set(rows_for(ws, "which products have at least 3 sales")) == {("Desk",), ("Chair",)}
