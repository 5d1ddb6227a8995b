"""CLI command ``triage``: intent, urgency, sentiment, language, duplicates, similar tickets and a queue per ticket.

It opens FILE (and the labelled history given with ``--train``), runs :func:`insightchat.tools.triage.triage_table`,
prints the narrated summary, the counts, the evaluation of anything it learned and the first tickets with their
reasons, and with ``--out`` writes every row plus the triage columns to a new file (never over an input).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer
from rich.markup import escape

from insightchat.cli.common import JSON_HELP, err, guarded, json_ready, open_workspace, out, print_json, render_table
from insightchat.tools.errors import InsightError
from insightchat.tools.outputs import checked_output, write_frame

PREVIEW_COLUMNS = (
    "ticket",
    "intent",
    "urgency",
    "urgency_reasons",
    "triage_queue",
    "triage_confidence",
    "duplicate_of",
)


def register(app: typer.Typer) -> None:
    app.command()(triage)


def _table_of(ws: Any, file: str, table: Optional[str]) -> str:
    from insightchat.tools.derived import resolve_table

    if table:
        return resolve_table(ws, table)
    target = Path(file).expanduser().resolve()
    mine = [n for n in ws.table_names() if ws.sources[n].path and Path(ws.sources[n].path).resolve() == target]
    if len(mine) > 1:
        raise InsightError(f"{file} holds several tables: {', '.join(mine)}", "choose one with --table")
    return mine[0] if mine else ws.table_names()[0]


def _descriptions(items: list[str] | None) -> dict[str, str]:
    found: dict[str, str] = {}
    for item in items or []:
        label, sep, text = item.partition("=")
        if not sep or not label.strip() or not text.strip():
            raise InsightError(
                f"--describe {item!r} is not LABEL=DESCRIPTION", '--describe "billing=charges and refunds"'
            )
        found[label.strip()] = text.strip()
    return found


@guarded
def triage(
    file: str = typer.Argument(..., help="The ticket file (CSV/TSV, Parquet, JSON, Excel, SQLite, DuckDB)."),
    text_column: str = typer.Option(..., "--text-column", "-c", help="The column with the ticket text."),
    id_column: Optional[str] = typer.Option(
        None, "--id-column", help="The ticket id (guessed from names when left out)."
    ),
    labels: Optional[str] = typer.Option(
        None, "--labels", help='Zero-shot intents from their names, e.g. "billing, delivery, technical, other".'
    ),
    describe: Optional[list[str]] = typer.Option(
        None,
        "--describe",
        help='A zero-shot label\'s description, LABEL=TEXT (repeatable): "billing=charges, refunds".',
    ),
    train: Optional[str] = typer.Option(None, "--train", help="Labelled history to learn intents from (a data file)."),
    label_column: Optional[str] = typer.Option(
        None, "--label-column", help="The intent labels in --train (or in FILE)."
    ),
    priority_column: Optional[str] = typer.Option(
        None, "--priority-column", help="Known priorities (in --train or FILE): urgency is learned from them."
    ),
    rules: Optional[Path] = typer.Option(
        None, "--rules", help="Routing rules and urgency weights (TOML; start from examples/routing.toml)."
    ),
    model: Optional[Path] = typer.Option(
        None, "--model", help="Triage model folder: saved here after training, reused when nothing is trained."
    ),
    corrections: Optional[Path] = typer.Option(
        None, "--corrections", help="Your corrected labels (CSV; default FILE's name + .corrections.csv beside it)."
    ),
    date_column: Optional[str] = typer.Option(None, "--date-column", help="When each ticket came in (guessed)."),
    customer_column: Optional[str] = typer.Option(None, "--customer-column", help="Who wrote it (guessed)."),
    tier_column: Optional[str] = typer.Option(None, "--tier-column", help="The customer's tier or plan (guessed)."),
    value_column: Optional[str] = typer.Option(None, "--value-column", help="The customer's value (guessed)."),
    reply_column: Optional[str] = typer.Option(None, "--reply-column", help="The reply or resolution (guessed)."),
    since: Optional[str] = typer.Option(None, "--since", help="Start of the summary's period (default: last 7 days)."),
    out_file: Optional[Path] = typer.Option(None, "--out", "-o", help="Write every row plus the triage columns here."),
    table: Optional[str] = typer.Option(None, "--table", help="The table to use when FILE holds several."),
    show: int = typer.Option(10, "--show", help="How many tickets to print."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Triage support tickets: intent, urgency with its reasons, sentiment, language, duplicates, similar past
    tickets and a queue from editable routing rules; results become columns you can ask about."""
    from insightchat.tools.triage import TriageOptions, triage_table
    from insightchat.tools.triage.learning import default_corrections_path

    if train and label_column is None and priority_column is None:
        raise InsightError("--train needs --label-column (intents) or --priority-column", "name the column with labels")
    inputs = [file] + ([train] if train else [])
    if out_file is not None:  # before any model runs; checked again with the corrections file when written
        checked_output(out_file, inputs + [str(p) for p in (rules, corrections) if p is not None])
    ws = open_workspace(inputs)
    name = _table_of(ws, file, table)
    train_table = _table_of(ws, train, None) if train else None
    corrections_path = corrections or default_corrections_path(file, name)
    inputs += [str(corrections_path)] + ([str(rules)] if rules else [])
    options = TriageOptions(
        labels=labels,
        descriptions=_descriptions(describe),
        train_table=train_table,
        label_column=label_column,
        priority_column=priority_column,
        rules=rules,
        model_path=model,
        corrections=corrections_path,
        id_column=id_column,
        date_column=date_column,
        customer_column=customer_column,
        tier_column=tier_column,
        value_column=value_column,
        reply_column=reply_column,
        since=since,
    )
    result = triage_table(ws, name, text_column, options, progress=_progress())
    written = None
    if out_file is not None:
        from insightchat.tools.derived import quote

        written = write_frame(ws.query_df(f"SELECT * FROM {quote(result.table)}"), out_file, inputs)
    if as_json:
        print_json(_as_json(result, written, show))
        return
    _print(result, show)
    if written is not None:
        err.print(
            f"Wrote {len(result.tickets):,} rows with the triage columns to {written}", highlight=False, markup=False
        )


def _progress() -> Any:
    import sys

    if not sys.stderr.isatty():
        return None

    def report(fraction: float, desc: str) -> None:
        err.print(f"[dim]{fraction:4.0%} {escape(desc)}[/]", highlight=False)

    return report


def _as_json(result: Any, written: Path | None, show: int) -> dict[str, Any]:
    s = result.summary
    return {
        "table": result.table,
        "text_column": result.text_column,
        "columns": result.columns,
        "intent_method": result.intent_method,
        "urgency_method": result.urgency_method,
        "summary": s.text,
        "facts": s.facts,
        "by_queue": json_ready(s.by_queue),
        "by_urgency": json_ready(s.by_urgency),
        "by_intent": json_ready(s.by_intent),
        "period": json_ready(s.period) if s.period is not None else None,
        "evaluations": {k: v.to_dict() for k, v in result.evaluations.items()},
        "tickets": json_ready(result.tickets, show),
        "similar": json_ready(result.similar[result.similar["ticket"].isin(result.tickets["ticket"].head(show))]),
        "roles": result.roles.as_dict(),
        "model_saved_to": result.model_saved_to,
        "corrections": result.corrections_path,
        "out": str(written) if written else None,
        "warnings": result.warnings,
        "notes": result.notes,
    }


def _print(result: Any, show: int) -> None:
    s = result.summary
    out.print(
        f"[bold]{escape(f'Triage of {result.table}.{result.text_column}')}[/] "
        f"({escape(result.intent_detail)}; urgency from "
        f"{'learned priorities' if result.urgency_method == 'learned' else 'signals'})",
        highlight=False,
    )
    out.print(s.text, highlight=False, markup=False)
    render_table(s.by_queue, title="Tickets by queue")
    render_table(s.by_urgency, title="Tickets by urgency")
    render_table(s.by_intent.head(15), title="Tickets by intent", total_rows=len(s.by_intent))
    if s.period is not None and len(s.period):
        render_table(s.period.head(10), title=f"This period against the one before (since {s.facts.get('since')})")
    for ev in result.evaluations.values():
        out.print(ev.summary(), highlight=False, markup=False)
        render_table(ev.per_class, title=f"{ev.field}: per class (cross-validated)")
        if len(ev.report.confusion) <= 12:
            render_table(ev.report.confusion.reset_index(), title=f"{ev.field}: confusion matrix (rows: true)")
    cols = [c for c in PREVIEW_COLUMNS if c in result.tickets.columns]
    render_table(result.tickets[cols].head(show), title="Tickets", total_rows=len(result.tickets))
    if result.model_saved_to:
        err.print(
            f"Triage model saved to {result.model_saved_to} (reuse it with --model)", highlight=False, markup=False
        )
    for w in result.warnings:
        err.print(f"[yellow]Warning:[/] {escape(w)}", highlight=False)
    for note in result.notes:
        err.print(f"[dim]Note: {escape(note)}[/]", highlight=False)
