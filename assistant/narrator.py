"""Grounded narration: a few plain sentences about a result, every number read from the result.

The narrator looks at the result's shape (one value, one row, groups, a time series, a
distribution, a list) and states the key numbers: the value itself, the largest and smallest group,
the total, the change from the first to the last period. Derived numbers (a total, a change) are
computed from the rows shown, never from anywhere else. The Answer also carries the SQL, the table
and a chart spec chosen from the same shape.
"""

from __future__ import annotations

import contextlib
import math
import numbers
from typing import Any

import pandas as pd

from insightchat.contracts import Answer, Plan, Step
from insightchat.tools.charts import choose_chart
from insightchat.tools.errors import InsightError
from insightchat.tools.results import ChartSpec, ToolResult

TIME_NAMES = {"year", "quarter", "month", "week", "day", "date"}


def fmt(value: Any) -> str:
    """A number as people read it: thousands separators, at most two decimals; dates as dates."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "no value"
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        with contextlib.suppress(ValueError, AttributeError):
            value = value.item()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return f"{int(value):,}"
        return f"{value:,.2f}".rstrip("0").rstrip(".") if abs(value) >= 0.01 else f"{value:.3g}"
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat(sep=" ")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _label(col: Any) -> str:
    text = str(col)
    if text in ("count_star()", "count(*)"):  # DuckDB's name for an unnamed count(*)
        return "number of rows"
    for prefix, word in (
        ("count_distinct_", "number of distinct "),
        ("avg_", "average "),
        ("sum_", "total "),
        ("min_", "minimum "),
        ("max_", "maximum "),
        ("median_", "median "),
        ("count_", "number of "),
    ):
        if text.startswith(prefix):
            return word + text[len(prefix) :]
    if text == "count":
        return "count"
    if text == "share_pct":
        return "share"
    return text


def _is_num(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)


def _is_time(df: pd.DataFrame, col: Any) -> bool:
    s = df[col]
    return pd.api.types.is_datetime64_any_dtype(s) or str(col).lower() in TIME_NAMES


def describe_result(df: pd.DataFrame, total: int, plan: Plan) -> str:
    """The sentences for one tabular result (see module docstring)."""
    if total == 0 or df.empty:
        return "No rows match" + (f" {plan.understood}." if plan.understood else ".")
    cols = list(df.columns)
    nums = [c for c in cols if _is_num(df[c])]
    times = [c for c in cols if _is_time(df, c)]
    measures = [c for c in nums if c not in times and c != "share_pct"]
    cats = [c for c in cols if c not in nums and c not in times]
    if len(df) == 1 and len(cols) == 1:
        return f"The {_label(cols[0])} is {fmt(df.iloc[0, 0])}."
    if len(df) == 1:
        parts = [f"{_label(c)} {fmt(df.iloc[0][c])}" for c in cols]
        return "One row: " + ", ".join(parts) + "."
    if times and measures:
        return _time_series(df, times[0], measures[0])
    spec = plan.reading.spec
    grouped = spec is None or bool(getattr(spec, "group_by", None)) or bool(getattr(spec, "measures", None))
    if cats and measures and len(df) <= 200 and grouped and len(cats) <= 2:
        return _groups(df, cats, measures[0], total)
    if len(cols) == 1 and nums:
        s = df[cols[0]].dropna()
        if not s.empty:
            return (
                f"{fmt(len(s))} values of {_label(cols[0])} from {fmt(s.min())} to {fmt(s.max())}; "
                f"median {fmt(s.median())}, average {fmt(s.mean())}."
            )
    shown = f"{fmt(total)} row{'s' if total != 1 else ''}"
    if cats:
        first = ", ".join(fmt(v) for v in df[cats[0]].head(5).tolist())
        more = ", ..." if total > 5 else ""
        return f"{shown}: {first}{more}."
    return f"{shown}."


def _groups(df: pd.DataFrame, cats: list[Any], measure: Any, total: int) -> str:
    key = cats[0] if len(cats) == 1 else None
    names = df[cats].astype(str).agg(" / ".join, axis=1) if key is None else df[key].map(fmt)
    values = df[measure]
    valid = values.dropna()
    if valid.empty:
        return f"{fmt(total)} groups; {_label(measure)} has no values."
    hi, lo = valid.idxmax(), valid.idxmin()
    label = _label(measure)
    what = " and ".join(map(str, cats))
    if len(df) == 1 or hi == lo:
        text = f"{names[hi]} has {label} {fmt(values[hi])}."
    else:
        text = (
            f"Across {fmt(len(df))} {what} groups, {names[hi]} has the highest {label} ({fmt(values[hi])}) "
            f"and {names[lo]} the lowest ({fmt(values[lo])})."
        )
    if str(measure).startswith(("count", "sum_")) and len(df) > 1 and len(df) == total:
        text += f" Together: {fmt(valid.sum())}."
    if "share_pct" in df.columns:
        text += f" {names[hi]} is {fmt(df['share_pct'][hi])}% of the total."
    return text


def _time_series(df: pd.DataFrame, tcol: Any, measure: Any) -> str:
    frame = df[[tcol, measure]].dropna().sort_values(tcol)
    if frame.empty:
        return "No values over time."
    first, last = frame.iloc[0], frame.iloc[-1]
    label = _label(measure)
    peak = frame.loc[frame[measure].idxmax()]
    text = (
        f"{label.capitalize()} by {tcol}: from {fmt(first[measure])} in {fmt(first[tcol])} "
        f"to {fmt(last[measure])} in {fmt(last[tcol])}"
    )
    a, b = first[measure], last[measure]
    if len(frame) > 1 and isinstance(a, numbers.Number) and isinstance(b, numbers.Number) and a:
        change = (b - a) / abs(a) * 100
        text += f" ({'+' if change >= 0 else ''}{fmt(round(change, 1))}%)"
    text += f"; the peak was {fmt(peak[measure])} in {fmt(peak[tcol])}."
    return text


def pick_chart(df: pd.DataFrame | None, plan: Plan) -> ChartSpec | None:
    """Bar for categories, line for time, histogram for a distribution; asked-for charts always get one."""
    if df is None or df.empty:
        return None
    spec = choose_chart(df, title=plan.understood[:80] if plan.understood else "")
    if spec is None and plan.chart_requested and len(df.columns) >= 2:
        nums = [c for c in df.columns if _is_num(df[c])]
        others = [c for c in df.columns if c not in nums]
        if nums and others:
            spec = ChartSpec("bar", x=str(others[0]), y=str(nums[0]))
    return spec


def sql_in_words_step(sql: str) -> Step:
    """The answer's SQL in plain words, read from its sqlglot tree (a step people can check the query by)."""
    from insightchat.tools.sql_words import explain_sql_text

    try:
        return Step("What the SQL does", explain_sql_text(sql), "explain_sql")
    except InsightError as exc:
        return Step("What the SQL does", f"(could not read it: {exc.message})", "explain_sql")


def narrate(question: str, plan: Plan, results: list[ToolResult]) -> Answer:
    """A plain, checkable answer from the last result (the table, the SQL and a chart travel with it)."""
    steps = []
    if plan.understood:
        steps.append(Step("Understood the question as", plan.understood, "planner"))
    steps += [Step(r.title or r.tool, r.details or (r.sql or ""), r.tool) for r in results]
    if results and results[-1].sql:
        steps.append(sql_in_words_step(results[-1].sql))
    warnings = [w for r in results for w in r.warnings]
    if plan.abstained:
        text = plan.message or "I could not answer that on this data."  # suggestions travel in Answer.suggestions
        return Answer(text=text, steps=steps, planner=plan.planner, suggestions=plan.suggestions)
    last = results[-1] if results else None
    if last is None or last.data is None:
        return Answer(
            text=last.for_model if last else "Nothing to show.", steps=steps, planner=plan.planner, results=results
        )
    df = last.data
    if df.columns.duplicated().any():  # "SELECT a, a": keep both, under distinct names
        df = df.copy()
        df.columns = [f"{c}_{i}" if df.columns.duplicated()[i] else c for i, c in enumerate(df.columns)]
    total = last.total_rows if last.total_rows is not None else len(df)
    if isinstance(last.meta.get("narration"), str):  # tools that explain (why, SQL, labels) narrate themselves
        text = last.meta["narration"]
    elif last.tool == "describe_table":
        text = (
            f"{len(df)} columns: " + ", ".join(str(c) for c in df["column"].tolist()) + "."
            if "column" in df.columns
            else describe_result(df, total, plan)
        )
    elif last.tool == "similar_texts" and "similarity" in df.columns:
        top = df.iloc[0]
        text = f"The {fmt(len(df))} most similar texts; the closest has similarity {fmt(top['similarity'])}."
    elif last.tool == "list_tables":
        text = (
            f"{len(df)} table{'s' if len(df) != 1 else ''}: "
            + ", ".join(f"{r['table']} ({fmt(r['rows'])} rows)" for _, r in df.iterrows())
            + "."
        )
    else:
        text = describe_result(df, total, plan)
    if last.truncated:
        text += f" (showing the first {fmt(len(df))} rows)"
    notes = plan.reading.notes
    if notes:
        text += " Note: " + "; ".join(notes) + "."
    chart = last.chart or (None if last.tool in ("describe_table", "list_tables") else pick_chart(df, plan))
    return Answer(
        text=text,
        sql=last.sql,
        table=df,
        chart=chart,
        steps=steps,
        warnings=warnings,
        planner=plan.planner,
        results=results,
        total_rows=total,
    )
