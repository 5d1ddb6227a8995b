"""What every command of the ``insightchat`` CLI shares: the consoles, user-error handling, JSON and tables.

A user mistake (missing file, unsafe SQL, unknown column) prints one line and a hint on stderr and exits
with code 1; it never shows a traceback. The command modules import from here and never from each other.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
from collections.abc import Callable
from typing import Any

import click
import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from insightchat.tools.errors import InsightError

out = Console(soft_wrap=False)
err = Console(stderr=True, soft_wrap=True)

FILES_HELP = "Data files: CSV/TSV, Parquet, JSON/NDJSON, Excel, SQLite, DuckDB, or a quoted glob such as 'data/*.csv'."
JSON_HELP = "Print machine-readable JSON instead of tables."
DEBUG_ENV = "INSIGHTCHAT_DEBUG"  # set to 1 to see the traceback of an unexpected error
MAX_TERMINAL_ROWS = 50


def new_app() -> typer.Typer:
    """The bare typer app; :mod:`insightchat.cli` adds every command family to it."""
    return typer.Typer(
        name="insightchat",
        help="Ask questions of your data in plain language. Offline by default; every answer shows its SQL.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )


def fail(exc: InsightError) -> typer.Exit:
    """Print a user error as one line plus a hint and return the exit to raise."""
    err.print(f"[bold red]Error:[/] {escape(exc.message)}", highlight=False)
    if exc.hint:
        err.print(f"[dim]Hint: {escape(exc.hint)}[/]", highlight=False)
    return typer.Exit(code=1)


def guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run a command body, turning user errors into one clear line and exit code 1."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except InsightError as exc:
            raise fail(exc) from None
        except KeyboardInterrupt:
            err.print("Interrupted.")
            raise typer.Exit(code=130) from None
        except (click.exceptions.Exit, click.exceptions.ClickException, click.exceptions.Abort):
            raise
        except Exception as exc:  # a bug, not the user's mistake: still one line, the traceback on request
            if os.environ.get(DEBUG_ENV, "") not in ("", "0"):
                raise
            logging.getLogger("insightchat").debug("unexpected error", exc_info=True)
            raise fail(
                InsightError(
                    f"insightchat failed unexpectedly ({type(exc).__name__}: {_first_line(exc)})",
                    f"this is a bug; run again with {DEBUG_ENV}=1 for the traceback and report it",
                )
            ) from None

    return wrapper


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else "no message"


def _jsonable(value: Any) -> Any:
    """A cell pandas' JSON writer cannot take as it is (bytes would be decoded as UTF-8 and fail)."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "".join(f"\\x{b:02x}" for b in bytes(value))
    return value


def json_ready(df: pd.DataFrame, max_rows: int | None = None) -> list[dict[str, Any]]:
    """Rows as JSON values: dates in ISO, blobs as hex, anything unusual as its text."""
    frame = df if max_rows is None else df.head(max_rows)
    frame = frame.copy()
    frame.columns = [str(c) for c in frame.columns]
    for i in range(frame.shape[1]):
        if pd.api.types.is_object_dtype(frame.dtypes.iloc[i]):
            frame.isetitem(i, frame.iloc[:, i].map(_jsonable))
    try:
        return json.loads(frame.to_json(orient="records", date_format="iso", default_handler=str))
    except (ValueError, TypeError, OverflowError, UnicodeError):  # a type the writer cannot take: its text
        return json.loads(frame.astype(str).to_json(orient="records"))


def print_json(payload: Any) -> None:
    sys.stdout.write(json.dumps(payload, indent=2, default=str, ensure_ascii=False) + "\n")


def render_table(df: pd.DataFrame, title: str | None = None, total_rows: int | None = None) -> None:
    """A rich table of the first rows, saying how many there are in all.

    Rich reads markup in titles, headers and cells, so each is escaped: a column named ``[/bold]`` or a
    cell ``[red]x`` prints as written instead of styling the output or raising a MarkupError.
    """
    table = Table(title=escape(title) if title else title, show_lines=False, header_style="bold")
    for i, col in enumerate(df.columns):
        justify = "right" if pd.api.types.is_numeric_dtype(df.iloc[:, i]) else "left"
        table.add_column(escape(str(col)), justify=justify, overflow="fold", max_width=60)
    for row in df.head(MAX_TERMINAL_ROWS).itertuples(index=False):
        table.add_row(*[_cell(v) for v in row])
    out.print(table)
    total = total_rows if total_rows is not None else len(df)
    if total > min(len(df), MAX_TERMINAL_ROWS):
        out.print(f"[dim]showing {min(len(df), MAX_TERMINAL_ROWS):,} of {total:,} rows[/]")


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "[dim]null[/]"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e6 else f"{value:,.0f}"
    return escape(_text(value))


def _text(value: Any) -> str:
    """A cell as text; a value whose ``str`` fails (an odd extension type) shows its type instead."""
    try:
        return str(value)
    except Exception:  # noqa: BLE001 - a display must not cost the answer
        return f"<{type(value).__name__}>"


def open_workspace(files: list[str]) -> Any:
    from insightchat.tools.workspace import Workspace

    ws = Workspace(files)
    for note in ws.notes:
        err.print(f"[yellow]Note:[/] {escape(note)}", highlight=False)
    return ws
