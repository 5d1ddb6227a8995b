"""Offline planner readings added for real questions: verbs read past, year numbers, keys, orders."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from planner_helpers import plan_for, rows_for, sqlite_workspace

from insightchat.tools.workspace import Workspace

pytestmark = pytest.mark.usefixtures("no_embeddings")


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    db = tmp_path / "films.sqlite"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE studio (studio_id INTEGER PRIMARY KEY, studio_name TEXT)")
    con.execute(
        "CREATE TABLE movie (movie_id INTEGER PRIMARY KEY, title TEXT, director TEXT, year INTEGER, "
        "budget REAL, studio_id INTEGER REFERENCES studio(studio_id))"
    )
    con.executemany("INSERT INTO studio VALUES (?, ?)", [(1, "Northlight"), (2, "Bluebird")])
    movies = [
        (1, "Avatar", "James Cameron", 2009, 237.0, 1),
        (2, "Titanic", "James Cameron", 1997, 200.0, 1),
        (3, "Heat", "Michael Mann", 1995, 60.0, 2),
        (4, "Alien", "Ridley Scott", 1979, 11.0, 2),
        (5, "Gravity", "Alfonso Cuaron", 2013, 100.0, 1),
    ]
    con.executemany("INSERT INTO movie VALUES (?, ?, ?, ?, ?, ?)", movies)
    con.commit()
    con.close()
    return Workspace([db])


def test_a_left_over_verb_is_read_past_and_reported(ws: Workspace) -> None:
    plan = plan_for(ws, "Which titles has James Cameron filmed?")
    assert plan.calls, plan.message
    assert any("filmed" in n for n in plan.reading.notes)
    assert "unknown:one" in plan.reading.flags
    assert sorted(rows_for(ws, "Which titles has James Cameron filmed?")) == [("Avatar",), ("Titanic",)]


def test_a_left_over_noun_still_abstains(ws: Workspace) -> None:
    plan = plan_for(ws, "What is the revenue of each director?")
    assert plan.calls == [] and "revenue" in plan.message
    plan = plan_for(ws, "Which titles has female James Cameron filmed?")  # a meaningful word
    assert plan.calls == []


def test_year_ranges_on_a_number_column_compare_years(ws: Workspace) -> None:
    assert sorted(rows_for(ws, "What are the titles of movies made after 2000?")) == [("Avatar",), ("Gravity",)]
    assert sorted(rows_for(ws, "titles of movies between 1990 and 1999")) == [("Heat",), ("Titanic",)]


def test_a_direction_alone_orders_the_shown_column(ws: Workspace) -> None:
    assert rows_for(ws, "List the titles of movies in descending order.") == [
        ("Titanic",),
        ("Heat",),
        ("Gravity",),
        ("Avatar",),
        ("Alien",),
    ]


def test_order_by_a_tables_word_then_its_column(ws: Workspace) -> None:
    rows = rows_for(ws, "List the titles in ascending order of movie budget.")
    assert rows == [("Alien",), ("Heat",), ("Gravity",), ("Titanic",), ("Avatar",)]


def test_average_number_of_a_number_column(ws: Workspace) -> None:
    assert rows_for(ws, "What is the average number of budget of movies?") == [(121.6,)]


def test_how_many_in_total(ws: Workspace) -> None:
    assert rows_for(ws, "How many movies are there in total?") == [(5,)]


def test_each_other_table_groups_by_the_reference(ws: Workspace) -> None:
    rows = rows_for(ws, "How many movies does each studio have?")
    assert sorted(rows) == [(1, 3), (2, 2)]
    assert "group:key" in plan_for(ws, "How many movies does each studio have?").reading.flags


def test_negation_between_column_and_value(ws: Workspace) -> None:
    rows = rows_for(ws, "What are the titles of movies whose director is not 'James Cameron'?")
    assert sorted(rows) == [("Alien",), ("Gravity",), ("Heat",)]


def test_more_than_k_records_is_a_count_per_group(ws: Workspace) -> None:
    assert rows_for(ws, "Which directors have more than 1 records?") == [("James Cameron",)]


def test_k_before_the_ranked_rows_and_top_k_superlatives(ws: Workspace) -> None:
    assert rows_for(ws, "Show the titles of the 2 movies with the largest budget.") == [("Avatar",), ("Titanic",)]
    assert rows_for(ws, "List the titles of movies with the top 2 smallest budgets.") == [("Alien",), ("Heat",)]


@pytest.fixture
def people(tmp_path: Path) -> Workspace:
    db = tmp_path / "people.sqlite"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE student (stu_id INTEGER PRIMARY KEY, name TEXT, sex TEXT, stu_dob TEXT, gpa REAL)")
    rows = [
        (1, "Ann", "F", "2001-04-02", 3.5),
        (2, "Bo", "M", "1999-01-10", 2.9),
        (3, "Cid", "M", "2003-08-30", 3.8),
        (4, "Dee", "F", "1998-12-01", 3.1),
    ]
    con.executemany("INSERT INTO student VALUES (?, ?, ?, ?, ?)", rows)
    con.commit()
    con.close()
    return Workspace([db])


def test_gender_words_filter_or_group_the_sex_column(people: Workspace) -> None:
    assert sorted(rows_for(people, "What are the names of female students?")) == [("Ann",), ("Dee",)]
    rows = sorted(rows_for(people, "Show the average gpa for male and female students."))
    assert [(r[0], round(r[1], 2)) for r in rows] == [("F", 3.3), ("M", 3.35)]


def test_youngest_and_oldest_from_a_birth_date(people: Workspace) -> None:
    assert rows_for(people, "What is the name of the youngest student?") == [("Cid",)]
    assert rows_for(people, "What is the name of the oldest student?") == [("Dee",)]


def test_the_row_with_a_superlative_is_named(people: Workspace) -> None:
    assert rows_for(people, "Which is the student with the highest gpa?") == [("Cid",)]


def test_most_common_after_its_column(ws: Workspace) -> None:
    assert rows_for(ws, "Which director is the most common?") == [("James Cameron",)]


def test_a_word_read_past_with_a_partial_match_abstains(ws: Workspace) -> None:
    from insightchat.planner.offline.trust import BLOCKING

    assert "unknown:weak" in BLOCKING


def test_contains_a_quoted_word_is_only_a_pattern(ws: Workspace) -> None:
    assert rows_for(ws, 'Which titles contain the word "Ava"?') == [("Avatar",)]


def test_two_year_ranges_joined_by_or(ws: Workspace) -> None:
    rows = rows_for(ws, "Give the titles of movies made before 1990 or after 2010.")
    assert sorted(rows) == [("Alien",), ("Gravity",)]


def test_by_year_on_a_number_column_groups_the_years(ws: Workspace) -> None:
    rows = rows_for(ws, "What is the average budget of movies for different years?")
    assert len(rows) == 5 and {r[0] for r in rows} == {1979, 1995, 1997, 2009, 2013}


def test_the_column_named_after_a_value_picks_its_column(tmp_path: Path) -> None:
    db = tmp_path / "campus.sqlite"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE campuses (id INTEGER PRIMARY KEY, campus TEXT, location TEXT, county TEXT)")
    rows = [(1, "North", "Fresno", "Fresno"), (2, "Bay", "Long Beach", "Fresno"), (3, "Hill", "Fresno", "Kern")]
    con.executemany("INSERT INTO campuses VALUES (?, ?, ?, ?)", rows)
    con.commit()
    con.close()
    w = Workspace([db])
    assert sorted(rows_for(w, "Which campus is in Fresno county?")) == [("Bay",), ("North",)]
    assert sorted(rows_for(w, "Which campus is in Fresno location?")) == [("Hill",), ("North",)]


def test_top_k_highest_values_are_listed(ws: Workspace) -> None:
    assert rows_for(ws, "What are the top 2 highest budgets?") == [(237.0,), (200.0,)]


def test_listed_values_beside_a_measure_group(ws: Workspace) -> None:
    got = sorted(rows_for(ws, "Show all directors and the corresponding number of movies."))
    assert got == [("Alfonso Cuaron", 1), ("James Cameron", 2), ("Michael Mann", 1), ("Ridley Scott", 1)]
    got = sorted(rows_for(ws, "Show the directors and the total budget of their movies."))
    assert got == [("Alfonso Cuaron", 100.0), ("James Cameron", 437.0), ("Michael Mann", 60.0), ("Ridley Scott", 11.0)]
    # a column whose values never repeat is no grouping
    assert plan_for(ws, "Show the titles and the number of movies.").calls == []


def test_most_common_column_before_the_rows_it_counts(ws: Workspace) -> None:
    assert rows_for(ws, "Which director is the most common among movies?") == [("James Cameron",)]


def test_a_small_count_of_a_plural_noun_counts_rows(ws: Workspace) -> None:
    # a text column named in the plural after the number: rows per group
    assert sorted(rows_for(ws, "Show the studio ids that have at least three directors.")) == [(1,)]
    # a plural noun that names nothing: still a count of rows per shown value
    assert rows_for(ws, "Which directors made at least two pictures?") == [("James Cameron",)]
    # a large number is a value, not a count of rows
    assert plan_for(ws, "Which directors made more than 50000 pictures?").calls == []
    # a name that never repeats has no rows to count per name
    assert plan_for(ws, "Which titles have at least two pictures?").calls == []


def test_a_number_column_is_not_a_number(ws: Workspace) -> None:
    assert sorted(rows_for(ws, "List the titles of movies whose year is not 2009.")) == [
        ("Alien",),
        ("Gravity",),
        ("Heat",),
        ("Titanic",),
    ]


def test_a_measure_under_a_condition_is_no_grouping(ws: Workspace) -> None:
    # the average is the condition's column: the directors are not a grouping of it
    plan = plan_for(ws, "Show the directors and the average budget between 50 and 300.")
    assert not plan.calls or "GROUP BY" not in plan.calls[0].args["sql"]


def test_a_column_named_before_its_value_is_that_filter_beside_a_measure(tmp_path: Path) -> None:
    ws = sqlite_workspace(
        tmp_path / "venues.sqlite",
        [
            "CREATE TABLE stadium (stadium_id INTEGER PRIMARY KEY, name TEXT, capacity INTEGER, opening_year INTEGER)",
        ],
        {
            "stadium": [(1, "North Park", 100, 2005), (2, "Lake Field", 300, 2005), (3, "Old Ground", 50, 1990)],
        },
    )
    assert rows_for(ws, "What is the average capacity of the stadiums that were opened in year 2005?") == [(200.0,)]


def test_most_common_value_of_rows_named_like_their_table(tmp_path: Path) -> None:
    ws = sqlite_workspace(
        tmp_path / "rails.sqlite",
        [
            "CREATE TABLE railway (railway_id INTEGER PRIMARY KEY, railway TEXT, builder TEXT)",
        ],
        {
            "railway": [(1, "SECR", "Stephenson"), (2, "GWR", "Stephenson"), (3, "LNER", "Brunel")],
        },
    )
    assert rows_for(ws, "Show the most common builder of railways.") == [("Stephenson",)]


def test_a_column_named_by_an_abbreviation(tmp_path: Path) -> None:
    ws = sqlite_workspace(
        tmp_path / "bank.sqlite",
        [
            "CREATE TABLE customer (cust_id INTEGER PRIMARY KEY, cust_name TEXT, acc_bal REAL, state TEXT)",
            "CREATE TABLE college (cname TEXT, state TEXT, enr INTEGER)",
        ],
        {
            "customer": [(1, "Mary", 100.0, "Utah"), (2, "Jack", 300.0, "Texas"), (3, "Ann", 50.0, "Ohio")],
            "college": [("LSU", "LA", 18000), ("ASU", "AZ", 12000), ("OU", "OK", 22000)],
        },
    )
    assert rows_for(ws, "What is the average account balance of customers?") == [(150.0,)]
    assert rows_for(ws, "How many colleges have enrollment above 15000?") == [(2,)]
    plan = plan_for(ws, "What is the average account balance of customers?")
    assert "link:abbrev" in plan.reading.flags


def test_a_quoted_word_in_their_column_is_contained(ws: Workspace) -> None:
    assert rows_for(ws, "How many movies have 'Ava' in their titles?") == [(1,)]


def test_a_count_of_another_tables_column_is_not_counted_in_the_main_table(ws: Workspace) -> None:
    plan = plan_for(ws, "Which studio names have at least two directors?")
    assert not plan.calls or "movie" in plan.calls[0].args["sql"]
