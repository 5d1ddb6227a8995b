"""``insightchat clean``: what the loader assumed and the cleaning step added, and the cleaned table.

The same step the assistant runs before the first question (tools/cleaning.py): each text column that
holds numbers, dates or times gets a typed column beside it, each file table its row position. This
command shows what changed (the rule per column, what could not convert, spellings that differ only
in case) and with ``--out`` writes the cleaned rows to a new file; the input is never written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import pandas as pd
import typer
from rich.markup import escape

from insightchat.cli.common import FILES_HELP, JSON_HELP, err, guarded, json_ready, open_workspace, out, print_json
from insightchat.cli.common import render_table as show_rows
from insightchat.tools.errors import InsightError
from insightchat.tools.outputs import checked_output, write_frame

PREVIEW_ROWS = 10
OUT_HELP = "Write the cleaned rows (originals plus typed columns) to this new file (.csv, .parquet, .json, .xlsx...)."


def register(app: typer.Typer) -> None:
    app.command()(clean)


def _report_frame(report: Any) -> pd.DataFrame:
    rows = [
        {
            "column -> typed": f"{c.column} -> {c.typed_column}",
            "type": c.dtype,
            "read as": c.family,
            "converted": c.converted,
            "empty": c.empty,
            "not converted": c.failed,
        }
        for c in report.columns
    ]
    return pd.DataFrame(rows)


def _changes_frame(ws: Any, table: str, report: Any, rows: int) -> pd.DataFrame:
    """The first rows of each typed column next to the text it came from (and the row position)."""
    from insightchat.tools.derived import quote

    picked: list[str] = []
    for c in report.columns:
        picked += [c.column, c.typed_column]
    if report.position_column:
        picked.append(report.position_column)
    frame = ws.query_df(f"SELECT {', '.join(quote(c) for c in picked)} FROM {quote(table)} LIMIT {rows}")
    for c in report.columns:
        if c.dtype == "DATE":
            frame[c.typed_column] = pd.to_datetime(frame[c.typed_column]).dt.date
    return frame


@guarded
def clean(
    files: list[str] = typer.Argument(..., help=FILES_HELP),
    out_file: Optional[Path] = typer.Option(None, "--out", "-o", help=OUT_HELP),
    table: Optional[str] = typer.Option(None, "--table", help="Only this table (needed with --out for several)."),
    rows: int = typer.Option(PREVIEW_ROWS, "--rows", min=0, help="How many rows of the typed columns to show."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Type text columns (numbers, money, %, dates, times, seasons) beside the originals; show what changed."""
    from insightchat.tools.cleaning import clean_workspace
    from insightchat.tools.derived import quote, resolve_table

    if out_file is not None:
        checked_output(out_file, files)
    ws = open_workspace(files)
    names = [resolve_table(ws, table)] if table else ws.table_names()
    if out_file is not None and len(names) != 1:
        raise InsightError(f"The files hold {len(names)} tables: {', '.join(names)}", "choose one with --table")
    loaded = {name: list(ws.sources[name].notes) for name in names}  # before cleaning adds its own
    reports = clean_workspace(ws, names)
    payload: list[dict[str, Any]] = []
    for name in names:
        report = reports[name]
        loader_notes = loaded[name]
        preview = ws.query_df(f"SELECT * FROM {quote(name)} LIMIT {rows}") if rows else pd.DataFrame()
        if as_json:
            payload.append(
                {
                    "table": name,
                    "loader_notes": loader_notes,
                    "typed_columns": [c.__dict__ for c in report.columns],
                    "position_column": report.position_column,
                    "spellings": [{"column": c, "values": v} for c, v in report.spellings],
                    "notes": report.notes(),
                    "rows": json_ready(preview),
                }
            )
            continue
        out.print(f"[bold]{escape(name)}[/]", highlight=False)
        for note in loader_notes:
            out.print(f"  [dim]read:[/] {escape(note)}", highlight=False)
        if report.columns:
            show_rows(_report_frame(report), title=f"{name}: typed columns")
        else:
            out.print("  no text column holds numbers, dates or times", highlight=False, markup=False)
        for note in report.notes()[len(report.columns) :]:
            out.print(f"  {note}", highlight=False, markup=False)
        for c in report.columns:
            if c.failed:
                out.print(f"  {c.note()}", highlight=False, markup=False)
        if rows and report.changed:
            show_rows(_changes_frame(ws, name, report, rows), title=f"{name}: what changed (first {rows} rows)")
    if out_file is not None:
        written = write_frame(ws.query_df(f"SELECT * FROM {quote(names[0])}"), out_file, files)
        err.print(f"Wrote the cleaned {names[0]} to {written}", highlight=False, markup=False)
    if as_json:
        print_json({"tables": payload, "out": str(out_file) if out_file else None})
    ws.close()
