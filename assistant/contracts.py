"""The types every planner, executor, narrator and front end agree on (see ARCHITECTURE.md).

Both planners return a :class:`Plan`; the executor turns it into :class:`insightchat.tools.results.ToolResult`s;
the narrator turns those into an :class:`Answer`. The CLI, the UI and tests only ever see these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

from insightchat.tools.results import ChartSpec, ToolResult


@dataclass
class ToolCall:
    """One call of a registered tool with its arguments."""

    name: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass
class Plan:
    """What a planner decided to do for one question.

    An empty ``calls`` list with a ``message`` is an honest abstention: the planner says what it
    understood and what it could not map, and suggests questions it can answer.
    """

    calls: list[ToolCall] = field(default_factory=list)
    understood: str = ""  # a one-line restatement of the question as the planner read it
    message: str = ""  # set when the planner abstains or needs to tell the user something
    suggestions: list[str] = field(default_factory=list)
    planner: str = "offline"
    intent: str = ""
    chart_requested: bool = False
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def abstained(self) -> bool:
        return not self.calls


@dataclass
class Step:
    """One visible step of an answer (a tool call and what came back)."""

    title: str
    details: str = ""
    tool: str = ""


EventKind = Literal["plan", "step", "token", "answer", "error"]


@dataclass
class Event:
    """One streamed piece of an answer, in order: plan, step..., token..., answer (or error).

    ``step`` carries a :class:`Step` (a finished tool call), ``token`` a piece of narration text,
    ``answer`` the final :class:`Answer`, ``error`` a one-line message (the answer follows too).
    """

    kind: EventKind
    text: str = ""
    step: Step | None = None
    answer: Answer | None = None


@dataclass
class Answer:
    """A grounded answer: narrated text plus everything needed to check it."""

    text: str
    sql: str | None = None
    table: pd.DataFrame | None = None
    chart: ChartSpec | None = None
    steps: list[Step] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    planner: str = "offline"
    suggestions: list[str] = field(default_factory=list)
    results: list[ToolResult] = field(default_factory=list)
    total_rows: int | None = None

    def sql_explained(self) -> str | None:
        """The SQL in plain words (from its sqlglot tree), or None when there is no SQL."""
        if not self.sql:
            return None
        from insightchat.tools.errors import InsightError
        from insightchat.tools.sql_words import explain_sql_text

        try:
            return explain_sql_text(self.sql)
        except InsightError:
            return None

    def to_dict(self, max_rows: int = 50) -> dict[str, Any]:
        """A JSON-ready view for ``--json`` output and the HTTP/UI layers."""
        table = None
        if self.table is not None:
            head = self.table.head(max_rows)
            table = {
                "columns": [str(c) for c in head.columns],
                "rows": head.astype(object).where(head.notna(), None).values.tolist(),
                "total_rows": self.total_rows if self.total_rows is not None else len(self.table),
            }
        return {
            "text": self.text,
            "sql": self.sql,
            "sql_explained": self.sql_explained(),
            "table": table,
            "chart": self.chart.to_dict() if self.chart else None,
            "steps": [{"title": s.title, "details": s.details, "tool": s.tool} for s in self.steps],
            "warnings": self.warnings,
            "planner": self.planner,
            "suggestions": self.suggestions,
        }
