"""Every function DuckDB knows is classified: on the allow-list of pure functions or refused with a reason.

A DuckDB upgrade that adds a function fails here until someone decides which list it belongs on, so
the gate never allows a new function by default (it would refuse it anyway: the list is an allow-list).
"""

from __future__ import annotations

import duckdb
import pytest

from insightchat.tools import sql_functions as functions
from insightchat.tools.sql_gate import DuckDBParseCheck


def _duckdb_functions() -> dict[str, set[str]]:
    con = duckdb.connect(":memory:")
    rows = con.execute(
        "SELECT function_name, list(DISTINCT function_type) FROM duckdb_functions() GROUP BY 1"
    ).fetchall()
    con.close()
    return {name: set(kinds) for name, kinds in rows}


DUCKDB_FUNCTIONS = _duckdb_functions()


def _allowed_as_value(name: str) -> bool:
    return (
        functions.is_allowed_value_function(name)
        or name in functions.WINDOW_FUNCTIONS
        or name in functions.AGGREGATE_BY_NAME
    )


def _refused(name: str) -> bool:
    return name in functions.REFUSED_FUNCTIONS or name.startswith(functions.INTERNAL_PREFIX)


def test_every_duckdb_function_is_classified() -> None:
    unclassified = []
    for name, kinds in sorted(DUCKDB_FUNCTIONS.items()):
        if kinds <= {"pragma"}:
            continue  # reachable only through PRAGMA statements, which the gate refuses; checked below
        value_kinds = kinds & {"scalar", "aggregate", "window", "macro"}
        table_kinds = kinds & {"table", "table_macro"}
        if value_kinds and not (_allowed_as_value(name) or _refused(name)):
            unclassified.append(f"{name} ({', '.join(sorted(value_kinds))})")
        # a table form outside TABLE_FUNCTIONS is refused by the gate; it needs a reason unless the same
        # name is an allowed value function (repeat('ab', 3), histogram(x)) whose table form is refused
        if table_kinds and not (name in functions.TABLE_FUNCTIONS or _refused(name) or _allowed_as_value(name)):
            unclassified.append(f"{name} ({', '.join(sorted(table_kinds))})")
    assert not unclassified, "classify these in tools/sql_functions.py: " + "; ".join(unclassified)


def test_pragma_only_functions_are_never_allowed() -> None:
    pragma_only = [name for name, kinds in DUCKDB_FUNCTIONS.items() if kinds <= {"pragma"}]
    assert pragma_only and not [name for name in pragma_only if _allowed_as_value(name)]


def test_no_function_is_both_allowed_and_refused() -> None:
    allowed = (
        functions.SCALAR_FUNCTIONS
        | functions.AGGREGATE_FUNCTIONS
        | functions.WINDOW_FUNCTIONS
        | functions.TABLE_FUNCTIONS
        | functions.AGGREGATE_BY_NAME
    )
    assert not allowed & set(functions.REFUSED_FUNCTIONS)


def test_every_listed_name_is_a_duckdb_function() -> None:
    """A typo on a list would otherwise go unnoticed (and a renamed function stay 'allowed')."""
    listed = (
        functions.SCALAR_FUNCTIONS
        | functions.AGGREGATE_FUNCTIONS
        | functions.WINDOW_FUNCTIONS
        | functions.TABLE_FUNCTIONS
        | functions.AGGREGATE_BY_NAME
        | set(functions.REFUSED_FUNCTIONS)
    )
    assert sorted(listed - set(DUCKDB_FUNCTIONS) - functions.BARE_NAME_VALUES) == []


@pytest.mark.parametrize(
    "name",
    [
        "read_csv",
        "read_text",
        "glob",
        "query",
        "query_table",
        "json_execute_serialized_sql",
        "enable_logging",
        "enable_profiling",
        "duckdb_settings",
        "current_setting",
        "getvariable",
        "write_log",
        "sleep_ms",
        "pg_sleep",
        "setseed",
        "nextval",
        "checkpoint",
        "which_secret",
        "pandas_scan",
        "summary",
        "parquet_metadata",
    ],
)
def test_dangerous_functions_are_refused(name: str) -> None:
    assert _refused(name) and not _allowed_as_value(name) and name not in functions.TABLE_FUNCTIONS


def test_allowed_macros_only_call_allowed_functions() -> None:
    """A macro expands when DuckDB binds the query, after the gate: its body must pass the gate itself."""
    con = duckdb.connect(":memory:")
    rows = con.execute(
        "SELECT function_name, macro_definition FROM duckdb_functions() WHERE function_type = 'macro'"
    ).fetchall()
    con.close()
    checked = 0
    for name, body in rows:
        if _allowed_as_value(name) and name not in functions.BARE_NAME_VALUES:
            DuckDBParseCheck(None).run(f"SELECT {body}")  # raises with the culprit's name
            checked += 1
    assert checked > 50


def test_bare_names_duckdb_binds_as_functions_are_known_constants() -> None:
    """``SELECT user`` calls a function in DuckDB although its parse shows a column: the gate cannot see
    those calls, so the set must be exactly the listed constants and clock readings."""
    con = duckdb.connect(":memory:")
    bound = {}
    for name in sorted(set(DUCKDB_FUNCTIONS) | functions.BARE_NAME_VALUES):
        if not name.replace("_", "").isalnum():
            continue
        try:
            bound[name] = con.execute(f"SELECT {name}").fetchall()[0][0]
        except duckdb.Error:
            continue
    con.close()
    assert set(bound) == functions.BARE_NAME_VALUES
    assert {v for v in bound.values() if isinstance(v, str)} <= {"duckdb", "main", "memory"}
