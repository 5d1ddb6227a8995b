"""Safe SQL: the only path by which SQL text from a user, a planner or a model reaches DuckDB.

1. :func:`insightchat.tools.sql_gate.check_sql` accepts exactly one read-only query whose functions are
   all on the allow-list and whose tables are opened tables or CTEs in scope (else an InsightError).
2. The checked tree, rendered as DuckDB SQL, runs in the workspace's sandboxed engine process with a
   row cap and a time limit (interrupted, or the engine killed and restarted if it cannot be).
3. DuckDB's errors come back as :class:`QueryError` with the closest valid names suggested.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb
import pandas as pd

from insightchat.tools.errors import QueryError
from insightchat.tools.registry import tool
from insightchat.tools.results import ToolResult
from insightchat.tools.sql_gate import check_sql, closest
from insightchat.tools.workspace import Workspace

__all__ = ["DEFAULT_ROW_LIMIT", "DEFAULT_TIMEOUT_S", "QueryResult", "check_sql", "closest", "run_query", "run_sql"]

DEFAULT_ROW_LIMIT = 10_000
DEFAULT_TIMEOUT_S = 30.0


@dataclass
class QueryResult:
    sql: str
    df: pd.DataFrame
    truncated: bool
    total_rows: int | None


def _explain_duckdb_error(exc: duckdb.Error, ws: Workspace) -> QueryError:
    message = str(exc).strip().splitlines()[0]
    columns = sorted({c for t in ws.table_names() for c, _ in ws.columns(t)})
    match = re.search(r'column "?([^"\s]+)"? not found|Referenced column "([^"]+)"', message, re.I)
    if match:
        missing = next(g for g in match.groups() if g)
        suggestions = closest(missing, columns)
        hint = (
            f"did you mean {', '.join(suggestions)}?" if suggestions else "list the columns with `insightchat tables`"
        )
        return QueryError(f"Unknown column {missing!r}", hint, suggestions)
    match = re.search(r'Table with name "?([^"\s]+)"? does not exist', message, re.I)
    if match:
        suggestions = closest(match.group(1), ws.table_names())
        return QueryError(
            f"Unknown table {match.group(1)!r}",
            f"did you mean {', '.join(suggestions)}?" if suggestions else "",
            suggestions,
        )
    if isinstance(exc, duckdb.InterruptException):
        return QueryError("The query was stopped at the time limit", "add a filter or an aggregate, or raise the limit")
    hint = (
        "check the column types (cast with CAST(x AS ...))"
        if "conversion" in message.lower() or "type" in message.lower()
        else "check the SQL"
    )
    return QueryError(message.removeprefix("Error: "), hint)


def run_query(
    ws: Workspace,
    sql: str,
    row_limit: int = DEFAULT_ROW_LIMIT,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    count_total: bool = True,
) -> QueryResult:
    """Check ``sql``, run it in the workspace's engine with a row cap and a time limit, return the rows.

    The engine interrupts the query at ``timeout_s``; one that cannot be interrupted (or crashes
    DuckDB) costs a restart of the engine and comes back as a QueryError saying so.
    """
    tree = check_sql(sql, set(ws.table_names()))
    text = tree.sql(dialect="duckdb")
    try:
        result = ws.query_limited(text, row_limit, timeout_s=timeout_s, count_total=count_total)
    except duckdb.InterruptException:
        raise QueryError(
            f"The query was stopped (time limit {timeout_s:g} s, or Stop)",
            "add a filter or an aggregate, or raise the time limit",
        ) from None
    except duckdb.Error as exc:
        raise _explain_duckdb_error(exc, ws) from None
    return QueryResult(sql=text, df=result.df, truncated=result.truncated, total_rows=result.total_rows)


def preview_for_model(df: pd.DataFrame, total_rows: int | None, max_rows: int = 20) -> str:
    """A compact text of a result for a language model: the columns and the first rows."""
    shown = df.head(max_rows)
    body = shown.to_csv(index=False).strip() if len(shown.columns) else ""
    count = total_rows if total_rows is not None else len(df)
    more = f"\n... {count - len(shown)} more rows" if count > len(shown) else ""
    return f"{count} rows; columns: {', '.join(map(str, df.columns))}\n{body}{more}"


@tool("run_sql")
def run_sql(ws: Workspace, sql: str) -> ToolResult:
    """Run one read-only DuckDB SELECT (or WITH ... SELECT) over the opened tables and return the rows.

    Refuses anything that writes, reads files directly or runs more than one statement. Use the
    table and column names exactly as the catalog lists them (double-quote names with spaces).

    Args:
        sql: One read-only SELECT or WITH ... SELECT statement in DuckDB SQL.
    """
    result = run_query(ws, sql)
    total = result.total_rows
    return ToolResult(
        tool="run_sql",
        for_model=preview_for_model(result.df, total),
        data=result.df,
        sql=result.sql,
        title=f"Ran SQL ({total:,} row{'' if total == 1 else 's'})" if total is not None else "Ran SQL",
        details=result.sql,
        total_rows=total,
        truncated=result.truncated,
    )
