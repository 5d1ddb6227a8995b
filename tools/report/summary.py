"""The executive summary, and the mechanical check that it states only numbers the report computed.

The check is the one answers get (:mod:`insightchat.grounding`): every number in a sentence must
round from a value in some finding's data or computed values, the overview or a column profile.
A language model may reword the summary; its text is used only when it passes the same check.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from insightchat.grounding import ungrounded_numbers
from insightchat.tools.report.fmt import num
from insightchat.tools.report.model import Report
from insightchat.tools.results import ToolResult

MAX_FINDING_SENTENCES = 5


def evidence(report: Report) -> list[ToolResult]:
    """Every computed table and value of ``report``, as the results the grounding check reads."""
    frames: list[pd.DataFrame] = []
    ov = report.overview
    frames.append(
        pd.DataFrame(
            [
                {
                    "rows": ov.rows,
                    "columns": ov.columns,
                    "duplicates": ov.duplicate_rows,
                    "missing": ov.missing_cells,
                    "sampled": ov.sampled_rows or 0,
                    "tests": report.tests_run,
                    "fdr_pct": 100 * report.fdr,
                    "p_floor": 0.001,
                    "from": (ov.date_range or ("", ""))[0],
                    "to": (ov.date_range or ("", ""))[1],
                }
            ]
        )
    )
    frames.append(ov.types)
    for f in report.findings:
        frames.append(f.numbers_frame())
        if f.data is not None:
            frames.append(f.data)
    for c in report.columns:
        if c.data is not None:
            frames.append(c.data)
        frames.append(pd.DataFrame([{k: str(v) for k, v in c.stats.items()}]))
    for t in report.texts:
        frames.append(pd.DataFrame([{"texts": t.rows_analysed}]))
        for frame in [t.sentiment, t.topics, t.keywords, *t.sentiment_by.values()]:
            if frame is not None:
                frames.append(frame)
    return [ToolResult(tool="report", for_model="", data=frame) for frame in frames]


def write_summary(report: Report) -> list[str]:
    """5-8 sentences: the table, the strongest findings, text sentiment, data quality, what was tested."""
    ov = report.overview
    first = f"{ov.table} has {num(ov.rows)} rows and {num(ov.columns)} columns"
    if ov.date_range:
        first += f", from {ov.date_range[0]} to {ov.date_range[1]}"
    sentences = [first + "."]
    if ov.sampled_rows:
        sentences.append(f"This quick report read a sample of {num(ov.sampled_rows)} rows.")
    found = report.significant[:MAX_FINDING_SENTENCES]
    sentences += [f.headline for f in found]
    for t in report.texts[:1]:
        if t.sentiment is not None and len(t.sentiment):
            share = dict(zip(t.sentiment["sentiment"], t.sentiment["share_pct"], strict=False))
            sentences.append(
                f"Of the {num(t.rows_analysed)} texts of {t.column} read, "
                f"{share.get('negative', 0.0):.1f}% are negative "
                f"and {share.get('positive', 0.0):.1f}% positive."
            )
    quality = [f for f in report.findings if f.kind == "quality"]
    if quality:
        sentences.append("Data quality: " + quality[0].headline[0].lower() + quality[0].headline[1:])
    if not found:
        sentences.append(
            f"No significant difference, change, trend, correlation or outlier was found in {num(report.tests_run)} "
            f"test{'' if report.tests_run == 1 else 's'} at a {num(100 * report.fdr)}% false-discovery rate."
        )
    else:
        sentences.append(
            f"Findings were kept at a {num(100 * report.fdr)}% false-discovery rate over {num(report.tests_run)} tests."
        )
    if len(sentences) < 5:
        sentences += _profile_sentences(report)[: 5 - len(sentences)]
    return sentences[:8]


def _profile_sentences(report: Report) -> list[str]:
    out = []
    for c in report.columns:
        if c.role == "dimension" and c.data is not None and len(c.data):
            top = c.data.iloc[0]
            out.append(f"The most common {c.name} is {top[c.name]} ({top['share_pct']:.1f}% of rows).")
        elif c.role == "measure" and "median" in c.stats:
            out.append(f"{c.name} ranges from {c.stats['min']} to {c.stats['max']} (median {c.stats['median']}).")
    missing = report.overview.missing_cells
    if missing == 0:
        out.append("No cell is missing.")
    else:
        out.append(f"{num(missing)} cells are missing in all.")
    return out


def check(report: Report) -> list[str]:
    """Numbers in the summary and the findings' sentences that nothing computed contains."""
    results = evidence(report)
    text = " ".join(report.summary + [f.headline for f in report.findings])
    return ungrounded_numbers(text, results)


def reworded(report: Report, rephrase: Callable[[str], str]) -> bool:
    """Let a language model reword the summary; keep it only when every number in it is grounded."""
    original = list(report.summary)
    try:
        text = rephrase(" ".join(original)).strip()
    except Exception as exc:  # a model or network failure must not lose the report
        report.notes.append(f"The language model could not reword the summary ({type(exc).__name__}).")
        return False
    if not text or ungrounded_numbers(text, evidence(report)):
        report.notes.append("The model's rewording stated numbers the report did not compute; kept the checked text.")
        return False
    report.summary = [text]
    return True
