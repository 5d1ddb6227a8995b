"""The offline planner hands questions about free text to the text-model tools."""

from __future__ import annotations

from pathlib import Path

import pytest

from insightchat.assistant import Assistant
from insightchat.planner.offline import OfflinePlanner
from insightchat.planner.offline.textintents import plan_text_question
from insightchat.session import Session
from insightchat.tools.workspace import Workspace

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture(scope="module")
def catalog():
    return Workspace([EXAMPLES / "reviews.csv", EXAMPLES / "tickets.csv"]).catalog()


@pytest.mark.parametrize(
    "question, tool, args",
    [
        (
            "sentiment of reviews by product",
            "sentiment_breakdown",
            {"table": "reviews", "column": "review_text", "by": "product"},
        ),
        (
            "What is the sentiment of review_text per region?",
            "sentiment_breakdown",
            {"table": "reviews", "column": "review_text", "by": "region"},
        ),
        ("how do customers feel?", "sentiment_breakdown", {"table": "reviews", "column": "review_text"}),
        (
            "classify tickets into billing, delivery, other",
            "classify_text",
            {"table": "tickets", "column": "text", "labels": ["billing", "delivery", "other"]},
        ),
        ("what do customers complain about in tickets", "find_topics", {"table": "tickets", "column": "text"}),
        (
            "reviews similar to 'battery dies quickly'",
            "similar_texts",
            {"table": "reviews", "column": "review_text", "query": "battery dies quickly", "k": 5},
        ),
    ],
)
def test_text_questions_map_to_tools(catalog, question: str, tool: str, args: dict) -> None:
    plan = plan_text_question(question, catalog, Session())
    assert plan is not None and [c.name for c in plan.calls] == [tool]
    assert plan.calls[0].args == args


@pytest.mark.parametrize(
    "question", ["average rating by region", "how many tickets per channel", "top 3 products by price"]
)
def test_other_questions_are_left_to_sql(catalog, question: str) -> None:
    assert plan_text_question(question, catalog, Session()) is None


def test_no_text_column_is_said_plainly() -> None:
    import pandas as pd

    catalog = Workspace(pd.DataFrame({"x": [1, 2, 3]})).catalog()
    plan = plan_text_question("what is the sentiment?", catalog, Session())
    assert plan is not None and plan.abstained and "no open table has a text column" in plan.message


def test_sentiment_by_group_end_to_end(reviews_csv: Path) -> None:
    assistant = Assistant(reviews_csv, planner=OfflinePlanner())
    answer = assistant.ask("sentiment of reviews by category")
    table = answer.table
    assert table is not None and sorted(table["category"]) == ["audio", "computing", "kitchen", "wearables"]
    assert table["texts"].sum() == 400
    assert (
        (table["positive_pct"] >= 50) & (table["positive_pct"] <= 100)
    ).all()  # the example reviews are mostly positive
    assert answer.sql and "GROUP BY" in answer.sql
    # The derived column stays queryable by later questions.
    follow = assistant.ask("SELECT sentiment, avg(rating) AS r FROM reviews GROUP BY 1 ORDER BY r")
    assert list(follow.table["sentiment"])[-1] == "positive"
