"""The ``triage_tickets`` tool: one full triage of a ticket table, for planners (chat) and the UI."""

from __future__ import annotations

from insightchat.tools.registry import Writes, tool
from insightchat.tools.results import ToolResult
from insightchat.tools.triage.run import TriageOptions, TriageResult, triage_table
from insightchat.tools.workspace import Workspace


def triage_tool_result(result: TriageResult) -> ToolResult:
    """The summary for the model and for people; the per-ticket table as the data."""
    s = result.summary
    cols = ["ticket", "intent", "urgency", "urgency_reasons", "triage_queue", "triage_confidence", "duplicate_of"]
    table = result.tickets[[c for c in cols if c in result.tickets.columns]]
    return ToolResult(
        tool="triage_tickets",
        for_model=(
            f"Triaged {result.table}.{result.text_column}; added columns {', '.join(result.columns.values())}.\n"
            + s.text
            + "\nBy queue:\n"
            + s.by_queue.to_csv(index=False)
            + "By urgency:\n"
            + s.by_urgency.to_csv(index=False)
        ),
        data=table,
        title=f"Triaged {len(result.tickets):,} tickets ({result.intent_method} intents, urgency from "
        f"{result.urgency_method})",
        details="\n".join([result.intent_detail, *result.notes]),
        total_rows=len(table),
        warnings=list(result.warnings),
        # the summary narrates the answer: its numbers are read from the counts it returns (summary.py)
        meta={
            "table": result.table,
            "columns": result.columns,
            "facts": s.facts,
            "narration": s.text,
        },
    )


@tool("triage_tickets", writes=Writes.DERIVED)
def triage_tickets(
    ws: Workspace, table: str, column: str, labels: list[str] | None = None, since: str | None = None
) -> ToolResult:
    """Triage support tickets: intent, urgency (with the signals that raised it), sentiment, language,
    duplicates, similar past tickets and a queue, for every row of a ticket table.

    Adds columns intent, urgency, urgency_score, urgency_reasons, triage_queue, triage_confidence,
    needs_review, duplicate_of, similar_tickets, sentiment, language, so later SQL can ask
    "average urgency_score by channel" or "share of German tickets per triage_queue".

    Args:
        table: the ticket table
        column: the column with the ticket text
        labels: intent names for zero-shot labelling, e.g. ["billing", "delivery", "other"]; none: discover topics
        since: start date of the summary's period (default: the last 7 days of data)
    """
    result = triage_table(ws, table, column, TriageOptions(labels=labels or None, since=since))
    return triage_tool_result(result)
