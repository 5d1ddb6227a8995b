"""The ``insightchat`` command line (typer + rich).

Every command that prints data takes ``--json``. A user mistake (missing file, unsafe SQL, unknown
column) prints one line and a hint on stderr and exits with code 1; it never shows a traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Optional

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from insightchat.tools.errors import InsightError

app = typer.Typer(
    name="insightchat",
    help="Ask questions of your data in plain language. Offline by default; every answer shows its SQL.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(soft_wrap=False)
err = Console(stderr=True, soft_wrap=True)

FILES_HELP = "Data files: CSV/TSV, Parquet, JSON/NDJSON, Excel, SQLite, DuckDB, or a quoted glob such as 'data/*.csv'."
JSON_HELP = "Print machine-readable JSON instead of tables."
MAX_TERMINAL_ROWS = 50


def fail(exc: InsightError) -> typer.Exit:
    """Print a user error as one line plus a hint and return the exit to raise."""
    err.print(f"[bold red]Error:[/] {exc.message}", highlight=False)
    if exc.hint:
        err.print(f"[dim]Hint: {exc.hint}[/]", highlight=False)
    return typer.Exit(code=1)


def guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run a command body, turning user errors into one clear line and exit code 1."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except InsightError as exc:
            raise fail(exc) from None
        except KeyboardInterrupt:
            err.print("Interrupted.")
            raise typer.Exit(code=130) from None

    return wrapper


def json_ready(df: pd.DataFrame, max_rows: int | None = None) -> list[dict[str, Any]]:
    frame = df if max_rows is None else df.head(max_rows)
    return json.loads(frame.to_json(orient="records", date_format="iso", default_handler=str))


def print_json(payload: Any) -> None:
    sys.stdout.write(json.dumps(payload, indent=2, default=str, ensure_ascii=False) + "\n")


def render_table(df: pd.DataFrame, title: str | None = None, total_rows: int | None = None) -> None:
    """A rich table of the first rows, saying how many there are in all."""
    table = Table(title=title, show_lines=False, header_style="bold")
    for col in df.columns:
        justify = "right" if pd.api.types.is_numeric_dtype(df[col]) else "left"
        table.add_column(str(col), justify=justify, overflow="fold", max_width=60)
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
    text = str(value)
    return text.replace("[", r"\[")


def open_workspace(files: list[str]) -> Any:
    from insightchat.tools.workspace import Workspace

    ws = Workspace(files)
    for note in ws.notes:
        err.print(f"[yellow]Note:[/] {note}", highlight=False)
    return ws


@app.command()
@guarded
def tables(
    files: list[str] = typer.Argument(..., help=FILES_HELP),
    columns: bool = typer.Option(True, "--columns/--no-columns", help="Also list each table's columns."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Show the catalog: tables, row counts, columns with types, nulls, ranges and values."""
    from insightchat.tools.schema_tools import columns_frame, tables_frame

    ws = open_workspace(files)
    catalog = ws.catalog()
    if as_json:
        print_json(
            {
                "tables": [
                    {
                        "name": name,
                        "rows": prof.row_count,
                        "source": prof.source,
                        "columns": [
                            {
                                "name": c.name,
                                "type": c.dtype,
                                "null_fraction": round(c.null_fraction, 4),
                                "distinct": c.distinct,
                                "distinct_is_approx": c.distinct_is_approx,
                                "min": c.min,
                                "max": c.max,
                                "values": c.values,
                                "samples": c.samples,
                            }
                            for c in prof.columns
                        ],
                    }
                    for name, prof in catalog.tables.items()
                ],
                "relations": [r.__dict__ for r in catalog.relations],
            }
        )
        return
    render_table(tables_frame(ws), title="Tables")
    if columns:
        for name in catalog.tables:
            render_table(columns_frame(ws, name), title=f"{name}")
    for rel in catalog.relations:
        out.print(
            f"[dim]relation ({rel.origin}):[/] {rel.left}.{rel.left_column} -> {rel.right}.{rel.right_column}",
            highlight=False,
        )


@app.command()
@guarded
def sql(
    files: list[str] = typer.Argument(..., help=FILES_HELP + " The last argument is the SQL."),
    limit: int = typer.Option(10_000, "--limit", min=1, help="Most rows to return."),
    timeout: float = typer.Option(30.0, "--timeout", min=0.1, help="Seconds before the query is stopped."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Run one read-only SELECT over the files (tables are named after the files)."""
    from insightchat.tools.sql import run_query

    if len(files) < 2:
        raise InsightError(
            "Give one or more files and then the SQL", 'e.g. insightchat sql data.csv "SELECT count(*) FROM data"'
        )
    *paths, query = files
    ws = open_workspace(paths)
    result = run_query(ws, query, row_limit=limit, timeout_s=timeout)
    if as_json:
        print_json(
            {
                "sql": result.sql,
                "rows": json_ready(result.df),
                "total_rows": result.total_rows,
                "truncated": result.truncated,
            }
        )
        return
    render_table(result.df, total_rows=result.total_rows)


def print_answer(answer: Any, show_sql: bool = True, show_text: bool = True) -> None:
    if show_text:
        out.print(answer.text, highlight=False)
    if answer.table is not None and len(answer.table.columns):
        render_table(answer.table, total_rows=answer.total_rows)
    if show_sql and answer.sql:
        out.print(f"[dim]SQL: {answer.sql}[/]", highlight=False)
    if answer.chart is not None:
        out.print(
            f"[dim]Chart: {answer.chart.kind} of {answer.chart.y or 'count'} by {answer.chart.x}[/]", highlight=False
        )
    for warning in answer.warnings:
        err.print(f"[yellow]Warning:[/] {warning}", highlight=False)
    if answer.suggestions:
        out.print("You could ask:", highlight=False)
        for s in answer.suggestions:
            out.print(f"  - {s}", highlight=False)
    out.print(f"[dim]answered by: {answer.planner}[/]", highlight=False)


def ask_live(assistant: Any, question: str) -> None:
    """Print an answer as it streams: each tool step (stderr, dim), the narration as it arrives."""
    if not hasattr(assistant.planner, "plan_stream"):  # offline planner: nothing to stream
        print_answer(assistant.ask(question))
        return
    answer, streamed = None, False
    for event in assistant.ask_stream(question):
        if event.kind == "step" and event.step is not None:
            err.print(f"[dim]- {event.step.title}[/]", highlight=False, markup=True)
        elif event.kind == "token":
            out.print(event.text, end="", highlight=False, markup=False)
            streamed = True
        elif event.kind == "error":
            err.print(f"[yellow]{event.text}[/]", highlight=False)
        elif event.kind == "answer":
            answer = event.answer
    if streamed:
        out.print()
    if answer is not None:
        print_answer(answer, show_text=not streamed)


def make_assistant(files: list[str], llm: Optional[str]) -> Any:
    from insightchat.assistant import Assistant

    return Assistant(open_workspace(files), llm=llm)


@app.command()
@guarded
def ask(
    files: list[str] = typer.Argument(..., help=FILES_HELP + " The last argument is the question."),
    llm: Optional[str] = typer.Option(
        None, "--llm", help="Chat model as provider:model (e.g. openai:gpt-4.1-mini); default: offline."
    ),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Ask one question in plain language (or SQL); prints the answer, the table and the SQL."""
    if len(files) < 2:
        raise InsightError(
            "Give one or more files and then the question",
            'e.g. insightchat ask examples/reviews.csv "average rating by region"',
        )
    *paths, question = files
    assistant = make_assistant(paths, llm)
    if as_json:
        print_json(assistant.ask(question).to_dict())
        return
    ask_live(assistant, question)


@app.command()
@guarded
def chat(
    files: list[str] = typer.Argument(..., help=FILES_HELP),
    llm: Optional[str] = typer.Option(None, "--llm", help="Chat model as provider:model; default: offline."),
) -> None:
    """A conversation with follow-ups ("now by month", "only 2023"). Type 'exit' or Ctrl-D to leave."""
    history = _open_history()
    assistant = make_assistant(files, llm)
    names = ", ".join(assistant.workspace.table_names())
    out.print(f"[bold]insightchat[/] - tables: {names}. Ask a question; 'exit' to leave.", highlight=False)
    while True:
        try:
            question = input("? ").strip()
        except EOFError:
            out.print()
            break
        if question.lower() in ("exit", "quit", ":q"):
            break
        if not question:
            continue
        try:
            ask_live(assistant, question)
        except InsightError as exc:
            err.print(
                f"[bold red]Error:[/] {exc.message}" + (f" [dim](hint: {exc.hint})[/]" if exc.hint else ""),
                highlight=False,
            )
        finally:
            history()


def _open_history() -> Callable[[], None]:
    """Line editing plus a history kept across chats (``INSIGHTCHAT_HISTORY``, default ~/.insightchat_history)."""
    try:
        import readline
    except ImportError:
        return lambda: None
    import os

    path = Path(os.environ.get("INSIGHTCHAT_HISTORY", "~/.insightchat_history")).expanduser()
    try:
        readline.read_history_file(path)
    except (OSError, ValueError):
        pass
    readline.set_history_length(1000)

    def save() -> None:
        try:
            readline.write_history_file(path)
        except OSError:
            pass

    return save


# Text-column commands (sentiment, classify, topics, similar) register themselves on `app`.
from insightchat import cli_text as _cli_text  # noqa: E402,F401

# The `ui` command (Gradio app) registers itself on `app` the same way.
from insightchat.ui import cli as _cli_ui  # noqa: E402,F401


def main() -> None:  # pragma: no cover - console entry point alternative
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
