"""HybridPlanner: the offline planner answers what it is sure of; the LLM planner takes the rest.

Why: the offline planner is fast and never invents, but abstains on questions it cannot map; a
small local model answers many of those, at seconds per question. So the offline planner goes
first, and only its abstentions (a Plan with no calls) go to the model. The Answer's ``planner``
names whichever answered. A few risky offline readings (trust.HAND_OVER) also go to the model. If
the model fails too, the offline plan (an answer, or an abstention with its suggestions) is the
answer, plus one line saying the model could not help.
"""

from __future__ import annotations

from insightchat.contracts import Event, Plan
from insightchat.planner.base import Planner, PlanStream, StreamingPlanner, last_plan
from insightchat.planner.llm.planner import LLMPlanner
from insightchat.planner.offline.trust import HAND_OVER, blocking
from insightchat.session import Session
from insightchat.tools.catalog import Catalog
from insightchat.tools.workspace import Workspace


class HybridPlanner(StreamingPlanner):
    name = "hybrid"

    def __init__(self, offline: Planner, llm_planner: LLMPlanner, workspace: Workspace | None = None) -> None:
        """``HybridPlanner(offline, llm_planner)``; ``planner/select.py`` builds the usual ones."""
        self.offline = offline
        self.llm = llm_planner
        self.llm.fallback = None  # the offline planner already had its turn
        if workspace is not None:
            self.bind(workspace)

    def bind(self, workspace: Workspace) -> HybridPlanner:
        self.llm.bind(workspace)
        self.offline = self.offline.bind(workspace)
        return self

    def confident(self, plan: Plan) -> bool:
        """The offline plan is kept unless it abstained or carries a flag that hands the question to
        the model (trust.HAND_OVER)."""
        return not plan.abstained and not blocking(plan.reading.flags or [], HAND_OVER)

    def plan(
        self, question: str, catalog: Catalog, session: Session | None = None, workspace: Workspace | None = None
    ) -> Plan:
        return last_plan(self.plan_stream(question, catalog, session, workspace))

    def plan_stream(
        self, question: str, catalog: Catalog, session: Session | None = None, workspace: Workspace | None = None
    ) -> PlanStream:
        session = session or Session()
        first = self.offline.plan(question, catalog, session)
        if self.confident(first):
            yield Event("plan", text=first.understood)
            yield first
            return
        result: Plan | None = None
        for item in self.llm.plan_stream(question, catalog, session, workspace):
            if isinstance(item, Plan):
                result = item
            else:
                yield item
        assert result is not None
        if result.abstained and (result.executed is None or not first.abstained):
            # The model could not be used, or gave up where the offline planner had an answer: the
            # offline plan stands (even if unsure or abstaining), labelled as the offline planner's,
            # with the one-line reason.
            if result.notice:
                first.notice = result.notice
            elif result.executed is not None:
                first.notice = "The language model could not answer this; the offline planner's reading is shown."
            yield first
            return
        if result.abstained and not result.suggestions:
            result.suggestions = first.suggestions  # the offline planner's "questions I can answer"
        yield result
