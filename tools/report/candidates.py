"""A finding before the multiple-comparison step: its p-value (None when no test applies) and effect."""

from __future__ import annotations

from dataclasses import dataclass

from insightchat.tools.report.model import Finding


@dataclass
class Candidate:
    finding: Finding
    p: float | None  # None: not a hypothesis test (outliers, data quality), kept on its own criterion
    effect: float  # the standardised size the minimum-effect rule looks at (|d|, |r|, excess share)
    min_effect: float
    family: str = ""  # candidates of one family compete: only the strongest significant one is kept
