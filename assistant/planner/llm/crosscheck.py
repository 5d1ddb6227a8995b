"""A small model's answer cross-checked against queries sampled from the same prompt.

Why: greedy decoding gives a 1.5B model's most likely query and no sign of how sure it is, and on
Spider about a third of what it answers is wrong. A second query sampled from the same first prompt
(temperature 0.7), passed through the same repairs, checks and safe SQL tool, is a cheap test: with
llama.cpp's prompt cache it costs only its own tokens (about 2 s on 2 cores).

- The model answered: one sample. The same rows (in any order) -> the answer stands. Different rows,
  or a sample that fails -> the turn ends unsure and shows both queries; a wrong answer is worse than
  none, because a user who gets no answer knows to look further.
- The model gave up (its query kept failing, or its empty result was doubtful): two samples; when both
  return the same non-empty rows, that is the answer.

Measured on the 105 questions of a 200-question Spider train sample (seed 6) that the hybrid handed to
the local model (benchmarks/text2sql.py; the policy was chosen on that sample): greedy alone 62 right,
26 wrong, 17 unanswered; cross-checked 63 right, 17 wrong, 25 unanswered. Where the sample agreed the
answer was right 60 times and wrong 16; where it did not, right 2 and wrong 10. Two agreeing samples
answered 4 of the 17 given-up questions (3 right, 1 wrong).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_core.tools import StructuredTool

from insightchat.contracts import Plan
from insightchat.planner.llm.observer import Verdict
from insightchat.planner.llm.tools import Attempt, Recorder
from insightchat.tools.results import ToolResult

SAMPLE_TEMPERATURE = 0.7
FIRST_SEED = 1000  # sample i uses seed 1000 + i: fixed, so a question gets the same cross-check every time


def rows_key(result: ToolResult) -> tuple[Any, ...]:
    """The result's rows as a comparable value: row order ignored, numbers rounded (2.0 == 2), so two
    queries that differ only in ORDER BY, aliases or integer/float types compare equal."""
    df = result.data
    if df is None:
        return (result.total_rows, ())

    def norm(v: Any) -> Any:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return None
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return round(float(v), 6)
        return str(v)

    rows = sorted((tuple(norm(v) for v in row) for row in df.itertuples(index=False, name=None)), key=repr)
    return (result.total_rows if result.total_rows is not None else len(rows), tuple(rows))


def answers_a_given_up_turn(first: tuple[Any, ...] | None, second: tuple[Any, ...] | None) -> bool:
    """Whether two sampled queries' rows (``rows_key``; None for a sample that gave none) may answer a
    turn the model gave up on: both ran, they agree, and the rows are not empty (no rows, or the one
    all-NULL row an aggregate over no rows returns)."""
    if first is None or first != second:
        return False
    total, rows = first
    return total != 0 and not (len(rows) == 1 and all(v is None for v in rows[0]))


class CrossCheck:
    """Draws sampled queries for one turn and runs them through the turn's own run_sql tool, so every
    sample is repaired, checked and run read-only exactly like the model's own query."""

    def __init__(
        self, model: BaseChatModel, tools: Sequence[StructuredTool], first_prompt: list[BaseMessage], recorder: Recorder
    ) -> None:
        self.model = model
        self.tools = list(tools)
        self.run_sql = next(t for t in tools if t.name == "run_sql")
        self.first_prompt = first_prompt
        self.recorder = recorder

    def samples(self, n: int, start: int = 0) -> list[Attempt | None]:
        """Sampled queries ``start`` to ``start + n - 1``, each run; None where the model replied with no
        query. A model that raises (timeout, server error) raises here: the planner then keeps its
        answer unchecked."""
        bound = self.model.bind_tools(self.tools)
        out: list[Attempt | None] = []
        for seed in range(FIRST_SEED + start, FIRST_SEED + start + n):
            reply = bound.invoke(self.first_prompt, temperature=SAMPLE_TEMPERATURE, seed=seed)
            call = next(
                (
                    c
                    for c in getattr(reply, "tool_calls", [])
                    if c["name"] == "run_sql" and isinstance(c["args"].get("sql"), str)
                ),
                None,
            )
            if call is None:
                out.append(None)
                continue
            self.run_sql.invoke({"sql": call["args"]["sql"]})  # the tool records every call, refused ones too
            out.append(self.recorder.attempts[-1])
        return out


def confirm(plan: Plan, check: CrossCheck) -> tuple[Plan, Verdict]:
    """An answered plan kept when one sampled query returns the same rows, else turned into an unsure
    answer that shows both queries."""
    assert plan.executed is not None
    answer: ToolResult = plan.executed.results[-1]
    sql = plan.calls[0].args.get("sql", "")
    (sample,) = check.samples(1)
    if sample is not None and sample.ok and rows_key(sample.result) == rows_key(answer):  # type: ignore[arg-type]
        return plan, Verdict("agreed")
    if sample is None:
        other = "a second query sampled from the model did not come back as a query"
    elif sample.error is not None:
        other = f"a second query sampled from the model failed ({sample.error.message})"
    else:
        assert sample.result is not None
        other = f"a second query sampled from the model returned other rows: {sample.call.args.get('sql', '')}"
    outcome = "other rows" if sample is not None and sample.ok else "sample failed"
    message = (
        f"I am not sure of this answer, so I am not reporting it: the model's query was {sql} "
        f"({_rows_text(answer)}), but {other}. A model this small often misreads a question that way."
    )
    unsure = Plan(
        planner=plan.planner,
        understood=plan.understood,
        message=message,
        notice=plan.notice,
        executed=replace(plan.executed, results=[]),
        suggestions=["rephrase the question with the exact names and values", "configure a larger model (--llm)"],
    )
    return unsure, Verdict(outcome, changed=True, own_sql=sql)


def rescue(plan: Plan, check: CrossCheck) -> tuple[Plan, Verdict]:
    """A given-up plan answered by two sampled queries that return the same non-empty rows."""
    assert plan.executed is not None
    first, second = check.samples(2)
    keys = [rows_key(s.result) if s is not None and s.ok and s.result is not None else None for s in (first, second)]
    if not answers_a_given_up_turn(*keys):
        return plan, Verdict("no agreement")
    assert first is not None and first.result is not None
    rescued = Plan(
        calls=[first.call],
        understood=plan.understood,
        planner=plan.planner,
        intent="llm",
        notice="The model's own query did not give an answer; two queries sampled from it agreed on this one.",
        executed=replace(plan.executed, results=[first.result]),
    )
    return rescued, Verdict("rescued", changed=True, own_sql=None)


def _rows_text(result: ToolResult) -> str:
    n = result.total_rows if result.total_rows is not None else (len(result.data) if result.data is not None else 0)
    return f"{n:,} row" + ("" if n == 1 else "s")
