"""Reading JSON records as a flat table: nested objects become columns.

``read_json_auto`` keeps a nested object as one STRUCT column (``user`` holding ``{name, address:
{city}}``), which no planner can filter or group by and no person reads easily. Each nested field
becomes its own column named by its path (``user_name``, ``user_address_city``); lists stay lists
(flattening them would change the number of rows), and the notes say both.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

SEPARATOR = "_"
MAX_DEPTH = 6


@dataclass
class JsonPlan:
    select_sql: str
    notes: list[str] = field(default_factory=list)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def plan_json(loader: duckdb.DuckDBPyConnection, source_sql: str) -> JsonPlan:
    """A SELECT over ``source_sql`` (e.g. ``read_json_auto([...])``) with nested objects flattened."""
    rel = loader.sql(f"SELECT * FROM {source_sql}")
    columns: list[tuple[str, str]] = []  # (SQL expression, name)
    flattened: list[str] = []
    lists: list[str] = []

    def walk(expr: str, path: list[str], dtype: duckdb.typing.DuckDBPyType, depth: int) -> None:
        if dtype.id == "struct" and dtype.children and depth < MAX_DEPTH:
            if depth == 0:
                flattened.append(path[0])
            for child, child_type in dtype.children:
                walk(f"struct_extract({expr}, {_lit(child)})", [*path, child], child_type, depth + 1)
            return
        if dtype.id == "list" and depth == 0:
            lists.append(path[0])
        columns.append((expr, SEPARATOR.join(path)))

    for name, dtype in zip(rel.columns, rel.types, strict=True):
        walk(_quote(name), [name], dtype, 0)
    rel.close()
    taken: set[str] = set()
    parts: list[str] = []
    for expr, name in columns:
        unique, n = name, 2
        while unique.lower() in taken:
            unique, n = f"{name}_{n}", n + 1
        taken.add(unique.lower())
        parts.append(f"{expr} AS {_quote(unique)}")
    notes: list[str] = []
    if flattened:
        shown = ", ".join(repr(c) for c in flattened[:5])
        notes.append(f"Nested records were flattened into columns named by their path: {shown} (e.g. 'user_name').")
    if lists:
        notes.append(f"Columns holding lists were kept as lists: {', '.join(repr(c) for c in lists[:5])}.")
    return JsonPlan(f"SELECT {', '.join(parts)} FROM {source_sql}", notes)
