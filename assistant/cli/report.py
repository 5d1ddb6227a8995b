"""CLI commands that summarise and explain: ``report``, ``explain`` (a model's label, or a query) and ``evaluate``.

``report`` writes one file chosen by ``--out``'s suffix (.html self-contained, .md with PNGs beside it,
.pdf) and prints the checked summary; ``explain`` prints a ranked word list for one row, the words
behind a label over a column, or a query in plain words; ``evaluate`` cross-validates a classifier
learned from labelled rows and writes its evaluation page. Inputs are never written.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Optional

import pandas as pd
import typer
from rich.markup import escape

from insightchat.cli.common import (
    FILES_HELP,
    JSON_HELP,
    err,
    guarded,
    json_ready,
    open_workspace,
    out,
    print_json,
    render_table,
)
from insightchat.tools.errors import InsightError
from insightchat.tools.outputs import checked_output, write_atomic


def register(app: typer.Typer) -> None:
    for command in (report, explain, evaluate):
        app.command()(command)


def _progress() -> Any:
    """A tqdm bar on a terminal's stderr, nothing otherwise (pipes and CI stay clean)."""
    if not sys.stderr.isatty():
        return None, lambda: None
    from tqdm import tqdm

    bar = tqdm(total=100, desc="report", unit="%", leave=False)

    def step(fraction: float, message: str) -> None:
        bar.set_description(message)
        bar.update(max(0, int(100 * fraction) - bar.n))

    return step, bar.close


def _write_report(rep: Any, target: Path) -> list[Path]:
    """The report at ``target``; a single-file format (.html, .pdf) goes in atomically, never half written."""
    from insightchat.tools.report.render import write_report

    if target.suffix.lower() == ".md":  # the page and its chart folder beside it, named after the target
        return write_report(rep, target)
    return [write_atomic(target, lambda tmp: write_report(rep, tmp))]


@guarded
def report(
    files: list[str] = typer.Argument(..., help=FILES_HELP),
    table: Optional[str] = typer.Option(None, "--table", "-t", help="The table to report on (default: the first)."),
    out_file: Optional[Path] = typer.Option(
        None, "--out", "-o", help="Write the report: report.html, report.md or report.pdf."
    ),
    quick: bool = typer.Option(False, "--quick", help="Sample tables above 200,000 rows (the report says so)."),
    evaluate_column: Optional[str] = typer.Option(
        None,
        "--evaluate",
        help="Also learn a classifier of this text column and add its evaluation (needs --label-column).",
    ),
    label_column: Optional[str] = typer.Option(None, "--label-column", help="The labels for --evaluate."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """A summary report: overview, column profiles, key findings ranked by interest (each with its SQL), text
    sentiment and topics, and a short summary whose every number comes from a finding."""
    from insightchat.tools.report import build_report
    from insightchat.tools.report.render import FORMATS

    target = checked_output(out_file, files, suffixes=FORMATS) if out_file is not None else None
    ws = open_workspace(files)
    names = ws.table_names()
    name = table or names[0]
    step, done = _progress()
    try:
        rep = build_report(ws, name, quick=quick, progress=step)
    finally:
        done()
    if evaluate_column:
        rep.extra_sections.append(("Model evaluation", _evaluation_html(ws, name, evaluate_column, label_column)))
    written = _write_report(rep, target) if target is not None else []
    if as_json:
        print_json(rep.to_dict() | {"files": [str(p) for p in written]})
        return
    out.print(f"[bold]{escape(rep.title)}[/]", highlight=False)
    for sentence in rep.summary:
        out.print(f"  • {sentence}", highlight=False, markup=False)
    frame = pd.DataFrame(
        [{"#": i + 1, "kind": f.kind, "finding": f.headline} for i, f in enumerate(rep.findings)],
        columns=["#", "kind", "finding"],
    )
    if len(frame):
        render_table(frame, title="Key findings (by interest)")
    for note in rep.notes:
        err.print(f"[yellow]Note:[/] {escape(note)}", highlight=False)
    if written:
        err.print(
            f"Wrote {', '.join(str(p) for p in written[:1])}"
            + (f" and {len(written) - 1} chart files" if len(written) > 1 else ""),
            markup=False,
        )


def _evaluation_html(ws: Any, table: str, column: str, label_column: Optional[str]) -> str:
    from insightchat.tools.report.evaluation import evaluation_section
    from insightchat.tools.text_tools import train_text_classifier_run

    if not label_column:
        raise InsightError("--evaluate needs --label-column", "name the column that holds the known labels")
    run = train_text_classifier_run(ws, table, column, label_column)
    assert run.report is not None
    return evaluation_section(run.report, title=f"{column} -> {label_column}")


@guarded
def evaluate(
    file: str = typer.Argument(..., help="The data file with a text column and a label column."),
    column: str = typer.Option(..., "--column", "-c", help="The text column."),
    label_column: str = typer.Option(..., "--label-column", help="The column with the known labels."),
    table: Optional[str] = typer.Option(None, "--table", help="The table when FILE holds several."),
    out_file: Path = typer.Option(Path("evaluation.html"), "--out", "-o", help="The evaluation page to write (.html)."),
    folds: int = typer.Option(5, "--folds", help="Cross-validation folds."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Cross-validate a classifier learned from labelled rows: accuracy, macro P/R/F1, per class, confusion matrix."""
    from insightchat.tools.report.evaluation import per_class, write_evaluation
    from insightchat.tools.text_tools import train_text_classifier_run

    target = checked_output(out_file, [file], suffixes=(".html",))
    ws = open_workspace([file])
    run = train_text_classifier_run(ws, table, column, label_column, folds=folds)
    cv = run.report
    assert cv is not None
    write_atomic(target, lambda tmp: write_evaluation(cv, tmp, f"Classifier of {run.column} -> {label_column}"))
    classes = per_class(cv.confusion)
    if as_json:
        print_json(cv.to_dict() | {"per_class": json_ready(classes), "out": str(out_file)})
        return
    out.print(cv.summary(), highlight=False, markup=False)
    render_table(classes, title="Per class")
    err.print(f"Wrote {out_file}", markup=False)


@guarded
def explain(
    file: str = typer.Argument(..., help="The data file."),
    column: Optional[str] = typer.Option(None, "--column", "-c", help="The text column."),
    row: Optional[int] = typer.Option(None, "--row", "-r", help="The row to explain (0-based)."),
    label: Optional[str] = typer.Option(
        None, "--label", help="Without --row: the words behind this label over the column."
    ),
    where: Optional[str] = typer.Option(
        None, "--where", help='With --label: only rows where COLUMN=VALUE, e.g. "product=Vista Monitor".'
    ),
    classifier: Optional[str] = typer.Option(
        None, "--classifier", help="A classifier folder saved by classify --save-model."
    ),
    sql: Optional[str] = typer.Option(None, "--sql", help="Explain this SQL query in plain words instead."),
    table: Optional[str] = typer.Option(None, "--table", help="The table when FILE holds several."),
    top: int = typer.Option(10, "--top", help="How many words to list."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Why the model labelled a text as it did (word attributions by occlusion), or what a SQL query does."""
    if sql:
        from insightchat.tools.sql_words import explain_sql

        sentences = explain_sql(sql)
        if as_json:
            print_json({"sql": sql, "sql_explained": " ".join(sentences)})
        else:
            for s in sentences:
                out.print(s, highlight=False, markup=False)
        return
    if not column:
        raise InsightError("Which text column?", "add --column, e.g. --column review_text")
    ws = open_workspace([file])
    from insightchat.tools import explain_model as em

    if row is None:
        if not label:
            raise InsightError(
                "Give --row N (one text) or --label L (words behind a label)", "e.g. --row 3 or --label negative"
            )
        where_col = where_val = None
        if where:
            if "=" not in where:
                raise InsightError(f"--where {where!r} is not COLUMN=VALUE", 'e.g. --where "product=Vista Monitor"')
            where_col, where_val = (x.strip() for x in where.split("=", 1))
        frame, n, model = em.label_words(ws, table, column, label, where_col, where_val, classifier)
        if as_json:
            print_json({"label": label, "texts": n, "model": model, "words": json_ready(frame, top)})
            return
        render_table(frame.head(top), title=f"Words pushing {n} texts towards {label}")
        return
    name, col, text = em.row_text(ws, table, column, row)
    att = em.attribute(text, em.load_model(classifier))
    ranked = att.words.sort_values("attribution", ascending=False).reset_index(drop=True)
    if as_json:
        print_json(
            {
                "table": name,
                "column": col,
                "row": row,
                "text": text,
                "label": att.label,
                "probability": att.probability,
                "model": att.model,
                "words": json_ready(ranked[["word", "attribution"]]),
                "phrases": json_ready(att.phrases, top),
            }
        )
        return
    out.print(f"[bold]{escape(str(att.label))}[/] ({att.probability:.1%}) — {escape(text)}", highlight=False)
    render_table(ranked[["word", "attribution"]].head(top), title=f"Words pushing row {row} towards {att.label}")
    if len(att.phrases):
        render_table(att.phrases.head(min(top, 5)), title="Phrases")
    for note in att.notes:
        err.print(f"[yellow]Note:[/] {escape(note)}", highlight=False)
