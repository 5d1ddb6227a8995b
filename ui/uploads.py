"""Bring uploaded files into one session: move them out of Gradio's shared cache into the session's
own folder, then open them as tables.

Gradio first stores an upload in its cache folder, from which it can serve files by URL. Moving the
file (not copying it) into the session's private folder, which is never in ``allowed_paths``, means
the data is no longer reachable over HTTP by anyone, including other sessions.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from insightchat.tools.errors import DataSourceError, InsightError
from insightchat.tools.sources import _EXTENSIONS, SUPPORTED
from insightchat.tools.workspace import Workspace

# Extensions the upload widget offers; files without one are still accepted by content sniffing.
UPLOAD_FILE_TYPES: list[str] = sorted(_EXTENSIONS)


@dataclass
class UploadOutcome:
    """What an upload did: tables added and, per file that failed, a user-facing message."""

    tables: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _unique_target(folder: Path, name: str) -> Path:
    """``folder/name``, or ``folder/<n>/name`` when that exists, so the table keeps the file's name."""
    target = folder / name
    n = 2
    while target.exists():
        target = folder / str(n) / name
        n += 1
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


def _display_name(path: str | Path) -> str:
    return Path(str(path)).name


def move_into(folder: Path, path: str | Path) -> Path:
    """Move one uploaded file into ``folder`` and drop Gradio's now-empty cache folder."""
    src = Path(str(path))
    if not src.exists():
        raise DataSourceError(f"The upload of {src.name} did not arrive", "upload the file again")
    target = _unique_target(folder, src.name)
    shutil.move(str(src), target)
    with contextlib.suppress(OSError):  # Gradio keeps each upload in its own folder; remove it if now empty
        src.parent.rmdir()
    return target


def add_uploads(ws: Workspace, folder: Path, paths: Iterable[str | Path]) -> UploadOutcome:
    """Open each uploaded file as tables; one bad file does not stop the others."""
    outcome = UploadOutcome()
    notes_before = len(ws.notes)
    for path in paths:
        name = _display_name(path)
        try:
            target = move_into(folder, path)
            outcome.tables += ws.add(target)
        except InsightError as exc:
            hint = f" ({exc.hint})" if exc.hint else ""
            outcome.errors.append(f"{name}: {exc.message}{hint}")
        except Exception as exc:  # a loader bug must not take the session down
            outcome.errors.append(f"{name}: could not be opened ({type(exc).__name__}). Supported: {SUPPORTED}")
    outcome.notes = ws.notes[notes_before:]
    return outcome
