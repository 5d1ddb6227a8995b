"""Run a plan's tool calls in order through the registry."""

from __future__ import annotations

from insightchat.contracts import Plan
from insightchat.tools.errors import InsightError
from insightchat.tools.registry import get_tool
from insightchat.tools.results import ToolResult
from insightchat.tools.workspace import Workspace


def execute(plan: Plan, ws: Workspace) -> list[ToolResult]:
    """Results of each call; a user error stops the plan and propagates as :class:`InsightError`."""
    results: list[ToolResult] = []
    for call in plan.calls:
        tool = get_tool(call.name)
        try:
            results.append(tool(ws, **call.args))
        except TypeError as exc:
            raise InsightError(
                f"Tool {call.name} was called with the wrong arguments: {exc}",
                "this is a planner bug; please report it",
            ) from None
    return results
