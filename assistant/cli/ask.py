"""``insightchat ask`` and ``insightchat chat``: questions in plain language, answered with the SQL shown."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Optional

import typer
from rich.markup import escape

from insightchat.cli.common import (
    FILES_HELP,
    JSON_HELP,
    err,
    guarded,
    open_workspace,
    out,
    print_json,
    render_table,
)
from insightchat.tools.errors import InsightError


def register(app: typer.Typer) -> None:
    app.command()(ask)
    app.command()(chat)


def print_answer(answer: Any, show_sql: bool = True, show_text: bool = True) -> None:
    if show_text:
        out.print(answer.text, highlight=False, markup=False)
    if answer.table is not None and len(answer.table.columns):
        render_table(answer.table, total_rows=answer.total_rows)
    if show_sql and answer.sql:
        out.print(f"[dim]SQL: {escape(answer.sql)}[/]", highlight=False)
    if answer.chart is not None:
        out.print(
            escape(f"Chart: {answer.chart.kind} of {answer.chart.y or 'count'} by {answer.chart.x}"),
            style="dim",
            highlight=False,
        )
    for warning in answer.warnings:
        err.print(f"[yellow]Warning:[/] {escape(warning)}", highlight=False)
    if answer.suggestions:
        out.print("You could ask:", highlight=False)
        for s in answer.suggestions:
            out.print(f"  - {s}", highlight=False, markup=False)
    out.print(f"[dim]answered by: {escape(answer.planner)}[/]", highlight=False)


def ask_live(assistant: Any, question: str) -> None:
    """Print an answer as it streams: each tool step (stderr, dim), the narration as it arrives."""
    if not assistant.planner.streams:  # the offline planner: nothing worth watching, the answer at once
        print_answer(assistant.ask(question))
        return
    answer, streamed = None, False
    for event in assistant.ask_stream(question):
        if event.kind == "step" and event.step is not None:
            err.print(f"[dim]- {escape(event.step.title)}[/]", highlight=False)
        elif event.kind == "token":
            out.print(event.text, end="", highlight=False, markup=False)
            streamed = True
        elif event.kind == "error":
            err.print(f"[yellow]{escape(event.text)}[/]", highlight=False)
        elif event.kind == "answer":
            answer = event.answer
    if streamed:
        out.print()
    if answer is not None:
        print_answer(answer, show_text=not streamed)


def make_assistant(files: list[str], llm: Optional[str]) -> Any:
    from insightchat.assistant import Assistant

    return Assistant(open_workspace(files), llm=llm)


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


@guarded
def chat(
    files: list[str] = typer.Argument(..., help=FILES_HELP),
    llm: Optional[str] = typer.Option(None, "--llm", help="Chat model as provider:model; default: offline."),
) -> None:
    """A conversation with follow-ups ("now by month", "only 2023"). Type 'exit' or Ctrl-D to leave."""
    history = _open_history()
    assistant = make_assistant(files, llm)
    names = ", ".join(assistant.workspace.table_names())
    out.print(f"[bold]insightchat[/] - tables: {escape(names)}. Ask a question; 'exit' to leave.", highlight=False)
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
                f"[bold red]Error:[/] {escape(exc.message)}"
                + (f" [dim](hint: {escape(exc.hint)})[/]" if exc.hint else ""),
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
    path = Path(os.environ.get("INSIGHTCHAT_HISTORY", "~/.insightchat_history")).expanduser()
    with contextlib.suppress(OSError, ValueError):
        readline.read_history_file(path)
    readline.set_history_length(1000)

    def save() -> None:
        with contextlib.suppress(OSError):
            readline.write_history_file(path)

    return save
