"""What a tool returns: one part for a language model, one part for a person (as in Vanna 2).

``for_model`` is a compact text a planner can read back (column names, a few rows, counts);
``data`` is the full result for people and for the narrator; ``chart`` is a declarative chart spec
that the CLI, the UI and reports render the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

ChartKind = Literal["bar", "line", "histogram", "scatter", "pie", "waterfall", "heatmap"]


@dataclass
class ChartSpec:
    """A chart chosen from a result's shape: bar for categories, line for time, histogram for values.

    ``waterfall``: x labels steps, y their size; an optional ``step`` column says absolute / relative /
    total (default relative). ``heatmap``: x and y are the two category columns, ``color`` the value.
    """

    kind: ChartKind
    x: str
    y: str | None = None
    color: str | None = None
    title: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "x": self.x, "y": self.y, "color": self.color, "title": self.title}


@dataclass
class ToolResult:
    """The outcome of one tool call."""

    tool: str
    for_model: str
    data: pd.DataFrame | None = None
    sql: str | None = None
    chart: ChartSpec | None = None
    title: str = ""  # a short label for the step, e.g. "Ran SQL" or "Scored sentiment of 1,204 reviews"
    details: str = ""  # the body of the step shown to people (SQL, parameters, metrics)
    total_rows: int | None = None  # rows before the row cap, when known
    truncated: bool = False
    warnings: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
