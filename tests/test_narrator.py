"""The narrator states the key numbers of a result, and only numbers it can find in it."""

from __future__ import annotations

import re

import pandas as pd

from insightchat.contracts import Plan, ToolCall
from insightchat.narrator import fmt, narrate
from insightchat.tools.results import ToolResult


def result(df: pd.DataFrame) -> ToolResult:
    return ToolResult(tool="run_sql", for_model="", data=df, sql="SELECT 1", total_rows=len(df))


def plan() -> Plan:
    return Plan(calls=[ToolCall("run_sql", {"sql": "SELECT 1"})], understood="test")


def numbers_in(text: str) -> list[str]:
    return re.findall(r"-?\d[\d,]*(?:\.\d+)?", text)


def allowed_numbers(df: pd.DataFrame, extra: list[float] = ()) -> set[str]:
    vals = set()
    for v in list(df.to_numpy().ravel()) + list(extra):
        if isinstance(v, (int, float)):
            vals.add(fmt(v))
        else:
            vals.update(numbers_in(str(v)))
    return vals


def test_single_value() -> None:
    df = pd.DataFrame({"avg_rating": [3.8667]})
    ans = narrate("average rating", plan(), [result(df)])
    assert ans.text == "The average rating is 3.87."
    assert ans.sql == "SELECT 1" and ans.table is df


def test_groups_name_largest_smallest_and_total() -> None:
    df = pd.DataFrame({"region": ["East", "West", "North"], "count": [120, 80, 40]})
    ans = narrate("count per region", plan(), [result(df)])
    assert "East has the highest count (120)" in ans.text and "North the lowest (40)" in ans.text
    assert "240" in ans.text
    assert set(numbers_in(ans.text)) <= allowed_numbers(df, [240, len(df)])
    assert ans.chart is not None and ans.chart.kind == "bar"


def test_time_series_states_change_and_draws_a_line() -> None:
    df = pd.DataFrame({"month": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]), "count": [10, 25, 15]})
    ans = narrate("per month", plan(), [result(df)])
    assert "from 10 in 2024-01-01 to 15 in 2024-03-01 (+50%)" in ans.text
    assert "peak was 25" in ans.text
    assert ans.chart is not None and ans.chart.kind == "line"


def test_distribution_gets_a_histogram() -> None:
    df = pd.DataFrame({"price": [float(i) for i in range(1, 21)]})
    ans = narrate("distribution of price", plan(), [result(df)])
    assert "from 1 to 20" in ans.text and ans.chart.kind == "histogram"


def test_empty_result_and_abstention() -> None:
    ans = narrate("x", plan(), [result(pd.DataFrame({"a": []}))])
    assert ans.text.startswith("No rows match")
    abstain = Plan(
        message="I don't know which column 'revenue' means.",
        suggestions=["How many rows are in t?", "What is the average x?"],
    )
    ans = narrate("revenue", abstain, [])
    assert "revenue" in ans.text and ans.sql is None and ans.suggestions == abstain.suggestions
