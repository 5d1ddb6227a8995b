"""HybridPlanner: the offline planner answers what it is sure of; the LLM planner takes the rest.

Why: the offline planner is fast and never invents, but abstains on questions it cannot map; a
small local model answers many of those, at seconds per question. So the offline planner goes
first, and only its abstentions (a Plan with no calls) go to the model. The Answer's ``planner``
names whichever answered. A few risky offline readings (trust.HAND_OVER) also go to the model. If
the model fails too, the offline plan (an answer, or an abstention with its suggestions) is the
answer, plus one line saying the model could not help.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from insightchat.contracts import Event, Plan
from insightchat.planner.base import Planner, last_plan
from insightchat.planner.offline.trust import HAND_OVER, blocking
from insightchat.session import Session
from insightchat.tools.catalog import Catalog
from insightchat.tools.workspace import Workspace


class HybridPlanner:
    name = "hybrid"

    def __init__(
        self,
        offline: Planner | None = None,
        llm_planner: Planner | None = None,
        workspace: Workspace | None = None,
        llm: Any = None,
    ) -> None:
        """``HybridPlanner(offline, llm_planner)``, or ``HybridPlanner(llm=<chat model or "provider:model">)``
        with the default offline planner and, when ``llm`` is None, the local model."""
        if offline is None:
            from insightchat.assistant import default_planner

            offline = default_planner()
        if llm_planner is None:
            from insightchat.planner.llm import LLMPlanner

            llm_planner = LLMPlanner(llm if llm is not None else "local", fallback=None)
        self.offline = offline
        self.llm = llm_planner
        if hasattr(self.llm, "fallback"):
            self.llm.fallback = None  # the offline planner already had its turn
        if workspace is not None:
            self.bind(workspace)

    def bind(self, workspace: Workspace) -> HybridPlanner:
        if hasattr(self.llm, "bind"):
            self.llm.bind(workspace)
        return self

    def confident(self, plan: Plan) -> bool:
        """The offline plan is kept unless it abstained, says it is unsure (meta confidence < 0.5), or
        carries a flag that hands the question to the model (trust.HAND_OVER)."""
        if plan.abstained or float(plan.meta.get("confidence", 1.0)) < 0.5:
            return False
        return not blocking(plan.meta.get("flags") or [], HAND_OVER)

    def plan(
        self, question: str, catalog: Catalog, session: Session | None = None, workspace: Workspace | None = None
    ) -> Plan:
        return last_plan(self.plan_stream(question, catalog, session, workspace))

    def plan_stream(
        self, question: str, catalog: Catalog, session: Session | None = None, workspace: Workspace | None = None
    ) -> Iterator[Event | Plan]:
        session = session or Session()
        first = self.offline.plan(question, catalog, session)
        if self.confident(first):
            yield Event("plan", text=first.understood)
            yield first
            return
        stream = (
            self.llm.plan_stream(question, catalog, session, workspace)
            if hasattr(self.llm, "plan_stream")
            else iter([self.llm.plan(question, catalog, session)])
        )
        result: Plan | None = None
        for item in stream:
            if isinstance(item, Plan):
                result = item
            else:
                yield item
        assert result is not None
        if result.abstained and (not result.meta.get("executed") or not first.abstained):
            # The model could not be used, or gave up where the offline planner had an answer: the
            # offline plan stands (even if unsure or abstaining), labelled as the offline planner's,
            # with the one-line reason.
            if result.meta.get("notice"):
                first.meta["notice"] = result.meta["notice"]
            elif result.meta.get("executed"):
                first.meta["notice"] = (
                    "The language model could not answer this; the offline planner's reading is shown."
                )
            # what the cross-check withheld (crosscheck.py), so a harness can score the turn without it too
            first.meta.update(
                {k: v for k, v in result.meta.items() if k in ("cross_check", "cross_check_s", "unchecked_sql")}
            )
            yield first
            return
        if result.abstained and not result.suggestions:
            result.suggestions = first.suggestions  # the offline planner's "questions I can answer"
        yield result
