"""The LLM planner: a LangChain agent over the project's tool registry (see ``planner.LLMPlanner``).

``LLMPlanner`` is imported lazily: LangChain's agent stack takes a second to import, and the offline
path (which only needs ``finish``) should not pay for it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["LLMPlanner"]


def __getattr__(name: str) -> Any:
    if name == "LLMPlanner":
        from insightchat.planner.llm.planner import LLMPlanner

        return LLMPlanner
    raise AttributeError(name)
