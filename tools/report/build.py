"""Build a :class:`Report` for one table: profile, findings, text section, summary, grounding check."""

from __future__ import annotations

import time
from collections.abc import Callable

from insightchat.tools import derived
from insightchat.tools.errors import InsightError
from insightchat.tools.report import quality
from insightchat.tools.report.concentration import concentration_findings
from insightchat.tools.report.correlations import correlation_findings
from insightchat.tools.report.groups import group_differences
from insightchat.tools.report.model import Report
from insightchat.tools.report.outliers import outlier_findings
from insightchat.tools.report.profile import column_summaries, overview
from insightchat.tools.report.rank import select
from insightchat.tools.report.roles import assign_roles
from insightchat.tools.report.scope import make_scope
from insightchat.tools.report.summary import check, reworded, write_summary
from insightchat.tools.report.texts import text_sections
from insightchat.tools.report.timeline import timeline_findings
from insightchat.tools.workspace import Workspace

Progress = Callable[[float, str], None]
DEFAULT_FDR = 0.01
TEXT_SAMPLE = 1000
QUICK_TEXT_SAMPLE = 250


def build_report(
    ws: Workspace,
    table: str | None = None,
    quick: bool = False,
    fdr: float = DEFAULT_FDR,
    text_sample: int | None = None,
    with_text: bool = True,
    progress: Progress | None = None,
    rephrase: Callable[[str], str] | None = None,
) -> Report:
    """Profile ``table``, test it for findings, and write a checked summary.

    ``quick`` samples tables above 200,000 rows (and says so); ``text_sample`` caps how many texts the
    text models read (1,000, or 250 with ``quick``); ``rephrase`` lets a language model reword the
    summary, kept only when every number in it is grounded.
    """
    started = time.perf_counter()
    say = progress or (lambda _f, _m: None)
    name = derived.resolve_table(ws, table)
    skip = {n for spec in derived.load_specs(ws, name) for n in spec.outputs.values()}
    profile = ws.profile(name)
    if profile.row_count == 0:
        raise InsightError(f"Table {name!r} has no rows", "a report needs at least one row")
    roles = assign_roles(profile, skip)
    scope = make_scope(ws, name, roles, quick, fdr)
    say(0.05, "profiling columns")
    ov = overview(scope)
    columns = column_summaries(scope)
    candidates = []
    steps = [
        ("group differences", group_differences),
        ("trends and change points", timeline_findings),
        ("outliers", outlier_findings),
        ("correlations", correlation_findings),
        ("concentration", concentration_findings),
    ]
    for i, (label, finder) in enumerate(steps):
        say(0.15 + 0.1 * i, label)
        candidates += finder(scope)
    candidates += quality.quality_findings(scope, ov.duplicate_rows)
    findings, tests = select(candidates, fdr)
    for f in findings:
        if f.data is None:
            f.data = scope.query(f.sql)
        if f.chart_sql and f.chart_data is None:
            f.chart_data = scope.query(f.chart_sql)
    texts = []
    if with_text and roles.texts:
        say(0.7, "text models")
        texts = text_sections(scope, text_sample or (QUICK_TEXT_SAMPLE if quick else TEXT_SAMPLE))
    report = Report(
        title=f"Report on {name}",
        overview=ov,
        summary=[],
        findings=findings,
        columns=columns,
        texts=texts,
        tests_run=tests,
        fdr=fdr,
        notes=list(scope.notes) + [n for t in texts for n in t.notes],
    )
    say(0.9, "summary")
    report.summary = write_summary(report)
    if rephrase is not None:
        reworded(report, rephrase)
    report.ungrounded = check(report)
    report.seconds = time.perf_counter() - started
    say(1.0, "done")
    return report
