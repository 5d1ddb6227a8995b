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
    con.execute("CREATE TABLE artist (artist_id INTEGER PRIMARY KEY, artist TEXT, age INTEGER, country TEXT)")
    con.executemany("INSERT INTO artist VALUES (?, ?, ?, ?)", [(1, "Ann", 30, "France"), (2, "Bob", 50, "Spain"), (3, "Cy", 40, "Spain")])
    con.commit()
    con.close()
    return Workspace([db])


def test_a_second_comparison_after_or_reuses_the_implied_column(ws: Workspace) -> None:
    assert sorted(rows_for(ws, "Find the names of people who are taller than 200 or lower than 190.")) == [("Ann",), ("Bob",), ("Cy",)]


def test_above_x_or_below_y_is_one_or_group(ws: Workspace) -> None:
    assert sorted(rows_for(ws, "Show the names of people with age above 50 or below 46.")) == [("Ann",), ("Bob",), ("Cy",)]


def test_longer_than_compares_the_length(ws: Workspace) -> None:
    assert rows_for(ws, "Show the statuses of roller coasters longer than 3300.") == [("Operating",)]


def test_a_column_naming_each_row_after_a_measure_is_the_rows_measured(ws: Workspace) -> None:
    assert rows_for(ws, "What is the average age of all artists?") == [(40.0,)]
    plan = plan_for(ws, "What is the average age of artists from Spain?")
    assert plan.calls and "GROUP BY" not in plan.calls[0].args["sql"]


@pytest.fixture
def cards(tmp_path: Path) -> Workspace:
    db = tmp_path / "cards.sqlite"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE customers_cards (card_id INTEGER PRIMARY KEY, card_type_code TEXT, holder TEXT, sex TEXT, weight REAL)")
    con.executemany(
        "INSERT INTO customers_cards VALUES (?, ?, ?, ?, ?)",
        [(1, "Credit", "Ann", "F", 60.0), (2, "Debit", "Bob", "M", 80.0), (3, "Credit", "Cy", "M", 90.0)],
    )
    con.commit()
    con.close()
    return Workspace([db])


def test_gender_names_a_sex_column(cards: Workspace) -> None:
    assert sorted(rows_for(cards, "What is the average weight for each gender?")) == [("F", 60.0), ("M", 85.0)]


def test_of_each_after_the_grouped_column_is_that_grouping(cards: Workspace) -> None:
    rows = rows_for(cards, "What are the different card types, and how many cards are there of each?")
    assert sorted(rows) == [("Credit", 2), ("Debit", 1)]
