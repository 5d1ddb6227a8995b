"""How the text-to-SQL benchmark scores an answer against the gold query (benchmarks/text2sql.py),
on a real DuckDB workspace: ties in the gold's sort order have several right answers."""

from __future__ import annotations

import pandas as pd
import pytest

from benchmarks.text2sql import _rows, gold_with_sort_keys, matches_up_to_ties, results_match
from insightchat.tools.workspace import Workspace


@pytest.fixture
def ws() -> Workspace:
    w = Workspace()
    # three cities tie at 2 players; Oslo alone has 3
    w.add_dataframe(
        pd.DataFrame({"name": list("abcdefghi"), "city": ["Oslo"] * 3 + ["Rome"] * 2 + ["Pisa"] * 2 + ["Bern"] * 2}),
        "player",
    )
    return w


def scored(ws: Workspace, pred: list[tuple], gold_sql: str) -> bool:
    keyed = gold_with_sort_keys(gold_sql, ws)
    assert keyed is not None
    return matches_up_to_ties(pred, *keyed)


def test_rows_tied_at_the_limit_may_be_any_of_the_tied_ones(ws: Workspace) -> None:
    gold = "SELECT city FROM player GROUP BY city ORDER BY count(*) DESC LIMIT 2"
    for second in ("Rome", "Pisa", "Bern"):
        assert scored(ws, [("Oslo",), (second,)], gold)
    assert not scored(ws, [("Rome",), ("Oslo",)], gold)  # Oslo has more: it must come first
    assert not scored(ws, [("Oslo",)], gold)  # too few rows
    assert not scored(ws, [("Oslo",), ("Rome",), ("Pisa",)], gold)  # too many


def test_tied_rows_may_come_in_any_order_but_the_order_between_ties_counts(ws: Workspace) -> None:
    gold = "SELECT city, count(*) FROM player GROUP BY city ORDER BY count(*) DESC"
    assert scored(ws, [("Oslo", 3), ("Bern", 2), ("Pisa", 2), ("Rome", 2)], gold)
    assert scored(ws, [(3, "Oslo"), (2, "Rome"), (2, "Bern"), (2, "Pisa")], gold)  # columns in another order
    assert not scored(ws, [("Bern", 2), ("Oslo", 3), ("Pisa", 2), ("Rome", 2)], gold)
    assert not scored(ws, [("Oslo", 3), ("Bern", 2), ("Pisa", 2), ("Pisa", 2)], gold)


def test_without_ties_only_the_gold_order_is_right(ws: Workspace) -> None:
    gold = "SELECT name FROM player ORDER BY name DESC LIMIT 2"
    assert scored(ws, [("i",), ("h",)], gold)
    assert not scored(ws, [("h",), ("i",)], gold)
    assert results_match(_rows(ws.query_df(gold)), [("i",), ("h",)], ordered=True)


def test_a_distinct_query_sorted_by_a_shown_column_is_keyed(ws: Workspace) -> None:
    gold = "SELECT DISTINCT city, count(*) OVER (PARTITION BY city) AS n FROM player ORDER BY n DESC"
    assert scored(ws, [("Oslo", 3), ("Rome", 2), ("Bern", 2), ("Pisa", 2)], gold)
    assert not scored(ws, [("Rome", 2), ("Oslo", 3), ("Bern", 2), ("Pisa", 2)], gold)


def test_queries_it_cannot_key_are_left_to_the_exact_comparison(ws: Workspace) -> None:
    assert (
        gold_with_sort_keys("SELECT DISTINCT city FROM player ORDER BY name", ws) is None
    )  # the key would change the rows
    assert gold_with_sort_keys("SELECT city FROM player", ws) is None
    assert gold_with_sort_keys("SELECT * FROM player ORDER BY name", ws) is None


def test_the_harness_writes_every_outcome_in_question_order(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    import json
    import sqlite3

    from benchmarks.text2sql import main

    for db, rows in (("music", [("Ann", 30), ("Bo", 41)]), ("zoo", [("Cy", 5)])):
        with sqlite3.connect(tmp_path / f"{db}.sqlite") as con:
            con.execute("CREATE TABLE singer (name TEXT, age INTEGER)")
            con.executemany("INSERT INTO singer VALUES (?, ?)", rows)
    questions = [
        {
            "id": "q1",
            "db_id": "zoo",
            "question": "How many singers are there?",
            "gold_sql": "SELECT count(*) FROM singer",
        },
        {
            "id": "q2",
            "db_id": "music",
            "question": "How many singers are there?",
            "gold_sql": "SELECT count(*) FROM singer",
        },
        {
            "id": "q3",
            "db_id": "music",
            "question": "What is the average age of all singers?",
            "gold_sql": "SELECT avg(age) FROM singer",
        },
    ]
    (tmp_path / "q.jsonl").write_text("".join(json.dumps(q) + "\n" for q in questions), encoding="utf-8")
    details = tmp_path / "details.jsonl"
    assert (
        main(
            [
                "--questions",
                str(tmp_path / "q.jsonl"),
                "--db-dir",
                str(tmp_path),
                "--out",
                str(tmp_path / "out.jsonl"),
                "--workers",
                "1",
                "--details",
                str(details),
            ]
        )
        == 0
    )
    written = [json.loads(line) for line in details.read_text(encoding="utf-8").splitlines()]
    assert [o["id"] for o in written] == ["q1", "q2", "q3"]  # rewritten in question order at the end
    assert [o["status"] for o in written] == ["correct"] * 3
    assert "3 questions over 2 databases" in capsys.readouterr().out


def test_the_cross_check_report_scores_the_same_run_with_and_without_it() -> None:
    from benchmarks.text2sql import Outcome, cross_check_report

    def o(status: str, kind: str = "", unchecked: str = "", seconds: float = 1.0, cc: float = 0.0) -> Outcome:
        return Outcome(
            "q", "db", None, "join", False, status, seconds, cross_check=kind, unchecked=unchecked, cross_check_s=cc
        )

    outcomes = [
        o("correct"),
        o("correct", "agreed", "correct", 4.0, 2.0),
        o("abstain", "other rows", "wrong", 4.0, 2.0),
        o("abstain", "other rows", "correct", 4.0, 2.0),
        o("correct", "rescued", "abstain", 5.0, 3.0),
    ]
    text = cross_check_report(outcomes)
    assert "other rows" in text and "   2     0 (1)     0 (1)     2 (0)" in text
    assert (
        "with the cross-check: 60.0% correct, 0.0% wrong, 3.6 s/q; without: 60.0% correct, 20.0% wrong, 1.8 s/q" in text
    )
    assert cross_check_report([o("correct")]) == ""


def test_a_withheld_answer_is_scored_both_ways_from_what_the_observer_heard() -> None:
    """The hybrid's model answers, the cross-check withholds it (a sample returns other rows) and the
    turn ends unsure: the outcome is an abstention, ``unchecked`` the status of the model's own query."""
    from llm_fakes import ScriptedChatModel, sql

    from benchmarks.text2sql import TurnLog, score_question
    from insightchat.config import LLMSettings
    from insightchat.planner.hybrid import HybridPlanner
    from insightchat.planner.llm import LLMPlanner
    from insightchat.planner.sql_passthrough import SQLPassthroughPlanner

    w = Workspace()
    w.add_dataframe(pd.DataFrame({"name": ["Ann", "Bo", "Cy"], "age": [31, 45, 28]}), "people")
    right = "SELECT name FROM people WHERE age > 30"
    model = ScriptedChatModel.of([sql(right), sql("SELECT name FROM people")])
    turns = TurnLog()
    llm = LLMPlanner(model, LLMSettings(), embed=None, narrate=False, small=True, cross_check=True, observer=turns)
    hybrid = HybridPlanner(SQLPassthroughPlanner(), llm, workspace=w)
    q = {"id": "q1", "question": "who is older than 30", "gold_sql": right}
    (outcome,) = score_question(hybrid, turns, q, w, w.catalog(), "club")
    assert outcome.status == "abstain" and outcome.answered_by == "scripted"  # both halves gave no answer
    assert outcome.cross_check == "other rows" and outcome.unchecked == "correct"
    assert outcome.stop_reason == "done" and outcome.cross_check_s > 0
    # the next question starts from a clean log: a turn without the model has no verdict
    (plain,) = score_question(hybrid, turns, {**q, "question": right}, w, w.catalog(), "club")
    assert plain.status == "correct" and plain.cross_check == "" and plain.unchecked == ""
