"""Reproducible measurements against real data (not tests); see each module's docstring."""
