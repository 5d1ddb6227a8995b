"""The workspace: every data source a person opened, as tables in one DuckDB session.

Files are never written. CSV and Parquet are scanned by DuckDB itself (a view over ``read_csv`` /
``read_parquet``), so a file larger than memory works; small CSV files are copied into DuckDB once so
that repeated questions do not re-parse them. Excel sheets and SQLite tables are read with Python
(openpyxl, sqlite3: DuckDB's extensions for them cannot be downloaded offline) and copied in. A DuckDB
database file is attached read-only. Every table name is a safe identifier made from the file or
sheet name; clashes get a numeric suffix and a note.
"""

from __future__ import annotations

import codecs
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd

from insightchat.tools.errors import DataSourceError
from insightchat.tools.sources import (
    SUPPORTED,
    detect_kind,
    expand_glob,
    glob_table_name,
    is_glob,
    safe_table_name,
    table_name_for,
)

if TYPE_CHECKING:
    from insightchat.tools.catalog import Catalog, TableProfile

# CSV files up to this size are loaded into DuckDB memory once; larger ones stay views over the file.
MATERIALIZE_CSV_BELOW_BYTES = 256 * 1024 * 1024


@dataclass
class TableSource:
    """Where a table came from, for the catalog summary and for error messages."""

    name: str
    kind: str
    path: str | None = None
    detail: str = ""  # sheet name, original table name, glob pattern
    declared_foreign_keys: list[tuple[str, str, str]] = field(default_factory=list)  # (col, ref_table, ref_col)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def sniff_encoding(path: Path, probe_bytes: int = 1 << 16) -> str:
    """The encoding DuckDB should read a text file with: utf-8 (BOM or not), utf-16, or latin-1.

    Raises for a file that is empty or looks binary, so the user hears that rather than a parser error.
    """
    with path.open("rb") as fh:
        head = fh.read(probe_bytes)
    if not head.strip():
        raise DataSourceError(f"{path.name} is empty", "the file has no rows and no header")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        raise DataSourceError(
            f"{path.name} does not look like a text file (it contains binary data)",
            f"open a text CSV/TSV or another supported format: {SUPPORTED}",
        )
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut in half at the probe's end
            return "latin-1"
    return "utf-8"


class Workspace:
    """One DuckDB session holding every opened table.

    Thread-safety: DuckDB connections are not shared between threads; use :meth:`cursor` to get a
    connection of the same database for a worker thread (the safe SQL tool does).
    """

    def __init__(self, sources: Iterable[str | Path | pd.DataFrame] | str | Path | pd.DataFrame | None = None) -> None:
        # DuckDB's own progress bar writes to stdout, which would corrupt --json output.
        self.con = duckdb.connect(":memory:")
        self.con.execute("SET enable_progress_bar = false")
        self._lock = threading.RLock()
        self.sources: dict[str, TableSource] = {}
        self.notes: list[str] = []  # things the user should know about how tables were named or read
        self._versions: dict[str, int] = {}
        self._profiles: dict[tuple[str, int], TableProfile] = {}
        self._attached = 0
        self._running: dict[int, duckdb.DuckDBPyConnection] = {}
        if sources is None:
            return
        if isinstance(sources, (str, Path, pd.DataFrame)):
            sources = [sources]
        for src in sources:
            self.add(src)

    # ----------------------------------------------------------------- adding sources
    def add(self, source: str | Path | pd.DataFrame, name: str | None = None) -> list[str]:
        """Open a path, a glob or a DataFrame; returns the names of the tables it added."""
        if isinstance(source, pd.DataFrame):
            return [self.add_dataframe(source, name or "df")]
        text = str(source)
        if is_glob(text) and not Path(text).exists():
            return [self._add_glob(text, name)]
        path = Path(text).expanduser()
        if not path.exists():
            raise DataSourceError(
                f"File not found: {text}", "check the path (relative paths start in the current folder)"
            )
        if path.is_dir():
            raise DataSourceError(f"{text} is a folder", f"name the files, or a glob such as {text.rstrip('/')}/*.csv")
        kind = detect_kind(path)
        base = name or table_name_for(path)
        if kind == "csv":
            return [self._add_csv([path], base)]
        if kind == "parquet":
            return [self._add_view(base, f"SELECT * FROM read_parquet({_sql_string(str(path))})", "parquet", path)]
        if kind == "json":
            return [self._add_json([path], base)]
        if kind == "excel":
            return self._add_excel(path, name)
        if kind == "sqlite":
            return self._add_sqlite(path)
        return self._add_duckdb(path)

    def add_dataframe(self, df: pd.DataFrame, name: str = "df") -> str:
        """Copy a pandas DataFrame in as a table (later changes to ``df`` do not leak in)."""
        if not isinstance(df, pd.DataFrame):
            raise DataSourceError("Expected a pandas DataFrame", f"got {type(df).__name__}")
        if len(df.columns) == 0:
            raise DataSourceError(f"DataFrame {name!r} has no columns", "pass a DataFrame with at least one column")
        frame = df.copy()
        frame.columns = [str(c) for c in frame.columns]
        table = self._claim_name(safe_table_name(name))
        with self._lock:
            self.con.register("__incoming_df", frame)
            try:
                self.con.execute(f"CREATE TABLE {_quote(table)} AS SELECT * FROM __incoming_df")
            finally:
                self.con.unregister("__incoming_df")
        self._record(TableSource(table, "dataframe", None, name))
        return table

    def _claim_name(self, base: str) -> str:
        name = base
        n = 2
        while name in self.sources or self._exists(name):
            name = f"{base}_{n}"
            n += 1
        if name != base:
            self.notes.append(f"Two sources map to table name {base!r}; the later one is called {name!r}.")
        return name

    def _exists(self, name: str) -> bool:
        with self._lock:
            rows = self.con.execute(
                "SELECT 1 FROM information_schema.tables WHERE table_catalog = current_database() "
                "AND table_schema = 'main' AND lower(table_name) = lower(?)",
                [name],
            ).fetchall()
        return bool(rows)

    def _record(self, source: TableSource) -> None:
        self.sources[source.name] = source
        self._versions[source.name] = self._versions.get(source.name, 0) + 1

    def _add_view(self, base: str, select_sql: str, kind: str, path: Path | None, detail: str = "") -> str:
        table = self._claim_name(base)
        with self._lock:
            try:
                self.con.execute(f"CREATE VIEW {_quote(table)} AS {select_sql}")
                self.con.execute(f"SELECT * FROM {_quote(table)} LIMIT 0").fetchall()
            except duckdb.Error as exc:
                self.con.execute(f"DROP VIEW IF EXISTS {_quote(table)}")
                label = path.name if path else detail
                raise DataSourceError(
                    f"Could not read {label} as {kind}: {_first_line(exc)}", "check the file's format"
                ) from None
        self._record(TableSource(table, kind, str(path) if path else None, detail))
        return table

    def _csv_reader_sql(self, paths: list[Path]) -> str:
        encoding = sniff_encoding(paths[0])
        files = "[" + ", ".join(_sql_string(str(p)) for p in paths) + "]"
        options = [
            f"encoding={_sql_string(encoding)}",
            "null_padding=true",
            "strict_mode=false",
            "sample_size=100000",
        ]
        if len(paths) > 1:
            options += ["union_by_name=true", "filename=false"]
        return f"read_csv({files}, {', '.join(options)})"

    def _add_csv(self, paths: list[Path], base: str, detail: str = "") -> str:
        size = sum(p.stat().st_size for p in paths)
        for p in paths:
            sniff_encoding(p)  # every file: an empty or binary one fails with its own name
        reader = self._csv_reader_sql(paths)
        if size >= MATERIALIZE_CSV_BELOW_BYTES:
            return self._add_view(base, f"SELECT * FROM {reader}", "csv", paths[0], detail)
        table = self._claim_name(base)
        with self._lock:
            try:
                self.con.execute(f"CREATE TABLE {_quote(table)} AS SELECT * FROM {reader}")
            except duckdb.Error as exc:
                raise DataSourceError(
                    f"Could not read {paths[0].name} as CSV: {_first_line(exc)}",
                    "check the delimiter and quoting, or save the file as UTF-8 CSV",
                ) from None
        self._record(TableSource(table, "csv", str(paths[0]), detail))
        return table

    def _add_json(self, paths: list[Path], base: str, detail: str = "") -> str:
        for p in paths:
            sniff_encoding(p)
        files = "[" + ", ".join(_sql_string(str(p)) for p in paths) + "]"
        table = self._claim_name(base)
        with self._lock:
            try:
                self.con.execute(f"CREATE TABLE {_quote(table)} AS SELECT * FROM read_json_auto({files})")
            except duckdb.Error as exc:
                raise DataSourceError(
                    f"Could not read {paths[0].name} as JSON: {_first_line(exc)}",
                    "expected an array of objects or one object per line (NDJSON)",
                ) from None
        self._record(TableSource(table, "json", str(paths[0]), detail))
        return table

    def _add_glob(self, pattern: str, name: str | None) -> str:
        paths = expand_glob(pattern)
        kinds = {detect_kind(p) for p in paths}
        if len(kinds) != 1 or next(iter(kinds)) not in ("csv", "parquet", "json"):
            raise DataSourceError(
                f"{pattern!r} matches files of different or unsupported kinds ({', '.join(sorted(kinds))})",
                "a glob must match CSV, Parquet or JSON files of one kind; open other files one by one",
            )
        kind = kinds.pop()
        base = name or glob_table_name(pattern)
        if kind == "csv":
            return self._add_csv(paths, base, detail=pattern)
        if kind == "json":
            return self._add_json(paths, base, detail=pattern)
        files = "[" + ", ".join(_sql_string(str(p)) for p in paths) + "]"
        return self._add_view(
            base, f"SELECT * FROM read_parquet({files}, union_by_name=true)", "parquet", paths[0], pattern
        )

    def _add_excel(self, path: Path, name: str | None) -> list[str]:
        try:
            sheets = pd.read_excel(path, sheet_name=None, engine="openpyxl")
        except Exception as exc:  # openpyxl raises many types for broken workbooks
            raise DataSourceError(f"Could not read {path.name} as Excel: {exc}", "re-save it as .xlsx or CSV") from None
        added: list[str] = []
        non_empty = {k: v for k, v in sheets.items() if not (v.empty and len(v.columns) == 0)}
        for sheet in sheets:
            if sheet not in non_empty:
                self.notes.append(f"{path.name}: sheet {sheet!r} is empty and was skipped.")
        if not non_empty:
            raise DataSourceError(f"{path.name} has no data in any sheet", "add a header row and data to a sheet")
        for sheet, frame in non_empty.items():
            base = name or table_name_for(path)
            if len(sheets) > 1:
                base = safe_table_name(sheet if not name else f"{name}_{sheet}")
            frame = _normalise_object_columns(frame)
            table = self.add_dataframe(frame, base)
            self.sources[table] = TableSource(table, "excel", str(path), sheet)
            added.append(table)
        return added

    def _add_sqlite(self, path: Path) -> list[str]:
        uri = f"file:{path.resolve()}?mode=ro&immutable=1"
        try:
            src = sqlite3.connect(uri, uri=True)
            names = [
                r[0]
                for r in src.execute(
                    "SELECT name FROM sqlite_master WHERE type IN ('table','view') AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
        except sqlite3.DatabaseError as exc:
            raise DataSourceError(
                f"Could not read {path.name} as SQLite: {exc}", "check that it is a SQLite database"
            ) from None
        if not names:
            raise DataSourceError(f"{path.name} has no tables", "open a database that contains tables")
        added: list[str] = []
        renamed: dict[str, str] = {}
        try:
            for original in names:
                try:
                    frame = pd.read_sql_query(f"SELECT * FROM {_quote(original)}", src)
                except Exception as exc:
                    self.notes.append(f"{path.name}: table {original!r} could not be read ({exc}); skipped.")
                    continue
                frame = _normalise_object_columns(frame)
                table = self.add_dataframe(frame, safe_table_name(original))
                renamed[original.lower()] = table
                added.append(table)
            for original in names:
                table = renamed.get(original.lower())
                if table is None:
                    continue
                fks = []
                for row in src.execute(f"PRAGMA foreign_key_list({_quote(original)})"):
                    ref_table, from_col, to_col = row[2], row[3], row[4]
                    fks.append((from_col, renamed.get(str(ref_table).lower(), str(ref_table)), to_col))
                self.sources[table] = TableSource(table, "sqlite", str(path), original, fks)
        finally:
            src.close()
        return added

    def _add_duckdb(self, path: Path) -> list[str]:
        self._attached += 1
        alias = f"src{self._attached}"
        with self._lock:
            try:
                self.con.execute(f"ATTACH {_sql_string(str(path))} AS {alias} (READ_ONLY)")
                rows = self.con.execute(
                    "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ? "
                    "UNION ALL SELECT schema_name, view_name FROM duckdb_views() WHERE database_name = ? AND NOT internal",
                    [alias, alias],
                ).fetchall()
            except duckdb.Error as exc:
                raise DataSourceError(
                    f"Could not open {path.name} as a DuckDB database: {_first_line(exc)}", "check the file"
                ) from None
        if not rows:
            raise DataSourceError(f"{path.name} has no tables", "open a database that contains tables")
        added = []
        for schema, tbl in rows:
            base = safe_table_name(tbl if schema == "main" else f"{schema}_{tbl}")
            added.append(
                self._add_view(base, f"SELECT * FROM {alias}.{_quote(schema)}.{_quote(tbl)}", "duckdb", path, tbl)
            )
        return added

    # ----------------------------------------------------------------- reading
    def table_names(self) -> list[str]:
        return list(self.sources)

    def has_table(self, name: str) -> bool:
        return name in self.sources

    def version(self, table: str) -> int:
        return self._versions.get(table, 0)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A connection to the same in-memory database for use from another thread."""
        with self._lock:
            return self.con.cursor()

    @contextmanager
    def running_cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor for one query that :meth:`interrupt` can stop; closed when the block ends."""
        cur = self.cursor()
        self._running[id(cur)] = cur
        try:
            yield cur
        finally:
            self._running.pop(id(cur), None)
            cur.close()

    def interrupt(self) -> None:
        """Stop every query now running on this workspace (e.g. the UI's Stop button)."""
        for cur in list(self._running.values()):
            try:
                cur.interrupt()
            except duckdb.Error:  # it finished meanwhile
                pass

    def columns(self, table: str) -> list[tuple[str, str]]:
        """(name, DuckDB type) of each column, in order."""
        with self._lock:
            rows = self.con.execute(f"DESCRIBE {_quote(table)}").fetchall()
        return [(r[0], str(r[1])) for r in rows]

    def query_rows(self, sql: str, params: list[object] | None = None) -> list[tuple[Any, ...]]:
        """Like :meth:`query_df` but plain tuples (keeps DuckDB MAP and LIST values as Python ones)."""
        with self._lock:
            return self.con.execute(sql, params or []).fetchall()

    def query_df(self, sql: str, params: list[object] | None = None) -> pd.DataFrame:
        """Run trusted SQL written by the project itself (never user or model text: see tools.sql)."""
        with self._lock:
            return self.con.execute(sql, params or []).df()

    def replace_with_view(self, name: str, make_select: Callable[[str], str]) -> str:
        """Redefine table ``name`` as a project-written view over its current data.

        Used to add derived columns (sentiment, topic) so later questions can ``GROUP BY`` them.
        ``make_select`` receives the quoted identifier that now holds the original rows and returns
        the view's SELECT; it must be SQL written by the project, never user or model text. The
        original rows are kept under ``_base_<name>`` (the table or view is renamed), so nothing is lost and the catalog re-profiles the table.
        """
        base = f"_base_{name}"
        with self._lock:
            have_base = self._exists(base)
            if not have_base:
                kind = self.con.execute(
                    "SELECT table_type FROM information_schema.tables WHERE table_catalog = current_database() "
                    "AND table_schema = 'main' AND table_name = ?",
                    [name],
                ).fetchall()
                if not kind:
                    raise DataSourceError(f"Unknown table {name!r}", f"tables: {', '.join(self.sources)}")
                if kind[0][0] == "BASE TABLE":
                    self.con.execute(f"ALTER TABLE {_quote(name)} RENAME TO {_quote(base)}")
                else:
                    self.con.execute(f"ALTER VIEW {_quote(name)} RENAME TO {_quote(base)}")
            self.con.execute(f"CREATE OR REPLACE VIEW {_quote(name)} AS {make_select(_quote(base))}")
        self.invalidate(name)
        return name

    def invalidate(self, table: str) -> None:
        """Mark a table as changed so its profile is recomputed on next use."""
        self._versions[table] = self._versions.get(table, 0) + 1

    # ----------------------------------------------------------------- catalog
    def profile(self, table: str) -> TableProfile:
        from insightchat.tools.catalog import profile_table

        key = (table, self.version(table))
        if key not in self._profiles:
            self._profiles[key] = profile_table(self, table)
        return self._profiles[key]

    def catalog(self) -> Catalog:
        """Profiles of every table plus the relations between them, computed lazily and cached."""
        from insightchat.tools.catalog import build_catalog

        return build_catalog(self)

    def close(self) -> None:
        self.con.close()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _normalise_object_columns(frame: pd.DataFrame) -> pd.DataFrame:
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
