"""Suggested questions come from the catalog: a count, a group-by, a trend, a sentiment question."""

from __future__ import annotations

import pandas as pd

from insightchat.tools.suggestions import suggest, suggest_questions
from insightchat.tools.workspace import Workspace


def test_example_data_gets_one_question_of_each_kind(reviews_csv, tickets_csv):
    ws = Workspace([reviews_csv, tickets_csv])
    items = suggest(ws.catalog())
    kinds = [s.kind for s in items]
    assert kinds[0] == "count" and {"group", "trend", "sentiment"} <= set(kinds)
    assert len(items) <= 6
    texts = suggest_questions(ws.catalog())
    assert "How many rows are in reviews?" in texts
    assert any(t.startswith("Sentiment of review_text") for t in texts)


def test_every_sql_suggestion_runs(reviews_csv, tickets_csv):
    ws = Workspace([reviews_csv, tickets_csv])
    items = suggest(ws.catalog(), limit=20, sql_only=True)
    assert items and all(s.sql for s in items)
    for s in items:
        assert len(ws.query_df(s.sql)) >= 1, s


def test_plain_numbers_only_table_gets_a_count_and_nothing_invented():
    ws = Workspace(pd.DataFrame({"x": range(10), "y": range(10)}))
    items = suggest(ws.catalog())
    assert [s.kind for s in items] == ["count"]


def test_no_tables_no_suggestions():
    assert suggest(Workspace().catalog()) == []
