"""CLI commands for text columns: ``sentiment``, ``classify``, ``topics``, ``similar``.

Each command opens one FILE, adds derived columns through the same tool
functions the assistant uses, prints a summary (or ``--json``), and with ``--out`` writes the input rows
in their original order plus the new columns to a *new* file; the input file is never written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import pandas as pd
import typer
from rich.markup import escape

from insightchat.cli.common import JSON_HELP, err, guarded, json_ready, open_workspace, out, print_json, render_table
from insightchat.tools.errors import InsightError
from insightchat.tools.outputs import checked_output, write_frame

FILE_HELP = "The data file (CSV/TSV, Parquet, JSON, Excel, SQLite, DuckDB)."
COLUMN_HELP = "The text column to analyse."
OUT_HELP = "Write all rows plus the new columns to this new file (.csv, .tsv, .parquet, .json, .jsonl, .xlsx)."
TABLE_HELP = "The table to use when FILE holds several (Excel sheets, SQLite tables)."
PREVIEW_ROWS = 10


def register(app: typer.Typer) -> None:
    for command in (sentiment, classify, topics, similar):
        app.command()(command)


def _open_one(file: str, table: Optional[str], extra: list[str] | None = None) -> tuple[Any, str]:
    ws = open_workspace([file] + (extra or []))
    from insightchat.tools.derived import resolve_table

    names = ws.table_names()
    if table:
        return ws, resolve_table(ws, table)
    first = [n for n in names if ws.sources[n].path and Path(ws.sources[n].path).resolve() == Path(file).resolve()]
    if len(first) > 1:
        raise InsightError(f"{file} holds several tables: {', '.join(first)}", "choose one with --table")
    return ws, (first[0] if first else names[0])


def write_output(df: pd.DataFrame, path: Path, inputs: list[str], flag: str = "--out") -> Path:
    """Write ``df`` to a new file chosen by suffix, through the shared guard that refuses any input."""
    return write_frame(df, path, inputs, flag=flag)


def check_outs(inputs: list[str], **outs: Optional[Path]) -> None:
    """Refuse a bad output path before any model runs (``--out`` over an input, a folder, a bad suffix)."""
    given = {f"--{flag.replace('_', '-')}": path for flag, path in outs.items() if path is not None}
    for flag, path in given.items():
        checked_output(path, inputs, flag=flag)
    if len(given) == 2 and len({checked_output(p, inputs) for p in given.values()}) == 1:
        raise InsightError(f"{' and '.join(given)} name the same file", "write each to its own file")


def _rows(ws: Any, table: str) -> pd.DataFrame:
    from insightchat.tools.derived import quote

    return ws.query_df(f"SELECT * FROM {quote(table)}")


def _finish(
    ws: Any, table: str, text_column: str, new_columns: list[str], out_path: Optional[Path], inputs: list[str]
) -> pd.DataFrame:
    rows = _rows(ws, table)
    if out_path is not None:
        write_output(rows, out_path, inputs)
        err.print(
            f"Wrote {len(rows):,} rows with {', '.join(new_columns)} to {out_path}", highlight=False, markup=False
        )
    return rows[[text_column] + new_columns]


def _show_warnings(warnings: list[str]) -> None:
    for w in warnings:
        err.print(f"[yellow]Warning:[/] {escape(w)}", highlight=False)


@guarded
def sentiment(
    file: str = typer.Argument(..., help=FILE_HELP),
    column: str = typer.Option(..., "--column", "-c", help=COLUMN_HELP),
    out_file: Optional[Path] = typer.Option(None, "--out", "-o", help=OUT_HELP),
    model: Optional[str] = typer.Option(
        None, "--model", help="A transformers sentiment model folder or hub id (default: the built-in model)."
    ),
    table: Optional[str] = typer.Option(None, "--table", help=TABLE_HELP),
    per: str = typer.Option(
        "text", "--per", help="Also score each 'sentence' or each 'aspect' mention (one row per part); default: text."
    ),
    aspects: Optional[str] = typer.Option(
        None, "--aspects", help='With --per aspect: the aspects to look for, comma-separated, e.g. "battery, screen".'
    ),
    parts_out: Optional[Path] = typer.Option(
        None, "--parts-out", help="With --per: write the scored sentences / aspect mentions to this new file."
    ),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Add sentiment (negative/neutral/positive) and sentiment_score (-1..1) columns for a text column.

    Long texts are judged as a whole. --per sentence or --per aspect --aspects "battery, screen" also scores
    every sentence or aspect mention ("battery: negative, screen: positive") and summarises them.
    """
    from insightchat.models.sentiment_parts import GRANULARITIES
    from insightchat.tools.text_tools import add_sentiment, add_sentiment_parts

    if per not in GRANULARITIES:
        raise InsightError(f"--per {per} is not a granularity", f"use one of: {', '.join(GRANULARITIES)}")
    if parts_out is not None and per == "text":
        raise InsightError("--parts-out needs --per sentence or --per aspect", "add --per sentence")
    check_outs([file], out=out_file, parts_out=parts_out)
    ws, name = _open_one(file, table)
    run = add_sentiment(ws, name, column, model)
    parts_table, parts_summary = (
        add_sentiment_parts(ws, name, column, per, aspects, model) if per != "text" else ("", None)
    )
    cols = [run.columns["sentiment"], run.columns["sentiment_score"]]
    preview = _finish(ws, name, run.column, cols, out_file, [file])
    parts = _rows(ws, parts_table) if parts_table else None
    if parts is not None and parts_out is not None:
        write_output(parts, parts_out, [file], flag="--parts-out")
        err.print(f"Wrote {len(parts):,} scored {per}s to {parts_out}", highlight=False, markup=False)
    if as_json:
        payload = {
            "table": run.table,
            "column": run.column,
            "model": run.model_id,
            "new_columns": cols,
            "summary": json_ready(run.summary),
            "rows": json_ready(preview, PREVIEW_ROWS),
            "out": str(out_file) if out_file else None,
            "warnings": run.warnings,
        }
        if parts is not None:
            payload |= {
                "per": per,
                "parts_summary": json_ready(parts_summary),
                "parts": json_ready(parts, PREVIEW_ROWS),
            }
        print_json(payload)
        return
    render_table(run.summary, title=f"Sentiment of {run.table}.{run.column}")
    render_table(preview.head(PREVIEW_ROWS), total_rows=len(preview))
    if parts is not None:
        render_table(parts_summary, title=f"Sentiment per {per} of {run.table}.{run.column}")
        render_table(parts.head(PREVIEW_ROWS), total_rows=len(parts))
    out.print(
        f"[dim]model: {escape(str(run.model_id))}; scored {run.scored:,} distinct texts, {run.cached:,} from cache[/]",
        highlight=False,
    )
    _show_warnings(run.warnings)


@guarded
def classify(
    file: str = typer.Argument(..., help=FILE_HELP),
    column: str = typer.Option(..., "--column", "-c", help=COLUMN_HELP),
    labels: Optional[str] = typer.Option(
        None, "--labels", help='Zero-shot categories, comma-separated, e.g. "billing, delivery, other".'
    ),
    train: Optional[str] = typer.Option(
        None, "--train", help="A file with labelled examples to learn from (may be FILE itself)."
    ),
    label_column: Optional[str] = typer.Option(
        None, "--label-column", help="The column of --train that holds the labels."
    ),
    train_column: Optional[str] = typer.Option(
        None, "--train-column", help="The text column of --train (default: --column)."
    ),
    model_path: Optional[Path] = typer.Option(
        None, "--model-path", help="Use a classifier saved earlier with --save-model."
    ),
    save_model: Optional[Path] = typer.Option(None, "--save-model", help="Save the trained classifier to this folder."),
    fine_tune: bool = typer.Option(
        False,
        "--fine-tune",
        help="With --train: re-tune the top layers of the embedding model on the labelled rows instead of a linear "
        "classifier on frozen embeddings. More accurate with many labels (BANKING77: see README), but it takes "
        "minutes instead of seconds on a CPU (cross-validation trains once per fold); a GPU is used when present.",
    ),
    epochs: Optional[int] = typer.Option(
        None, "--epochs", min=1, max=50, help="With --fine-tune: passes over the labelled rows (default 3)."
    ),
    folds: int = typer.Option(
        5, "--folds", min=2, max=20, help="With --train: cross-validation folds for the reported accuracy."
    ),
    threshold: float = typer.Option(
        0.4, "--threshold", min=0.0, max=1.0, help="Zero-shot: below this confidence a row is 'other'."
    ),
    out_file: Optional[Path] = typer.Option(None, "--out", "-o", help=OUT_HELP),
    table: Optional[str] = typer.Option(None, "--table", help=TABLE_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Add label and label_score columns: zero-shot from --labels, or learned from --train with --label-column.

    Learned classifiers report k-fold cross-validated accuracy first, then train on all labelled rows.
    Add --fine-tune for the most accurate (and slowest) kind.
    """
    from insightchat.tools import text_tools

    modes = sum(x is not None for x in (labels, train, model_path))
    if modes != 1:
        raise InsightError(
            "Give exactly one of --labels, --train or --model-path", 'e.g. --labels "billing, delivery, other"'
        )
    if train is not None and not label_column:
        raise InsightError("--train needs --label-column", "name the column of the training file that holds the labels")
    if (fine_tune or epochs is not None) and train is None:
        raise InsightError("--fine-tune and --epochs only apply to training", "add --train FILE --label-column L")
    if epochs is not None and not fine_tune:
        raise InsightError("--epochs needs --fine-tune", "the linear classifier has no epochs; add --fine-tune")
    check_outs([file] + ([train] if train else []), out=out_file)
    same_file = train is not None and Path(train).expanduser().resolve() == Path(file).expanduser().resolve()
    ws, name = _open_one(file, table, [train] if train is not None and not same_file else None)
    inputs = [file] + ([train] if train else [])
    if labels is not None:
        run = text_tools.add_zero_shot_labels(ws, name, column, labels, threshold=threshold)
    elif model_path is not None:
        run = text_tools.apply_text_classifier_run(ws, name, column, str(model_path))
    else:
        train_table = name if same_file else [n for n in ws.table_names() if n != name][-1]
        run = text_tools.train_text_classifier_run(
            ws,
            train_table,
            train_column or column,
            str(label_column),
            target_table=name,
            target_column=column,
            folds=folds,
            save_to=str(save_model) if save_model else None,
            fine_tune=_fine_tune_settings(fine_tune, epochs),
        )
    cols = [run.columns["label"], run.columns["label_score"]]
    preview = _finish(ws, name, run.column, cols, out_file, inputs)
    report = run.report
    if as_json:
        payload: dict[str, Any] = {
            "table": run.table,
            "column": run.column,
            "method": run.method,
            "new_columns": cols,
            "counts": json_ready(run.counts),
            "rows": json_ready(preview, PREVIEW_ROWS),
            "out": str(out_file) if out_file else None,
            "warnings": run.warnings,
            "saved_to": run.saved_to,
        }
        if report is not None:
            payload["cross_validation"] = report.to_dict()
            payload["confusion"] = {
                "labels": [str(x) for x in report.confusion.index],
                "matrix": report.confusion.values.tolist(),
            }
        print_json(payload)
        return
    if report is not None:
        out.print(report.summary(), highlight=False, markup=False)
        if len(report.confusion) <= 12:
            render_table(report.confusion.reset_index(), title="Confusion matrix (rows: true, columns: predicted)")
    render_table(run.counts, title=f"{run.table}.{run.column} by label ({run.method})")
    render_table(preview.head(PREVIEW_ROWS), total_rows=len(preview))
    if run.saved_to:
        out.print(f"[dim]classifier saved to {escape(str(run.saved_to))}[/]", highlight=False)
    _show_warnings(run.warnings)


def _fine_tune_settings(fine_tune: bool, epochs: int | None) -> Any:
    """The settings of ``--fine-tune`` (None: the linear classifier); torch is imported only when asked for."""
    if not fine_tune:
        return None
    from insightchat.models.finetuned import FineTuneSettings

    return FineTuneSettings() if epochs is None else FineTuneSettings(epochs=epochs)


@guarded
def topics(
    file: str = typer.Argument(..., help=FILE_HELP),
    column: str = typer.Option(..., "--column", "-c", help=COLUMN_HELP),
    n_topics: Optional[int] = typer.Option(
        None, "--topics", "-k", min=1, help="Number of topics (default: chosen from the data)."
    ),
    out_file: Optional[Path] = typer.Option(None, "--out", "-o", help=OUT_HELP),
    table: Optional[str] = typer.Option(None, "--table", help=TABLE_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """What are people talking about: topics of a text column with sizes, words and examples."""
    from insightchat.tools.text_tools import add_topics

    check_outs([file], out=out_file)
    ws, name = _open_one(file, table)
    run = add_topics(ws, name, column, n_topics)
    cols = [run.columns["topic"], run.columns["topic_id"]]
    _finish(ws, name, run.column, cols, out_file, [file])
    if as_json:
        print_json(
            {
                "table": run.table,
                "column": run.column,
                "new_columns": cols,
                "topics": json_ready(run.topics),
                "out": str(out_file) if out_file else None,
                "warnings": run.warnings,
            }
        )
        return
    render_table(run.topics, title=f"Topics in {run.table}.{run.column}")
    _show_warnings(run.warnings)


@guarded
def similar(
    file: str = typer.Argument(..., help=FILE_HELP),
    column: str = typer.Option(..., "--column", "-c", help=COLUMN_HELP),
    query: Optional[str] = typer.Option(None, "--query", "-q", help="Find rows similar to this text."),
    row: Optional[int] = typer.Option(None, "--row", min=0, help="Find rows similar to this row (0-based)."),
    k: int = typer.Option(5, "--k", min=1, help="How many rows."),
    table: Optional[str] = typer.Option(None, "--table", help=TABLE_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """The k rows most similar in meaning to a query text or to a row."""
    from insightchat.tools.text_tools import similar_rows

    ws, name = _open_one(file, table)
    df = similar_rows(ws, name, column, query, row, k)
    if as_json:
        print_json({"table": name, "rows": json_ready(df)})
        return
    render_table(df, title=f"Most similar {column}")
