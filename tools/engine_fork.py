"""A small fork server for query engines: one process that has imported DuckDB, pyarrow and pandas
once and forks a fresh engine process per workspace in milliseconds.

Why not ``multiprocessing``'s forkserver: its children re-run the parent's main script (as
``__mp_main__``) before they start, which re-executes a user's unguarded script and costs the main
module's imports per engine. Why not ``os.fork`` in the parent: the UI server is multi-threaded
(Gradio, torch), and forking a threaded process can deadlock the child. The server here is started
with ``python -c`` (nothing of the parent's main runs), is single-threaded, and forks on request.

Protocol, over one ``SOCK_SEQPACKET`` socket pair (each send is one message):

- parent -> server: ``b"F" + json(settings)`` with two file descriptors (the engine's request and
  control channels) attached; the server forks, the child serves them, the server answers
  ``b"P<pid>"``.
- parent -> server: ``b"K<pid>"``: SIGKILL that engine, if it is still the server's live child.
- server -> parent: ``b"X<pid> <code>"`` when an engine exits (negative code: killed by that signal).

When the parent goes away the server sees end-of-file and exits; the engines notice their own
channels closing and exit too.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

_MAX_MESSAGE = 1 << 16


def _exit_code(status: int) -> int:
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status)
    return os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1


def serve_forks(fd: int) -> None:
    """The server's loop (runs in its own process, see :class:`ForkServer`)."""
    from insightchat.tools import engine_child  # the preload: every engine starts with these imported

    sock = socket.socket(fileno=fd)
    live: set[int] = set()
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent; it stops queries itself
    while True:
        ready, _, _ = select.select([sock, wake_r], [], [], 5.0)
        if wake_r in ready:
            os.read(wake_r, 4096)
        while live:  # reap and report every engine that ended
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            live.discard(pid)
            with contextlib.suppress(OSError):
                sock.send(f"X{pid} {_exit_code(status)}".encode())
        if sock not in ready:
            continue
        try:
            msg, fds, _flags, _addr = socket.recv_fds(sock, _MAX_MESSAGE, 4)
        except OSError:
            msg, fds = b"", []
        if not msg:  # the parent is gone
            os._exit(0)
        if msg[:1] == b"K":
            pid = int(msg[1:])
            if pid in live:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            continue
        if msg[:1] != b"F" or len(fds) != 2:
            for f in fds:
                os.close(f)
            continue
        settings = json.loads(msg[1:])
        pid = os.fork()
        if pid == 0:  # the engine
            code = 0
            try:
                sock.close()
                os.close(wake_r)
                os.close(wake_w)
                signal.set_wakeup_fd(-1)
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                engine_child.serve(fds[0], fds[1], settings)
            except BaseException:  # noqa: BLE001 - whatever happened, the engine ends here
                code = 70
            os._exit(code)
        for f in fds:
            os.close(f)
        live.add(pid)
        sock.send(f"P{pid}".encode())


class ForkServer:
    """The parent's handle on the server: start it once, ask it for engines, learn how they ended."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # A workspace's finalizer may close its engine (kill) while this thread holds the lock, e.g. when
        # the garbage collector runs inside spawn: such kills wait here and run before the lock is released.
        self._holder: int | None = None
        self._deferred: collections.deque[int] = collections.deque()
        self._sock: socket.socket | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._exits: dict[int, int] = {}
        self._owner_pid = 0

    def _ensure(self) -> socket.socket:
        alive = self._sock is not None and self._proc is not None and self._proc.poll() is None
        if alive and self._owner_pid == os.getpid():  # a forked copy of the parent needs its own server
            return self._sock
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        quiet = not os.environ.get("INSIGHTCHAT_ENGINE_DEBUG")
        code = f"from insightchat.tools.engine_fork import serve_forks; serve_forks({theirs.fileno()})"
        self._proc = subprocess.Popen(
            [sys.executable, "-c", code],
            pass_fds=(theirs.fileno(),),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,  # DuckDB may print (progress bars); stdout belongs to --json output
            stderr=subprocess.DEVNULL if quiet else None,
            start_new_session=True,  # a terminal's Ctrl-C reaches the parent only
        )
        theirs.close()
        self._sock = ours
        self._exits = {}
        self._owner_pid = os.getpid()
        return ours

    @contextlib.contextmanager
    def _held(self) -> Iterator[None]:
        with self._lock:
            self._holder = threading.get_ident()
            try:
                yield
            finally:
                while self._deferred:
                    self._kill_held(self._deferred.popleft())
                self._holder = None

    def _read_one(self, sock: socket.socket, timeout: float | None) -> bytes | None:
        ready, _, _ = select.select([sock], [], [], timeout)
        if not ready:
            return None
        msg = sock.recv(_MAX_MESSAGE)
        if not msg:
            raise ConnectionError("the engine fork server ended")
        if msg[:1] == b"X":
            pid, code = msg[1:].split()
            self._exits[int(pid)] = int(code)
            while len(self._exits) > 1000:  # engines closed normally are never asked about
                self._exits.pop(next(iter(self._exits)))
        return msg

    def spawn(self, request_fd: int, control_fd: int, settings: dict[str, Any], timeout: float = 60.0) -> int:
        """Fork an engine serving the two channels; returns its pid. The fds are closed here."""
        with self._held():
            try:
                for attempt in (1, 2):
                    sock = self._ensure()
                    try:
                        socket.send_fds(sock, [b"F" + json.dumps(settings).encode()], [request_fd, control_fd])
                        break
                    except OSError:
                        if attempt == 2:
                            raise
                        self._sock = None  # the server died: start another and try once more
                deadline = time.monotonic() + timeout
                while True:
                    msg = self._read_one(sock, max(0.0, deadline - time.monotonic()))
                    if msg is None:
                        raise TimeoutError("the engine fork server did not answer")
                    if msg[:1] == b"P":
                        return int(msg[1:])
            finally:
                os.close(request_fd)
                os.close(control_fd)

    def kill(self, pid: int) -> None:
        """SIGKILL engine ``pid`` through the server (which knows whether that pid is still its child)."""
        if self._holder == threading.get_ident():  # re-entered from a finalizer: after the current request
            self._deferred.append(pid)
            return
        with self._held():
            self._kill_held(pid)

    def _kill_held(self, pid: int) -> None:
        if pid in self._exits:
            return
        try:
            if self._sock is None or self._proc is None or self._proc.poll() is not None:
                raise OSError("no server")
            self._sock.send(f"K{pid}".encode())
        except OSError:  # the server is gone; the engine, orphaned, is still ours to stop
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def exit_code(self, pid: int, timeout: float = 5.0) -> int | None:
        """How engine ``pid`` ended (negative: the signal), waiting up to ``timeout``; None if unknown."""
        deadline = time.monotonic() + timeout
        with self._held():
            while pid not in self._exits:
                left = deadline - time.monotonic()
                if left <= 0 or self._sock is None:
                    return None
                try:
                    self._read_one(self._sock, left)
                except (ConnectionError, OSError):
                    return None
            return self._exits.pop(pid)

    def forget(self, pid: int) -> None:
        with self._held():
            self._exits.pop(pid, None)


_server: ForkServer | None = None
_server_lock = threading.Lock()


def fork_server() -> ForkServer:
    """The process-wide fork server (started on first use)."""
    global _server
    with _server_lock:
        if _server is None:
            _server = ForkServer()
        return _server
