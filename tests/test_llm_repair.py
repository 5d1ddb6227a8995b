"""Deterministic repairs of model SQL (assistant/planner/llm/repair.py) on a real DuckDB catalog,
and through the real agent loop with a scripted model."""

from __future__ import annotations

import threading

import pandas as pd
import pytest
from llm_fakes import ScriptedChatModel, sql

from insightchat.assistant import Assistant
from insightchat.config import LLMSettings
from insightchat.planner.llm import LLMPlanner
from insightchat.planner.llm.repair import ANY_MODEL, SMALL_MODEL, repair_sql
from insightchat.planner.sql_passthrough import SQLPassthroughPlanner
from insightchat.tools.catalog import Catalog
from insightchat.tools.sql import run_query
from insightchat.tools.workspace import Workspace


@pytest.fixture
def ws() -> Workspace:
    w = Workspace()
    w.add_dataframe(pd.DataFrame({"fac_id": [1, 2, 3], "name": ["Ann", "Bo", "Cy"], "sex": ["F", "M", "F"]}), "faculty")
    # Ann takes part in two activities: a join to this table repeats her row
    w.add_dataframe(
        pd.DataFrame({"fac_id": [1, 1, 2], "activity": ["chess", "golf", "chess"]}), "faculty_participates_in"
    )
    w.add_dataframe(pd.DataFrame({"loc_name": ["film studio", "museum", "film archive"]}), "locations")
    return w


@pytest.fixture
def catalog(ws: Workspace) -> Catalog:
    return ws.catalog()


def rows(ws: Workspace, query: str) -> list[tuple]:
    return [tuple(r) for r in run_query(ws, query).df.itertuples(index=False)]


def test_a_double_quoted_value_that_names_no_column_becomes_a_string(ws: Workspace, catalog: Catalog) -> None:
    broken = 'SELECT loc_name FROM locations WHERE loc_name LIKE "%film%"'
    fixed = repair_sql(broken, "locations whose names contain film", catalog, ANY_MODEL)
    assert "'%film%'" in fixed
    assert sorted(rows(ws, fixed)) == [("film archive",), ("film studio",)]


def test_a_double_quoted_column_name_stays_a_column(catalog: Catalog) -> None:
    query = 'SELECT "loc_name" FROM locations WHERE "loc_name" = \'museum\''
    assert repair_sql(query, "which location is the museum", catalog, ANY_MODEL) == query


def test_a_query_on_the_wrong_table_moves_to_the_one_table_with_its_columns(ws: Workspace, catalog: Catalog) -> None:
    fixed = repair_sql(
        "SELECT activity, count(*) AS n FROM faculty GROUP BY activity", "how many per activity", catalog, ANY_MODEL
    )
    assert "FROM faculty_participates_in" in fixed
    assert sorted(rows(ws, fixed)) == [("chess", 2), ("golf", 1)]
    # a column no table has: left for the error message
    assert (
        "FROM faculty "
        in repair_sql("SELECT salary FROM faculty WHERE sex = 'F'", "salaries", catalog, ANY_MODEL) + " "
    )
    # a column two tables have (fac_id) together with one of the base table's: nothing to move
    query = "SELECT fac_id, name FROM faculty"
    assert repair_sql(query, "ids and names", catalog, ANY_MODEL) == query


def test_except_between_different_columns_becomes_not_in_along_the_key(ws: Workspace, catalog: Catalog) -> None:
    broken = "SELECT name FROM faculty EXCEPT SELECT fac_id FROM faculty_participates_in"
    assert len(rows(ws, broken)) == 3  # removes nothing: names are never ids
    fixed = repair_sql(broken, "faculty members who take part in no activity", catalog, ANY_MODEL)
    assert "NOT" in fixed and "EXCEPT" not in fixed
    assert rows(ws, fixed) == [("Cy",)]
    counted = repair_sql(
        "SELECT count(*) FROM faculty WHERE sex = 'F' EXCEPT SELECT fac_id FROM faculty_participates_in",
        "q",
        catalog,
        ANY_MODEL,
    )
    assert rows(ws, counted) == [(1,)]  # the existing filter is kept
    same = "SELECT fac_id FROM faculty EXCEPT SELECT fac_id FROM faculty_participates_in"
    assert repair_sql(same, "q", catalog, ANY_MODEL) == same  # a real set difference stays


def test_except_on_a_column_the_right_table_lacks_compares_along_the_relation(ws: Workspace, catalog: Catalog) -> None:
    broken = "SELECT name FROM faculty EXCEPT SELECT name FROM faculty_participates_in"  # "Binder Error: ... name"
    fixed = repair_sql(broken, "names of faculty with no activity", catalog, ANY_MODEL)
    assert "NOT" in fixed and "EXCEPT" not in fixed
    assert rows(ws, fixed) == [("Cy",)]
    within_one_table = "SELECT name FROM faculty EXCEPT SELECT sex FROM faculty"
    assert repair_sql(within_one_table, "q", catalog, ANY_MODEL) == within_one_table


def test_a_column_one_hop_away_is_read_from_a_joined_table(ws: Workspace, catalog: Catalog) -> None:
    skipped_hop = "SELECT p.activity FROM faculty_participates_in AS p WHERE p.name = 'Bo'"
    fixed = repair_sql(skipped_hop, "what does Bo do", catalog, ANY_MODEL)
    assert "JOIN faculty ON p.fac_id = faculty.fac_id" in fixed and "faculty.name = 'Bo'" in fixed
    assert rows(ws, fixed) == [("chess",)]
    nowhere = "SELECT p.activity FROM faculty_participates_in AS p WHERE p.salary > 3"
    assert repair_sql(nowhere, "q", catalog, ANY_MODEL) == nowhere  # no table has it: left for the error message


def test_a_column_next_to_the_query_is_found_unqualified_loosely_named_or_one_table_further() -> None:
    w = Workspace()
    w.add_dataframe(pd.DataFrame({"address_id": [1, 2], "city_town": ["Oslo", "Rome"]}), "addresses")
    w.add_dataframe(
        pd.DataFrame({"customer_id": [7, 8], "address_id": [1, 2], "customer_name": ["Ann", "Bo"]}), "customers"
    )
    w.add_dataframe(
        pd.DataFrame({"order_id": [5, 6], "customer_id": [7, 8], "placed": ["2020-01-01", "2021-02-02"]}), "orders"
    )
    w.add_dataframe(pd.DataFrame({"shipment_id": [1, 2], "order_id": [5, 6], "invoice_number": [10, 11]}), "shipments")
    w.add_dataframe(pd.DataFrame({"invoice_number": [10, 11], "invoice_date": ["x", "y"]}), "invoices")
    cat = w.catalog()
    # unqualified, and two tables have it: only shipments is next to orders
    fixed = repair_sql(
        "SELECT placed FROM orders WHERE invoice_number = 10", "when was invoice 10's order placed", cat, SMALL_MODEL
    )
    assert "JOIN shipments" in fixed and rows(w, fixed) == [("2020-01-01",)]
    # loosely named ("City" for city_town), one table away
    fixed = repair_sql(
        "SELECT c.customer_name FROM customers AS c WHERE c.City = 'Rome'", "customers in Rome", cat, SMALL_MODEL
    )
    assert "addresses.city_town = 'Rome'" in fixed and rows(w, fixed) == [("Bo",)]
    # next to another table of the query: the customer's city for an order
    fixed = repair_sql(
        "SELECT o.placed FROM orders AS o JOIN customers AS c ON o.customer_id = c.customer_id "
        "WHERE o.city_town = 'Oslo'",
        "orders from Oslo",
        cat,
        SMALL_MODEL,
    )
    assert rows(w, fixed) == [("2020-01-01",)]
    # only the one table: a query on the wrong table is retargeted, not joined
    assert "JOIN" not in repair_sql("SELECT invoice_date FROM orders", "invoice dates", cat, SMALL_MODEL)


def test_a_column_that_several_neighbouring_tables_have_is_left_alone() -> None:
    w = Workspace()
    w.add_dataframe(pd.DataFrame({"player_id": [1, 2], "name": ["Ann", "Bo"]}), "player")
    w.add_dataframe(pd.DataFrame({"player_id": [1, 2], "points_won": [3, 4]}), "player_award_vote")
    w.add_dataframe(pd.DataFrame({"player_id": [1, 2], "points_won": [5, 6]}), "manager_award_vote")
    query = "SELECT p.name FROM player AS p WHERE p.points_won > 3"
    assert repair_sql(query, "players who won more than 3 points", w.catalog(), SMALL_MODEL) == query


@pytest.fixture
def school() -> Workspace:
    w = Workspace()
    w.add_dataframe(pd.DataFrame({"stu_id": [1, 2, 3], "name": ["Ann", "Bo", "Cy"]}), "students")
    w.add_dataframe(pd.DataFrame({"stu_id": [1, 2, 2], "course_id": [10, 10, 20]}), "enrolled")
    w.add_dataframe(
        pd.DataFrame({"course_id": [10, 20], "course_title": ["Maths", "Art"], "course_name": ["M", "A"]}), "courses"
    )
    return w


def test_a_join_on_a_column_one_table_lacks_follows_the_relation_or_the_skipped_table(
    ws: Workspace, catalog: Catalog, school: Workspace
) -> None:
    wrong_column = (
        "SELECT f.name FROM faculty AS f JOIN faculty_participates_in AS p ON f.name = p.name WHERE p.activity = 'golf'"
    )
    fixed = repair_sql(wrong_column, "who plays golf", catalog, ANY_MODEL)
    assert "ON f.fac_id = p.fac_id" in fixed and rows(ws, fixed) == [("Ann",)]
    skipped = "SELECT s.name FROM students AS s JOIN courses AS c ON s.stu_id = c.stu_id WHERE c.course_title = 'Art'"
    fixed = repair_sql(skipped, "students taking art", school.catalog(), ANY_MODEL)
    assert "JOIN enrolled" in fixed and rows(school, fixed) == [("Bo",)]


def test_a_loosely_named_column_becomes_the_one_column_with_that_word(school: Workspace) -> None:
    fixed = repair_sql(
        "SELECT c.title FROM courses AS c WHERE c.course_id = 20", "title of course 20", school.catalog(), ANY_MODEL
    )
    assert rows(school, fixed) == [("Art",)]
    two = "SELECT c.course FROM courses AS c"  # course_id, course_title, course_name: which one is a guess
    assert repair_sql(two, "courses", school.catalog(), ANY_MODEL) == two
    nothing = "SELECT s.age FROM students AS s"
    assert repair_sql(nothing, "ages", school.catalog(), ANY_MODEL) == nothing


def test_each_side_of_a_set_operation_gets_its_missing_join(ws: Workspace, catalog: Catalog) -> None:
    broken = "SELECT faculty.name FROM faculty EXCEPT SELECT faculty.name FROM faculty_participates_in"
    fixed = repair_sql(broken, "faculty with no activity", catalog, ANY_MODEL)
    assert rows(ws, fixed) == [("Cy",)]


def test_shown_columns_missing_from_group_by_are_added(ws: Workspace, catalog: Catalog) -> None:
    sqlite_style = (
        "SELECT f.name, count(*) AS n FROM faculty AS f JOIN faculty_participates_in AS p "
        "ON f.fac_id = p.fac_id GROUP BY f.fac_id"
    )
    with pytest.raises(Exception, match="GROUP BY"):
        rows(ws, sqlite_style)
    fixed = repair_sql(sqlite_style, "how many activities per faculty member", catalog, ANY_MODEL)
    assert fixed.endswith("GROUP BY f.fac_id, f.name")
    assert sorted(rows(ws, fixed)) == [("Ann", 2), ("Bo", 1)]
    grouped = "SELECT sex AS s, count(*) FROM faculty GROUP BY s"
    assert repair_sql(grouped, "q", catalog, ANY_MODEL) == grouped


def test_columns_get_the_alias_of_the_table_that_has_them(ws: Workspace, catalog: Catalog) -> None:
    wrong_alias = (
        "SELECT p.name FROM faculty AS f JOIN faculty_participates_in AS p ON f.fac_id = p.fac_id "
        "WHERE p.activity = 'golf'"
    )
    fixed = repair_sql(wrong_alias, "who plays golf", catalog, ANY_MODEL)
    assert "f.name" in fixed and rows(ws, fixed) == [("Ann",)]
    by_table_name = (
        "SELECT faculty.name FROM faculty AS f JOIN faculty_participates_in AS p "
        "ON f.fac_id = p.fac_id WHERE p.activity = 'golf'"
    )
    assert rows(ws, repair_sql(by_table_name, "who plays golf", catalog, ANY_MODEL)) == [("Ann",)]
    ambiguous = (
        "SELECT fac_id FROM faculty JOIN faculty_participates_in "
        "ON faculty.fac_id = faculty_participates_in.fac_id WHERE activity = 'golf'"
    )
    assert rows(ws, repair_sql(ambiguous, "ids of golfers", catalog, ANY_MODEL)) == [(1,)]  # the FROM table's
    right = "SELECT f.name FROM faculty AS f JOIN faculty_participates_in AS p ON f.fac_id = p.fac_id"
    assert repair_sql(right, "q", catalog, ANY_MODEL) == right


def test_a_table_named_but_never_joined_is_joined_along_its_relation(ws: Workspace, catalog: Catalog) -> None:
    assert catalog.relations_between("faculty", "faculty_participates_in")  # detected from the shared fac_id
    query = "SELECT p.activity FROM faculty_participates_in AS p WHERE faculty.name = 'Bo'"
    fixed = repair_sql(query, "what does Bo do", catalog, ANY_MODEL)
    assert "JOIN faculty ON" in fixed
    assert rows(ws, fixed) == [("chess",)]


def test_distinct_is_dropped_unless_the_question_asks_for_different_values(catalog: Catalog) -> None:
    query = "SELECT DISTINCT sex FROM faculty"
    assert "DISTINCT" not in repair_sql(query, "what is the sex of each faculty member", catalog, SMALL_MODEL)
    assert repair_sql(query, "what are the different sexes of faculty members", catalog, SMALL_MODEL) == query
    assert repair_sql(query, "what is the sex of each faculty member", catalog, ANY_MODEL) == query  # small models only


def test_distinct_is_added_when_the_question_asks_for_different_values(ws: Workspace, catalog: Catalog) -> None:
    fixed = repair_sql(
        "SELECT activity FROM faculty_participates_in", "what are the different activities", catalog, SMALL_MODEL
    )
    assert sorted(rows(ws, fixed)) == [("chess",), ("golf",)]
    # "how many different" is the aggregate's job
    counted = "SELECT count(activity) FROM faculty_participates_in"
    assert repair_sql(counted, "how many different activities are there", catalog, SMALL_MODEL) == counted


def test_both_values_of_one_column_become_an_intersect(ws: Workspace, catalog: Catalog) -> None:
    query = (
        "SELECT f.name FROM faculty AS f JOIN faculty_participates_in AS p ON f.fac_id = p.fac_id "
        "WHERE p.activity IN ('chess', 'golf')"
    )
    assert sorted(rows(ws, query)) == [("Ann",), ("Ann",), ("Bo",)]  # IN keeps faculty with either activity
    fixed = repair_sql(query, "which faculty members play both chess and golf", catalog, SMALL_MODEL)
    assert "INTERSECT" in fixed
    assert rows(ws, fixed) == [("Ann",)]
    # no "both", or the values are shown: the rows of either value are what was asked
    assert repair_sql(query, "which faculty members play chess or golf", catalog, SMALL_MODEL) == query
    shown = query.replace("SELECT f.name", "SELECT f.name, p.activity")
    assert repair_sql(shown, "show both chess and golf players with their activity", catalog, SMALL_MODEL) == shown


def test_a_join_that_contributes_nothing_is_dropped(ws: Workspace, catalog: Catalog) -> None:
    query = "SELECT f.name FROM faculty AS f JOIN faculty_participates_in AS p ON f.fac_id = p.fac_id WHERE f.sex = 'F'"
    assert rows(ws, query) == [("Ann",), ("Ann",)]  # the join repeats Ann
    fixed = repair_sql(query, "names of the female faculty members", catalog, SMALL_MODEL)
    assert "JOIN" not in fixed
    assert sorted(rows(ws, fixed)) == [("Ann",), ("Cy",)]


@pytest.mark.parametrize(
    ("query", "question"),
    [
        # the question names what the joined table adds: the join is the filter
        (
            "SELECT f.name FROM faculty AS f JOIN faculty_participates_in AS p ON f.fac_id = p.fac_id",
            "faculty who participate in an activity",
        ),
        # a column of the joined table is used
        (
            "SELECT f.name, p.activity FROM faculty AS f JOIN faculty_participates_in AS p ON f.fac_id = p.fac_id",
            "names of faculty members",
        ),
        # the join is what is counted
        (
            "SELECT f.name, count(*) FROM faculty AS f JOIN faculty_participates_in AS p ON f.fac_id = p.fac_id "
            "GROUP BY f.name",
            "names of faculty members",
        ),
        # an outer join never filters rows away
        (
            "SELECT f.name FROM faculty AS f LEFT JOIN faculty_participates_in AS p ON f.fac_id = p.fac_id",
            "names of faculty members",
        ),
    ],
)
def test_joins_that_matter_are_kept(catalog: Catalog, query: str, question: str) -> None:
    assert "JOIN" in repair_sql(query, question, catalog, SMALL_MODEL)


def test_a_value_spelled_differently_from_the_data_becomes_the_indexed_value() -> None:
    w = Workspace()
    w.add_dataframe(
        pd.DataFrame({"id": [1, 2, 3], "details": ["Schmidt ,  Kertzmann and Lubowitz", "Gottlieb Ltd", "English"]}),
        "cmi",
    )
    cat = w.catalog()
    fixed = repair_sql("SELECT id FROM cmi WHERE details <> 'Schmidt, Kertzmann and Lubowitz'", "q", cat)
    assert "'Schmidt ,  Kertzmann and Lubowitz'" in fixed
    assert rows(w, fixed) == [(2,), (3,)]
    assert "IN ('English', 'Gottlieb Ltd')" in repair_sql(
        "SELECT id FROM cmi WHERE details IN ('english', 'Gottlieb Ltd')", "q", cat
    )
    for kept in (
        # not the same spelling: the empty-result check tells the model
        "SELECT id FROM cmi WHERE details = 'Gottlieb'",
        "SELECT id FROM cmi WHERE details = 'English'",
    ):
        assert repair_sql(kept, "q", cat) == kept


def test_a_table_joined_in_by_one_repair_can_be_dropped_by_another(school: Workspace) -> None:
    # the skipped table (enrolled) is joined in, then neither it nor courses adds a thing: both go.
    # A join put in place without its parent once made the dropping loop spin for ever.
    skipped = "SELECT s.name FROM students AS s JOIN courses AS c ON s.stu_id = c.stu_id WHERE s.stu_id < 3"
    out: list[str] = []
    worker = threading.Thread(
        target=lambda: out.append(repair_sql(skipped, "names of the first two pupils", school.catalog(), SMALL_MODEL)),
        daemon=True,
    )
    worker.start()
    worker.join(timeout=30)
    assert out, "the repair did not finish"
    fixed = out[0]
    assert "JOIN" not in fixed and sorted(rows(school, fixed)) == [("Ann",), ("Bo",)]


def test_a_repair_that_fails_leaves_the_query_as_written(catalog: Catalog) -> None:
    # two tables under one alias: sqlglot's scope analysis gives up; the database will say what is wrong
    query = (
        "SELECT f.name FROM faculty AS f JOIN faculty_participates_in AS p ON f.fac_id = p.fac_id JOIN "
        "faculty AS p ON f.fac_id = p.fac_id"
    )
    assert repair_sql(query, "names", catalog, SMALL_MODEL) == query


def test_sql_that_does_not_parse_is_left_to_the_safe_sql_tool(catalog: Catalog) -> None:
    assert repair_sql("SELEC name FROM", "anything", catalog, SMALL_MODEL) == "SELEC name FROM"


def test_the_agent_runs_and_shows_the_repaired_query(ws: Workspace) -> None:
    model = ScriptedChatModel.of(
        [sql('SELECT count(*) AS n FROM locations WHERE loc_name LIKE "%film%"'), "There are 2 film locations."]
    )
    planner = LLMPlanner(model, LLMSettings(), fallback=SQLPassthroughPlanner(), embed=None)
    answer = Assistant(ws, planner=planner).ask("how many locations have film in the name")
    assert answer.sql is not None and "'%film%'" in answer.sql
    assert answer.table is not None and answer.table.iloc[0, 0] == 2
    assert answer.warnings == []
