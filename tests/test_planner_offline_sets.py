"""Offline planner readings of this round: several aggregates of several columns, "most often",
k written as a word, fused key names, INTERSECT / EXCEPT, and the gate on ambiguous joins."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from planner_helpers import plan_for, rows_for, sqlite_workspace

from insightchat.tools.workspace import Workspace

pytestmark = pytest.mark.usefixtures("no_embeddings")


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    db = tmp_path / "league.sqlite"
    con = sqlite3.connect(db)
    con.execute(
        "CREATE TABLE player (pid INTEGER PRIMARY KEY, name TEXT, college TEXT, position TEXT, points INTEGER, "
        "salary REAL, payment_method TEXT, joined DATE)"
    )
    rows = [
        (1, "Ann", "Yale", "Defender", 25, 100.0, "Cash", "2020-01-05"),
        (2, "Bob", "Yale", "Midfielder", 5, 200.0, "Card", "2021-03-01"),
        (3, "Cy", "Duke", "Defender", 8, 150.0, "Card", "2019-07-12"),
        (4, "Dee", "Rice", "Midfielder", 30, 300.0, "Card", "2022-02-02"),
        (5, "Eve", "Rice", "Midfielder", 12, 120.0, "Cash", "2018-11-30"),
    ]
    con.executemany("INSERT INTO player VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    con.execute("CREATE TABLE airport (apid INTEGER PRIMARY KEY, city TEXT)")
    con.execute(
        "CREATE TABLE route (rid INTEGER PRIMARY KEY, src_apid INTEGER REFERENCES airport(apid), "
        "dst_apid INTEGER REFERENCES airport(apid))"
    )
    con.executemany("INSERT INTO airport VALUES (?, ?)", [(1, "Oslo"), (2, "Rome")])
    con.executemany("INSERT INTO route VALUES (?, ?, ?)", [(1, 1, 2), (2, 1, 2), (3, 2, 1)])
    con.commit()
    con.close()
    return Workspace([db])


def test_listed_aggregates_with_commas_apply_to_the_column(ws: Workspace) -> None:
    assert rows_for(ws, "Show the minimum, maximum, and average points of all players.") == [(5, 30, 16.0)]


def test_one_aggregate_applies_to_each_number_column_listed_after_it(ws: Workspace) -> None:
    assert rows_for(ws, "What is the average points and salary of players?") == [(16.0, 174.0)]


def test_an_aggregate_reaches_the_column_after_a_table_word(ws: Workspace) -> None:
    assert rows_for(ws, "What is the average player salary?") == [(174.0,)]


def test_most_often_groups_the_column_before_the_verb(ws: Workspace) -> None:
    assert rows_for(ws, "Which payment method is used most often?") == [("Card",)]
    assert rows_for(ws, "Which payment method is used the least often?") == [("Cash",)]


def test_k_written_as_a_word_before_a_superlative(ws: Workspace) -> None:
    assert rows_for(ws, "Show the names of the three players with the lowest salaries.") == [
        ("Ann",),
        ("Eve",),
        ("Cy",),
    ]


def test_most_recently_orders_by_the_date(ws: Workspace) -> None:
    assert rows_for(ws, "Which player joined most recently?") == [("Dee",)]


def test_id_links_to_a_fused_key_name(ws: Workspace) -> None:
    assert rows_for(ws, "Show the id of players with more than 20 points.") in ([(1,), (4,)], [(4,), (1,)])


def test_both_values_make_an_intersect(ws: Workspace) -> None:
    q = "Which colleges have both players with position Defender and players with position Midfielder?"
    plan = plan_for(ws, q)
    assert "INTERSECT" in plan.calls[0].args["sql"]
    assert sorted(rows_for(ws, q)) == [("Yale",)]


def test_both_comparisons_make_an_intersect(ws: Workspace) -> None:
    q = "Show the colleges that have both players with points more than 20 and players with points less than 10."
    assert sorted(rows_for(ws, q)) == [("Yale",)]


def test_but_not_makes_an_except(ws: Workspace) -> None:
    q = "Which colleges have players with position Midfielder but not players with position Defender?"
    plan = plan_for(ws, q)
    assert "EXCEPT" in plan.calls[0].args["sql"]
    assert sorted(rows_for(ws, q)) == [("Rice",)]


def test_a_set_operation_on_the_filtered_column_itself_abstains(ws: Workspace) -> None:
    plan = plan_for(ws, "Which positions are both Defender and Midfielder?")
    assert plan.calls == []


def test_a_join_over_two_relations_between_the_same_tables_abstains(ws: Workspace) -> None:
    plan = plan_for(ws, "For each airport city, how many routes are there?")
    assert plan.calls == []
    assert "join:ambiguous" in plan.reading.flags


def test_never_makes_an_except_of_the_matching_rows(ws: Workspace) -> None:
    q = "Which colleges have never had players with position Midfielder?"
    plan = plan_for(ws, q)
    assert "EXCEPT" in plan.calls[0].args["sql"]
    assert rows_for(ws, q) == [("Duke",)]


def test_not_a_few_words_before_a_value_negates_it(ws: Workspace) -> None:
    assert sorted(rows_for(ws, "Which players are not playing in the position Midfielder?")) == [("Ann",), ("Cy",)]


def test_a_second_comparison_after_or_reuses_the_column(ws: Workspace) -> None:
    assert sorted(rows_for(ws, "Which players have points over 20 or under 6?")) == [("Ann",), ("Bob",), ("Dee",)]


def test_bounds_that_exclude_each_other_abstain(ws: Workspace) -> None:
    plan = plan_for(ws, "Which colleges have points more than 20 and less than 10?")
    assert plan.calls == [] and "exclude each other" in plan.message


def test_earn_more_than_compares_the_salary_column(ws: Workspace) -> None:
    assert sorted(rows_for(ws, "Which players earn more than 160?")) == [("Bob",), ("Dee",)]


def test_most_common_reaches_the_column_after_a_table_word(ws: Workspace) -> None:
    assert rows_for(ws, "What is the most common player position?") == [("Midfielder",)]


@pytest.fixture
def rooms(tmp_path: Path) -> Workspace:
    db = tmp_path / "inn.sqlite"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE campus (campus TEXT, county TEXT, bed_type TEXT, price INTEGER, date_of_birth DATE)")
    rows = [
        ("North", "Lake", "King", 30, "1990-01-01"),
        ("South", "Hill", "Queen", 10, "1980-01-01"),
        ("East", "Lake", "King", 20, "2000-01-01"),
    ]
    con.executemany("INSERT INTO campus VALUES (?, ?, ?, ?, ?)", rows)
    con.commit()
    con.close()
    return Workspace([db])


def test_a_sentence_opening_sort_verb_makes_according_to_a_sort_key(rooms: Workspace) -> None:
    assert rows_for(rooms, "Sort all the campuses according to the price. Just report the campus.") == [
        ("South",),
        ("East",),
        ("North",),
    ]
    assert rows_for(rooms, "Show the county of all campuses. Order them by price.") == [("Hill",), ("Lake",), ("Lake",)]


def test_the_name_of_rows_without_a_name_column_is_the_column_named_like_the_table(rooms: Workspace) -> None:
    assert sorted(rows_for(rooms, "Report the names of all campuses in Lake county.")) == [("East",), ("North",)]


def test_a_word_after_a_value_naming_its_column_is_that_filter(rooms: Workspace) -> None:
    assert sorted(rows_for(rooms, "Which campuses have a King bed?")) == [("East",), ("North",)]


def test_old_to_young_by_a_birth_date_puts_the_earliest_date_first(rooms: Workspace) -> None:
    assert rows_for(rooms, "List the campus in the order of date of birth from old to young.") == [
        ("South",),
        ("North",),
        ("East",),
    ]


def test_equalities_on_one_column_that_cannot_both_hold_abstain(rooms: Workspace) -> None:
    plan = plan_for(rooms, "Which campuses are in county Lake and in county Hill?")
    assert plan.calls == []


def test_or_between_a_value_and_a_comparison_is_one_or_group(ws: Workspace) -> None:
    assert sorted(rows_for(ws, "How many players are from college Duke or have points above 20?")) == [(3,)]


def test_a_year_range_applies_to_a_number_column_of_years_named_before_it(tmp_path: Path) -> None:
    w = sqlite_workspace(
        tmp_path / "schools.sqlite",
        [
            "CREATE TABLE school (school TEXT, founded INTEGER, entered_year INTEGER)",
        ],
        {
            "school": [("A", 1850, 1990), ("B", 1910, 1880), ("C", 1870, 2001)],
        },
    )
    assert sorted(rows_for(w, "Which schools were founded before 1880?")) == [("A",), ("C",)]


def test_or_higher_than_is_or_then_a_comparison(ws: Workspace) -> None:
    assert sorted(rows_for(ws, "Which players have salary lower than 110 or higher than 250?")) == [("Ann",), ("Dee",)]


def test_number_after_a_shown_column_is_part_of_its_name(ws: Workspace) -> None:
    assert sorted(rows_for(ws, "What is the points number of players in college Duke?")) == [(8,)]


def test_a_value_of_a_related_table_joins_along_the_relation(tmp_path: Path) -> None:
    w = sqlite_workspace(
        tmp_path / "films.sqlite",
        [
            "CREATE TABLE studio (studio_id INTEGER PRIMARY KEY, studio_name TEXT)",
            "CREATE TABLE movie (movie_id INTEGER PRIMARY KEY, title TEXT, budget REAL, "
            "studio_id INTEGER REFERENCES studio(studio_id))",
        ],
        {
            "studio": [(1, "Northlight"), (2, "Bluebird")],
            "movie": [(1, "Avatar", 237.0, 1), (2, "Heat", 60.0, 2), (3, "Gravity", 100.0, 1)],
        },
    )
    plan = plan_for(w, "What are the titles of movies from Northlight?")
    assert "join:value" in plan.reading.flags
    assert sorted(rows_for(w, "What are the titles of movies from Northlight?")) == [("Avatar",), ("Gravity",)]


def test_a_partial_match_across_a_join_blocks_only_with_another_weak_sign() -> None:
    from insightchat.planner.offline.trust import blocking

    assert blocking(["join", "join:inexact", "conf:low"]) == []
    assert blocking(["join", "join:inexact", "unknown:one", "join:inexact_weak"]) == ["join:inexact_weak"]


def test_a_partial_match_across_a_join_answers(tmp_path: Path) -> None:
    w = sqlite_workspace(
        tmp_path / "shop.sqlite",
        [
            "CREATE TABLE store (store_id INTEGER PRIMARY KEY, store_name TEXT, home_city TEXT)",
            "CREATE TABLE sale (sale_id INTEGER PRIMARY KEY, item TEXT, store_id INTEGER REFERENCES store(store_id))",
        ],
        {
            "store": [(1, "North", "Oslo"), (2, "South", "Rome")],
            "sale": [(1, "pen", 1), (2, "cup", 2)],
        },
    )
    plan = plan_for(w, "List the items of sales whose city is Oslo.")
    assert "join:inexact" in plan.reading.flags and "join:inexact_weak" not in plan.reading.flags
    assert rows_for(w, "List the items of sales whose city is Oslo.") == [("pen",)]


def test_paid_the_least_ranks_by_the_salary_column(ws: Workspace) -> None:
    assert rows_for(ws, "What are the names of the 2 players who get paid the least?") == [("Ann",), ("Eve",)]


def test_starting_with_a_superlative_is_not_a_text_pattern(ws: Workspace) -> None:
    plan = plan_for(ws, "What are the names of all the players starting with the oldest?")
    assert not plan.calls or "LIKE" not in plan.calls[0].args["sql"].upper()
    plan = plan_for(ws, "What are the names of players starting with 'A'?")
    assert "ILIKE" in plan.calls[0].args["sql"]


def test_another_table_after_main_table_of_only_describes_the_rows(tmp_path: Path) -> None:
    w = sqlite_workspace(
        tmp_path / "dept.sqlite",
        [
            "CREATE TABLE department (department_id INTEGER PRIMARY KEY, name TEXT)",
            "CREATE TABLE head (head_id INTEGER PRIMARY KEY, name TEXT, age INTEGER)",
        ],
        {
            "department": [(1, "Sales"), (2, "Ops")],
            "head": [(1, "Ann", 60), (2, "Bob", 50), (3, "Cy", 70)],
        },
    )
    assert rows_for(w, "How many heads of the departments are older than 56?") == [(2,)]
    assert "table:unused" in plan_for(w, "How many heads of the departments are older than 56?").reading.flags
