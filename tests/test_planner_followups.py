"""Follow-ups through the session: the previous query is edited, not re-guessed."""

from __future__ import annotations

import datetime as dt

import pytest

from insightchat.assistant import Assistant
from insightchat.planner.offline import OfflinePlanner

pytestmark = pytest.mark.usefixtures("no_embeddings")


@pytest.fixture
def assistant(reviews_csv) -> Assistant:
    return Assistant(reviews_csv, planner=OfflinePlanner(today=dt.date(2024, 7, 15)))


def test_now_by_month_then_only_2023(assistant: Assistant) -> None:
    first = assistant.ask("how many reviews per region")
    assert first.table is not None and len(first.table) == 4
    monthly = assistant.ask("now by month")
    assert list(monthly.table.columns)[:1] == ["month"] and len(monthly.table) == 24
    only = assistant.ask("only for 2023")
    assert len(only.table) == 12 and "2023" in only.sql


def test_what_about_the_lowest_flips_the_ranking(assistant: Assistant) -> None:
    top = assistant.ask("average rating by region")
    best = top.table.sort_values("avg_rating").iloc[0]
    low = assistant.ask("what about the lowest")
    assert len(low.table) == 1 and low.table.iloc[0]["region"] == best["region"]
    high = assistant.ask("which product has the highest price")
    assert len(high.table) == 1
    cheap = assistant.ask("what about the lowest")
    assert cheap.table.iloc[0]["product"] != high.table.iloc[0]["product"] or len(cheap.table) == 1


def test_filter_follow_up_replaces_the_value(assistant: Assistant) -> None:
    east = assistant.ask("average price in East")
    west = assistant.ask("what about West")
    assert "West" in west.sql and "East" not in west.sql
    assert east.table.iloc[0, 0] != west.table.iloc[0, 0]


def test_show_that_as_a_chart(assistant: Assistant) -> None:
    assistant.ask("how many reviews per category")
    chart = assistant.ask("show that as a chart")
    assert chart.chart is not None and chart.chart.kind == "bar"


def test_why_is_honest_without_an_explanation_tool(assistant: Assistant) -> None:
    assistant.ask("average rating by region")
    why = assistant.ask("why?")
    assert why.sql is None and ("explain" in why.text.lower() or why.steps)
