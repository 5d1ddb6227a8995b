"""The parent's side of a query engine: a DuckDB database in its own process, one per workspace.

Why a process: DuckDB can crash (a SELECT with 3,000 ``count(DISTINCT ...)`` terms is a segfault) and
some functions ignore interrupts (``damerau_levenshtein`` on long strings), so a query must run where
it can be killed without taking the UI server, or other sessions, down with it. The engine process
(:mod:`insightchat.tools.engine_child`) is forked by a preloaded fork server
(:mod:`insightchat.tools.engine_fork`) in milliseconds.

Every request that changes the database (a load, an ingest, project DDL) is kept in a log. When
the engine dies, or does not stop within ``grace_s`` of the time limit or of a Stop, it is killed, a
fresh one is started, the log is replayed so the workspace keeps its tables, and the caller gets
:class:`EngineRestarted`, which says what happened.

Results and ingested frames travel as Arrow IPC streams (DataFrames as pickles, so pandas columns
reach DuckDB exactly as DuckDB's own pandas scan reads them); payloads of logged requests are kept as
files in the workspace's private folder for the replay.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import pickle
import shutil
import signal
import socket
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from insightchat.tools.engine_fork import fork_server
from insightchat.tools.errors import DataSourceError, InsightError

log = logging.getLogger(__name__)

MEMORY_ENV = "INSIGHTCHAT_MEMORY_LIMIT"
THREADS_ENV = "INSIGHTCHAT_THREADS"
TEMP_LIMIT_ENV = "INSIGHTCHAT_TEMP_LIMIT"
GRACE_ENV = "INSIGHTCHAT_ENGINE_GRACE"

Frame = pd.DataFrame | pa.Table | pa.RecordBatchReader


def _physical_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 8 << 30


def parse_bytes(text: str) -> int:
    """``"4GB"``, ``"512MB"``, ``"2GiB"`` or a plain number of bytes."""
    raw = text.strip().upper().replace(" ", "")
    units = {"KIB": 1 << 10, "MIB": 1 << 20, "GIB": 1 << 30, "TIB": 1 << 40, "KB": 10**3, "MB": 10**6}
    units |= {"GB": 10**9, "TB": 10**12, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "B": 1}
    for unit in sorted(units, key=len, reverse=True):
        if raw.endswith(unit):
            number = raw[: -len(unit)]
            try:
                return int(float(number) * units[unit])
            except ValueError:
                break
    try:
        return int(raw)
    except ValueError:
        raise InsightError(f"{text!r} is not a size", "write it like 4GB or 512MB") from None


@dataclass(frozen=True)
class EngineSettings:
    """Limits of one engine. Defaults: a quarter of the machine's memory (1-8 GB), up to 8 threads."""

    memory_limit_bytes: int = field(default_factory=lambda: max(1 << 30, min(8 << 30, _physical_memory() // 4)))
    threads: int = field(default_factory=lambda: max(1, min(8, os.cpu_count() or 1)))
    temp_limit_bytes: int = 16 << 30
    grace_s: float = 3.0  # after the time limit or a Stop, how long an interrupt may take before the kill

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> EngineSettings:
        """``INSIGHTCHAT_MEMORY_LIMIT`` (e.g. 4GB), ``INSIGHTCHAT_THREADS``, ``INSIGHTCHAT_TEMP_LIMIT``,
        ``INSIGHTCHAT_ENGINE_GRACE`` (seconds), or an ``[engine]`` table in the config file."""
        env = os.environ if env is None else env
        values: dict[str, Any] = dict(_config_file_engine_section())
        for key, name in (
            ("memory_limit", MEMORY_ENV),
            ("threads", THREADS_ENV),
            ("temp_limit", TEMP_LIMIT_ENV),
            ("grace_s", GRACE_ENV),
        ):
            if env.get(name, "").strip():
                values[key] = env[name].strip()
        out: dict[str, Any] = {}
        try:
            if "memory_limit" in values:
                out["memory_limit_bytes"] = parse_bytes(str(values["memory_limit"]))
            if "temp_limit" in values:
                out["temp_limit_bytes"] = parse_bytes(str(values["temp_limit"]))
            if "threads" in values:
                out["threads"] = max(1, int(values["threads"]))
            if "grace_s" in values:
                out["grace_s"] = max(0.1, float(values["grace_s"]))
        except ValueError as exc:
            raise InsightError(f"Invalid engine setting: {exc}", "see the README's configuration section") from None
        return cls(**out)

    def for_child(self, temp_dir: Path) -> dict[str, Any]:
        mb = self.memory_limit_bytes // (1 << 20)
        return {
            "memory_limit": f"{mb}MiB",
            "threads": self.threads,
            "temp_dir": str(temp_dir),
            "temp_limit": f"{self.temp_limit_bytes // (1 << 20)}MiB",
            # DuckDB keeps to memory_limit; pandas, Arrow and functions it does not account for get as much again
            "data_limit_bytes": 2 * self.memory_limit_bytes + (1 << 30),
        }


def _config_file_engine_section() -> dict[str, Any]:
    """The ``[engine]`` table of the config file (``insightchat.config`` finds the file)."""
    try:
        from insightchat.config import config_file
    except ImportError:
        return {}
    path = config_file()
    if path is None:
        return {}
    import tomllib

    try:
        return dict(tomllib.loads(path.read_text(encoding="utf-8")).get("engine", {}))
    except (OSError, tomllib.TOMLDecodeError):
        return {}  # insightchat.config reports a broken file where the settings are read


class EngineRestarted(Exception):
    """The engine crashed, or did not stop in time and was killed; a fresh one holds the replayed data."""

    def __init__(self, cause: str, exit_code: int | None, lost: list[str]) -> None:
        self.cause = cause  # "crash" | "time limit" | "stop"
        self.exit_code = exit_code
        self.lost = lost  # log entries that could not be replayed, described for people
        super().__init__(self.describe())

    @property
    def signal_name(self) -> str:
        if self.exit_code is None or self.exit_code >= 0:
            return f"exit code {self.exit_code}" if self.exit_code is not None else "unknown cause"
        try:
            return f"signal {-self.exit_code}, {signal.Signals(-self.exit_code).name}"
        except ValueError:
            return f"signal {-self.exit_code}"

    def describe(self, what: str = "the query") -> str:
        if self.cause == "crash":
            text = f"{what} crashed DuckDB ({self.signal_name}); the data was reopened"
        elif self.cause == "stop":
            text = f"{what} was stopped; it could not be interrupted, so the engine was restarted"
        else:
            text = f"{what} was stopped at the time limit; it could not be interrupted, so the engine was restarted"
        if self.lost:
            text += f" (could not reopen: {', '.join(self.lost)})"
        return text


class EngineClosed(InsightError):
    """A request to an engine after :meth:`Engine.close`."""


class _Died(Exception):
    pass


@dataclass
class _Entry:
    op: str
    args: dict[str, Any]
    frames: dict[str, tuple[str, Any]]
    label: str


def _raise_reply(reply: tuple[Any, ...]) -> None:
    _rid, _status, kind, cls_name, message, hint = reply
    if kind == "duckdb":
        cls = getattr(duckdb, cls_name, None)
        if not (isinstance(cls, type) and issubclass(cls, duckdb.Error)):
            cls = duckdb.Error
        raise cls(message)
    if kind == "insight":
        raise DataSourceError(message, hint) if cls_name == "DataSourceError" else InsightError(message, hint)
    raise RuntimeError(f"engine failure ({cls_name}): {message}")


class Engine:
    """One engine process with its log. Thread-safe: requests are answered one at a time."""

    def __init__(self, settings: EngineSettings | None = None, folder: Path | None = None) -> None:
        self.settings = settings or EngineSettings.from_env()
        self.folder = Path(folder) if folder else Path(tempfile.mkdtemp(prefix="insightchat-engine-"))
        self._own_folder = folder is None
        self.temp_dir = self.folder / "duckdb-temp"
        self.payload_dir = self.folder / "payloads"
        self.temp_dir.mkdir(parents=True, exist_ok=True)
        self.payload_dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()  # one request at a time
        self._ctrl_lock = threading.Lock()
        self._rids = itertools.count(1)
        self._log: list[_Entry] = []
        self._payloads = itertools.count(1)
        self._requests: Connection | None = None
        self._control: Connection | None = None
        self.pid: int | None = None
        self._running: int | None = None
        self._stop_at: float | None = None
        self._closed = False
        self.restarts = 0
        self.replay_failures: list[str] = []
        self._start()

    # ------------------------------------------------------------------ process
    def _start(self) -> None:
        req_parent, req_child = socket.socketpair()
        ctl_parent, ctl_child = socket.socketpair()
        settings = self.settings.for_child(self.temp_dir)
        pid = fork_server().spawn(req_child.detach(), ctl_child.detach(), settings)
        self._requests = Connection(req_parent.detach())
        self._control = Connection(ctl_parent.detach())
        self.pid = pid
        if not self._requests.poll(60):
            self._kill()
            raise RuntimeError("the query engine did not start")
        try:
            hello = self._requests.recv()
        except EOFError:
            raise RuntimeError(f"the query engine ended at start ({fork_server().exit_code(pid)})") from None
        if hello[1] != "ok":
            _raise_reply(hello)

    def _kill(self) -> None:
        pid = self.pid
        for conn in (self._requests, self._control):
            if conn is not None:
                with contextlib.suppress(OSError):
                    conn.close()
        self._requests = self._control = None
        if pid is not None:
            fork_server().kill(pid)

    def _restart(self, cause: str) -> EngineRestarted:
        """Kill what is left of the engine, start a fresh one and replay the log into it."""
        pid = self.pid
        self._kill()
        code = fork_server().exit_code(pid, timeout=5.0) if pid is not None else None
        if cause != "crash" and code is not None and code < 0 and -code != signal.SIGKILL:
            cause = "crash"  # it died on its own before the kill
        self.restarts += 1
        log.info(
            "query engine %s ended (%s, code %s); restarting and replaying %d steps", pid, cause, code, len(self._log)
        )
        lost: list[str] = []
        pending = list(self._log)
        while True:
            self._start()
            kept: list[_Entry] = []
            for i, entry in enumerate(pending):
                try:
                    self._roundtrip(entry.op, entry.args, entry.frames, None)
                    kept.append(entry)
                except _Died:  # this step itself now kills the engine: replay again without it
                    lost.append(entry.label)
                    pending = kept + pending[i + 1 :]
                    self._kill()
                    break
                except Exception as exc:  # noqa: BLE001 - a file that changed or went away since
                    lost.append(f"{entry.label} ({_first_line(exc)})")
            else:
                break
        self._log = kept
        self.replay_failures = lost
        return EngineRestarted(cause, code, lost)

    # ------------------------------------------------------------------ payloads
    def _payload(self, frame: Frame, persist: bool) -> tuple[str, Any]:
        if isinstance(frame, pd.DataFrame):
            kind, data = "pickle", pickle.dumps(frame, protocol=pickle.HIGHEST_PROTOCOL)
        else:
            table = frame.read_all() if isinstance(frame, pa.RecordBatchReader) else frame
            sink = pa.BufferOutputStream()
            with pa.ipc.new_stream(sink, table.schema) as writer:
                writer.write_table(table)
            kind, data = "arrow", sink.getvalue()
        if not persist:
            return kind, bytes(data) if kind == "arrow" else data
        path = self.payload_dir / f"{next(self._payloads)}.{'pkl' if kind == 'pickle' else 'arrows'}"
        with open(path, "wb") as fh:
            fh.write(data)
        return kind, str(path)

    # ------------------------------------------------------------------ requests
    def request(
        self,
        op: str,
        args: dict[str, Any] | None = None,
        frames: Mapping[str, Frame] | None = None,
        *,
        logged: bool = False,
        label: str = "",
        timeout_s: float | None = None,
    ) -> tuple[Any, bytes | None]:
        """Send one request and wait for its answer: (value, raw bytes or None).

        ``logged`` requests change the database and are replayed after a restart. Past
        ``timeout_s`` the request is interrupted; past ``grace_s`` more it is killed
        (:class:`EngineRestarted`). DuckDB's own errors are raised as the same duckdb classes.
        """
        args = dict(args or {})
        with self._lock:
            if self._closed:
                raise EngineClosed("This workspace is closed", "open the data again")
            payloads = {name: self._payload(f, persist=logged) for name, f in (frames or {}).items()}
            if self._requests is None:  # a restart failed earlier: try again now
                self._start()
            try:
                value, raw = self._roundtrip(op, args, payloads, timeout_s)
            except _Died as died:
                raise self._restart(str(died) or "crash") from None
            if logged:
                self._log.append(_Entry(op, args, payloads, label or op))
            return value, raw

    def _roundtrip(
        self, op: str, args: dict[str, Any], payloads: dict[str, tuple[str, Any]], timeout_s: float | None
    ) -> tuple[Any, bytes | None]:
        conn = self._requests
        assert conn is not None
        rid = next(self._rids)
        with self._ctrl_lock:
            self._running, self._stop_at = rid, None
        try:
            try:
                conn.send((rid, op, args, payloads))
            except (OSError, ValueError):
                raise _Died("crash") from None
            reply, raw = self._wait(conn, rid, timeout_s)
        except BaseException as exc:
            if not isinstance(exc, _Died):  # e.g. KeyboardInterrupt: do not leave the engine busy
                self._send_interrupt(rid)
            raise
        finally:
            with self._ctrl_lock:
                self._running, self._stop_at = None, None
        if reply[1] != "ok":
            _raise_reply(reply)
        return reply[2], raw

    def _wait(self, conn: Connection, rid: int, timeout_s: float | None) -> tuple[tuple[Any, ...], bytes | None]:
        start = time.monotonic()
        deadline = start + timeout_s if timeout_s else None
        kill_at: float | None = None
        cause = "time limit"
        while True:
            now = time.monotonic()
            with self._ctrl_lock:
                stop_at = self._stop_at
            if kill_at is None and stop_at is not None:
                kill_at, cause = stop_at + self.settings.grace_s, "stop"
            if kill_at is None and deadline is not None and now >= deadline:
                self._send_interrupt(rid)
                kill_at = now + self.settings.grace_s
            if kill_at is not None and now >= kill_at:
                raise _Died(cause)
            nxt = kill_at if kill_at is not None else deadline
            wait = 1.0 if nxt is None else max(0.0, min(1.0, nxt - now))
            try:
                if not conn.poll(wait):
                    continue
                reply = conn.recv()
                raw = conn.recv_bytes() if reply[1] == "ok" and reply[3] else None
            except (EOFError, OSError):
                raise _Died("crash") from None
            if reply[0] == rid:
                return reply, raw
            # an answer to a request abandoned earlier (Ctrl-C): skip it

    def _send_interrupt(self, rid: int) -> None:
        conn = self._control
        if conn is None:
            return
        with contextlib.suppress(OSError, ValueError):
            conn.send(("interrupt", rid))

    def interrupt(self) -> None:
        """Stop the running request (the UI's Stop); killed if it does not stop within ``grace_s``."""
        with self._ctrl_lock:
            rid = self._running
            if rid is None:
                return
            if self._stop_at is None:
                self._stop_at = time.monotonic()
        self._send_interrupt(rid)

    @property
    def busy(self) -> bool:
        with self._ctrl_lock:
            return self._running is not None

    def close(self) -> None:
        """End the engine process and delete the private folder (spill files, payloads)."""
        if self._closed:
            return
        self.interrupt()
        with self._lock:
            self._closed = True
            if self._requests is not None:
                with contextlib.suppress(OSError, ValueError):
                    self._requests.send((0, "close", {}, {}))
            self._kill()
            self._log.clear()
        if self._own_folder:
            shutil.rmtree(self.folder, ignore_errors=True)
        else:
            shutil.rmtree(self.temp_dir, ignore_errors=True)
            shutil.rmtree(self.payload_dir, ignore_errors=True)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
