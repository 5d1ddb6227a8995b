"""The report as Markdown with its charts as PNG files in a folder beside it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from insightchat.tools.report.html import PngCharts, chart_for
from insightchat.tools.report.model import Report
from insightchat.tools.results import ChartSpec


def _table(df: pd.DataFrame | None, max_rows: int = 12) -> str:
    if df is None or df.empty:
        return ""
    shown = df.head(max_rows).astype(object).where(df.head(max_rows).notna(), "")
    header = "| " + " | ".join(str(c) for c in shown.columns) + " |"
    rule = "|" + "---|" * len(shown.columns)
    body = ["| " + " | ".join(_cell(v) for v in row) + " |" for row in shown.itertuples(index=False)]
    return "\n".join([header, rule, *body]) + "\n"


def _cell(v: object) -> str:
    text = f"{v:,.4g}" if isinstance(v, float) else str(v)
    return text.replace("|", "\\|").replace("\n", " ")[:120]


def render_markdown(report: Report, path: Path) -> list[Path]:
    """Write ``path`` and its charts (into ``<stem>_files/``); returns every file written."""
    folder = path.with_name(path.stem + "_files")
    charts = PngCharts(folder)
    rel = folder.name
    ov = report.overview
    lines = [f"# {report.title}", ""]
    lines.append(
        f"{ov.rows:,} rows, {ov.columns} columns, {ov.duplicate_rows:,} duplicate rows, "
        f"{ov.missing_cells:,} missing cells."
    )
    lines += [""] + [f"> {n}" for n in report.notes] + ["", "## Summary", ""]
    lines += [f"{i}. {s}" for i, s in enumerate(report.summary, 1)]
    lines += ["", "## Key findings", ""]
    if not report.findings:
        lines.append(
            f"No finding passed the tests ({report.tests_run:,} tests, {100 * report.fdr:g}% false-discovery rate)."
        )
    for i, f in enumerate(report.findings):
        lines += [
            f"### {i + 1}. {f.headline}",
            "",
            f"*{f.kind.replace('_', ' ')}, interest {f.score:.2f}.* {f.detail}",
            "",
        ]
        frame, spec = chart_for(f)
        if frame is not None and spec is not None:
            png = charts.png(frame, spec, f"finding_{i}")
            lines += [f"![{spec.title}]({rel}/{png.name})", ""]
        lines += ["```sql", f.sql, "```", "", _table(f.data)]
    for i, t in enumerate(report.texts):
        lines += [f"## Text: {t.column}", ""] + [f"> {n}" for n in t.notes] + [""]
        if t.sentiment is not None:
            png = charts.png(t.sentiment, ChartSpec("bar", "sentiment", "rows", title="Sentiment"), f"text_{i}_s")
            lines += [f"![Sentiment]({rel}/{png.name})", "", _table(t.sentiment)]
        for dim, frame in t.sentiment_by.items():
            lines += [f"**Sentiment by {dim}**", "", _table(frame)]
        lines += ["**Most negative**", ""] + [f"- {x}" for x in t.negative_examples] + [""]
        lines += ["**Most positive**", ""] + [f"- {x}" for x in t.positive_examples] + [""]
        if t.topics is not None:
            lines += ["**Topics**", "", _table(t.topics)]
        if t.keywords is not None:
            lines += ["**Distinctive words**", "", _table(t.keywords, 20)]
    for title, _body in report.extra_sections:
        lines += [f"## {title}", "", "(see the HTML report for this section)", ""]
    lines += ["## Columns", "", _table(ov.types, 200)]
    for i, c in enumerate(report.columns):
        lines += [f"### {c.name} ({c.role}, {c.dtype})", ""] + [f"- {k}: {v}" for k, v in c.stats.items()] + [""]
        if c.chart is not None and c.data is not None and len(c.data):
            png = charts.png(c.data, c.chart, f"column_{i}")
            lines += [f"![{c.chart.title}]({rel}/{png.name})", ""]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [path, *charts.files]
