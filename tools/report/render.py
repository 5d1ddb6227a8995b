"""Write a report to a file chosen by its suffix: .html (interactive, offline), .md (+ PNGs), .pdf."""

from __future__ import annotations

from pathlib import Path

from insightchat.tools.errors import InsightError
from insightchat.tools.report.html import PlotlyCharts, PngCharts, render_html
from insightchat.tools.report.markdown import render_markdown
from insightchat.tools.report.model import Report

FORMATS = (".html", ".md", ".pdf")


def html_text(report: Report) -> str:
    """The self-contained interactive page (plotly.js inline)."""
    return render_html(report, PlotlyCharts(), PlotlyCharts.script())


def write_report(report: Report, path: str | Path) -> list[Path]:
    """Render ``report`` to ``path``; returns the files written (the Markdown's PNGs too)."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in FORMATS:
        raise InsightError(f"Cannot write a report as {suffix or 'a file without a suffix'}", "use .html, .md or .pdf")
    if not target.parent.exists():
        raise InsightError(f"Folder {target.parent} does not exist", "create it first or write the report elsewhere")
    if suffix == ".html":
        target.write_text(html_text(report), encoding="utf-8")
        return [target]
    if suffix == ".md":
        return render_markdown(report, target)
    return [write_pdf(report, target)]


def write_pdf(report: Report, path: Path) -> Path:
    """The static page (PNG charts inlined) laid out by weasyprint."""
    import tempfile

    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: the Pango libraries are missing
        raise InsightError(
            f"PDF output needs weasyprint and its system libraries ({exc})",
            "install them (README: 'Reports'), or write .html and print it from a browser",
        ) from None
    with tempfile.TemporaryDirectory(prefix="insightchat-pdf-") as tmp:
        page = render_html(report, PngCharts(Path(tmp), inline=True))
        page = page.replace("<style>", "<style>@page{size:A4;margin:14mm}main{padding:0}.grid{display:block}", 1)
        HTML(string=page).write_pdf(str(path))
    return path
