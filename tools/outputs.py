"""The one guard for every file a command writes (``--out``, ``--parts-out``, reports, evaluations).

Inputs are never written: an output path that names an input by any route (the same path spelled
differently, a symbolic or hard link, a file a glob input matched) is refused, as are a folder, a folder
that cannot be written and a suffix no writer knows. Tables are written to a temporary file in the
target's own folder and moved into place with ``os.replace``, so a failed write leaves no half file and
an existing file is replaced whole or not at all.
"""

from __future__ import annotations

import contextlib
import glob as globlib
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

from insightchat.tools.errors import InsightError

Writer = Callable[[pd.DataFrame, Path], None]

WRITERS: dict[str, Writer] = {
    ".csv": lambda df, p: df.to_csv(p, index=False),
    ".txt": lambda df, p: df.to_csv(p, index=False),
    ".tsv": lambda df, p: df.to_csv(p, index=False, sep="\t"),
    ".parquet": lambda df, p: df.to_parquet(p, index=False),
    ".json": lambda df, p: df.to_json(p, orient="records", force_ascii=False, indent=1, date_format="iso"),
    ".jsonl": lambda df, p: df.to_json(p, orient="records", lines=True, force_ascii=False, date_format="iso"),
    ".ndjson": lambda df, p: df.to_json(p, orient="records", lines=True, force_ascii=False, date_format="iso"),
    ".xlsx": lambda df, p: df.to_excel(p, index=False),
}
TABLE_SUFFIXES = (".csv", ".tsv", ".parquet", ".json", ".jsonl", ".xlsx")


def input_files(inputs: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Every path the inputs name, globs expanded (``'data/*.csv'`` names each file it matches)."""
    found: list[Path] = []
    for item in inputs:
        text = os.fspath(item)
        path = Path(text).expanduser()
        if any(ch in text for ch in "*?[") and not path.exists():
            found += [Path(p) for p in globlib.glob(str(path), recursive=True)]
        else:
            found.append(path)
    return found


def _same_file(a: Path, b: Path) -> bool:
    """Same file by any path: one inode (hard or symbolic links), or the same path once resolved."""
    try:
        if os.path.samefile(a, b):
            return True
    except OSError:  # one of them does not exist (yet): compare what the paths resolve to
        pass
    try:
        return a.resolve() == b.resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return False


def checked_output(
    path: str | os.PathLike[str],
    inputs: Iterable[str | os.PathLike[str]] = (),
    suffixes: Iterable[str] | None = None,
    flag: str = "--out",
) -> Path:
    """``path`` as an absolute path that is safe to write, or an :class:`InsightError` saying why not.

    ``suffixes`` limits the file kinds (default: the table writers'); ``flag`` names the option in messages.
    """
    raw = os.fspath(path)
    if not raw.strip():
        raise InsightError(f"{flag} is empty", "name the file to write, e.g. results.csv")
    target = Path(raw).expanduser().absolute()
    allowed = tuple(s.lower() for s in (suffixes if suffixes is not None else WRITERS))
    shown = tuple(s for s in (TABLE_SUFFIXES if suffixes is None else allowed))
    if target.is_dir():
        raise InsightError(
            f"{flag} {raw} is a folder", f"name a file inside it, e.g. {Path(raw) / 'results'}{shown[0]}"
        )
    suffix = target.suffix.lower()
    if suffix not in allowed:
        kind = f"{suffix} files" if suffix else "files without a suffix"
        raise InsightError(f"{flag} {raw}: cannot write {kind}", "use " + ", ".join(shown))
    for source in input_files(inputs):
        if _same_file(target, source):
            raise InsightError(
                f"{flag} {raw} is an input file ({source})", "inputs are never modified: choose a new file name"
            )
    folder = target.parent
    if not folder.exists():
        raise InsightError(f"{flag} {raw}: folder {folder} does not exist", "create it first or write elsewhere")
    if not folder.is_dir():
        raise InsightError(f"{flag} {raw}: {folder} is not a folder", "choose a path inside a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InsightError(f"{flag} {raw}: folder {folder} is not writable", "choose a folder you can write to")
    if target.exists() and not os.access(target, os.W_OK):
        raise InsightError(f"{flag} {raw} exists and is read-only", "choose a new file name")
    return target


def _mode_for(target: Path) -> int:
    """The permissions a plain ``open(target, 'w')`` would give (an existing file's own, else 0o666 - umask)."""
    with contextlib.suppress(OSError):
        return target.stat().st_mode & 0o7777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomic(target: Path, write: Callable[[Path], object], flag: str = "--out") -> Path:
    """Run ``write(temp_path)`` in ``target``'s folder, then move the file into place in one step."""
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part" + target.suffix, dir=target.parent)
    except OSError as exc:
        raise InsightError(f"Could not write {flag} {target}: {exc.strerror or exc}", "choose another folder") from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.chmod(tmp, _mode_for(target))
        os.replace(tmp, target)
    except OSError as exc:
        raise InsightError(
            f"Could not write {flag} {target}: {exc.strerror or exc}", "check the disk and the folder"
        ) from None
    except (ValueError, TypeError, ImportError) as exc:  # a type the format cannot hold, a missing engine
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InsightError(
            f"Could not write {flag} {target.name} as {target.suffix}: {first}", "try another format, e.g. .csv"
        ) from None
    except Exception as exc:  # pyarrow's own errors (ArrowInvalid, ArrowNotImplementedError) among them
        if type(exc).__module__.split(".")[0] != "pyarrow":
            raise
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InsightError(
            f"Could not write {flag} {target.name} as {target.suffix}: {first}", "try another format, e.g. .csv"
        ) from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    return target


def write_frame(
    df: pd.DataFrame, path: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]] = (), flag: str = "--out"
) -> Path:
    """Write ``df`` to a new file chosen by suffix, after :func:`checked_output`; returns the path written."""
    target = checked_output(path, inputs, flag=flag)
    writer = WRITERS[target.suffix.lower()]
    return write_atomic(target, lambda tmp: writer(df, tmp), flag=flag)
