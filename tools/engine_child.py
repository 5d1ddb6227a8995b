"""The engine process: one sandboxed DuckDB database per workspace, serving the parent over a pipe.

Runs in a process forked by :mod:`insightchat.tools.engine_fork`, so a query that crashes DuckDB or
cannot be interrupted takes down this process only; the parent (:mod:`insightchat.tools.engine`)
notices, starts a fresh engine and replays its log.

The query database is locked down from its first statement: no file, network or extension access,
configuration locked (no ``SET``, no logging or profiling to files), a memory limit, a thread limit and
spill files confined to the workspace's private folder. Files are read by the project's loaders
(:mod:`insightchat.tools.engine_loaders`) through a second, unlocked DuckDB instance or pandas and
streamed in as Arrow, so the query database itself never opens a user's file.

Two channels: requests (one at a time, answered in order) and control, served by a watcher thread
that interrupts the running request when asked and ends the process when the parent goes away.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import resource
import threading
import warnings
from multiprocessing.connection import Connection
from typing import Any

import duckdb
import pandas as pd  # noqa: F401 - preloaded so that loaders and pickled frames cost nothing per engine
import pyarrow as pa

from insightchat.tools.engine_frames import (
    AS_TEXT_ALWAYS,
    AS_TEXT_FOR_PEOPLE,
    as_text_where_needed,
    duckdb_frame,
    people_table,
)
from insightchat.tools.errors import InsightError


def sandbox_config(settings: dict[str, Any]) -> dict[str, Any]:
    """The query database's configuration (see the module docstring for why each is there)."""
    return {
        "enable_external_access": False,
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "allow_community_extensions": False,
        "memory_limit": settings["memory_limit"],
        "threads": int(settings["threads"]),
        "temp_directory": settings["temp_dir"],
        "max_temp_directory_size": settings["temp_limit"],
    }


def open_query_database(settings: dict[str, Any]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:", config=sandbox_config(settings))
    con.execute("SET enable_progress_bar = false")  # the last setting; from here on nothing can change
    con.execute("SET lock_configuration = true")
    return con


def open_loader_database(settings: dict[str, Any]) -> duckdb.DuckDBPyConnection:
    """An unlocked instance for reading files; Arrow export keeps every DuckDB type (UUID, HUGEINT...)."""
    con = duckdb.connect(
        ":memory:",
        config={
            "memory_limit": settings["memory_limit"],
            "threads": int(settings["threads"]),
            "temp_directory": os.path.join(settings["temp_dir"], "loader"),
            "max_temp_directory_size": settings["temp_limit"],
            "autoinstall_known_extensions": False,
            "arrow_lossless_conversion": True,
        },
    )
    con.execute("SET enable_progress_bar = false")
    return con


def _limit_memory(settings: dict[str, Any]) -> None:
    """Bound this process's heap, so a function DuckDB does not account for (damerau_levenshtein on long
    strings) fails with an out-of-memory error instead of growing until the kernel kills someone."""
    limit = int(settings.get("data_limit_bytes") or 0)
    if limit > 0:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    try:  # if the machine runs out anyway, the kernel should pick an engine, not the UI server
        with open("/proc/self/oom_score_adj", "w") as fh:
            fh.write("1000")
    except OSError:
        pass


class EngineState:
    """The databases and the request now running (so the watcher interrupts the right one).

    Each request runs on its own cursor (``con``), closed when it ends: a result left unfinished by
    a failed conversion can never block the next request.
    """

    def __init__(self, settings: dict[str, Any]) -> None:
        self.settings = settings
        self.db = open_query_database(settings)
        self.con = self.db
        self.loader: duckdb.DuckDBPyConnection | None = None
        self.rid: int | None = None
        self.lock = threading.Lock()

    def begin(self, rid: int) -> None:
        cursor = self.db.cursor()
        with self.lock:
            self.rid, self.con = rid, cursor

    def end(self) -> None:
        with self.lock:
            cursor, self.rid, self.con = self.con, None, self.db
        if cursor is not self.db:
            with contextlib.suppress(duckdb.Error):
                cursor.close()

    def interrupt(self, rid: int) -> None:
        with self.lock:
            if rid != self.rid:
                return  # that request has finished; never stop the next one by mistake
            self.con.interrupt()
            if self.loader is not None:
                self.loader.interrupt()

    def open_loader(self) -> duckdb.DuckDBPyConnection:
        loader = open_loader_database(self.settings)
        with self.lock:
            self.loader = loader
        return loader

    def close_loader(self) -> None:
        with self.lock:
            loader, self.loader = self.loader, None
        if loader is not None:
            loader.close()


# ---------------------------------------------------------------------------- frames and results
def _payload_reader(payload: tuple[str, Any]) -> Any:
    """A DataFrame or an Arrow stream from the parent (inline bytes or a file in the private folder)."""
    kind, data = payload
    if kind == "pickle":
        if isinstance(data, str):
            with open(data, "rb") as fh:
                return pickle.load(fh)
        return pickle.loads(data)
    source = pa.memory_map(data) if isinstance(data, str) else pa.py_buffer(data)
    return pa.ipc.open_stream(source)


class _Registered:
    """Frames registered under their names for one statement, unregistered afterwards."""

    def __init__(self, con: duckdb.DuckDBPyConnection, frames: dict[str, tuple[str, Any]] | None) -> None:
        self.con = con
        self.frames = frames or {}

    def __enter__(self) -> None:
        for name, payload in self.frames.items():
            self.con.register(name, _payload_reader(payload))

    def __exit__(self, *exc: object) -> None:
        for name in self.frames:
            with contextlib.suppress(duckdb.Error):
                self.con.unregister(name)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _ipc_bytes(table: pa.Table) -> pa.Buffer:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


def _select(
    state: EngineState,
    sql: str,
    params: list[Any] | None,
    row_limit: int | None,
    count_total: bool,
    for_people: bool,
) -> tuple[dict[str, Any], pa.Buffer]:
    """Run one query; at most ``row_limit`` rows come back as Arrow, with the total when asked."""
    con = state.con
    rel = con.sql(sql, params=params or None)
    if rel is None:  # a statement without a result
        return {"truncated": False, "total": 0, "empty": True}, _ipc_bytes(pa.table({}))
    names = list(rel.columns)
    rel = as_text_where_needed(rel, AS_TEXT_FOR_PEOPLE if for_people else AS_TEXT_ALWAYS)
    if row_limit is None:
        table = rel.to_arrow_table()
        truncated, total = False, table.num_rows
    else:
        reader = rel.to_arrow_reader(min(row_limit + 1, 100_000))
        batches, n = [], 0
        for batch in reader:
            batches.append(batch)
            n += batch.num_rows
            if n > row_limit:
                break
        schema = reader.schema
        reader.close()  # DuckDB streams results: release this one before the count below
        table = pa.Table.from_batches(batches, schema=schema).slice(0, row_limit)
        truncated = n > row_limit
        total: int | None = n if not truncated else None
        if truncated and count_total:
            total = int(con.execute(f"SELECT count(*) FROM ({sql})", params or []).fetchall()[0][0])
    if table.column_names != names:  # the cast projection renames duplicate columns (a, a_1)
        table = table.rename_columns(names)
    if for_people:
        table = people_table(con, table)
    return {"truncated": truncated, "total": total}, _ipc_bytes(table)


# ---------------------------------------------------------------------------- requests
def _handle(state: EngineState, op: str, args: dict[str, Any], frames: dict[str, Any]) -> tuple[Any, Any]:
    """One request; returns (value, raw bytes or None)."""
    con = state.con
    if op == "ping":
        return os.getpid(), None
    if op == "execute":
        with _Registered(con, frames):
            result = con.execute(args["sql"], args.get("params") or [])
            result.fetchall()
        return None, None
    if op == "df":
        with _Registered(con, frames):
            return duckdb_frame(con, args["sql"], args.get("params") or []), None
    if op == "rows":
        with _Registered(con, frames):
            return con.execute(args["sql"], args.get("params") or []).fetchall(), None
    if op == "select":
        with _Registered(con, frames):
            return _select(
                state,
                args["sql"],
                args.get("params"),
                args.get("row_limit"),
                bool(args.get("count_total")),
                bool(args.get("for_people")),
            )
    if op == "ingest":
        (payload,) = frames.values()
        data = _payload_reader(payload)
        verb = "CREATE OR REPLACE TABLE" if args.get("replace") else "CREATE TABLE"
        con.register("__ic_ingest", data)
        try:
            con.execute(f"{verb} {_quote(args['table'])} AS SELECT * FROM __ic_ingest").fetchall()
        finally:
            con.unregister("__ic_ingest")
        return None, None
    if op == "load":
        from insightchat.tools import engine_loaders

        return engine_loaders.load(state, args), None
    raise ValueError(f"unknown engine request {op!r}")


def _error_reply(rid: int, exc: BaseException) -> tuple[Any, ...]:
    if isinstance(exc, duckdb.Error):
        return (rid, "err", "duckdb", type(exc).__name__, str(exc), "")
    if isinstance(exc, InsightError):
        return (rid, "err", "insight", type(exc).__name__, exc.message, exc.hint)
    if isinstance(exc, MemoryError):
        return (rid, "err", "duckdb", "OutOfMemoryException", "Out of Memory Error: the engine ran out of memory", "")
    return (rid, "err", "internal", type(exc).__name__, str(exc), "")


def _watch(control: Connection, state: EngineState) -> None:
    while True:
        try:
            msg = control.recv()
        except (EOFError, OSError):
            os._exit(0)  # the parent is gone: nobody will read our answers
        if isinstance(msg, tuple) and msg and msg[0] == "interrupt":
            state.interrupt(int(msg[1]))


def serve(request_fd: int, control_fd: int, settings: dict[str, Any]) -> None:
    """Answer requests until the parent closes the channel (see :mod:`insightchat.tools.engine`)."""
    warnings.simplefilter("ignore")  # nobody reads this process's stderr
    _limit_memory(settings)
    requests = Connection(request_fd)
    control = Connection(control_fd)
    try:
        state = EngineState(settings)
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which raises it
        requests.send((0, "err", "internal", type(exc).__name__, str(exc), ""))
        return
    threading.Thread(target=_watch, args=(control, state), daemon=True, name="engine-watcher").start()
    requests.send((0, "ok", os.getpid(), False))
    while True:
        try:
            msg = requests.recv()
        except (EOFError, OSError):
            return
        rid, op, args, frames = msg
        if op == "close":
            return
        state.begin(rid)
        try:
            value, raw = _handle(state, op, args, frames)
            reply: tuple[Any, ...] = (rid, "ok", value, raw is not None)
        except BaseException as exc:  # noqa: BLE001 - every failure goes back as an answer
            reply, raw = _error_reply(rid, exc), None
        finally:
            state.end()
        try:
            message = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # noqa: BLE001 - a value that cannot travel: say so instead
            message, raw = pickle.dumps(_error_reply(rid, exc)), None
        try:
            requests.send_bytes(message)
            if raw is not None:
                requests.send_bytes(raw)
        except (OSError, ValueError):
            return
