"""The offline planner's confidence gate and the linguistic fixes that came with it (table-driven)."""

from __future__ import annotations

import pandas as pd
import pytest
from planner_helpers import plan_for as plan
from planner_helpers import rows_for as rows

from insightchat.planner.offline import OfflinePlanner
from insightchat.planner.offline.trust import blocking, flags
from insightchat.session import Session
from insightchat.tools.workspace import Workspace

pytestmark = pytest.mark.usefixtures("no_embeddings")


@pytest.fixture
def ws() -> Workspace:
    w = Workspace()
    w.add_dataframe(
        pd.DataFrame(
            {
                "name": ["Ann", "Bob", "Cy", "Dee", "Eve"],
                "team": ["Red", "Red", "Blue", "Blue", "Green"],
                "age": [31, 25, 40, 22, 35],
                "rank": [3, 1, 2, 5, 4],
                "lname": ["Kim", "Lee", "Kim", "Park", "Cho"],
                "phone": ["111", "222", "333", "444", "555"],
                "city": ["Oslo", "Rome", "Oslo", "Rome", "Oslo"],
            }
        ),
        "player",
    )
    return w


ANSWERS = [
    # "highest rank" is rank 1; "maximum rank" is the largest number
    ("what is the name of the player with the highest rank", [("Bob",)]),
    ("what is the maximum rank", [(5,)]),
    # a column fixed by the filter is not shown next to what was asked
    ("show the names of players in team Red", [("Ann",), ("Bob",)]),
    # "across all players": no grouping
    ("what is the average and maximum age across all players", [(30.6, 40)]),
    # "last name" reaches an ``lname`` column; "phone number of" is not a count
    ("what is the age of the player whose last name is Park", [(22,)]),
    ("what is the phone number of the player Eve", [("555",)]),
    # "how many player cities": the distinct values of a column named after the table's noun
    ("how many player cities are there", [(2,)]),
    ("count the number of players made", [(5,)]),
    # "which <rows> has the lowest X": the row's name, not the minimum
    ("which player has the lowest age", [("Dee",)]),
    # "the largest number of <number column>": that column's maximum
    ("what is the name of the player with the largest number of age", [("Cy",)]),
    # a list with a table-named column keeps it
    ("show the name and the team", [("Ann", "Red"), ("Bob", "Red"), ("Cy", "Blue"), ("Dee", "Blue"), ("Eve", "Green")]),
    ("what is the maximum age across all players", [(40,)]),
    # comparisons with the column's average (a scalar sub-query built as a tree)
    ("which players are younger than average", [("Bob",), ("Dee",)]),
    ("how many players have an age above the average age", [(3,)]),
    # "per A and B" groups by both
    ("how many players per team and city", None),
    # set operations: EXCEPT and INTERSECT of two SELECTs
    ("which players are in team Red but not in city Oslo", [("Bob",)]),
    ("which teams have both players older than 30 and players younger than 25", [("Blue",)]),
]


@pytest.mark.parametrize("question,expected", ANSWERS)
def test_answers(ws: Workspace, question: str, expected: list[tuple] | None) -> None:
    got = rows(ws, question)
    if expected is None:
        assert len(got) == 5 and all(len(r) == 3 for r in got)
    else:
        assert sorted(got) == sorted(expected)


ABSTAINS = [
    "what is the age of the highest player",  # "highest player" is not "the most players"
    "which players are older than any player in team Red",  # a sub-query over other rows
    "which teams have no player at least one time",  # an anti-join / exists
    "what is the name of the player with the highest age and the lowest rank",  # two extremes: no one row has both
    'which player\'s city contains the word "Oslo" or "Rome"? Return the name.',  # city = and LIKE at once
    "which players share a city with Ann",  # rows matched on another row's value, not Ann's city
]


@pytest.mark.parametrize("question", ABSTAINS)
def test_abstains_on_shapes_it_cannot_express(ws: Workspace, question: str) -> None:
    p = plan(ws, question)
    assert p.calls == [], p.calls
    assert "ran nothing" in p.message


def test_flags_name_the_risks(ws: Workspace) -> None:
    from insightchat.planner.offline.linking import index_for
    from insightchat.planner.offline.parser import Parser

    reading = Parser("show the names of players in team Red", index_for(ws.catalog())).parse()
    assert reading.spec is not None
    assert blocking(flags("show the names of players in team Red", reading, reading.spec)) == []
    assert blocking(["nested:set_difference", "shape:cols1"]) == ["nested:set_difference"]
    assert blocking(["link:synonym", "link:part"]) == []
    assert blocking(["link:embedding"]) == ["link:embedding"]


def test_gate_can_be_switched_off_for_measurement(ws: Workspace) -> None:
    q = "show the names of players in team Red"
    assert "shape:cols1" in OfflinePlanner(gate=False).plan(q, ws.catalog(), Session()).reading.flags


def test_questions_that_start_like_sql_are_not_run_as_sql(ws: Workspace) -> None:
    for q in ("Select the names of players in team Red.", "From which cities do players come?"):
        p = plan(ws, q)
        assert all(c.args.get("sql") != q.strip().rstrip(";") for c in p.calls)
    assert plan(ws, "SELECT count(*) FROM player").calls[0].args["sql"] == "SELECT count(*) FROM player"


ORDERED = [
    ("list the names of players in descending order of age", ["Cy", "Eve", "Ann", "Bob", "Dee"]),
    ("list the names of players in ascending alphabetical order", ["Ann", "Bob", "Cy", "Dee", "Eve"]),
    ("list the names of players in reverse alphabetical order", ["Eve", "Dee", "Cy", "Bob", "Ann"]),
    ("show the names of players sorted by age in descending order", ["Cy", "Eve", "Ann", "Bob", "Dee"]),
    # a direction, not "the one oldest": every row
    (
        "list the names of all players in the order of their ages starting from the highest one",
        ["Cy", "Eve", "Ann", "Bob", "Dee"],
    ),
    (
        "list the names of all players in the order of their ages starting with the lowest",
        ["Dee", "Bob", "Ann", "Eve", "Cy"],
    ),
]


@pytest.mark.parametrize("question,expected", ORDERED)
def test_order_phrases(ws: Workspace, question: str, expected: list[str]) -> None:
    got = rows(ws, question)
    assert [r[0] for r in got] == expected and all(len(r) == 1 for r in got)


def test_a_direction_alone_orders_grouped_counts(ws: Workspace) -> None:
    got = rows(ws, "For each team, how many players does it have? List them in increasing order.")
    assert got[0] == ("Green", 1) and sorted(got[1:]) == [("Blue", 2), ("Red", 2)]


def test_superlative_column_is_not_shown_again(ws: Workspace) -> None:
    assert rows(ws, "what is the name and team of the player with the highest age") == [("Cy", "Blue")]


def test_foreign_keys_are_shown_only_when_asked_for() -> None:
    from insightchat.planner.offline.parser import Reading
    from insightchat.planner.offline.spec import Col, Measure, QuerySpec
    from insightchat.planner.offline.text import tokenize
    from insightchat.planner.offline.trust import _shows_foreign_key

    w = Workspace()
    w.add_dataframe(
        pd.DataFrame({"order_id": [1, 2, 3], "customer_id": [10, 11, 10], "amount": [5.0, 7.0, 9.0]}), "orders"
    )
    w.add_dataframe(pd.DataFrame({"customer_id": [10, 11], "customer_name": ["Ada", "Ben"]}), "customers")
    cat = w.catalog()
    spec = QuerySpec(
        table="orders", group_by=[Col("orders", "customer_id")], measures=[Measure("sum", Col("orders", "amount"))]
    )
    assert _shows_foreign_key(Reading(tokens=tokenize("total amount per customer")), spec, cat)
    assert not _shows_foreign_key(Reading(tokens=tokenize("total amount per customer id")), spec, cat)
    # the planner itself joins to the names when it can
    assert sorted(rows(w, "total amount per customer")) == [("Ada", 14.0), ("Ben", 7.0)]


def test_a_column_named_in_part_and_then_left_out_goes_to_the_model_in_the_hybrid() -> None:
    """'category' partly names product_category_code and also a table; the reading drops it. Alone,
    the offline planner answers (flagged); in the hybrid the model gets the question."""
    from llm_fakes import ScriptedChatModel, sql

    from insightchat.config import LLMSettings
    from insightchat.planner.hybrid import HybridPlanner
    from insightchat.planner.llm import LLMPlanner

    w = Workspace()
    w.add_dataframe(
        pd.DataFrame(
            {
                "product_id": [1, 2, 3],
                "product_name": ["cumin", "flax", "chervil"],
                "product_category_code": ["Spices", "Seeds", "Herbs"],
                "typical_buying_price": [2.5, 1.0, 3.0],
            }
        ),
        "products",
    )
    w.add_dataframe(
        pd.DataFrame(
            {
                "product_category_code": ["Spices", "Seeds", "Herbs"],
                "product_category_description": ["dry", "small", "green"],
            }
        ),
        "ref_product_categories",
    )
    question = 'What is the category and typical buying price of the product with name "cumin"?'
    alone = plan(w, question)
    assert alone.calls and "select:part_dropped" in alone.reading.flags
    wanted = "SELECT product_category_code, typical_buying_price FROM products WHERE product_name = 'cumin'"
    model = ScriptedChatModel.of([sql(wanted)])
    hybrid = HybridPlanner(OfflinePlanner(), LLMPlanner(model, LLMSettings(), embed=None, narrate=False), workspace=w)
    handed = hybrid.plan(question, w.catalog(), Session())
    assert handed.planner == "scripted" and handed.calls[0].args["sql"] == wanted
    # the model gives up (its query keeps failing): the offline reading stands, and says so
    failing = ScriptedChatModel.of([sql("SELECT shelf_life FROM products")] * 3)
    hybrid = HybridPlanner(OfflinePlanner(), LLMPlanner(failing, LLMSettings(), embed=None, narrate=False), workspace=w)
    kept = hybrid.plan(question, w.catalog(), Session())
    assert kept.planner == "offline" and kept.calls == alone.calls
    assert "could not answer" in kept.notice
    # the cross-check withholds the model's answer: the offline reading stands, and the observer hears
    # the withheld query, so the benchmark scores the turn without the cross-check as the model's answer
    from benchmarks.text2sql import TurnLog

    other = "SELECT product_name, typical_buying_price FROM products WHERE product_name = 'cumin'"
    checked = ScriptedChatModel.of([sql(wanted), sql(other)])
    turns = TurnLog()
    model = LLMPlanner(checked, LLMSettings(), embed=None, narrate=False, cross_check=True, observer=turns)
    hybrid = HybridPlanner(OfflinePlanner(), model, workspace=w)
    kept = hybrid.plan(question, w.catalog(), Session())
    assert kept.planner == "offline" and kept.calls == alone.calls
    assert turns.verdict is not None and turns.verdict.outcome == "other rows" and turns.verdict.own_sql == wanted


def test_a_value_named_twice_is_one_condition_in_the_sql(ws: Workspace) -> None:
    p = plan(ws, "what is the average age of players in team Red (team is Red)")
    sql = p.calls[0].args["sql"]
    assert sql.count("'Red'") == 1, sql
    assert rows(ws, "what is the average age of players in team Red (team is Red)") == [(28.0,)]
