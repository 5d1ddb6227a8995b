"""Offline planner readings of comparisons and aggregates over small databases built here."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from planner_helpers import plan_for, rows_for
from tools.workspace import Workspace

pytestmark = pytest.mark.usefixtures("no_embeddings")


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    db = tmp_path / "parks.sqlite"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE people (people_id INTEGER PRIMARY KEY, name TEXT, age INTEGER, height REAL, country TEXT)")
    con.executemany(
        "INSERT INTO people VALUES (?, ?, ?, ?, ?)",
        [(1, "Ann", 30, 185.0, "France"), (2, "Bob", 52, 201.0, "Spain"), (3, "Cy", 45, 170.0, "Italy"), (4, "Di", 48, 195.0, "Spain")],
    )
    con.execute("CREATE TABLE roller_coaster (coaster_id INTEGER PRIMARY KEY, name TEXT, length REAL, height REAL, status TEXT)")
    con.executemany(
        "INSERT INTO roller_coaster VALUES (?, ?, ?, ?, ?)",
        [(1, "Loop", 3500.0, 50.0, "Operating"), (2, "Drop", 1000.0, 120.0, "Closed"), (3, "Slow", 900.0, 30.0, "Planned")],
    )
    con.commit()
    con.close()
    return Workspace([db])


def test_a_second_comparison_after_or_reuses_the_implied_column(ws: Workspace) -> None:
    assert sorted(rows_for(ws, "Find the names of people who are taller than 200 or lower than 190.")) == [("Ann",), ("Bob",), ("Cy",)]


def test_above_x_or_below_y_is_one_or_group(ws: Workspace) -> None:
    assert sorted(rows_for(ws, "Show the names of people with age above 50 or below 46.")) == [("Ann",), ("Bob",), ("Cy",)]


def test_longer_than_compares_the_length(ws: Workspace) -> None:
    assert rows_for(ws, "Show the statuses of roller coasters longer than 3300.") == [("Operating",)]
