"""Turn tool results into a grounded Answer: every number in the text comes from a result."""

from __future__ import annotations

from assistant.contracts import Answer, Plan, Step
from tools.charts import choose_chart
from tools.results import ToolResult


def narrate(question: str, plan: Plan, results: list[ToolResult]) -> Answer:
    """A plain, checkable answer from the last result (the table and the SQL travel with it)."""
    steps = [Step(r.title or r.tool, r.details or (r.sql or ""), r.tool) for r in results]
    warnings = [w for r in results for w in r.warnings]
    if plan.abstained:
        return Answer(text=plan.message, steps=steps, planner=plan.planner, suggestions=plan.suggestions)
    last = results[-1] if results else None
    if last is None or last.data is None:
        return Answer(text=last.for_model if last else "Nothing to show.", steps=steps, planner=plan.planner, results=results)
    df = last.data
    total = last.total_rows if last.total_rows is not None else len(df)
    if total == 0:
        text = "The query returned no rows."
    elif len(df) == 1 and len(df.columns) == 1:
        text = f"{df.columns[0]}: {df.iloc[0, 0]}"
    else:
        text = f"The result has {total:,} row{'s' if total != 1 else ''}."
    chart = last.chart or choose_chart(df)
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
