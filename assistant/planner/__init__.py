"""Planners turn a question into a :class:`assistant.contracts.Plan`; see ``base.Planner``."""
