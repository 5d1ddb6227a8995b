"""``insightchat tables`` and ``insightchat sql``: the catalog of the files and safe SQL over them."""

from __future__ import annotations

import typer
from rich.markup import escape

from insightchat.cli.common import (
    FILES_HELP,
    JSON_HELP,
    guarded,
    json_ready,
    open_workspace,
    out,
    print_json,
    render_table,
)
from insightchat.tools.errors import InsightError


def register(app: typer.Typer) -> None:
    app.command()(tables)
    app.command()(sql)


@guarded
def tables(
    files: list[str] = typer.Argument(..., help=FILES_HELP),
    columns: bool = typer.Option(True, "--columns/--no-columns", help="Also list each table's columns."),
    clean: bool = typer.Option(
        True, "--clean/--no-clean", help="Add the typed columns the assistant adds (see insightchat clean)."
    ),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Show the catalog: tables, row counts, columns with types, nulls, ranges and values, the typed
    columns cleaning added (and the text column each was made from), and what loading assumed."""
    from insightchat.tools.cleaning import clean_workspace, reports
    from insightchat.tools.schema_tools import columns_frame, tables_frame

    ws = open_workspace(files)
    if clean:  # the tables as the assistant sees them
        clean_workspace(ws)
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
                                "typed_from": c.typed_from,
                            }
                            for c in prof.columns
                        ],
                        "notes": prof.notes,
                    }
                    for name, prof in catalog.tables.items()
                ],
                "relations": [r.__dict__ for r in catalog.relations],
            }
        )
        return
    render_table(tables_frame(ws), title="Tables")
    for name, prof in catalog.tables.items():
        if columns:
            frame = columns_frame(ws, name)
            position = reports(ws)[name].position_column if name in reports(ws) else None
            made_from = [c.typed_from or ("row order" if c.name == position else "") for c in prof.columns]
            frame.insert(1, "made from", made_from)
            render_table(frame, title=f"{name}")
        if prof.notes:
            out.print(f"[bold]How {escape(name)} was read and cleaned:[/]", highlight=False)
            for note in prof.notes:
                out.print(f"  - {escape(note)}", highlight=False)
    for rel in catalog.relations:
        out.print(
            f"[dim]relation ({escape(str(rel.origin))}):[/] "
            + escape(f"{rel.left}.{rel.left_column} -> {rel.right}.{rel.right_column}"),
            highlight=False,
        )


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
