"""The small model's cross-check (assistant/planner/llm/crosscheck.py), through the real agent loop
with a scripted model: the model's own queries come first, then the sampled ones."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pytest
from langchain_core.messages import HumanMessage, SystemMessage
from llm_fakes import ScriptedChatModel, sql

from benchmarks.text2sql import TurnLog
from insightchat.assistant import Assistant
from insightchat.config import LLMSettings, load_settings
from insightchat.contracts import Answer, Plan
from insightchat.planner.llm import LLMPlanner
from insightchat.planner.llm.crosscheck import rows_key
from insightchat.planner.llm.observer import Verdict
from insightchat.tools.results import ToolResult
from insightchat.tools.workspace import Workspace


@pytest.fixture()
def ws() -> Workspace:
    w = Workspace()
    w.add_dataframe(
        pd.DataFrame({"name": ["Ann", "Bo", "Cy"], "city": ["Paris", "Rome", "Paris"], "age": [31, 45, 28]}), "people"
    )
    return w


@dataclass
class Turn:
    answer: Answer
    plan: Plan
    verdict: Verdict  # what the cross-check decided, as the benchmark's observer heard it
    model: ScriptedChatModel


def ask(ws: Workspace, replies: list, question: str = "who lives in Paris") -> Turn:
    model = ScriptedChatModel.of(replies)
    turns = TurnLog()
    planner = LLMPlanner(
        model, LLMSettings(max_retries=1), fallback=None, embed=None, small=True, cross_check=True, observer=turns
    )
    assistant = Assistant(ws, planner=planner)
    answer = assistant.ask(question)
    assert turns.verdict is not None, "the cross-check ran"
    return Turn(answer, assistant.session.turns[-1].plan, turns.verdict, model)


def test_an_answer_a_sampled_query_agrees_with_stands(ws: Workspace) -> None:
    t = ask(
        ws,
        [
            sql("SELECT name FROM people WHERE city = 'Paris' ORDER BY name"),
            sql("SELECT p.name FROM people AS p WHERE p.city = 'Paris'"),  # other order, same rows
        ],
    )
    assert t.answer.table is not None and sorted(t.answer.table["name"]) == ["Ann", "Cy"]
    assert t.verdict == Verdict("agreed")
    # the sample is drawn from the first prompt alone (rules, schema, question), not from the turn so far
    assert [type(m) for m in t.model.requests[-1]] == [SystemMessage, HumanMessage]
    assert [s.title for s in t.answer.steps] == [
        "Ran SQL (2 rows)",
        "Cross-check: ran SQL (2 rows)",
    ]  # its own query, then the sample


def test_an_answer_a_sampled_query_contradicts_is_reported_as_unsure(ws: Workspace) -> None:
    own = "SELECT name FROM people WHERE age > 30"
    t = ask(ws, [sql(own), sql("SELECT name, age FROM people")], "who is older than 30")
    assert t.answer.table is None
    assert "not sure" in t.answer.text and own in t.answer.text and "2 rows" in t.answer.text
    assert "returned other rows: SELECT name, age FROM people" in t.answer.text  # the other reading is shown too
    assert t.verdict == Verdict("other rows", changed=True, own_sql=own)


def test_a_sampled_query_that_fails_or_is_not_a_query_leaves_the_answer_unsure(ws: Workspace) -> None:
    t = ask(ws, [sql("SELECT name FROM people WHERE city = 'Paris'"), sql("SELECT nme FROM people")])
    assert t.answer.table is None and "failed" in t.answer.text and t.verdict.outcome == "sample failed"
    t = ask(ws, [sql("SELECT name FROM people WHERE city = 'Paris'"), "Ann and Cy."])
    assert t.answer.table is None and "did not come back as a query" in t.answer.text


def test_a_sampled_query_that_writes_is_refused_and_changes_nothing(ws: Workspace) -> None:
    t = ask(ws, [sql("SELECT name FROM people WHERE city = 'Paris'"), sql("DROP TABLE people")])
    assert t.answer.table is None and "failed" in t.answer.text
    assert len(ws.query_df("SELECT * FROM people")) == 3


def test_a_model_that_raises_while_sampling_keeps_its_answer(ws: Workspace) -> None:
    t = ask(ws, [sql("SELECT name FROM people WHERE city = 'Paris'"), TimeoutError("the local model took too long")])
    assert t.answer.table is not None and len(t.answer.table) == 2
    assert t.verdict == Verdict("failed")


def test_a_turn_that_gave_up_is_answered_when_two_samples_agree(ws: Workspace) -> None:
    bad = sql("SELECT nme FROM people WHERE city = 'Paris'")
    t = ask(
        ws,
        [
            bad,
            sql("SELECT nam FROM people"),
            sql("SELECT name FROM people WHERE city = 'Paris'"),
            sql("SELECT DISTINCT name FROM people WHERE city = 'Paris'"),
        ],
    )
    assert t.answer.table is not None and sorted(t.answer.table["name"]) == ["Ann", "Cy"]
    assert t.verdict == Verdict("rescued", changed=True, own_sql=None)
    assert "two queries sampled" in t.plan.notice


def test_a_turn_that_gave_up_stays_unanswered_when_the_samples_differ_or_find_nothing(ws: Workspace) -> None:
    bad = [sql("SELECT nme FROM people"), sql("SELECT nam FROM people")]
    t = ask(ws, bad + [sql("SELECT name FROM people WHERE city = 'Paris'"), sql("SELECT name FROM people")])
    assert t.answer.table is None and "could not answer" in t.answer.text
    assert t.verdict == Verdict("no agreement")
    none = "SELECT name FROM people WHERE city = 'Oslo'"
    t = ask(ws, bad + [sql(none), sql(none)])
    assert t.answer.table is None and t.verdict == Verdict("no agreement")


def test_rows_key_ignores_order_and_number_types_but_not_values() -> None:
    def result(df: pd.DataFrame) -> ToolResult:
        return ToolResult("run_sql", "", data=df, total_rows=len(df))

    a = result(pd.DataFrame({"n": ["x", "y"], "v": [1, 2]}))
    b = result(pd.DataFrame({"name": ["y", "x"], "value": [2.0, 1.0]}))
    c = result(pd.DataFrame({"n": ["x", "y"], "v": [1, 3]}))
    assert rows_key(a) == rows_key(b) != rows_key(c)


def test_the_cross_check_is_on_for_the_local_model_only_unless_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    assert (
        LLMPlanner(ScriptedChatModel.of([]), LLMSettings(), fallback=None, embed=None, small=True).cross_check is False
    )
    monkeypatch.setenv("INSIGHTCHAT_LLM_CROSS_CHECK", "true")
    settings = load_settings()
    assert settings.cross_check is True
    assert LLMPlanner(ScriptedChatModel.of([]), settings, fallback=None, embed=None).cross_check is True
