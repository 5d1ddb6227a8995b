"""The LLM planner: a LangChain agent over the project's tool registry (see ``planner.LLMPlanner``)."""

from assistant.planner.llm.planner import LLMPlanner

__all__ = ["LLMPlanner"]
