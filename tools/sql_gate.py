"""The read-only gate every SQL text passes before DuckDB runs it (``check_sql``).

It is an allow-list, checked twice over two parses:

1. sqlglot (DuckDB dialect; T-SQL, MySQL, SQLite or Postgres are transpiled) gives the statement kind,
   the size caps and the table references. Exactly one query (SELECT, WITH, set operations, VALUES) is
   accepted; comments are dropped. Each table reference is resolved with SQL's scoping rules
   (``sqlglot.optimizer.scope``): a CTE name counts only inside its own WITH, so it must name a CTE in
   scope or an opened table, never a file.
2. DuckDB's own parser (``json_serialize_sql``, which parses and runs nothing) reads the exact text that
   will run, so the names checked are the ones DuckDB will bind, whatever sqlglot made of them. Every
   node kind must be a known query construct, every function must be on the allow-list of pure
   functions (``insightchat.tools.sql_functions``), table functions are range/generate_series/unnest,
   tables are opened tables or CTEs, and the count of aggregates is capped.

Why both: sqlglot gives readable errors, transpiling and scoping; DuckDB's parse is the ground truth of
what will be called, so a difference between the two parsers can only make the gate refuse more.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Iterator
from functools import cache
from typing import Any

import duckdb
import sqlglot
from rapidfuzz import process as fuzz_process
from sqlglot import exp
from sqlglot.optimizer.scope import traverse_scope

from insightchat.tools import sql_functions as functions
from insightchat.tools.errors import InsightError, QueryError, UnsafeSQLError

logging.getLogger("sqlglot").setLevel(logging.ERROR)  # its "falling back to Command" warnings are ours to report

# Caps that hold before DuckDB plans anything. Measured on DuckDB 2.0.1 (README, "Safe SQL"): 300 DISTINCT
# aggregates in one SELECT ignore an interrupt for seconds, 400 for 13 s, 3,000 crash the process;
# 1,000 plain aggregates plan in 0.4 s; sqlglot's parser nests about 40 levels of calls.
MAX_SQL_CHARS = 100_000
MAX_EXPRESSION_NODES = 20_000
MAX_AGGREGATES = 1_000
MAX_DISTINCT_AGGREGATES = 64

HINT = "only one read-only SELECT (or WITH ... SELECT) over the opened tables is allowed"
_FILE_HINT = "open files with insightchat, then query the table by its name"
_FUNCTION_HINT = "use DuckDB's aggregate, scalar and window functions over the opened tables"

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
    exp.Summarize: "SUMMARIZE",
    exp.Show: "SHOW",
    exp.Command: "command",
    exp.TruncateTable: "TRUNCATE",
    exp.Transaction: "transaction control",
    exp.Commit: "COMMIT",
    exp.Rollback: "ROLLBACK",
    exp.Cache: "CACHE",
    exp.LoadData: "LOAD",
}

# First keywords of statements sqlglot cannot parse, so the refusal can still name them.
_REFUSED_KEYWORDS = functions.names(
    """
    CREATE DROP INSERT UPDATE DELETE MERGE ALTER COPY SET RESET PRAGMA USE ATTACH DETACH EXPORT IMPORT INSTALL
    LOAD CALL CHECKPOINT VACUUM TRUNCATE BEGIN COMMIT ROLLBACK GRANT REVOKE SUMMARIZE DESCRIBE SHOW PIVOT
    UNPIVOT PREPARE EXECUTE DEALLOCATE EXPLAIN ANALYZE UPSERT REPLACE UNLOAD
    """
)

_QUERY_ROOTS = (exp.Select, exp.SetOperation, exp.Subquery, exp.Values)

# Dialects whose SQL people (and models) paste: "SELECT TOP 3 ..." (T-SQL), backticks (MySQL).
_OTHER_DIALECTS = ("tsql", "mysql", "sqlite", "postgres")

# A name with one of these could be a file, a glob or a URL to DuckDB's replacement scans.
_PATH_CHARS = re.compile(r"[./\\:*?\[\]{}~$]")

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def fold(name: str) -> str:
    """``name`` the way DuckDB compares identifiers: ASCII letters case-insensitively, all else exactly."""
    return name.translate(_ASCII_LOWER)


def closest(name: str, choices: list[str], limit: int = 3, cutoff: float = 60.0) -> list[str]:
    """The names in ``choices`` closest to ``name`` (for "did you mean ...")."""
    if not choices:
        return []
    matches = fuzz_process.extract(name, choices, limit=limit, score_cutoff=cutoff)
    return [m[0] for m in matches]


def check_sql(sql: str, known_tables: set[str] | None = None) -> exp.Expression:
    """Validate ``sql`` and return its parsed tree (comments removed); raise an InsightError if refused.

    ``known_tables`` are the names a query may read (compared as DuckDB does). Without them, any plain
    table name is accepted but names that look like files are not. Run ``tree.sql(dialect="duckdb")``:
    that text is what the second check verified.
    """
    text = (sql or "").strip()
    if not text:
        raise UnsafeSQLError("The SQL is empty", HINT)
    if len(text) > MAX_SQL_CHARS:
        raise UnsafeSQLError(
            f"Refused: the SQL is {len(text):,} characters (at most {MAX_SQL_CHARS:,})", "ask a smaller question"
        )
    known = None if known_tables is None else {fold(t): t for t in known_tables}
    try:
        tree = _parse_one_query(text)
        nodes = sum(1 for _ in tree.walk())
        if nodes > MAX_EXPRESSION_NODES:
            raise UnsafeSQLError(
                f"Refused: the query has {nodes:,} expression nodes (at most {MAX_EXPRESSION_NODES:,})",
                "split it into smaller queries",
            )
        for node in tree.walk():
            node.comments = None  # comments and /*+ hints */ never reach DuckDB
        _check_tables(tree, known)
        DuckDBParseCheck(known).run(tree.sql(dialect="duckdb"))
    except InsightError:
        raise
    except RecursionError:
        raise UnsafeSQLError(
            "Refused: the query is nested too deeply to check", "use fewer levels of nested parentheses or calls"
        ) from None
    except Exception as exc:  # noqa: BLE001 - a parser bug must refuse (fail closed), never surface as a traceback
        reason = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        raise QueryError(
            f"Could not read the SQL ({reason})", "check the syntax and the functions' arguments"
        ) from None
    return tree


# ------------------------------------------------------------------------------------ sqlglot stage


def _parse_one_query(text: str) -> exp.Expression:
    try:
        statements = [s for s in sqlglot.parse(text, read="duckdb") if s is not None]
    except (sqlglot.errors.ParseError, sqlglot.errors.TokenError) as exc:
        keyword = text.split(None, 1)[0].upper()
        if keyword in _REFUSED_KEYWORDS:
            raise UnsafeSQLError(f"Refused: {keyword} statements are not allowed", HINT) from None
        statements = _parse_other_dialect(text)
        if not statements:
            first = str(exc).splitlines()[0]
            raise QueryError(f"Could not parse the SQL: {first}", "check the syntax (DuckDB dialect)") from None
    if len(statements) != 1:
        raise UnsafeSQLError(f"Refused: {len(statements)} statements given", HINT)
    tree = statements[0]
    if not isinstance(tree, _QUERY_ROOTS):
        keyword = text.split(None, 1)[0].upper()
        name = keyword if keyword in _REFUSED_KEYWORDS else _statement_name(tree)
        raise UnsafeSQLError(f"Refused: {name} statements are not allowed", HINT)
    for node in tree.walk():
        if isinstance(node, tuple(_REFUSED_STATEMENTS)):
            raise UnsafeSQLError(f"Refused: {_statement_name(node)} inside the query is not allowed", HINT)
        if isinstance(node, exp.Into):
            raise UnsafeSQLError("Refused: SELECT ... INTO writes a table", HINT)
    return tree


def _parse_other_dialect(text: str) -> list[exp.Expression]:
    """The statements of ``text`` read in the first other dialect that parses it, else [].

    Why: a query that is valid T-SQL or MySQL means the same thing in DuckDB once sqlglot has
    transpiled it (the tree is always rendered as DuckDB SQL before it runs), so refusing it would
    only cost the user a retry. The tree still goes through every check.
    """
    for dialect in _OTHER_DIALECTS:
        try:
            statements = [s for s in sqlglot.parse(text, read=dialect) if s is not None]
        except (sqlglot.errors.ParseError, sqlglot.errors.TokenError):
            continue
        if statements:
            return statements
    return []


def _statement_name(node: exp.Expression) -> str:
    for cls, name in _REFUSED_STATEMENTS.items():
        if isinstance(node, cls):
            if name == "command":
                return str(node.this).upper() or "command"
            return name
    return type(node).__name__.upper()


def _check_tables(tree: exp.Expression, known: dict[str, str] | None) -> None:
    """Every table reference names a CTE in its scope or an opened table; CTE names are never paths."""
    for cte in tree.find_all(exp.CTE):
        if _PATH_CHARS.search(cte.alias_or_name):
            raise UnsafeSQLError(f"Refused: the CTE name {cte.alias_or_name!r} looks like a file path", _FILE_HINT)
        _check_recursive_base_case(cte)
    ctes_in_scope: dict[int, set[str]] = {}
    try:
        scopes = traverse_scope(tree)
    except sqlglot.errors.SqlglotError as exc:
        raise UnsafeSQLError(f"Refused: the query's tables could not be resolved ({exc})", HINT) from None
    for scope in scopes:
        names = {fold(name) for name in scope.cte_sources}
        for table in scope.tables:
            ctes_in_scope[id(table)] = names
    for table in tree.find_all(exp.Table):
        inner = table.this
        if isinstance(inner, exp.Func):
            continue  # a table function: DuckDB's parse shows which one, and it is checked there
        if isinstance(inner, exp.Literal):
            raise UnsafeSQLError(f"Refused: reading the file {inner.this!r} directly", _FILE_HINT)
        qualified = table.args.get("catalog") or table.args.get("db")
        if not qualified and fold(table.name) in ctes_in_scope.get(id(table), set()):
            continue
        if qualified:
            raise UnsafeSQLError(
                f"Refused: qualified table name {table.sql(dialect='duckdb')}", "refer to tables by their plain name"
            )
        _check_table_name(table.name, known)


def _check_recursive_base_case(cte: exp.CTE) -> None:
    """In ``WITH RECURSIVE r AS (base UNION ALL step)`` DuckDB binds ``r`` in ``step`` only: in ``base`` the
    name means a table or a file (measured), while sqlglot's scope counts it as the CTE. Refused."""
    with_ = cte.parent
    if not (isinstance(with_, exp.With) and with_.recursive and isinstance(cte.this, exp.SetOperation)):
        return
    name = fold(cte.alias_or_name)
    for table in cte.this.this.find_all(exp.Table):
        if not isinstance(table.this, exp.Func) and fold(table.name) == name:
            raise UnsafeSQLError(
                f"Refused: the first branch of the recursive CTE {cte.alias_or_name!r} reads {table.name!r}",
                "a recursive CTE reads itself only after UNION [ALL]",
            )


def _check_table_name(name: str, known: dict[str, str] | None) -> None:
    """``name`` (not a CTE) must be an opened table; else a refusal, or "unknown table" with suggestions."""
    if known is not None and fold(name) in known:
        return
    if _PATH_CHARS.search(name) or not name:
        raise UnsafeSQLError(f"Refused: reading the file {name!r} directly", _FILE_HINT)
    if known is None:
        return
    suggestions = closest(name, sorted(known.values()))
    hint = f"did you mean {', '.join(suggestions)}?" if suggestions else f"tables: {', '.join(sorted(known.values()))}"
    raise QueryError(f"Unknown table {name!r}", hint, suggestions)


# ------------------------------------------------------------------------------------- DuckDB stage


@cache
def _parser_connection() -> tuple[duckdb.DuckDBPyConnection, threading.Lock]:
    """A private in-memory DuckDB used only to parse (no data, no files, settings locked)."""
    con = duckdb.connect(
        ":memory:",
        config={
            "enable_external_access": False,
            "autoload_known_extensions": False,
            "autoinstall_known_extensions": False,
            "threads": 1,
            "lock_configuration": True,
        },
    )
    return con, threading.Lock()


def duckdb_parse(text: str) -> dict[str, Any]:
    """DuckDB's parse tree of ``text`` as JSON (``json_serialize_sql``: parses, binds and runs nothing)."""
    con, lock = _parser_connection()
    with lock:
        return json.loads(con.execute("SELECT json_serialize_sql($1)", [text]).fetchone()[0])


_EXPRESSION_CLASSES = functions.names(
    """
    BETWEEN CASE CAST COLLATE COLUMN_REF COMPARISON CONJUNCTION CONSTANT FUNCTION LAMBDA LAMBDA_REF OPERATOR
    POSITIONAL_REFERENCE STAR SUBQUERY TYPE WINDOW
    """
)
_QUERY_NODES = frozenset({"SELECT_NODE", "SET_OPERATION_NODE", "RECURSIVE_CTE_NODE", "CTE_NODE"})
_MODIFIERS = frozenset({"ORDER_MODIFIER", "LIMIT_MODIFIER", "LIMIT_PERCENT_MODIFIER", "DISTINCT_MODIFIER"})
_ORDER_TYPES = frozenset({"ASCENDING", "DESCENDING", "ORDER_DEFAULT"})
_TABLE_REFS = frozenset({"BASE_TABLE", "JOIN", "SUBQUERY", "TABLE_FUNCTION", "EMPTY", "EXPRESSION_LIST", "PIVOT"})


class DuckDBParseCheck:
    """Walks DuckDB's parse tree: known constructs only, allowed functions only, tables known or CTEs."""

    def __init__(self, known: dict[str, str] | None) -> None:
        self.known = known
        self.cte_names: set[str] = set()
        self.aggregates = 0
        self.distinct_aggregates = 0

    def run(self, text: str) -> None:
        parsed = duckdb_parse(text)
        if parsed.get("error"):
            message = str(parsed.get("error_message", "")).splitlines()[0] if parsed.get("error_message") else ""
            if "Only SELECT statements" in message:
                raise UnsafeSQLError("Refused: DuckDB reads this as something other than one SELECT", HINT)
            raise QueryError(f"Could not parse the SQL: {message}", "check the syntax (DuckDB dialect)")
        statements = parsed.get("statements") or []
        if len(statements) != 1:
            raise UnsafeSQLError(f"Refused: DuckDB reads {len(statements)} statements", HINT)
        self.cte_names = {fold(key) for key in _cte_keys(statements[0])}
        for name in self.cte_names:
            if _PATH_CHARS.search(name):
                raise UnsafeSQLError(f"Refused: the CTE name {name!r} looks like a file path", _FILE_HINT)
        self._walk(statements[0])
        if self.aggregates > MAX_AGGREGATES:
            raise UnsafeSQLError(
                f"Refused: {self.aggregates:,} aggregate or window calls in one query (at most {MAX_AGGREGATES:,})",
                "split it into smaller queries",
            )
        if self.distinct_aggregates > MAX_DISTINCT_AGGREGATES:
            raise UnsafeSQLError(
                f"Refused: {self.distinct_aggregates:,} DISTINCT aggregates in one query "
                f"(at most {MAX_DISTINCT_AGGREGATES})",
                "split it into smaller queries",
            )

    def _walk(self, root: Any) -> None:
        """Visit every node (iteratively: DuckDB's trees can be deeper than Python's recursion limit)."""
        stack = [root]
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(node)
            elif isinstance(node, dict):
                skip = self._check_node(node)
                stack.extend(value for key, value in node.items() if key != skip)

    def _check_node(self, node: dict[str, Any]) -> str | None:
        """Check one node; returns a key whose subtree was checked here and must not be walked again."""
        cls = node.get("class")
        if isinstance(cls, str):
            if cls == "PARAMETER":
                raise UnsafeSQLError("Refused: query parameters ($1, ?) are not supported", "write the values inline")
            if cls not in _EXPRESSION_CLASSES:
                raise UnsafeSQLError(f"Refused: {cls.lower()} expressions are not supported", HINT)
            if cls in ("FUNCTION", "WINDOW"):
                self._check_call(node, window=cls == "WINDOW")
            return None
        kind = node.get("type")
        if not isinstance(kind, str):
            return None
        if kind.endswith("_NODE"):
            if kind not in _QUERY_NODES:
                raise UnsafeSQLError(f"Refused: {kind.lower()} is not a read-only query", HINT)
            return None
        if kind.endswith("_MODIFIER"):
            if kind not in _MODIFIERS:
                raise UnsafeSQLError(f"Refused: the {kind.lower()} clause is not supported", HINT)
            return None
        if kind in _ORDER_TYPES:
            return None
        if "sample" in node and "alias" in node:
            return self._check_table_ref(node, kind)
        raise UnsafeSQLError(f"Refused: the construct {kind} is not supported", HINT)

    def _check_table_ref(self, node: dict[str, Any], kind: str) -> str | None:
        if kind == "SHOW_REF":
            raise UnsafeSQLError("Refused: SUMMARIZE, DESCRIBE and SHOW are not allowed", HINT)
        if kind not in _TABLE_REFS:
            raise UnsafeSQLError(f"Refused: {kind.lower()} table references are not supported", HINT)
        if kind == "BASE_TABLE":
            name = str(node.get("table_name", ""))
            if node.get("schema_name") or node.get("catalog_name"):
                raise UnsafeSQLError(
                    f"Refused: qualified table name {node.get('schema_name') or node.get('catalog_name')}.{name}",
                    "refer to tables by their plain name",
                )
            if node.get("at_clause"):
                raise UnsafeSQLError("Refused: AT (time travel) is not supported", HINT)
            if fold(name) not in self.cte_names:
                _check_table_name(name, self.known)
            return None
        if kind == "TABLE_FUNCTION":
            function = node.get("function") or {}
            name = _call_name(function)
            if name not in functions.TABLE_FUNCTIONS:
                why = functions.REFUSED_FUNCTIONS.get(name, functions.NOT_A_TABLE_FUNCTION)
                raise UnsafeSQLError(f"Refused: table function {name}() {why}", _FUNCTION_HINT)
            self._walk(function.get("arguments"))
            return "function"
        return None

    def _check_call(self, node: dict[str, Any], window: bool) -> None:
        name = _call_name(node)
        aggregate = name in functions.AGGREGATE_FUNCTIONS
        if window:
            allowed = name in functions.WINDOW_FUNCTIONS or aggregate
        else:
            allowed = functions.is_allowed_value_function(name)
            if name in functions.AGGREGATE_BY_NAME:
                self._check_aggregate_by_name(node, name)
                allowed = True
        if not allowed:
            raise UnsafeSQLError(f"Refused: function {name}() {functions.refusal_reason(name)}", _FUNCTION_HINT)
        if aggregate or window:
            self.aggregates += 1
            if node.get("distinct"):
                self.distinct_aggregates += 1

    def _check_aggregate_by_name(self, node: dict[str, Any], name: str) -> None:
        arguments = node.get("arguments") or []
        target = arguments[1].get("expression", {}) if len(arguments) > 1 else {}
        literal = target.get("literal") or {}
        called = fold(str(literal.get("text", ""))) if target.get("class") == "CONSTANT" else ""
        if literal.get("kind") not in ("STRING", "VARCHAR") or called not in functions.AGGREGATE_FUNCTIONS:
            raise UnsafeSQLError(
                f"Refused: {name}() must name an allowed aggregate as a string constant", _FUNCTION_HINT
            )


def _call_name(node: dict[str, Any]) -> str:
    """The lower-case name of a FUNCTION or WINDOW node; a qualified or non-ASCII name is refused."""
    name = str(node.get("function_name", ""))
    if node.get("schema") or node.get("catalog"):
        raise UnsafeSQLError(
            f"Refused: qualified function name {node.get('schema') or node.get('catalog')}.{name}",
            "call functions by their plain name",
        )
    if not name.isascii():
        raise UnsafeSQLError(f"Refused: function {name}() is not on the list of allowed functions", _FUNCTION_HINT)
    return fold(name)


def _cte_keys(root: Any) -> Iterator[str]:
    """Every CTE name defined anywhere in DuckDB's parse tree."""
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            cte_map = node.get("cte_map")
            if isinstance(cte_map, dict):
                for entry in cte_map.get("map") or []:
                    yield str(entry.get("key", ""))
            stack.extend(node.values())
