"""The report as a registered tool, so "give me a report on tickets" works in chat with either planner."""

from __future__ import annotations

import pandas as pd

from insightchat.tools.registry import tool
from insightchat.tools.report.build import build_report
from insightchat.tools.results import ToolResult
from insightchat.tools.workspace import Workspace


def findings_table(report) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"rank": i + 1, "kind": f.kind, "finding": f.headline, "interest": f.score}
            for i, f in enumerate(report.findings)
        ],
        columns=["rank", "kind", "finding", "interest"],
    )


@tool("summary_report")
def summary_report(ws: Workspace, table: str, quick: bool = False) -> ToolResult:
    """Build a summary report of a table: profile, key findings ranked by interest, text sentiment and topics.

    Use it for "give me a report on X", "summarise this data", "what is interesting in this table".
    Findings are tested (group differences, changes over time, outliers, correlations, concentration,
    data quality) with false-discovery control; ``quick`` samples tables above 200,000 rows.

    Args:
        table: The table to report on.
        quick: Sample tables above 200,000 rows (faster, less exact).
    """
    report = build_report(ws, table, quick=quick)
    text = " ".join(report.summary)
    data = findings_table(report)
    return ToolResult(
        tool="summary_report",
        for_model=text + "\n" + data.to_csv(index=False),
        data=data,
        title=f"Built a report on {report.overview.table} ({len(report.findings)} findings, {report.tests_run} tests)",
        details="\n\n".join(f"-- {f.headline}\n{f.sql}" for f in report.findings),
        total_rows=len(data),
        warnings=report.notes + ([f"ungrounded numbers: {', '.join(report.ungrounded)}"] if report.ungrounded else []),
        meta={"narration": text, "report": report},
    )
