"""The report as one self-contained HTML file: plotly.js inline once, no request leaves the page.

The same page with PNG images instead of plotly charts (``static=True``) is what weasyprint turns
into the PDF, since a PDF renderer runs no JavaScript.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from insightchat.tools.report.model import ColumnSummary, Finding, Report, TextSection
from insightchat.tools.results import ChartSpec

MAX_TABLE_ROWS = 12

CSS = """
body{font-family:-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;margin:0;color:#1d2330;background:#f6f7fb}
main{max-width:1080px;margin:0 auto;padding:28px}
h1{font-size:26px;margin:0 0 4px}
h2{font-size:20px;margin:32px 0 12px;border-bottom:2px solid #dde1ea;padding-bottom:4px}
h3{font-size:16px;margin:0 0 6px}
.muted{color:#5b6375;font-size:13px}
.card{background:#fff;border:1px solid #e3e6ee;border-radius:8px;padding:16px 18px;margin:12px 0;break-inside:avoid}
.summary li{margin:4px 0;line-height:1.45}
.kind{display:inline-block;font-size:11px;text-transform:uppercase;letter-spacing:.04em;background:#eef1fb;
 color:#3949ab;border-radius:4px;padding:2px 6px;margin-right:6px}
.score{float:right;color:#5b6375;font-size:12px}
table{border-collapse:collapse;font-size:12.5px;margin:8px 0}
td,th{border:1px solid #e3e6ee;padding:3px 7px;text-align:left;vertical-align:top}th{background:#f0f2f7}
pre{background:#f3f4f8;border-radius:6px;padding:8px 10px;font-size:12px;white-space:pre-wrap;word-break:break-word}
details summary{cursor:pointer;color:#3949ab;font-size:13px;margin-top:6px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:12px}
.grid .card{margin:0}
.note{background:#fff8e1;border:1px solid #f3dc8d;border-radius:6px;padding:8px 12px;margin:8px 0;font-size:13px}
.neg{color:#b3261e}.pos{color:#1b7f3b}
img.chart{max-width:100%;height:auto}
.stats td:first-child{color:#5b6375}
"""

ChartRenderer = Callable[[pd.DataFrame, ChartSpec, str], str]


def table_html(df: pd.DataFrame | None, max_rows: int = MAX_TABLE_ROWS) -> str:
    if df is None or df.empty:
        return ""
    shown = df.head(max_rows).copy()
    for col in shown.columns:
        if pd.api.types.is_float_dtype(shown[col]):
            shown[col] = shown[col].map(lambda v: "" if v != v else f"{v:,.4g}")
    more = f'<div class="muted">{len(df) - max_rows:,} more rows</div>' if len(df) > max_rows else ""
    return shown.to_html(index=False, border=0, escape=True) + more


class PlotlyCharts:
    """Interactive charts; plotly.js goes into the page once, from the installed package."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, df: pd.DataFrame, spec: ChartSpec, key: str, height: int = 360) -> str:
        from insightchat.tools.charts import plotly_figure

        fig = plotly_figure(df, spec)
        fig.update_layout(height=height)
        self.count += 1
        return fig.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False})

    @staticmethod
    def script() -> str:
        from plotly.offline import get_plotlyjs

        return f"<script>{get_plotlyjs()}</script>"


class PngCharts:
    """Static charts (matplotlib PNGs): written beside a Markdown file, or inlined for the PDF."""

    def __init__(self, folder: Path | None = None, inline: bool = False) -> None:
        self.folder = folder
        self.inline = inline
        self.files: list[Path] = []

    def path_for(self, key: str) -> Path:
        import tempfile

        folder = self.folder or Path(tempfile.mkdtemp(prefix="insightchat-report-"))
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{key}.png"

    def png(self, df: pd.DataFrame, spec: ChartSpec, key: str) -> Path:
        from insightchat.ui.downloads import write_png

        path = write_png(df, spec, self.path_for(key))
        self.files.append(path)
        return path

    def __call__(self, df: pd.DataFrame, spec: ChartSpec, key: str, height: int = 360) -> str:
        path = self.png(df, spec, key)
        if self.inline:
            data = base64.b64encode(path.read_bytes()).decode()
            return f'<img class="chart" alt="{html.escape(spec.title)}" src="data:image/png;base64,{data}">'
        return f'<img class="chart" alt="{html.escape(spec.title)}" src="{html.escape(path.name)}">'


def chart_for(f: Finding) -> tuple[pd.DataFrame | None, ChartSpec | None]:
    if f.chart is None:
        return None, None
    frame = f.chart_data if f.chart_data is not None else f.data
    if frame is None or frame.empty or f.chart.x not in frame.columns:
        return None, None
    return frame, f.chart


def _finding(i: int, f: Finding, charts: ChartRenderer) -> str:
    frame, spec = chart_for(f)
    chart = charts(frame, spec, f"finding_{i}") if frame is not None and spec is not None else ""
    data = f.data if f.kind != "outliers" else f.data
    return (
        f'<div class="card finding"><span class="score">interest {f.score:.2f}</span>'
        f'<h3><span class="kind">{html.escape(f.kind.replace("_", " "))}</span>{html.escape(f.headline)}</h3>'
        f'<div class="muted">{html.escape(f.detail)}</div>{chart}'
        f"<details><summary>SQL and result</summary><pre>{html.escape(f.sql)}</pre>{table_html(data)}</details></div>"
    )


def _column(i: int, c: ColumnSummary, charts: ChartRenderer) -> str:
    rows = "".join(f"<tr><td>{html.escape(str(k))}</td><td>{html.escape(str(v))}</td></tr>" for k, v in c.stats.items())
    chart = ""
    if c.chart is not None and c.data is not None and len(c.data):
        chart = charts(c.data, c.chart, f"column_{i}", 240)
    return (
        f'<div class="card"><h3>{html.escape(c.name)} <span class="kind">{html.escape(c.role)}</span>'
        f'<span class="muted">{html.escape(c.dtype)}</span></h3><table class="stats">{rows}</table>{chart}</div>'
    )


def _text(i: int, t: TextSection, charts: ChartRenderer) -> str:
    parts = [f'<div class="card"><h3>{html.escape(t.column)}</h3>']
    parts += [f'<div class="note">{html.escape(n)}</div>' for n in t.notes]
    if t.sentiment is not None:
        parts.append(charts(t.sentiment, ChartSpec("bar", "sentiment", "rows", title="Sentiment"), f"text_{i}_s", 280))
        parts.append(table_html(t.sentiment))
    for dim, frame in t.sentiment_by.items():
        parts.append(f"<h3>Sentiment by {html.escape(dim)}</h3>{table_html(frame)}")
    if t.negative_examples:
        items = "".join(f'<li class="neg">{html.escape(x)}</li>' for x in t.negative_examples)
        parts.append(f"<h3>Most negative</h3><ul>{items}</ul>")
    if t.positive_examples:
        items = "".join(f'<li class="pos">{html.escape(x)}</li>' for x in t.positive_examples)
        parts.append(f"<h3>Most positive</h3><ul>{items}</ul>")
    if t.topics is not None and len(t.topics):
        parts.append(charts(t.topics, ChartSpec("bar", "topic", "rows", title="Topics"), f"text_{i}_t", 300))
        parts.append("<h3>Topics</h3>" + table_html(t.topics))
    if t.keywords is not None:
        parts.append("<h3>Distinctive words</h3>" + table_html(t.keywords, 20))
    parts.append(f"<details><summary>SQL of the texts read</summary><pre>{html.escape(t.sql)}</pre></details></div>")
    return "".join(parts)


def render_html(report: Report, charts: ChartRenderer, head_script: str = "") -> str:
    ov = report.overview
    summary = "".join(f"<li>{html.escape(s)}</li>" for s in report.summary)
    notes = "".join(f'<div class="note">{html.escape(n)}</div>' for n in report.notes)
    if report.ungrounded:
        notes += f'<div class="note">Numbers not found in any result: {html.escape(", ".join(report.ungrounded))}</div>'
    significant = [f for f in report.findings if f.kind != "quality"]
    quality = [f for f in report.findings if f.kind == "quality"]
    findings = "".join(_finding(i, f, charts) for i, f in enumerate(significant)) or (
        f'<div class="card">No finding passed the tests ({report.tests_run:,} tests, '
        f"{100 * report.fdr:g}% false-discovery rate).</div>"
    )
    quality_html = "".join(_finding(len(significant) + i, f, charts) for i, f in enumerate(quality))
    texts = "".join(_text(i, t, charts) for i, t in enumerate(report.texts))
    columns = "".join(_column(i, c, charts) for i, c in enumerate(report.columns))
    extra = "".join(f"<h2>{html.escape(title)}</h2>{body}" for title, body in report.extra_sections)
    meta = (
        f"{ov.rows:,} rows · {ov.columns} columns · {ov.duplicate_rows:,} duplicate rows · "
        f"{ov.missing_cells:,} missing cells"
        + (f" · {ov.date_range[0]} to {ov.date_range[1]}" if ov.date_range else "")
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(report.title)}</title><style>{CSS}</style>{head_script}</head>
<body><main>
<h1>{html.escape(report.title)}</h1><div class="muted">{html.escape(meta)} · built in {report.seconds:.1f} s</div>
{notes}
<h2>Summary</h2><div class="card summary"><ol>{summary}</ol></div>
<h2>Key findings</h2>{findings}
{"<h2>Data quality</h2>" + quality_html if quality_html else ""}
{"<h2>Text columns</h2>" + texts if texts else ""}
{extra}
<h2>Columns</h2><div class="card">{table_html(ov.types, 200)}</div><div class="grid">{columns}</div>
<p class="muted">Every finding's SQL runs as written in <code>insightchat sql</code>.
Group differences, changes, trends, seasonality, correlations and concentration were tested
({report.tests_run:,} tests) with the Benjamini-Hochberg
false-discovery rate held at {100 * report.fdr:g}%.</p>
</main></body></html>
"""
