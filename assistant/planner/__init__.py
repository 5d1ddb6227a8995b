"""Planners turn a question into a :class:`insightchat.contracts.Plan`; see ``base.Planner``."""
