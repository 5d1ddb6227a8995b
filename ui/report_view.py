"""The Report tab: build a table's summary report, show its summary and ranked findings, offer the files.

The page itself is not embedded: the self-contained HTML carries plotly.js (megabytes) and its own styles,
which would leak into the app's page. The in-page view is the executive summary, the notes and the findings
(each with the SQL that reproduces it); the full page is a download. Files are written under the session's
private folder (``<session>/reports/<n>/``), like the chat's downloads, so no other session can reach them.
"""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr
import pandas as pd

from insightchat.tools.errors import InsightError
from insightchat.tools.report.model import Report
from insightchat.tools.report.render import write_report

log = logging.getLogger(__name__)
Progress = Callable[[float, str], None]
FINDING_COLUMNS = ["#", "kind", "finding", "interest", "sql"]


@dataclass
class ReportFiles:
    html: Path  # the self-contained interactive page
    markdown: Path  # report.md, or a zip of it with its PNG charts when it has any


@dataclass
class ReportView:
    """What the Report tab shows for one built report."""

    report: Report
    summary: str  # Markdown: title, size, summary sentences, notes
    findings: pd.DataFrame  # FINDING_COLUMNS, ranked
    files: ReportFiles


def findings_frame(report: Report) -> pd.DataFrame:
    """The ranked findings as rows a person can sort and copy the SQL from."""
    rows = [
        {
            "#": i,
            "kind": f.kind.replace("_", " "),
            "finding": f.headline + (f" ({f.detail})" if f.detail else ""),
            "interest": round(float(f.score), 2),
            "sql": f.sql,
        }
        for i, f in enumerate(report.findings, 1)
    ]
    return pd.DataFrame(rows, columns=FINDING_COLUMNS)


def summary_markdown(report: Report) -> str:
    """Title, size, the checked executive summary and the notes (sampling, skipped sections)."""
    ov = report.overview
    lines = [
        f"### {report.title}",
        f"{ov.rows:,} rows, {ov.columns} columns, {ov.duplicate_rows:,} duplicate rows, "
        f"{ov.missing_cells:,} missing cells"
        + (f"; the findings read a sample of {ov.sampled_rows:,} rows" if ov.sampled_rows else "")
        + f". Built in {report.seconds:.1f} s.",
        "",
    ]
    lines += [f"- {s}" for s in report.summary]
    if not report.findings:
        lines += [
            "",
            f"No finding passed the tests ({report.tests_run:,} tests at a "
            f"{100 * report.fdr:g}% false-discovery rate).",
        ]
    lines += [""] + [f"> {n}" for n in report.notes]
    return "\n".join(lines).strip() + "\n"


def next_folder(session_dir: Path) -> Path:
    """A fresh ``reports/<n>`` folder: earlier reports stay downloadable."""
    root = session_dir / "reports"
    root.mkdir(parents=True, exist_ok=True)
    n = 1 + max((int(p.name) for p in root.iterdir() if p.name.isdigit()), default=0)
    folder = root / str(n)
    folder.mkdir()
    return folder


def write_report_files(report: Report, folder: Path) -> ReportFiles:
    """The HTML page and the Markdown (zipped with its charts when it has any) in ``folder``."""
    html = write_report(report, folder / "report.html")[0]
    written = write_report(report, folder / "report.md")
    md = folder / "report.md"
    pngs = [p for p in written if p != md]
    if not pngs:
        return ReportFiles(html, md)
    bundle = folder / "report-markdown.zip"
    with zipfile.ZipFile(bundle, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for p in written:
            zf.write(p, p.relative_to(folder).as_posix())
    return ReportFiles(html, bundle)


def build_report_view(
    assistant: Any, session_dir: Path, table: str | None, quick: bool = False, progress: Progress | None = None
) -> ReportView:
    """Build the report of ``table`` with ``assistant`` and write its files into the session's folder.

    Raises InsightError for a bad table (the caller shows it as a message)."""
    say = progress or (lambda _f, _m: None)
    report = assistant.report(table, quick=quick, progress=lambda f, m: say(0.9 * f, m))
    say(0.92, "writing the HTML and Markdown files")
    files = write_report_files(report, next_folder(session_dir))
    return ReportView(report, summary_markdown(report), findings_frame(report), files)


# ---------------------------------------------------------------------------- the tab
@dataclass
class ReportTab:
    """The Report tab's components the app wires to the rest of the page."""

    table: Any  # gr.Dropdown, refreshed with the data panel
    quick: Any  # gr.Checkbox
    outputs: list[Any]  # what ``run`` returns, in order
    run: Callable[..., list[Any]]  # the handler: (table, quick, request, progress)


def report_tab(session: Callable[[Any], Any]) -> ReportTab:
    """Lay out the Report tab (inside an open ``gr.Tab``) and wire its button; ``session(request)`` finds the
    UISession."""
    with gr.Row():
        table = gr.Dropdown(label="Table", choices=[], allow_custom_value=True, scale=3, elem_id="insight-report-table")
        quick = gr.Checkbox(label="Quick (sample tables above 200,000 rows)", value=False, scale=2)
        build = gr.Button("Build report", variant="primary", scale=1, elem_id="insight-report-build")
    status = gr.Markdown("Choose a table and build its report.", elem_id="insight-report-status")
    with gr.Row():
        html_btn = gr.DownloadButton("Report (HTML)", visible=False, size="sm", elem_id="insight-report-html")
        md_btn = gr.DownloadButton("Report (Markdown)", visible=False, size="sm", elem_id="insight-report-md")
    summary = gr.Markdown("", elem_id="insight-report-summary")
    findings = gr.Dataframe(
        label="Key findings, ranked (each with the SQL that reproduces it)",
        interactive=False,
        visible=False,
        wrap=True,
        max_height=480,
        column_widths=["4%", "12%", "52%", "7%", "25%"],
        elem_id="insight-report-findings",
    )
    outputs = [status, summary, findings, html_btn, md_btn]

    def on_report(
        name: str | None, quick_: bool, request: gr.Request, progress: gr.Progress = gr.Progress()
    ) -> list[Any]:
        """Build, write the files, show; any failure is one line in the status, the session carries on."""
        failed = [gr.skip()] * (len(outputs) - 1)
        try:
            sess = session(request)
        except InsightError as exc:
            return [f"**Could not open the data:** {exc.message}", *failed]
        if not name:
            return ["**Choose a table first** (load or upload data in the Chat tab).", *failed]
        if not sess.busy.acquire(blocking=False):
            gr.Warning("Still answering a question or running a triage; try again when it is done.")
            return ["Busy with another request in this session; try again when it is done.", *failed]
        try:
            view = build_report_view(sess.assistant, sess.upload_dir, name, quick_, lambda f, m: progress(f, desc=m))
        except InsightError as exc:
            hint = f" ({exc.hint})" if exc.hint else ""
            gr.Warning(f"{exc.message}{hint}")
            return [f"**Could not build the report:** {exc.message}{hint}", *failed]
        except Exception as exc:  # a bug in one section must not look like a broken app
            log.warning("report failed", exc_info=True)
            return [f"**Could not build the report** ({type(exc).__name__}); the chat still works.", *failed]
        finally:
            sess.busy.release()
        n = len(view.report.findings)
        return [
            f"Report on **{view.report.overview.table}**: {n} finding{'s' if n != 1 else ''}. "
            "Download the full page (charts included, opens offline) or the Markdown.",
            view.summary,
            gr.Dataframe(value=view.findings, visible=n > 0),
            gr.DownloadButton(value=str(view.files.html), visible=True),
            gr.DownloadButton(
                "Report (Markdown + charts, zip)" if view.files.markdown.suffix == ".zip" else "Report (Markdown)",
                value=str(view.files.markdown),
                visible=True,
            ),
        ]

    build.click(on_report, [table, quick], outputs, api_name="report", show_progress="full")
    return ReportTab(table, quick, outputs, on_report)
