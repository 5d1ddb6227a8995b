"""The evaluation of a learned text classifier: a report section and a standalone HTML file.

Numbers are the out-of-fold ones of :class:`insightchat.models.learned.CVReport` (each row predicted
by a model that never saw it); per-class precision, recall and F1 are read off its confusion matrix.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from insightchat.tools.report.html import CSS, PlotlyCharts, table_html
from insightchat.tools.results import ChartSpec


def per_class(confusion: pd.DataFrame) -> pd.DataFrame:
    """Precision, recall, F1 and support of each label from a confusion matrix (rows true, columns predicted)."""
    rows = []
    for label in confusion.index:
        tp = float(confusion.loc[label, label]) if label in confusion.columns else 0.0
        predicted = float(confusion[label].sum()) if label in confusion.columns else 0.0
        actual = float(confusion.loc[label].sum())
        p = tp / predicted if predicted else 0.0
        r = tp / actual if actual else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        rows.append(
            {"label": label, "precision": round(p, 3), "recall": round(r, 3), "f1": round(f, 3), "support": int(actual)}
        )
    return pd.DataFrame(rows)


def confusion_long(confusion: pd.DataFrame) -> pd.DataFrame:
    frame = confusion.copy()
    frame.index.name, frame.columns.name = "true", "predicted"
    return frame.stack().rename("rows").reset_index()


def evaluation_section(cv, charts=None, title: str = "") -> str:
    """HTML for one classifier's cross-validated quality (``cv`` is a CVReport)."""
    charts = charts or PlotlyCharts()
    metrics = pd.DataFrame(
        [
            {"metric": "accuracy", "value": round(cv.accuracy, 4)},
            {"metric": "macro precision", "value": round(cv.macro_precision, 4)},
            {"metric": "macro recall", "value": round(cv.macro_recall, 4)},
            {"metric": "macro F1", "value": round(cv.macro_f1, 4)},
        ]
    )
    chart = charts(
        confusion_long(cv.confusion),
        ChartSpec("heatmap", "predicted", "true", "rows", title="Confusion matrix"),
        "confusion",
        420,
    )
    warn = "".join(f'<div class="note">{html.escape(w)}</div>' for w in cv.warnings)
    return (
        f'<div class="card"><h3>{html.escape(title or "Learned classifier")}</h3>'
        f"<p>{html.escape(cv.summary())}</p>{warn}{table_html(metrics)}"
        f"<h3>Per class</h3>{table_html(per_class(cv.confusion), 200)}{chart}</div>"
    )


def write_evaluation(cv, path: Path, title: str) -> Path:
    """A standalone, offline HTML page with the evaluation (plotly inline)."""
    body = evaluation_section(cv, PlotlyCharts(), title)
    page = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{CSS}</style>{PlotlyCharts.script()}</head><body><main><h1>{html.escape(title)}</h1>{body}</main></body></html>"
    )
    path.write_text(page, encoding="utf-8")
    return path
