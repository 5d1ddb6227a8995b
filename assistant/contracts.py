"""The types every planner, executor, narrator and front end agree on (see ARCHITECTURE.md).

Every planner returns a :class:`Plan`; the executor turns it into :class:`insightchat.tools.results.ToolResult`s
(unless the planner ran the tools itself and attached an :class:`ExecutedTurn`); the narrator turns those
into an :class:`Answer`. The CLI, the UI and tests only ever see these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from insightchat.tools.results import ChartSpec, ToolResult

if TYPE_CHECKING:  # the offline planner's query spec; imported for the annotation only (no import cycle)
    from insightchat.planner.offline.spec import QuerySpec


@dataclass
class ToolCall:
    """One call of a registered tool with its arguments."""

    name: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass
class Step:
    """One visible step of an answer (a tool call and what came back)."""

    title: str
    details: str = ""
    tool: str = ""


@dataclass
class PlanReading:
    """How the offline planner read the question: what the hybrid planner trusts a plan by, and what
    the narrator says about it (see planner/offline/trust.py for the flags)."""

    spec: QuerySpec | None = None  # the query it built; the narrator reads its groups and measures
    notes: list[str] = field(default_factory=list)  # assumptions said with the answer ("filmed" read as a year)
    flags: list[str] | None = None  # risk flags of the reading (trust.flags); None: not judged
    blocked: list[str] = field(default_factory=list)  # the flags that made it abstain (trust.blocking)
    unknown: list[str] = field(default_factory=list)  # words it could not link to the data
    problems: list[str] = field(default_factory=list)  # what else stopped it, in words


@dataclass
class ExecutedTurn:
    """What a planner that ran the tools itself (the LLM planner) hands back with its Plan, so the
    Assistant narrates these results instead of running the calls a second time."""

    results: list[ToolResult] = field(default_factory=list)  # the answering result last
    steps: list[Step] = field(default_factory=list)  # every call it made, failed ones too (corrections show)
    narration: str = ""  # the model's own answer text: used only when every number in it is grounded
    streamed: bool = False  # the narration already reached the user as tokens


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
    notice: str = ""  # one line said with the answer, e.g. that the model could not be used and who answered
    reading: PlanReading = field(default_factory=PlanReading)
    executed: ExecutedTurn | None = None  # set when the planner already ran the calls

    @property
    def abstained(self) -> bool:
        return not self.calls


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
