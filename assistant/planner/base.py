"""The planner contract shared by the offline and the LLM planner."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from insightchat.contracts import Plan
from insightchat.session import Session
from insightchat.tools.catalog import Catalog


class Planner(Protocol):
    """Anything with ``plan(question, catalog, session) -> Plan``; ``name`` shows in every Answer."""

    name: str

    def plan(self, question: str, catalog: Catalog, session: Session) -> Plan: ...


def last_plan(stream: Iterable[object]) -> Plan:
    """Drain a ``plan_stream`` (events, then the Plan) and return the Plan: ``plan()`` of streaming planners."""
    plan: Plan | None = None
    for item in stream:
        if isinstance(item, Plan):
            plan = item
    if plan is None:
        raise RuntimeError("the planner's stream ended without a Plan")
    return plan
