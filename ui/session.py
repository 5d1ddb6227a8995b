"""Per-browser-session state: one Assistant (its own Workspace and DuckDB connection), one upload
folder, the chat history and the last answer.

Two people using the app at once must never see each other's tables, answers or files, so nothing
here is module-global: the :class:`SessionRegistry` owned by one app maps Gradio's session hash to a
:class:`UISession`. Sessions are closed (DuckDB connection closed, upload folder deleted) when the
browser tab goes away (``Blocks.unload``), when they sit idle longer than ``idle_ttl_s`` (clients
that never send an unload, such as ``gradio_client``), and when the app is closed.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from insightchat.assistant import Assistant
from insightchat.contracts import Answer
from insightchat.tools.errors import InsightError
from insightchat.tools.workspace import Workspace
from insightchat.ui.downloads import forget_served_copies

log = logging.getLogger(__name__)

AssistantFactory = Callable[[Workspace], Assistant]


def default_assistant_factory(ws: Workspace) -> Assistant:
    """The Assistant with the default planner (offline when it exists, else SQL passthrough)."""
    return Assistant(ws)


@dataclass
class UISession:
    """Everything one browser session owns. Not shared, so not locked except for the busy flag."""

    session_id: str
    assistant: Assistant
    upload_dir: Path
    history: list[dict[str, Any]] = field(default_factory=list)  # chatbot messages, in order
    last_answer: Answer | None = None
    turn: int = 0
    result_turn: int = 0  # the turn whose table is the current result (downloads, grid)
    downloads: Any = None  # the files written for ``result_turn``, reused until it changes
    planner_label: str = "offline"
    last_used: float = field(default_factory=time.monotonic)
    closed: bool = False
    busy: threading.Lock = field(default_factory=threading.Lock)
    stop_requested: threading.Event = field(default_factory=threading.Event)

    @property
    def workspace(self) -> Workspace:
        return self.assistant.workspace

    def touch(self) -> None:
        self.last_used = time.monotonic()

    def interrupt(self) -> None:
        """Ask every running query of this session to stop (DuckDB raises InterruptException)."""
        self.stop_requested.set()
        self.workspace.interrupt()

    def close(self) -> None:
        """Close the DuckDB connection and delete the upload folder; safe to call twice."""
        if self.closed:
            return
        self.closed = True
        self.interrupt()
        try:
            self.workspace.close()
        except Exception:  # closing a connection another thread still uses may fail; files matter more
            log.debug("closing workspace of session %s failed", self.session_id, exc_info=True)
        forget_served_copies(self.upload_dir)  # result files stop downloading when the session ends
        shutil.rmtree(self.upload_dir, ignore_errors=True)


def _gradio_cache() -> Path | None:
    try:
        from gradio.utils import get_upload_folder
    except ImportError:
        return None
    return Path(get_upload_folder()).resolve()


def private_folder(root: Path | None) -> Path:
    """A new folder only this process's user can open (0700), named with 128 random bits.

    Why the checks: Gradio serves every file inside its cache folder to anyone who asks for its path,
    so a session folder there (``GRADIO_TEMP_DIR`` set to the system temp folder) would publish every
    upload; the random name keeps the paths unguessable even to a query that could list the temp folder.
    """
    base = Path(root or tempfile.gettempdir()).resolve()
    cache = _gradio_cache()
    if cache is not None and (base == cache or cache in base.parents):
        raise InsightError(
            f"The session folder {base} is inside Gradio's cache {cache}, which Gradio serves to anyone",
            "set GRADIO_TEMP_DIR to a folder of its own (not the system temp folder)",
        )
    base.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f"insightchat-session-{secrets.token_hex(16)}-", dir=base))


class SessionRegistry:
    """The sessions of one app, keyed by Gradio's session hash."""

    def __init__(
        self,
        initial_files: Sequence[str | Path] = (),
        assistant_factory: AssistantFactory = default_assistant_factory,
        idle_ttl_s: float = 6 * 3600,
        root_dir: str | Path | None = None,
    ) -> None:
        self.initial_files = [str(Path(f).expanduser().resolve()) for f in initial_files]
        self.assistant_factory = assistant_factory
        self.idle_ttl_s = idle_ttl_s
        self.root_dir = Path(root_dir) if root_dir else None
        self._sessions: dict[str, UISession] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._sessions)

    def get(self, session_id: str) -> UISession:
        """The session for ``session_id``, created (with the command-line files opened) on first use."""
        self._expire_idle()
        with self._lock:
            sess = self._sessions.get(session_id)
            if sess is not None and not sess.closed:
                sess.touch()
                return sess
        sess = self._create(session_id)
        with self._lock:
            existing = self._sessions.get(session_id)
            if existing is not None and not existing.closed:  # another request won the race
                sess.close()
                return existing
            self._sessions[session_id] = sess
        return sess

    def _create(self, session_id: str) -> UISession:
        upload_dir = private_folder(self.root_dir)
        ws = Workspace()
        try:
            for path in self.initial_files:
                ws.add(path)
        except Exception:
            ws.close()
            shutil.rmtree(upload_dir, ignore_errors=True)
            raise
        assistant = self.assistant_factory(ws)
        sess = UISession(session_id=session_id, assistant=assistant, upload_dir=upload_dir)
        sess.planner_label = str(
            getattr(assistant.planner, "label", None) or getattr(assistant.planner, "name", "offline")
        )
        return sess

    def close(self, session_id: str) -> None:
        with self._lock:
            sess = self._sessions.pop(session_id, None)
        if sess is not None:
            sess.close()

    def close_unless_busy(self, session_id: str) -> bool:
        """Close a session whose page went away, unless a request of it is still running (its client may
        reconnect: a long report outlives gradio_client's heartbeat); the idle expiry takes it later."""
        with self._lock:
            sess = self._sessions.get(session_id)
            if sess is not None and sess.busy.locked():
                return False
            self._sessions.pop(session_id, None)
        if sess is not None:
            sess.close()
        return True

    def close_all(self) -> None:
        with self._lock:
            sessions = list(self._sessions.values())
            self._sessions.clear()
        for sess in sessions:
            sess.close()

    def _expire_idle(self) -> None:
        now = time.monotonic()
        with self._lock:
            stale = [
                k for k, s in self._sessions.items() if now - s.last_used > self.idle_ttl_s and not s.busy.locked()
            ]
            expired = [self._sessions.pop(k) for k in stale]
        for sess in expired:
            sess.close()
