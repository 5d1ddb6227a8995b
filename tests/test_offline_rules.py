"""Offline planner readings of comparisons and aggregates over small databases built here."""

from __future__ import annotations

from pathlib import Path

import pytest
from planner_helpers import plan_for, rows_for, sqlite_workspace

from insightchat.tools.workspace import Workspace

pytestmark = pytest.mark.usefixtures("no_embeddings")


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return sqlite_workspace(
        tmp_path / "parks.sqlite",
        [
            "CREATE TABLE people (people_id INTEGER PRIMARY KEY, name TEXT, age INTEGER, height REAL, country TEXT)",
            "CREATE TABLE roller_coaster (coaster_id INTEGER PRIMARY KEY, name TEXT, length REAL, height REAL, "
            "status TEXT)",
            "CREATE TABLE artist (artist_id INTEGER PRIMARY KEY, artist TEXT, age INTEGER, country TEXT)",
        ],
        {
            "people": [
                (1, "Ann", 30, 185.0, "France"),
                (2, "Bob", 52, 201.0, "Spain"),
                (3, "Cy", 45, 170.0, "Italy"),
                (4, "Di", 48, 195.0, "Spain"),
            ],
            "roller_coaster": [
                (1, "Loop", 3500.0, 50.0, "Operating"),
                (2, "Drop", 1000.0, 120.0, "Closed"),
                (3, "Slow", 900.0, 30.0, "Planned"),
            ],
            "artist": [(1, "Ann", 30, "France"), (2, "Bob", 50, "Spain"), (3, "Cy", 40, "Spain")],
        },
    )


def test_a_second_comparison_after_or_reuses_the_implied_column(ws: Workspace) -> None:
    assert sorted(rows_for(ws, "Find the names of people who are taller than 200 or lower than 190.")) == [
        ("Ann",),
        ("Bob",),
        ("Cy",),
    ]


def test_above_x_or_below_y_is_one_or_group(ws: Workspace) -> None:
    assert sorted(rows_for(ws, "Show the names of people with age above 50 or below 46.")) == [
        ("Ann",),
        ("Bob",),
        ("Cy",),
    ]


def test_longer_than_compares_the_length(ws: Workspace) -> None:
    assert rows_for(ws, "Show the statuses of roller coasters longer than 3300.") == [("Operating",)]


def test_a_column_naming_each_row_after_a_measure_is_the_rows_measured(ws: Workspace) -> None:
    assert rows_for(ws, "What is the average age of all artists?") == [(40.0,)]
    plan = plan_for(ws, "What is the average age of artists from Spain?")
    assert plan.calls and "GROUP BY" not in plan.calls[0].args["sql"]


@pytest.fixture
def cards(tmp_path: Path) -> Workspace:
    return sqlite_workspace(
        tmp_path / "cards.sqlite",
        [
            "CREATE TABLE customers_cards (card_id INTEGER PRIMARY KEY, card_type_code TEXT, holder TEXT, "
            "sex TEXT, weight REAL)",
        ],
        {
            "customers_cards": [
                (1, "Credit", "Ann", "F", 60.0),
                (2, "Debit", "Bob", "M", 80.0),
                (3, "Credit", "Cy", "M", 90.0),
            ],
        },
    )


def test_gender_names_a_sex_column(cards: Workspace) -> None:
    assert sorted(rows_for(cards, "What is the average weight for each gender?")) == [("F", 60.0), ("M", 85.0)]


def test_of_each_after_the_grouped_column_is_that_grouping(cards: Workspace) -> None:
    rows = rows_for(cards, "What are the different card types, and how many cards are there of each?")
    assert sorted(rows) == [("Credit", 2), ("Debit", 1)]


@pytest.fixture
def bank(tmp_path: Path) -> Workspace:
    return sqlite_workspace(
        tmp_path / "bank.sqlite",
        [
            "CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, customer_name TEXT)",
            "CREATE TABLE accounts (account_id INTEGER PRIMARY KEY, "
            "customer_id INTEGER REFERENCES customers(customer_id), account_name TEXT)",
        ],
        {
            "customers": [(1, "Ann"), (2, "Bob"), (3, "Cy")],
            "accounts": [(1, 1, "a"), (2, 1, "b"), (3, 2, "c")],
        },
    )


def test_how_many_x_have_a_y_counts_the_distinct_references(bank: Workspace) -> None:
    assert rows_for(bank, "How many customers have an account?") == [(2,)]
    assert rows_for(bank, "Count the number of customers who have accounts.") == [(2,)]
    assert rows_for(bank, "How many customers are there?") == [(3,)]


@pytest.fixture
def clubs(tmp_path: Path) -> Workspace:
    return sqlite_workspace(
        tmp_path / "clubs.sqlite",
        [
            "CREATE TABLE book_club (book_id INTEGER PRIMARY KEY, category TEXT, year INTEGER, title TEXT, "
            "account_name TEXT)",
        ],
        {
            "book_club": [
                (1, "Gay M/SF", 1989, "A", "338"),
                (2, "Gay M/SF", 1990, "B", "162"),
                (3, "Lesb. M/SF", 1991, "C", "25"),
                (4, "Gay SF/F", 1985, "D", "1"),
            ],
        },
    )


def test_after_the_year_n_on_a_year_column(clubs: Workspace) -> None:
    assert sorted(rows_for(clubs, "List the titles of books after the year 1989.")) == [("B",), ("C",)]


def test_n_or_later_after_a_number_column(clubs: Workspace) -> None:
    assert sorted(rows_for(clubs, "List the titles of books with year 1990 or later.")) == [("B",), ("C",)]


def test_a_number_stored_in_a_text_column(clubs: Workspace) -> None:
    assert rows_for(clubs, "What is the title of the book with the account name 338?") == [("A",)]


def test_all_the_information_about_rows_shows_every_column(ws: Workspace) -> None:
    assert rows_for(ws, "What is all the information about people from France?") == [(1, "Ann", 30, 185.0, "France")]
    assert not plan_for(ws, "Show people from France.").calls


def test_each_order_key_takes_its_own_direction(ws: Workspace) -> None:
    rows = rows_for(ws, "List the names and countries of people sorted by country descending and name ascending.")
    assert rows == [("Bob", "Spain"), ("Di", "Spain"), ("Cy", "Italy"), ("Ann", "France")]


def test_n_years_old_or_younger_compares_the_age(ws: Workspace) -> None:
    assert sorted(rows_for(ws, "What are the names of all people 45 years old or younger?")) == [("Ann",), ("Cy",)]


def test_compared_with_the_columns_maximum(ws: Workspace) -> None:
    assert sorted(rows_for(ws, "What are the names of people whose age is less than the maximum age?")) == [
        ("Ann",),
        ("Cy",),
        ("Di",),
    ]
    assert sorted(rows_for(ws, "Find the names of people with a height above the lowest height of all people.")) == [
        ("Ann",),
        ("Bob",),
        ("Di",),
    ]
    assert rows_for(ws, "Find the names of people with a height above the lowest height of people in Spain.") == [
        ("Bob",)
    ]


@pytest.fixture
def orgs(tmp_path: Path) -> Workspace:
    return sqlite_workspace(
        tmp_path / "orgs.sqlite",
        [
            "CREATE TABLE organizations (organization_id INTEGER PRIMARY KEY, organization_name TEXT, "
            "date_formed TEXT)",
            "CREATE TABLE shop (shop_id INTEGER PRIMARY KEY, shop_name TEXT, open_year INTEGER, score REAL)",
        ],
        {
            "organizations": [(1, "Alpha", "2001-05-01"), (2, "Beta", "1999-01-01"), (3, "Gamma", "2010-07-07")],
            "shop": [(1, "North", 2005, 3.0), (2, "South", 2011, 2.0), (3, "East", 2008, 5.0)],
        },
    )


def test_youngest_and_oldest_without_an_age_use_the_only_date(orgs: Workspace) -> None:
    assert rows_for(orgs, "Find the name of the youngest organization.") == [("Gamma",)]
    assert rows_for(orgs, "What is the name of the oldest organization?") == [("Beta",)]


def test_latest_then_a_number_column_ranks_by_it(orgs: Workspace) -> None:
    assert rows_for(orgs, "List the name of the shop with the latest open year.") == [("South",)]


def test_shortest_falls_back_to_the_only_height(ws: Workspace) -> None:
    assert rows_for(ws, "What is the name of the shortest person in people?") == [("Cy",)]


def test_from_the_highest_to_the_lowest_is_a_direction(ws: Workspace) -> None:
    assert rows_for(ws, "List the names and ages of people sorted by age from the highest to the lowest.")[0] == (
        "Bob",
        52,
    )


def test_both_year_a_and_b_is_an_intersection(clubs: Workspace) -> None:
    assert rows_for(clubs, "Which categories have a book in both year 1989 and 1990?") == [("Gay M/SF",)]


def test_n_years_old_is_the_age(ws: Workspace) -> None:
    assert rows_for(ws, "What are the names of people who are 30 years old?") == [("Ann",)]
    assert sorted(rows_for(ws, "What are the names of people who are not 30 years old?")) == [
        ("Bob",),
        ("Cy",),
        ("Di",),
    ]


@pytest.fixture
def towers(tmp_path: Path) -> Workspace:
    return sqlite_workspace(
        tmp_path / "towers.sqlite",
        [
            "CREATE TABLE building (building_id INTEGER PRIMARY KEY, name TEXT, street_address TEXT, "
            "floors INTEGER, city TEXT)",
        ],
        {
            "building": [(1, "A", "1 Main", 10, "X"), (2, "B", "2 Main", 30, "Y"), (3, "C", "3 Main", 20, "X")],
        },
    )


def test_number_of_a_column_that_holds_counts(towers: Workspace) -> None:
    assert rows_for(towers, "What is the total number of floors of all buildings?") == [(60,)]
    assert sorted(rows_for(towers, "Show each city and the number of floors in each city.")) == [("X", 30), ("Y", 30)]
    rows = rows_for(
        towers, "Show the name, street address, and number of floors for all buildings ordered by the number of floors."
    )
    assert rows == [("A", "1 Main", 10), ("C", "3 Main", 20), ("B", "2 Main", 30)]
    assert rows_for(towers, "List the names of buildings in descending order of number of floors.") == [
        ("B",),
        ("C",),
        ("A",),
    ]
    assert not plan_for(
        towers, "How many floors does building A have?"
    ).calls  # a count of a number column stays unclear


@pytest.fixture
def rails(tmp_path: Path) -> Workspace:
    return sqlite_workspace(
        tmp_path / "rails.sqlite",
        [
            "CREATE TABLE railway (railway_id INTEGER PRIMARY KEY, railway TEXT, builder TEXT, location TEXT)",
        ],
        {
            "railway": [(1, "GWR", "Swindon", "A"), (2, "LNER", "Doncaster", "B"), (3, "SR", "Swindon", "C")],
        },
    )


def test_a_column_named_like_its_table_is_not_a_second_grouping(rails: Workspace) -> None:
    rows = rows_for(
        rails,
        "Show different builders of railways, along with the corresponding number of railways using each builder.",
    )
    assert sorted(rows) == [("Doncaster", 1), ("Swindon", 2)]


def test_a_column_and_the_corresponding_number_of_rows_groups(cards: Workspace) -> None:
    rows = rows_for(cards, "Show the card type code and the corresponding number of cards.")
    assert sorted(rows) == [("Credit", 2), ("Debit", 1)]


def test_how_many_of_a_count_column_in_total_sums_it(towers: Workspace) -> None:
    assert rows_for(towers, "How many floors are there in total?") == [(60,)]


def test_the_number_column_listed_in_an_order_is_shown_not_summed(towers: Workspace) -> None:
    assert rows_for(towers, "List the number of floors of buildings in ascending order.") == [(10,), (20,), (30,)]


def test_a_generic_head_noun_after_a_column_is_part_of_its_mention(tmp_path: Path) -> None:
    ws = sqlite_workspace(
        tmp_path / "lifts.sqlite",
        [
            "CREATE TABLE body_builder (body_builder_id INTEGER PRIMARY KEY, snatch REAL, clean_jerk REAL)",
        ],
        {
            "body_builder": [(1, 150.0, 170.0), (2, 140.0, 180.0)],
        },
    )
    rows = rows_for(
        ws, "List the snatch score and clean jerk score of body builders in ascending order of snatch score."
    )
    assert rows == [(140.0, 180.0), (150.0, 170.0)]


def test_directed_by_names_the_director_column(tmp_path: Path) -> None:
    ws = sqlite_workspace(
        tmp_path / "movies.sqlite",
        [
            "CREATE TABLE movie (mid INTEGER PRIMARY KEY, title TEXT, year INTEGER, director TEXT)",
        ],
        {
            "movie": [
                (1, "Jaws", 1975, "Steven Spielberg"),
                (2, "Heat", 1995, "Michael Mann"),
                (3, "ET", 1982, "Steven Spielberg"),
            ],
        },
    )
    assert sorted(rows_for(ws, "Find the titles of all movies directed by Steven Spielberg.")) == [("ET",), ("Jaws",)]
    assert rows_for(ws, "How many movies were directed by Michael Mann?") == [(1,)]


def test_with_n_then_a_number_column_is_that_value(towers: Workspace) -> None:
    assert rows_for(towers, "List the names of buildings with 20 floors.") == [("C",)]


def test_used_is_read_past_even_beside_a_partial_column_match(tmp_path: Path) -> None:
    ws = sqlite_workspace(
        tmp_path / "shop.sqlite",
        [
            "CREATE TABLE orders (order_id INTEGER PRIMARY KEY, payment_method_code TEXT, amount REAL)",
            "CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, name TEXT)",
        ],
        {
            "orders": [(1, "Visa", 10.0), (2, "Cash", 20.0), (3, "Visa", 5.0)],
            "customers": [(1, "Ann")],
        },
    )
    assert rows_for(ws, "What is the payment method used by the most orders?") == [("Visa",)]
    # another verb still abstains (two tables: the one-table reader, which reads looser, stays out)
    assert not plan_for(ws, "Which payment method is shared by the most orders?").calls


def test_the_names_of_rows_of_a_titled_table_are_its_titles(tmp_path: Path) -> None:
    ws = sqlite_workspace(
        tmp_path / "reviews.sqlite",
        [
            "CREATE TABLE movie (mid INTEGER PRIMARY KEY, title TEXT, year INTEGER, director TEXT)",
            "CREATE TABLE reviewer (rid INTEGER PRIMARY KEY, name TEXT)",
            "CREATE TABLE rating (rid INTEGER REFERENCES reviewer(rid), mid INTEGER REFERENCES movie(mid), "
            "stars INTEGER)",
        ],
        {
            "movie": [(1, "Jaws", 1975, "Steven Spielberg"), (2, "Heat", 1995, "Michael Mann")],
            "reviewer": [(1, "Ann"), (2, "Bob")],
            "rating": [(1, 1, 4), (2, 2, 5)],
        },
    )
    assert rows_for(ws, "What are the names of all movies directed by Steven Spielberg?") == [("Jaws",)]


def test_a_passive_by_before_a_value_is_not_a_grouping(tmp_path: Path) -> None:
    ws = sqlite_workspace(
        tmp_path / "flats.sqlite",
        [
            "CREATE TABLE apartment_buildings (building_id INTEGER PRIMARY KEY, building_short_name TEXT, "
            "building_manager TEXT)",
        ],
        {
            "apartment_buildings": [(1, "A", "Emma"), (2, "B", "Kyle"), (3, "C", "Emma")],
        },
    )
    assert sorted(rows_for(ws, 'Show the short names of the buildings managed by "Emma".')) == [("A",), ("C",)]
    assert rows_for(ws, "How many buildings are managed by Kyle?") == [(1,)]


def test_a_grouping_fixed_to_one_value_is_dropped(cards: Workspace) -> None:
    plan = plan_for(cards, "Count the number of cards by the holder named Ann.")
    assert plan.calls and "GROUP BY" not in plan.calls[0].args["sql"], plan.message
    assert rows_for(cards, "Count the number of cards by the holder named Ann.") == [(1,)]


def test_initials_name_a_column_and_types_of_a_column_is_the_column(tmp_path: Path) -> None:
    ws = sqlite_workspace(
        tmp_path / "web.sqlite",
        [
            "CREATE TABLE web_client_accelerator (id INTEGER PRIMARY KEY, name TEXT, operating_system TEXT, "
            "client TEXT)",
        ],
        {
            "web_client_accelerator": [
                (1, "CACHEbox", "Appliance", "End user"),
                (2, "Fasterfox", "Windows", "User"),
                (3, "Opera", "Windows", "User"),
            ],
        },
    )
    assert rows_for(ws, "What are the name and os of web client accelerators with client User?") == [
        ("Fasterfox", "Windows"),
        ("Opera", "Windows"),
    ]
    assert rows_for(ws, "How many different types of clients are there?") == [(2,)]


def test_how_many_x_does_a_named_row_have_shows_its_value(tmp_path: Path) -> None:
    ws = sqlite_workspace(
        tmp_path / "courses.sqlite",
        [
            "CREATE TABLE course (crs_code TEXT PRIMARY KEY, crs_description TEXT, crs_credit REAL)",
        ],
        {
            "course": [("CIS-220", "Intro", 3.0), ("QM-261", "Stats", 4.0)],
        },
    )
    assert rows_for(ws, "How many credits does course QM-261 have?") == [(4.0,)]


@pytest.fixture
def staff(tmp_path: Path) -> Workspace:
    return sqlite_workspace(
        tmp_path / "staff.sqlite",
        [
            "CREATE TABLE instructor (id INTEGER PRIMARY KEY, name TEXT, dept_name TEXT, salary REAL)",
        ],
        {
            "instructor": [
                (1, "A", "Biology", 50.0),
                (2, "B", "Biology", 70.0),
                (3, "C", "Physics", 60.0),
                (4, "D", "Physics", 80.0),
                (5, "E", "Music", 40.0),
            ],
        },
    )


def test_than_some_or_all_rows_compares_with_their_minimum_or_maximum(staff: Workspace) -> None:
    some = rows_for(
        staff, "Find names of instructors with salary greater than that of some instructor in the Biology department."
    )
    assert sorted(some) == [("B",), ("C",), ("D",)]
    every = rows_for(
        staff, "Find the names of instructors whose salary is greater than all instructors in the Biology department."
    )
    assert every == [("D",)]


def test_than_the_lowest_of_the_rows_named_after_it(staff: Workspace) -> None:
    rows = rows_for(
        staff, "What are the names of instructors with salary less than the lowest salary of any instructor in Physics?"
    )
    assert sorted(rows) == [("A",), ("E",)]


def test_comparison_then_column_then_number(ws: Workspace) -> None:
    assert sorted(rows_for(ws, "Find the names of people who are under age 40 or from Spain.")) == [
        ("Ann",),
        ("Bob",),
        ("Di",),
    ]


def test_the_most_recent_then_a_date_column_ranks_by_it(tmp_path: Path) -> None:
    ws = sqlite_workspace(
        tmp_path / "appointments.sqlite",
        [
            "CREATE TABLE appointment (appointment_id INTEGER PRIMARY KEY, patient TEXT, start TEXT, end TEXT)",
        ],
        {
            "appointment": [
                (1, "A", "2008-04-24 10:00", "2008-04-24 11:00"),
                (2, "B", "2008-04-26 10:00", "2008-04-26 11:00"),
            ],
        },
    )
    assert rows_for(ws, "Find the id of the appointment with the most recent start date?") == [(2,)]


def test_with_count_more_than_n_is_a_count_per_group(rails: Workspace) -> None:
    assert rows_for(rails, "Please show the builders of railways with count more than 1.") == [("Swindon",)]


def test_light_verbs_read_past_are_not_a_weak_reading() -> None:
    from insightchat.planner.offline import trust
    from insightchat.planner.offline.parser import Reading
    from insightchat.planner.offline.spec import QuerySpec

    spec = QuerySpec(table="songs")
    light = trust.flags("the song released most recently", Reading(tolerated=["released"], confidence=0.8), spec)
    other = trust.flags("the song shared most recently", Reading(tolerated=["shared"], confidence=0.8), spec)
    assert "unknown:weak" not in light and "unknown:weak" in other


def test_sort_them_in_an_order_is_read_as_filler(towers: Workspace) -> None:
    assert rows_for(
        towers, "Find the names of the buildings in city X, and sort them in ascending order of floors."
    ) == [("A",), ("C",)]


def test_sort_them_by_is_an_order(towers: Workspace) -> None:
    assert rows_for(towers, "List the names of buildings, and sort them by floors in descending order.") == [
        ("B",),
        ("C",),
        ("A",),
    ]


def test_a_column_asked_for_again_in_a_new_sentence_is_shown(towers: Workspace) -> None:
    assert rows_for(towers, "Sort the buildings by floors. Return the name and floors of each building.") == [
        ("A", 10),
        ("C", 20),
        ("B", 30),
    ]
    assert rows_for(towers, "Return the names of the buildings sorted by floors") == [("A",), ("C",), ("B",)]


def test_a_bare_sort_before_an_order_is_filler(towers: Workspace) -> None:
    assert rows_for(towers, "Find the names of buildings, and sort in descending order of floors.") == [
        ("B",),
        ("C",),
        ("A",),
    ]


@pytest.fixture
def races(tmp_path: Path) -> Workspace:
    return sqlite_workspace(
        tmp_path / "races.sqlite",
        [
            "CREATE TABLE race (race_id INTEGER PRIMARY KEY, name TEXT, class TEXT, date TEXT)",
        ],
        {
            "race": [
                (1, "Alpha", "GT", "May"),
                (2, "Beta", "DP", "June"),
                (3, "Gamma", "GT", "July"),
                (4, "Delta", "LMP", "May"),
                (5, "Eps", "DP", "May"),
                (6, "Zeta", "GT", "Aug"),
            ],
        },
    )


def test_x_of_rows_that_is_most_common_groups_by_x(races: Workspace) -> None:
    assert rows_for(races, "Give the class of races that is most common.") == [("GT",)]


def test_top_k_most_common_x_keeps_k(races: Workspace) -> None:
    assert rows_for(races, "Show the top 2 most common classes of races.") == [("GT",), ("DP",)]


def test_starting_with_a_lone_a_is_the_letter_not_the_article(races: Workspace) -> None:
    assert rows_for(races, "What are the names of races that start with A in alphabetical order?") == [("Alpha",)]
    assert rows_for(races, "Show the names of races that start with a G.") == [("Gamma",)]


@pytest.fixture
def dorms(tmp_path: Path) -> Workspace:
    return sqlite_workspace(
        tmp_path / "dorms.sqlite",
        [
            "CREATE TABLE dorm (dormid INTEGER PRIMARY KEY, dorm_name TEXT)",
            "CREATE TABLE dorm_amenity (amenid INTEGER PRIMARY KEY, amenity_name TEXT)",
            "CREATE TABLE has_amenity (dormid INTEGER REFERENCES dorm(dormid), "
            "amenid INTEGER REFERENCES dorm_amenity(amenid))",
        ],
        {
            "dorm": [(1, "Smith"), (2, "Bell")],
            "dorm_amenity": [(1, "TV"), (2, "Pool"), (3, "Gym")],
            "has_amenity": [(1, 1), (1, 2), (2, 3)],
        },
    )


def test_for_each_with_no_grouping_found_abstains_instead_of_one_total(dorms: Workspace) -> None:
    plan = plan_for(dorms, "For each dorm, how many amenities does it have?")
    assert not plan.calls, plan.calls
    assert "each of something" in (plan.message or "")
    assert rows_for(dorms, "How many amenities are there?") == [(3,)]


def test_the_top_row_for_each_x_abstains_instead_of_one_row_for_all(tmp_path: Path) -> None:
    cinema = sqlite_workspace(
        tmp_path / "cinema.sqlite",
        [
            "CREATE TABLE film (film_id INTEGER PRIMARY KEY, title TEXT)",
            "CREATE TABLE schedule (cinema_id INTEGER, film_id INTEGER REFERENCES film(film_id), price REAL)",
        ],
        {"film": [(1, "Up"), (2, "Jaws")], "schedule": [(1, 1, 9.0), (2, 1, 12.0), (1, 2, 8.0)]},
    )
    # one top row (Up, 12.0) would answer "the film with the highest price", not one price per film
    assert not plan_for(cinema, "Give me the title and highest price for each film.").calls
    assert rows_for(cinema, "Give me the title of the film with the highest price.") == [("Up",)]
