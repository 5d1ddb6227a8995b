"""Tools that describe the data itself: which tables exist and what their columns hold."""

from __future__ import annotations

import pandas as pd

from insightchat.tools.errors import InsightError
from insightchat.tools.registry import tool
from insightchat.tools.results import ToolResult
from insightchat.tools.sql import closest
from insightchat.tools.workspace import Workspace


def tables_frame(ws: Workspace) -> pd.DataFrame:
    """One row per table: name, rows, columns, source."""
    rows = []
    for name, prof in ws.catalog().tables.items():
        rows.append({"table": name, "rows": prof.row_count, "columns": len(prof.columns), "source": prof.source})
    return pd.DataFrame(rows, columns=["table", "rows", "columns", "source"])


def columns_frame(ws: Workspace, table: str) -> pd.DataFrame:
    """One row per column of ``table`` with its profile (type, nulls, distinct, range, values)."""
    prof = ws.catalog().table(table)
    if prof is None:
        suggestions = closest(table, ws.table_names())
        raise InsightError(
            f"Unknown table {table!r}",
            f"did you mean {', '.join(suggestions)}?" if suggestions else f"tables: {', '.join(ws.table_names())}",
        )
    rows = []
    for col in prof.columns:
        if col.values is not None:
            summary = ", ".join(col.values[:8]) + (" ..." if len(col.values) > 8 else "")
        elif col.min is not None:
            summary = f"{col.min} .. {col.max}"
        else:
            summary = ", ".join(str(s)[:30] for s in col.samples[:3])
        rows.append(
            {
                "column": col.name,
                "type": col.dtype,
                "null %": round(col.null_fraction * 100, 1),
                "distinct": f"~{col.distinct:,}" if col.distinct_is_approx else col.distinct,
                "values / range / examples": summary,
            }
        )
    return pd.DataFrame(rows)


@tool("list_tables")
def list_tables(ws: Workspace) -> ToolResult:
    """List the opened tables with their row and column counts."""
    df = tables_frame(ws)
    return ToolResult(
        tool="list_tables",
        for_model=ws.catalog().to_text(max_values=8),
        data=df,
        title=f"Listed {len(df)} tables",
        total_rows=len(df),
    )


@tool("describe_table")
def describe_table(ws: Workspace, table: str) -> ToolResult:
    """Describe one table's columns: type, null share, distinct count, range or values, examples.

    Args:
        table: The table to describe, as the catalog names it.
    """
    df = columns_frame(ws, table)
    prof = ws.catalog().table(table)
    assert prof is not None
    return ToolResult(
        tool="describe_table",
        for_model=ws.catalog().to_text([prof.name]),
        data=df,
        title=f"Described {prof.name} ({prof.row_count:,} rows, {len(prof.columns)} columns)",
        total_rows=len(df),
    )
