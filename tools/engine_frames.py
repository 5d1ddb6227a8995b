"""Query results as the parent wants them, made inside the engine, readable whatever the column types.

Two shapes, because two kinds of callers want different things:

- :func:`duckdb_frame` for the project's own queries (the catalog, derived columns, benchmarks):
  exactly DuckDB's ``.df()`` (DECIMAL as float, DATE as datetime64), sent to the parent pickled.
- :func:`people_table` for query results shown to people (``run_sql``): Arrow, which the parent
  turns into pandas with ``to_pandas`` (DECIMAL as Decimal, DATE as date), as before the engine.

Either way a column pandas cannot hold (the date 'infinity', the time 24:00:00, a UNION, a UHUGEINT
above 2**127) comes back as DuckDB's text for it instead of failing the whole result; this is done
here because only DuckDB knows the text of its own values.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from duckdb.sqltypes import DuckDBPyType

# Result types pandas cannot show faithfully, for people: these come back as DuckDB's own text.
AS_TEXT_FOR_PEOPLE = {"uhugeint", "bignum", "varint", "bit", "union", "interval", "geometry", "time with time zone"}
# Types whose Arrow form is wrong (a UHUGEINT above 2**127 turns negative), even for project code.
AS_TEXT_ALWAYS = {"uhugeint", "bignum", "varint"}

# DuckDB's .df() failures that mean "pandas cannot hold a value", not "the query is wrong"
_CONVERSION_ERRORS = (
    duckdb.ConversionException,
    duckdb.NotImplementedException,
    NotImplementedError,
    ValueError,
    OverflowError,
)


def _type_ids(t: DuckDBPyType) -> set[str]:
    """The type's id and those of every nested part (a LIST of INTERVAL is {'list', 'interval'})."""
    ids = {t.id}
    if t.id in ("struct", "list", "map", "array", "union", "tuple"):
        for _name, child in t.children:
            if isinstance(child, DuckDBPyType):
                ids |= _type_ids(child)
    return ids


def as_text_where_needed(rel: duckdb.DuckDBPyRelation, text_ids: set[str]) -> duckdb.DuckDBPyRelation:
    """Cast columns whose type (or a nested part of it) is in ``text_ids`` to VARCHAR."""
    exprs, changed = [], False
    for i, t in enumerate(rel.types, start=1):
        if _type_ids(t) & text_ids:
            exprs.append(f"CAST(#{i} AS VARCHAR)")
            changed = True
        else:
            exprs.append(f"#{i}")
    return rel.project(", ".join(exprs)) if changed else rel


def _text_of(con: duckdb.DuckDBPyConnection, column: pa.ChunkedArray) -> pa.Array:
    rel = con.from_arrow(pa.table({"v": column}))
    return rel.project("CAST(v AS VARCHAR) AS v").to_arrow_table().column(0)


def _by_column(
    con: duckdb.DuckDBPyConnection, table: pa.Table, convert: Callable[[pa.Table], pd.DataFrame]
) -> pd.DataFrame:
    parts: list[pd.Series] = []
    for i in range(table.num_columns):
        column = table.column(i)
        try:
            series = convert(pa.table({"v": column}))["v"]
        except Exception:  # noqa: BLE001 - any value pandas cannot hold: show DuckDB's text
            series = pd.Series(_text_of(con, column).to_pylist(), dtype=object)
        parts.append(series.reset_index(drop=True))
    frame = pd.concat(parts, axis=1) if parts else pd.DataFrame(index=range(table.num_rows))
    frame.columns = table.column_names
    return frame


def duckdb_frame(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> pd.DataFrame:
    """``con.execute(sql).df()``; when pandas cannot hold a column, that column as text."""
    try:
        return con.execute(sql, params).df()
    except _CONVERSION_ERRORS:
        with contextlib.suppress(duckdb.Error):
            con.abort()  # the failed conversion left its result open
    rel = as_text_where_needed(con.sql(sql, params=params or None), AS_TEXT_ALWAYS)
    names = list(con.sql(sql, params=params or None).columns)
    table = rel.to_arrow_table()
    table = table.rename_columns(names) if table.column_names != names else table
    return _by_column(con, table, lambda t: con.from_arrow(t).df())


# Python's datetime holds years 1-9999; pandas holds more, but cannot format them (strftime fails)
_FIRST_DAY, _LAST_DAY = -719162, 2932896  # 0001-01-01 and 9999-12-31, in days since 1970-01-01
_TIMESTAMP_UNITS = {"s": 86_400, "ms": 86_400_000, "us": 86_400_000_000, "ns": 86_400_000_000_000}


def _outside_python_dates(array: pa.Array) -> bool:
    """Whether any date or timestamp in ``array`` (nested ones too) lies outside the years 1-9999."""
    t = array.type
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        return _outside_python_dates(array.flatten())
    if pa.types.is_map(t):
        return _outside_python_dates(array.keys) or _outside_python_dates(array.items)
    if pa.types.is_struct(t):
        return any(_outside_python_dates(array.field(i)) for i in range(t.num_fields))
    if pa.types.is_date32(t):
        days = array.cast(pa.int32())
        per_day = 1
    elif pa.types.is_timestamp(t):
        days, per_day = array.cast(pa.int64()), _TIMESTAMP_UNITS[t.unit]
    else:
        return False
    if len(days) == days.null_count:
        return False
    low, high = pc.min_max(days).values()
    return low.as_py() < _FIRST_DAY * per_day or high.as_py() > (_LAST_DAY + 1) * per_day - 1


def people_table(con: duckdb.DuckDBPyConnection, table: pa.Table) -> pa.Table:
    """``table`` with every column pandas cannot convert or show replaced by DuckDB's text of it."""
    columns, changed = [], False
    for i in range(table.num_columns):
        column = table.column(i)
        try:
            bad = any(_outside_python_dates(chunk) for chunk in column.chunks)
            if not bad:
                pa.table({"v": column}).to_pandas()
        except Exception:  # noqa: BLE001 - any value pandas cannot hold
            bad = True
        if bad:
            column, changed = _text_of(con, column), True
        columns.append(column)
    return pa.Table.from_arrays(columns, names=table.column_names) if changed else table
