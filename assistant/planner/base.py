"""The planner contract every planner subclasses (offline, LLM, hybrid, SQL passthrough, benchmark baselines).

A planner turns a question into a :class:`Plan`. Planners that run tools themselves (the LLM and the
hybrid planner) subclass :class:`StreamingPlanner`: their steps stream as they happen and their plan
comes back already executed. Which planner answers is decided in one place, ``planner/select.py``.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Iterator

from insightchat.contracts import Event, Plan
from insightchat.session import Session
from insightchat.tools.catalog import Catalog
from insightchat.tools.workspace import Workspace

PlanStream = Iterator["Event | Plan"]


class Planner(abc.ABC):
    """``plan(question, catalog, session) -> Plan``; ``name`` shows in every Answer."""

    name: str = "planner"
    streams: bool = False  # whether plan_stream shows work as it happens (the CLI then prints it live)

    @abc.abstractmethod
    def plan(self, question: str, catalog: Catalog, session: Session) -> Plan:
        """The plan for one question; an abstention is a Plan with no calls and a message."""

    def plan_stream(self, question: str, catalog: Catalog, session: Session) -> PlanStream:
        """Events as the planner works, then the Plan. By default one ``plan`` event, then the plan."""
        plan = self.plan(question, catalog, session)
        yield Event("plan", text=plan.understood)
        yield plan

    def bind(self, workspace: Workspace) -> Planner:
        """Give the planner the workspace its tools run on; planners that run no tools need none."""
        return self


class StreamingPlanner(Planner):
    """A planner whose work is worth watching (it runs tools itself): ``plan`` drains ``plan_stream``."""

    streams = True

    @abc.abstractmethod
    def plan_stream(self, question: str, catalog: Catalog, session: Session | None = None) -> PlanStream:
        """Events as the planner works (steps, narration tokens), then the Plan."""

    def plan(self, question: str, catalog: Catalog, session: Session | None = None) -> Plan:
        return last_plan(self.plan_stream(question, catalog, session))


def last_plan(stream: Iterable[object]) -> Plan:
    """Drain a ``plan_stream`` (events, then the Plan) and return the Plan."""
    plan: Plan | None = None
    for item in stream:
        if isinstance(item, Plan):
            plan = item
    if plan is None:
        raise RuntimeError("the planner's stream ended without a Plan")
    return plan
