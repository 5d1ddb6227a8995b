"""Safe SQL: the only path by which SQL text from a user, a planner or a model reaches DuckDB.

1. Parse with sqlglot (DuckDB dialect). Exactly one statement, and it must be a read-only query:
   SELECT, WITH ... SELECT, or a set operation of those.
2. Walk the tree: refuse DDL/DML/commands anywhere (also inside a CTE), table functions and scalar
   functions that reach files, the network or the environment, string-literal table references
   (DuckDB would read such a file), and tables that are not in the workspace (DuckDB's replacement
   scans would otherwise open ``"data.csv"`` from disk).
3. Run in the workspace's sandboxed engine process with a row cap and a time limit (interrupted, or
   the engine killed and restarted if it cannot be).
4. DuckDB's errors come back as :class:`QueryError` with the closest valid names suggested.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import duckdb
import pandas as pd
import sqlglot
from rapidfuzz import process as fuzz_process
from sqlglot import exp

from insightchat.tools.errors import QueryError, UnsafeSQLError
from insightchat.tools.registry import tool
from insightchat.tools.results import ToolResult
from insightchat.tools.workspace import Workspace

logging.getLogger("sqlglot").setLevel(logging.ERROR)  # its "falling back to Command" warnings are ours to report

DEFAULT_ROW_LIMIT = 10_000
DEFAULT_TIMEOUT_S = 30.0

# Table functions a query may use: they only generate values.
ALLOWED_TABLE_FUNCTIONS = {"range", "generate_series", "unnest"}

# Functions refused wherever they appear: they read or write files, reach the network, expose the
# environment, or run SQL given as a string.
FORBIDDEN_FUNCTIONS = {
    "read_csv",
    "read_csv_auto",
    "read_parquet",
    "parquet_scan",
    "parquet_metadata",
    "parquet_schema",
    "parquet_file_metadata",
    "parquet_kv_metadata",
    "read_json",
    "read_json_auto",
    "read_json_objects",
    "read_ndjson",
    "read_ndjson_auto",
    "read_ndjson_objects",
    "read_text",
    "read_blob",
    "glob",
    "sniff_csv",
    "read_xlsx",
    "st_read",
    "iceberg_scan",
    "iceberg_metadata",
    "delta_scan",
    "sqlite_scan",
    "sqlite_attach",
    "postgres_scan",
    "postgres_query",
    "mysql_scan",
    "mysql_query",
    "query",
    "query_table",
    "getenv",
    "load_extension",
    "install_extension",
    "httpfs",
    "http_get",
    "read_file",
    "write_file",
    "duckdb_secrets",
    "duckdb_settings",
    "which_secret",
    "checkpoint",
    "force_checkpoint",
    "pragma_database_size",
    "current_setting",
    "set_config",
    "export_database",
    "import_database",
    "pg_read_file",
    "readfile",
    "writefile",
    "load_file",
    "copy",
}

_REFUSED_STATEMENTS: dict[type[exp.Expression], str] = {
    exp.Create: "CREATE",
    exp.Drop: "DROP",
    exp.Insert: "INSERT",
    exp.Update: "UPDATE",
    exp.Delete: "DELETE",
    exp.Merge: "MERGE",
    exp.Alter: "ALTER",
    exp.Copy: "COPY",
    exp.Set: "SET",
    exp.Pragma: "PRAGMA",
    exp.Use: "USE",
    exp.Attach: "ATTACH",
    exp.Detach: "DETACH",
    exp.Export: "EXPORT",
    exp.Install: "INSTALL",
    exp.Describe: "DESCRIBE",
    exp.Command: "command",
    exp.TruncateTable: "TRUNCATE",
    exp.Transaction: "transaction control",
    exp.Commit: "COMMIT",
    exp.Rollback: "ROLLBACK",
    exp.Cache: "CACHE",
    exp.LoadData: "LOAD",
}

_REFUSED_KEYWORDS = {
    "CREATE",
    "DROP",
    "INSERT",
    "UPDATE",
    "DELETE",
    "MERGE",
    "ALTER",
    "COPY",
    "SET",
    "RESET",
    "PRAGMA",
    "USE",
    "ATTACH",
    "DETACH",
    "EXPORT",
    "IMPORT",
    "INSTALL",
    "LOAD",
    "CALL",
    "CHECKPOINT",
    "VACUUM",
    "TRUNCATE",
    "BEGIN",
    "COMMIT",
    "ROLLBACK",
    "GRANT",
    "REVOKE",
    "SUMMARIZE",
    "DESCRIBE",
    "SHOW",
}

_QUERY_ROOTS = (exp.Select, exp.Union, exp.Intersect, exp.Except, exp.Subquery)

_HINT = "only one read-only SELECT (or WITH ... SELECT) over the opened tables is allowed"


def _statement_name(node: exp.Expression) -> str:
    for cls, name in _REFUSED_STATEMENTS.items():
        if isinstance(node, cls):
            if name == "command":
                return str(node.this).upper() or "command"
            return name
    return type(node).__name__.upper()


def _function_name(node: exp.Func) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    return node.sql_name().lower()


# Dialects whose SQL people (and models) paste: "SELECT TOP 3 ..." (T-SQL), backticks (MySQL).
_OTHER_DIALECTS = ("tsql", "mysql", "sqlite", "postgres")


def _parse_other_dialect(text: str) -> list[exp.Expression]:
    """The statements of ``text`` read in the first other dialect that parses it, else [].

    Why: a query that is valid T-SQL or MySQL means the same thing in DuckDB once sqlglot has
    transpiled it (the tree is always rendered as DuckDB SQL before it runs), so refusing it would
    only cost the user a retry. The tree still goes through every safety check below.
    """
    for dialect in _OTHER_DIALECTS:
        try:
            statements = [s for s in sqlglot.parse(text, read=dialect) if s is not None]
        except (sqlglot.errors.ParseError, sqlglot.errors.TokenError):
            continue
        if statements:
            return statements
    return []


def check_sql(sql: str, known_tables: set[str] | None = None) -> exp.Expression:
    """Validate ``sql`` and return its parsed tree; raise :class:`UnsafeSQLError` if refused.

    ``known_tables`` are the names a query may read (case-insensitive); CTE names are added.
    """
    text = (sql or "").strip()
    if not text:
        raise UnsafeSQLError("The SQL is empty", _HINT)
    try:
        statements = [s for s in sqlglot.parse(text, read="duckdb") if s is not None]
    except sqlglot.errors.ParseError as exc:
        keyword = text.split(None, 1)[0].upper()
        if keyword in _REFUSED_KEYWORDS:
            raise UnsafeSQLError(f"Refused: {keyword} statements are not allowed", _HINT) from None
        statements = _parse_other_dialect(text)
        if not statements:
            first = str(exc).splitlines()[0]
            raise QueryError(f"Could not parse the SQL: {first}", "check the syntax (DuckDB dialect)") from None
    if len(statements) != 1:
        raise UnsafeSQLError(f"Refused: {len(statements)} statements given", _HINT)
    tree = statements[0]
    if not isinstance(tree, _QUERY_ROOTS):
        raise UnsafeSQLError(f"Refused: {_statement_name(tree)} statements are not allowed", _HINT)
    for node in tree.walk():
        if isinstance(node, tuple(_REFUSED_STATEMENTS)):
            raise UnsafeSQLError(f"Refused: {_statement_name(node)} inside the query is not allowed", _HINT)
        if isinstance(node, exp.Into):
            raise UnsafeSQLError("Refused: SELECT ... INTO writes a table", _HINT)
        if isinstance(node, exp.Func):
            name = _function_name(node)
            if name in FORBIDDEN_FUNCTIONS or name.startswith(("read_", "pragma_", "duckdb_")):
                raise UnsafeSQLError(f"Refused: function {name}() reads or writes outside the opened tables", _HINT)
    cte_names = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    allowed = {t.lower() for t in (known_tables or set())} | cte_names
    for table in tree.find_all(exp.Table):
        inner = table.this
        if isinstance(inner, exp.Literal):
            raise UnsafeSQLError(
                f"Refused: reading the file {inner.this!r} directly",
                "open files with insightchat, then query the table",
            )
        if isinstance(inner, exp.Func):
            name = _function_name(inner)
            if name not in ALLOWED_TABLE_FUNCTIONS:
                raise UnsafeSQLError(f"Refused: table function {name}() is not allowed", _HINT)
            continue
        name = table.name
        if known_tables is None:
            if "." in name or "/" in name:
                raise UnsafeSQLError(f"Refused: {name!r} looks like a file path", "query the opened tables by name")
            continue
        if table.args.get("catalog") or table.args.get("db"):
            raise UnsafeSQLError(
                f"Refused: qualified table name {table.sql(dialect='duckdb')}", "refer to tables by their plain name"
            )
        if name.lower() not in allowed:
            suggestions = closest(name, sorted(known_tables))
            hint = (
                f"did you mean {', '.join(suggestions)}?"
                if suggestions
                else f"tables: {', '.join(sorted(known_tables))}"
            )
            raise QueryError(f"Unknown table {name!r}", hint, suggestions)
    return tree


def closest(name: str, choices: list[str], limit: int = 3, cutoff: float = 60.0) -> list[str]:
    """The names in ``choices`` closest to ``name`` (for "did you mean ...")."""
    if not choices:
        return []
    matches = fuzz_process.extract(name, choices, limit=limit, score_cutoff=cutoff)
    return [m[0] for m in matches]


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
