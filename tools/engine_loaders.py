"""File loaders, run inside the engine process: read a user's file with project code and stream it
into the sandboxed query database as Arrow.

CSV, JSON and Parquet are read by a separate, unlocked DuckDB instance (its ``read_csv`` sniffs
delimiters, headers and types) and DuckDB database files are attached to it read-only; Excel sheets
and SQLite tables are read with pandas (openpyxl, sqlite3: DuckDB's extensions for them cannot be
downloaded offline). Every table is copied in, spilling to the private temp folder when it is larger
than the memory limit, so the query database never needs to open a file and a file that changes later
does not change an answer half-way through a conversation.

Each request names its target tables: names and notes are the parent's business
(:class:`insightchat.tools.workspace.Workspace`); a request that only lists what a file holds
(``targets`` left out) returns that list.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd

from insightchat.tools.errors import DataSourceError
from insightchat.tools.json_reading import plan_json

if TYPE_CHECKING:
    from insightchat.tools.engine_child import EngineState

ARROW_BATCH_ROWS = 100_000
LONG_LINE_BYTES = 256 * 1024 * 1024  # a second try for files whose lines exceed DuckDB's default 2 MB


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def duckdb_reason(exc: BaseException) -> str:
    """The informative part of a DuckDB error: its first line and the line that says why.

    A CSV error's first line is only "CSV Error on Line: 1"; the reason ("Maximum line size of
    2000000 bytes exceeded") comes after a copy of the offending line, which may be megabytes long.
    """
    lines = [ln.strip() for ln in str(exc).strip().splitlines() if ln.strip()]
    if not lines:
        return type(exc).__name__
    first = lines[0].removeprefix("Invalid Input Error: ")
    for line in lines[1:]:
        if line.startswith(("Original Line", "file =", "Possible Solution")) or len(line) > 300:
            continue
        if any(word in line.lower() for word in ("exceeded", "expected", "could not", "error", "invalid", "found")):
            return f"{first}: {line}"
        break
    return first if len(first) <= 300 else first[:297] + "..."


def _stream_in(state: EngineState, table: str, source: Any) -> None:
    """``CREATE TABLE table AS`` the rows of ``source`` (a DataFrame or an Arrow stream)."""
    con = state.con
    con.register("__ic_incoming", source)
    try:
        con.execute(f"CREATE TABLE {_quote(table)} AS SELECT * FROM __ic_incoming").fetchall()
    finally:
        con.unregister("__ic_incoming")


def _drop_if_there(state: EngineState, table: str) -> None:
    state.con.execute(f"DROP TABLE IF EXISTS {_quote(table)}").fetchall()


def _csv_sql(paths: list[str], encoding: str, max_line_size: int | None) -> str:
    files = "[" + ", ".join(_sql_string(p) for p in paths) + "]"
    options = [f"encoding={_sql_string(encoding)}", "null_padding=true", "strict_mode=false", "sample_size=100000"]
    if max_line_size:
        options.append(f"max_line_size={max_line_size}")
    if len(paths) > 1:
        options += ["union_by_name=true", "filename=false"]
    return f"SELECT * FROM read_csv({files}, {', '.join(options)})"


def _copy_from_loader(state: EngineState, table: str, select_sql: str) -> None:
    loader = state.open_loader()
    try:
        _stream_in(state, table, loader.sql(select_sql).to_arrow_reader(ARROW_BATCH_ROWS))
    finally:
        state.close_loader()


def load_csv(state: EngineState, args: dict[str, Any]) -> dict[str, Any]:
    """Read with the options ``csv_reading.plan_csv`` chose and checked; its notes go back to the parent."""
    from insightchat.tools.csv_reading import plan_csv

    paths, table, name = args["paths"], args["table"], args["label"]
    loader = state.open_loader()
    plan = None
    try:
        plan = plan_csv(loader, [Path(p) for p in paths])
        _stream_in(state, table, loader.sql(plan.select_sql).to_arrow_reader(ARROW_BATCH_ROWS))
    except duckdb.InterruptException:
        _drop_if_there(state, table)
        raise
    except duckdb.Error as exc:
        _drop_if_there(state, table)
        raise DataSourceError(
            f"Could not read {name} as CSV: {duckdb_reason(exc)}",
            "check the delimiter and quoting, or save the file as UTF-8 CSV",
        ) from None
    finally:
        if plan is not None:
            plan.remove_copies()
        state.close_loader()
    return {"notes": plan.notes}


def load_json(state: EngineState, args: dict[str, Any]) -> dict[str, Any]:
    files = "[" + ", ".join(_sql_string(p) for p in args["paths"]) + "]"
    table = args["table"]
    notes: list[str] = []
    try:
        loader = state.open_loader()
        try:  # nested records become columns (json_reading)
            flat = plan_json(loader, f"read_json_auto({files})")
        finally:
            state.close_loader()
        notes = flat.notes
        _copy_from_loader(state, table, flat.select_sql)
        columns = state.con.execute(f"DESCRIBE {_quote(table)}").fetchall()
    except duckdb.InterruptException:
        _drop_if_there(state, table)
        raise
    except duckdb.Error as exc:
        _drop_if_there(state, table)
        raise DataSourceError(
            f"Could not read {args['label']} as JSON: {duckdb_reason(exc)}",
            "expected an array of objects or one object per line (NDJSON)",
        ) from None
    if len(columns) == 1 and columns[0][0] == "json":
        # read_json_auto gives one column "json" when the top level is not objects (a scalar, nested arrays)
        _drop_if_there(state, table)
        raise DataSourceError(
            f"{args['label']} holds no records (its top level is not objects)",
            "expected an array of objects or one object per line (NDJSON)",
        )
    return {"notes": notes}


def load_parquet(state: EngineState, args: dict[str, Any]) -> dict[str, Any]:
    files = "[" + ", ".join(_sql_string(p) for p in args["paths"]) + "]"
    union = ", union_by_name=true" if len(args["paths"]) > 1 else ""
    try:
        _copy_from_loader(state, args["table"], f"SELECT * FROM read_parquet({files}{union})")
    except duckdb.InterruptException:
        _drop_if_there(state, args["table"])
        raise
    except duckdb.Error as exc:
        _drop_if_there(state, args["table"])
        raise DataSourceError(
            f"Could not read {args['label']} as parquet: {duckdb_reason(exc)}", "check the file's format"
        ) from None
    return {}


def load_duckdb(state: EngineState, args: dict[str, Any]) -> dict[str, Any]:
    """List the tables and views of a DuckDB file, or copy the ones named in ``targets``."""
    label = args["label"]
    loader = state.open_loader()
    try:
        try:
            loader.execute(f"ATTACH {_sql_string(args['path'])} AS src (READ_ONLY)")
            rows = loader.execute(
                "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = 'src' "
                "UNION ALL SELECT schema_name, view_name FROM duckdb_views() WHERE database_name = 'src' "
                "AND NOT internal"
            ).fetchall()
        except duckdb.Error as exc:
            raise DataSourceError(
                f"Could not open {label} as a DuckDB database: {duckdb_reason(exc)}", "check the file"
            ) from None
        targets: dict[str, str] | None = args.get("targets")
        if targets is None:
            return {"tables": [[s, t] for s, t in rows]}
        for key, table in targets.items():
            schema, _, name = key.partition(".")
            select = f"SELECT * FROM src.{_quote(schema)}.{_quote(name)}"
            try:
                _stream_in(state, table, loader.sql(select).to_arrow_reader(ARROW_BATCH_ROWS))
            except duckdb.InterruptException:
                _drop_if_there(state, table)
                raise
            except duckdb.Error as exc:
                _drop_if_there(state, table)
                raise DataSourceError(
                    f"Could not read {label} table {name!r}: {duckdb_reason(exc)}", "check the file"
                ) from None
        return {}
    finally:
        state.close_loader()


def normalise_object_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Make columns DuckDB can take: mixed-type object columns become text, names become strings."""
    frame = frame.copy()
    frame.columns = [str(c) for c in frame.columns]
    for col in frame.columns:
        series = frame[col]
        if series.dtype == object:
            types = {type(v) for v in series.dropna()}
            if len(types) > 1 or (types and not types <= {str}):
                if types <= {int, float} or types <= {bool}:
                    continue
                frame[col] = series.map(
                    lambda v: None if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)
                )
    return frame


def _ingest_frame(state: EngineState, table: str, frame: pd.DataFrame) -> None:
    try:
        _stream_in(state, table, frame)
    except duckdb.Error:
        _drop_if_there(state, table)
        raise


def load_excel(state: EngineState, args: dict[str, Any]) -> dict[str, Any]:
    """List a workbook's sheets (and which are empty), or copy the sheets named in ``targets``; sheets
    are read by ``excel_reading`` (title blocks, merged header cells), its notes go back per sheet."""
    from insightchat.tools.excel_reading import read_workbook

    sheets = {t.sheet: t for t in read_workbook(Path(args["path"]))}
    targets: dict[str, str] | None = args.get("targets")
    if targets is None:
        return {"sheets": [[name, t.frame is not None and len(t.frame.columns) > 0] for name, t in sheets.items()]}
    for sheet, table in targets.items():
        frame = sheets[sheet].frame
        assert frame is not None
        _ingest_frame(state, table, normalise_object_columns(frame))
    return {"notes": {sheet: sheets[sheet].notes for sheet in targets}}


def load_sqlite(state: EngineState, args: dict[str, Any]) -> dict[str, Any]:
    """List a SQLite file's tables and declared foreign keys, or copy the tables named in ``targets``."""
    label = args["label"]
    uri = f"file:{args['path']}?mode=ro&immutable=1"
    try:
        src = sqlite3.connect(uri, uri=True)
        names = [
            r[0]
            for r in src.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('table','view') AND name NOT LIKE 'sqlite_%' "
                "ORDER BY name"
            )
        ]
    except sqlite3.Error as exc:
        raise DataSourceError(
            f"Could not read {label} as SQLite: {exc}", "check that it is a SQLite database"
        ) from None
    try:
        targets: dict[str, str] | None = args.get("targets")
        if targets is None:
            fks: dict[str, list[list[str]]] = {}
            for original in names:
                try:
                    rows = src.execute(f"PRAGMA foreign_key_list({_quote(original)})").fetchall()
                except sqlite3.Error:
                    rows = []
                fks[original] = [[str(r[3]), str(r[2]), r[4]] for r in rows]  # from column, ref table, ref column
            return {"tables": names, "foreign_keys": fks}
        skipped: dict[str, str] = {}
        for original, table in targets.items():
            try:
                frame = pd.read_sql_query(f"SELECT * FROM {_quote(original)}", src)
            except Exception as exc:  # a broken view or table: skip it, say so
                skipped[original] = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                continue
            _ingest_frame(state, table, normalise_object_columns(frame))
        return {"skipped": skipped}
    finally:
        src.close()


LOADERS = {
    "csv": load_csv,
    "json": load_json,
    "parquet": load_parquet,
    "duckdb": load_duckdb,
    "excel": load_excel,
    "sqlite": load_sqlite,
}


def load(state: EngineState, args: dict[str, Any]) -> dict[str, Any]:
    return LOADERS[args["kind"]](state, args)
