"""The ceiling benchmark (benchmarks/text2sql_ceiling.py): its policies replayed on scored candidates,
and one real run of the hybrid's two halves, with a scripted model, on a small SQLite database."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from llm_fakes import ScriptedChatModel, sql

from benchmarks.text2sql_ceiling import cross_check, greedy, majority, measure_db, oracle, report
from insightchat.config import LLMSettings
from insightchat.planner.hybrid import HybridPlanner
from insightchat.planner.llm import LLMPlanner
from insightchat.planner.offline import OfflinePlanner

A, B, EMPTY = (2, (("a",), ("b",))), (1, (("b",),)), (0, ())


def test_greedy_keeps_the_models_own_answer_and_the_offline_reading_when_it_gave_none() -> None:
    assert greedy([("wrong", A), ("correct", B)], "abstain") == "wrong"
    assert greedy([("abstain", None), ("correct", B)], "correct") == "correct"


def test_the_cross_check_replayed_as_shipped() -> None:
    assert cross_check([("correct", A), ("correct", A)], "abstain") == "correct"  # a sample agrees
    assert cross_check([("correct", A), ("wrong", B)], "abstain") == "abstain"  # other rows: unsure
    assert (
        cross_check([("correct", A), ("abstain", None)], "wrong") == "wrong"
    )  # a failed sample: the offline reading stands
    assert cross_check([("abstain", None), ("correct", B), ("correct", B)], "abstain") == "correct"  # given up, rescued
    assert (
        cross_check([("abstain", None), ("wrong", EMPTY), ("wrong", EMPTY)], "abstain") == "abstain"
    )  # never by empty rows


def test_a_majority_needs_two_votes_and_prefers_the_greedy_answer_on_a_tie() -> None:
    assert majority(3)([("wrong", A), ("correct", B), ("correct", B)], "abstain") == "correct"
    assert majority(3)([("wrong", A), ("correct", B), ("abstain", None)], "abstain") == "abstain"
    assert majority(4)([("correct", A), ("wrong", B), ("correct", A), ("wrong", B)], "abstain") == "correct"
    assert majority(4)([("abstain", None), ("wrong", B), ("correct", A), ("wrong", B)], "abstain") == "wrong"
    assert (
        majority(3)([("wrong", A), ("correct", B), ("correct", B), ("correct", B)], "abstain") == "correct"
    )  # only the first 3 vote


def test_the_oracle_counts_a_question_right_when_any_of_the_first_k_is() -> None:
    cands = [("wrong", A), ("wrong", A), ("correct", B)]
    assert [oracle(k)(cands, "abstain") for k in (1, 2, 3)] == ["wrong", "wrong", "correct"]


def test_a_run_scores_every_candidate_of_the_models_half(tmp_path: Path) -> None:
    db = tmp_path / "club.sqlite"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE people (name TEXT, city TEXT, age INTEGER)")
    con.executemany(
        "INSERT INTO people VALUES (?, ?, ?)",
        [("Ann", "Paris", 31), ("Bo", "Rome", 45), ("Cy", "Paris", 28), ("Di", "Oslo", 52), ("Ed", "Oslo", 40)],
    )
    con.commit()
    con.close()
    right = "SELECT name FROM people WHERE city = (SELECT city FROM people ORDER BY age DESC LIMIT 1)"
    questions = [
        {
            "id": "q1",
            "db_id": "club",
            "question": "How many people live in Paris?",
            "gold_sql": "SELECT count(*) FROM people WHERE city = 'Paris'",
        },
        {
            "id": "q2",
            "db_id": "club",
            "question": "Who lives in the same city as the oldest person?",
            "gold_sql": right,
        },
    ]
    model = ScriptedChatModel.of(
        [
            sql(
                "SELECT name FROM people ORDER BY age DESC LIMIT 1"
            ),  # the model's own answer to q2: wrong (the oldest, not their city)
            sql(
                right.replace("name FROM", "p.name FROM").replace("FROM people WHERE", "FROM people AS p WHERE")
            ),  # sample 1: right
            sql(right),  # sample 2: right
            sql("SELECT nme FROM people"),  # sample 3: fails
        ]
    )
    llm = LLMPlanner(model, LLMSettings(max_retries=1), fallback=None, embed=None, small=True, cross_check=False)
    records = measure_db(db, questions, HybridPlanner(offline=OfflinePlanner(), llm_planner=llm), samples=3)

    assert [(r.id, r.half) for r in records] == [("q1", "offline"), ("q2", "model")]
    assert records[0].fallback == "correct"  # the offline planner answered q1
    assert [c[0] for c in records[1].candidates] == ["wrong", "correct", "correct", "abstain"]
    assert records[1].candidates[1][1] == records[1].candidates[2][1]  # same rows, written differently
    assert len(records[1].sample_seconds) == 3
    assert len(sqlite3.connect(db).execute("SELECT * FROM people").fetchall()) == 5  # nothing written

    text = report(records, samples=3)
    lines = {line[:26].strip(): line.split() for line in text.splitlines()}
    assert lines["greedy (no cross-check)"][-5:] == [
        "0",
        "1",
        "0",
        "50.0%",
        "50.0%",
    ]  # model half right/wrong/none, overall
    assert lines["cross-check (shipped)"][-5:] == ["0", "0", "1", "50.0%", "0.0%"]
    assert lines["majority of 3"][-5:] == ["1", "0", "0", "100.0%", "0.0%"]
    assert lines["oracle of 1"][-5:] == ["0", "1", "0", "50.0%", "50.0%"]
    assert lines["oracle of 2"][-5:] == ["1", "0", "0", "100.0%", "0.0%"]
    assert "offline half: 1 right" in text
    json.dumps([r.__dict__ for r in records])  # the details file's rows serialise
