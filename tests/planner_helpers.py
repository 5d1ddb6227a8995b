"""Shared helpers for the offline planner tests: plan a question, or plan it and run its SQL."""

from __future__ import annotations

from assistant.contracts import Plan
from assistant.planner.offline import OfflinePlanner
from assistant.session import Session
from tools.sql import run_query
from tools.workspace import Workspace


def plan_for(ws: Workspace, question: str) -> Plan:
    return OfflinePlanner().plan(question, ws.catalog(), Session())


def rows_for(ws: Workspace, question: str) -> list[tuple]:
    """The rows the planner's SQL returns; fails the test (with the planner's message) on an abstention."""
    plan = plan_for(ws, question)
    assert plan.calls, f"abstained on {question!r}: {plan.message}"
    return [tuple(r) for r in run_query(ws, plan.calls[0].args["sql"]).df.itertuples(index=False, name=None)]
