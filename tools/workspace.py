"""The workspace: every data source a person opened, as tables in one sandboxed DuckDB database.

The database lives in its own engine process (:mod:`insightchat.tools.engine`), so a query that
crashes DuckDB or ignores the time limit costs a restart of that process, never the program or
another UI session. It runs locked down: no file, network or extension access, no settings, bounded
memory and threads, spill files in a private folder.

Files are never written. Every source is copied in by the project's loaders
(:mod:`insightchat.tools.engine_loaders`): CSV, JSON and Parquet through a separate DuckDB instance,
Excel and SQLite through pandas, a DuckDB database file attached read-only; tables larger than the
memory limit spill to the private folder. Every table name is a safe identifier made from the file or
sheet name; clashes get a numeric suffix and a note. A link that points outside its own folder is
refused, so opening ``data.csv`` never silently reads a system file.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import stat
import weakref
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd
import pyarrow as pa

from insightchat.tools.engine import Engine, EngineRestarted, EngineSettings, Frame
from insightchat.tools.errors import DataSourceError, InsightError, QueryError
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


@dataclass
class TableSource:
    """Where a table came from, for the catalog summary and for error messages."""

    name: str
    kind: str
    path: str | None = None
    detail: str = ""  # sheet name, original table name, glob pattern
    declared_foreign_keys: list[tuple[str, str, str]] = field(default_factory=list)  # (col, ref_table, ref_col)
    notes: list[str] = field(default_factory=list)  # what the loader assumed and the cleaning step added
    typed_columns: dict[str, str] = field(default_factory=dict)  # typed column -> the text column it types
    value_words: dict[str, dict[str, str]] = field(default_factory=dict)  # column -> {word: the value it means}


@dataclass
class LimitedResult:
    """At most ``row_limit`` rows of a query, and how many there were in all (None: not counted)."""

    df: pd.DataFrame
    truncated: bool
    total_rows: int | None


# Loader notes that only confirm the usual reading; the catalog lists them, the user is not told twice.
ROUTINE_NOTES = ("Read as ", "Checked: ", "The file is large: its first")


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


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


def check_file(path: Path) -> Path:
    """``path`` as an absolute path, if it is a regular file that is not a link out of its folder.

    A link that stays inside its own folder (``latest.csv -> 2024.csv``) is fine; one that leaves it
    (``data.csv -> /etc/passwd``) is refused with the target named, as are devices and pipes (a
    FIFO would block the loader forever).
    """
    if path.is_symlink():
        target = path.resolve()
        folder = path.absolute().parent.resolve()
        if not target.is_relative_to(folder):
            raise DataSourceError(
                f"{path.name} is a link to {target}, outside its folder; links are not followed out of a folder",
                f"open {target} itself if that is the file you mean",
            )
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        raise DataSourceError(f"Could not open {path.name}: {exc.strerror}", "check the path") from None
    if not stat.S_ISREG(mode):
        raise DataSourceError(f"{path.name} is not a regular file", "open a data file")
    return path.absolute()


def _close_engine(engine: Engine) -> None:
    with contextlib.suppress(Exception):  # at interpreter exit or in a finaliser nothing more can be done
        engine.close()


class Workspace:
    """The opened tables, in one sandboxed DuckDB engine.

    Thread-safe: requests to the engine are answered one at a time; :meth:`interrupt` may be called
    from any thread (the UI's Stop button).
    """

    def __init__(
        self,
        sources: Iterable[str | Path | pd.DataFrame] | str | Path | pd.DataFrame | None = None,
        settings: EngineSettings | None = None,
    ) -> None:
        self.engine = Engine(settings)
        self._finalizer = weakref.finalize(self, _close_engine, self.engine)
        self.sources: dict[str, TableSource] = {}
        self.notes: list[str] = []  # things the user should know about how tables were named or read
        self._versions: dict[str, int] = {}
        # Facts other modules compute from tables (the catalog's profiles), keyed by their own keys,
        # which include the table's version. The workspace never reads it; it only forgets it on close.
        self.cache: dict[Hashable, Any] = {}
        if sources is None:
            return
        if isinstance(sources, (str, Path, pd.DataFrame)):
            sources = [sources]
        try:
            for src in sources:
                self.add(src)
        except BaseException:
            self.close()
            raise

    # ----------------------------------------------------------------- talking to the engine
    def _call(
        self,
        op: str,
        args: dict[str, Any],
        frames: Mapping[str, Frame] | None = None,
        *,
        logged: bool = False,
        label: str = "",
        timeout_s: float | None = None,
        loading: str | None = None,
    ) -> tuple[Any, bytes | None]:
        try:
            return self.engine.request(op, args, frames, logged=logged, label=label, timeout_s=timeout_s)
        except EngineRestarted as exc:
            self._forget_lost_tables()
            if loading is not None:
                raise DataSourceError(
                    exc.describe(f"Loading {loading}"),
                    "the file is too much for DuckDB here; split it, or save it in another format",
                ) from None
            raise QueryError(
                exc.describe("The query"), "simplify the query, add a filter, or raise the time limit"
            ) from None
        except duckdb.InterruptException:
            if loading is not None:
                raise DataSourceError(f"Loading {loading} was stopped", "load it again") from None
            raise

    def _forget_lost_tables(self) -> None:
        """After a restart whose replay lost a step, drop the tables that are no longer there."""
        if not self.engine.replay_failures:
            return
        present = {r[0] for r in self.query_rows("SELECT table_name FROM information_schema.tables")}
        for name in [n for n in self.sources if n not in present]:
            del self.sources[name]
            self.notes.append(f"Table {name!r} could not be reopened after the engine restarted and was removed.")

    # ----------------------------------------------------------------- adding sources
    def add(self, source: str | Path | pd.DataFrame, name: str | None = None) -> list[str]:
        """Open a path, a glob or a DataFrame; returns the names of the tables it added."""
        if isinstance(source, pd.DataFrame):
            return [self.add_dataframe(source, name or "df")]
        text = str(source)
        if is_glob(text) and not Path(text).exists():
            return [self._add_glob(text, name)]
        path = Path(text).expanduser()
        if not path.exists() and not path.is_symlink():
            raise DataSourceError(
                f"File not found: {text}", "check the path (relative paths start in the current folder)"
            )
        if path.is_dir() and not path.is_symlink():
            raise DataSourceError(f"{text} is a folder", f"name the files, or a glob such as {text.rstrip('/')}/*.csv")
        path = check_file(path)
        kind = detect_kind(path)
        base = name or table_name_for(path)
        if kind == "csv":
            return [self._add_csv([path], base)]
        if kind == "parquet":
            return [self._add_simple("parquet", [path], base)]
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
        try:
            self._call("ingest", {"table": table}, {"frame": frame}, logged=True, label=table, loading=name)
        except duckdb.Error as exc:
            raise DataSourceError(
                f"Could not copy DataFrame {name!r}: {_first_line(exc)}", "check its column types"
            ) from None
        self._record(TableSource(table, "dataframe", None, name))
        return table

    def _claim_name(self, base: str, also_taken: Iterable[str] = ()) -> str:
        taken = {t.lower() for t in also_taken}
        name = base
        n = 2
        while name in self.sources or name.lower() in taken or self._exists(name):
            name = f"{base}_{n}"
            n += 1
        if name != base:
            self.notes.append(f"Two sources map to table name {base!r}; the later one is called {name!r}.")
        return name

    def _exists(self, name: str) -> bool:
        rows = self.query_rows(
            "SELECT 1 FROM information_schema.tables WHERE table_catalog = current_database() "
            "AND table_schema = 'main' AND lower(table_name) = lower(?)",
            [name],
        )
        return bool(rows)

    def _record(self, source: TableSource) -> None:
        self.sources[source.name] = source
        self._versions[source.name] = self._versions.get(source.name, 0) + 1

    def _load(self, args: dict[str, Any], label: str, logged: bool = True) -> dict[str, Any]:
        value, _ = self._call("load", args, logged=logged, label=label, loading=label)
        return value

    def _add_simple(self, kind: str, paths: list[Path], base: str, detail: str = "") -> str:
        table = self._claim_name(base)
        label = paths[0].name
        result = self._load({"kind": kind, "paths": [str(p) for p in paths], "table": table, "label": label}, label)
        self._record(TableSource(table, kind, str(paths[0]), detail, notes=self._loader_notes(label, result)))
        return table

    def _loader_notes(self, label: str, result: dict[str, Any] | None) -> list[str]:
        """The loader's notes for the catalog; the ones that change what the table holds (rows left
        out, columns renamed, another dialect) are also said now, in ``notes``."""
        notes = [str(n) for n in (result or {}).get("notes", [])]
        self.notes.extend(f"{label}: {n}" for n in notes if not n.startswith(ROUTINE_NOTES))
        return notes

    def _add_csv(self, paths: list[Path], base: str, detail: str = "") -> str:
        for p in paths:
            sniff_encoding(p)  # every file: an empty or binary one fails with its own name
        return self._add_simple("csv", paths, base, detail)

    def _add_json(self, paths: list[Path], base: str, detail: str = "") -> str:
        for p in paths:
            sniff_encoding(p)
        return self._add_simple("json", paths, base, detail)

    def _add_glob(self, pattern: str, name: str | None) -> str:
        paths = [check_file(p) for p in expand_glob(pattern)]
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
        return self._add_simple("parquet", paths, base, detail=pattern)

    def _add_excel(self, path: Path, name: str | None) -> list[str]:
        listing = self._load({"kind": "excel", "path": str(path), "label": path.name}, path.name, logged=False)
        sheets = [(str(s), bool(has_data)) for s, has_data in listing["sheets"]]
        for sheet, has_data in sheets:
            if not has_data:
                self.notes.append(f"{path.name}: sheet {sheet!r} is empty and was skipped.")
        non_empty = [s for s, has_data in sheets if has_data]
        if not non_empty:
            raise DataSourceError(f"{path.name} has no data in any sheet", "add a header row and data to a sheet")
        targets: dict[str, str] = {}
        for sheet in non_empty:
            base = name or table_name_for(path)
            if len(sheets) > 1:
                base = safe_table_name(sheet if not name else f"{name}_{sheet}")
            targets[sheet] = self._claim_name(base, also_taken=targets.values())
        result = self._load({"kind": "excel", "path": str(path), "label": path.name, "targets": targets}, path.name)
        for sheet, table in targets.items():
            notes = self._loader_notes(f"{path.name} [{sheet}]", {"notes": result.get("notes", {}).get(sheet, [])})
            self._record(TableSource(table, "excel", str(path), sheet, notes=notes))
        return list(targets.values())

    def _add_sqlite(self, path: Path) -> list[str]:
        listing = self._load({"kind": "sqlite", "path": str(path), "label": path.name}, path.name, logged=False)
        names: list[str] = listing["tables"]
        if not names:
            raise DataSourceError(f"{path.name} has no tables", "open a database that contains tables")
        targets: dict[str, str] = {}
        for original in names:
            targets[original] = self._claim_name(safe_table_name(original), also_taken=targets.values())
        done = self._load({"kind": "sqlite", "path": str(path), "label": path.name, "targets": targets}, path.name)
        for original, reason in done.get("skipped", {}).items():
            self.notes.append(f"{path.name}: table {original!r} could not be read ({reason}); skipped.")
            targets.pop(original, None)
        renamed = {original.lower(): table for original, table in targets.items()}
        for original, table in targets.items():
            fks = [
                (str(col), renamed.get(str(ref).lower(), str(ref)), ref_col)
                for col, ref, ref_col in listing["foreign_keys"].get(original, [])
            ]
            self._record(TableSource(table, "sqlite", str(path), original, fks))
        return list(targets.values())

    def _add_duckdb(self, path: Path) -> list[str]:
        listing = self._load({"kind": "duckdb", "path": str(path), "label": path.name}, path.name, logged=False)
        rows = [(str(s), str(t)) for s, t in listing["tables"]]
        if not rows:
            raise DataSourceError(f"{path.name} has no tables", "open a database that contains tables")
        targets: dict[str, str] = {}
        for schema, tbl in rows:
            base = safe_table_name(tbl if schema == "main" else f"{schema}_{tbl}")
            targets[f"{schema}.{tbl}"] = self._claim_name(base, also_taken=targets.values())
        self._load({"kind": "duckdb", "path": str(path), "label": path.name, "targets": targets}, path.name)
        for key, table in targets.items():
            self._record(TableSource(table, "duckdb", str(path), key.partition(".")[2]))
        return list(targets.values())

    # ----------------------------------------------------------------- reading
    def table_names(self) -> list[str]:
        return list(self.sources)

    def has_table(self, name: str) -> bool:
        return name in self.sources

    def version(self, table: str) -> int:
        return self._versions.get(table, 0)

    def columns(self, table: str) -> list[tuple[str, str]]:
        """(name, DuckDB type) of each column, in order."""
        rows = self.query_rows(f"DESCRIBE {_quote(table)}")
        return [(r[0], str(r[1])) for r in rows]

    def query_rows(
        self, sql: str, params: list[object] | None = None, frames: Mapping[str, Frame] | None = None
    ) -> list[tuple[Any, ...]]:
        """Like :meth:`query_df` but plain tuples (keeps DuckDB MAP and LIST values as Python ones)."""
        value, _ = self._call("rows", {"sql": sql, "params": list(params or [])}, frames)
        return value

    def query_arrow(
        self, sql: str, params: list[object] | None = None, frames: Mapping[str, Frame] | None = None
    ) -> pa.Table:
        """Run trusted SQL written by the project itself; the result as an Arrow table."""
        meta, raw = self._call("select", {"sql": sql, "params": list(params or [])}, frames)
        return _read_ipc(raw)

    def query_df(
        self, sql: str, params: list[object] | None = None, frames: Mapping[str, Frame] | None = None
    ) -> pd.DataFrame:
        """Run trusted SQL written by the project itself (never user or model text: see tools.sql).

        ``frames`` are registered under their names for this statement only (e.g. a list of hashes
        to join against). The result is what DuckDB's ``.df()`` gives (a column pandas cannot hold
        comes back as text).
        """
        value, _ = self._call("df", {"sql": sql, "params": list(params or [])}, frames)
        return value

    def query_limited(
        self, sql: str, row_limit: int, timeout_s: float | None = None, count_total: bool = True
    ) -> LimitedResult:
        """The first ``row_limit`` rows of a query that passed the SQL gate, for people to read.

        Stopped at ``timeout_s`` (and the engine restarted if it does not stop); result types pandas
        cannot show (UNION, UHUGEINT, INTERVAL, BIT, 'infinity' dates) come back as DuckDB's text.
        """
        args = {"sql": sql, "row_limit": row_limit, "count_total": count_total, "for_people": True}
        meta, raw = self._call("select", args, timeout_s=timeout_s)
        return LimitedResult(_read_ipc(raw).to_pandas(), bool(meta["truncated"]), meta["total"])

    # ----------------------------------------------------------------- project writes
    def execute(self, sql: str, params: list[object] | None = None, frames: Mapping[str, Frame] | None = None) -> None:
        """Run project DDL/DML (derived tables, caches); kept in the engine's log for a restart."""
        label = sql.split("(")[0][:60]
        self._call("execute", {"sql": sql, "params": list(params or [])}, frames, logged=True, label=label)

    def ingest(self, name: str, frame: Frame, replace: bool = False) -> None:
        """Create (or replace) project table ``name`` from a DataFrame or Arrow data."""
        self._call("ingest", {"table": name, "replace": replace}, {"frame": frame}, logged=True, label=name)

    def replace_with_view(self, name: str, make_select: Callable[[str], str]) -> str:
        """Redefine table ``name`` as a project-written view over its current data.

        Used to add derived columns (sentiment, topic) so later questions can ``GROUP BY`` them.
        ``make_select`` receives the quoted identifier that now holds the original rows and returns
        the view's SELECT; it must be SQL written by the project, never user or model text. The
        original rows are kept under ``_base_<name>`` (the table or view is renamed), so nothing is
        lost and the catalog re-profiles the table.
        """
        base = f"_base_{name}"
        if not self._exists(base):
            kind = self.query_rows(
                "SELECT table_type FROM information_schema.tables WHERE table_catalog = current_database() "
                "AND table_schema = 'main' AND table_name = ?",
                [name],
            )
            if not kind:
                raise DataSourceError(f"Unknown table {name!r}", f"tables: {', '.join(self.sources)}")
            what = "TABLE" if kind[0][0] == "BASE TABLE" else "VIEW"
            self.execute(f"ALTER {what} {_quote(name)} RENAME TO {_quote(base)}")
        self.execute(f"CREATE OR REPLACE VIEW {_quote(name)} AS {make_select(_quote(base))}")
        self.invalidate(name)
        return name

    def invalidate(self, table: str) -> None:
        """Mark a table as changed so its profile is recomputed on next use."""
        self._versions[table] = self._versions.get(table, 0) + 1

    def interrupt(self) -> None:
        """Stop the query now running on this workspace (e.g. the UI's Stop button)."""
        self.engine.interrupt()

    # ----------------------------------------------------------------- catalog
    def profile(self, table: str) -> TableProfile:
        from insightchat.tools.catalog import profile

        return profile(self, table)

    def catalog(self) -> Catalog:
        """Profiles of every table plus the relations between them, computed lazily and cached."""
        from insightchat.tools.catalog import build_catalog

        return build_catalog(self)

    def close(self) -> None:
        """End the engine and delete its private folder; safe to call twice."""
        self.cache.clear()
        self._finalizer()

    @property
    def closed(self) -> bool:
        return not self._finalizer.alive


def _read_ipc(raw: bytes | None) -> pa.Table:
    if raw is None:
        raise InsightError("The engine sent no result", "run the query again")
    return pa.ipc.open_stream(pa.py_buffer(raw)).read_all()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
