"""The offline planner: intent cues, schema/value linking, dates and numbers, SQL as sqlglot trees,
follow-ups. No language model, no network; see :class:`OfflinePlanner`."""

from insightchat.planner.offline.planner import OfflinePlanner

__all__ = ["OfflinePlanner"]
