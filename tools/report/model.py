"""The report's types: what was found, with the numbers, SQL and chart that back it.

A :class:`Finding` carries its computed ``values`` and the ``data`` its SQL returned; the sentences
written about it (``headline``, ``detail``) are formatted from those, and :mod:`.summary` checks
mechanically that every number in them occurs in ``values`` or ``data``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

from insightchat.tools.results import ChartSpec

FindingKind = Literal[
    "group_difference", "trend", "change_point", "seasonality", "outliers", "correlation", "concentration", "quality"
]


@dataclass
class Finding:
    """One ranked statement about the data, reproducible by pasting ``sql`` into ``insightchat sql``."""

    kind: FindingKind
    headline: str  # one sentence with the key number(s)
    sql: str
    data: pd.DataFrame
    columns: tuple[str, ...]  # the columns it is about (measure first), for scoring and de-duplication
    values: dict[str, Any] = field(default_factory=dict)  # effect size, p/q value, means, shares, dates
    chart: ChartSpec | None = None
    detail: str = ""  # method and caveats, e.g. "correlation is not cause"
    score: float = 0.0  # interest score, higher first
    segment: str | None = None  # the value a group difference or concentration is about
    chart_sql: str = ""  # the SQL behind the chart when it shows more than ``sql`` (every group, a sample)
    chart_data: pd.DataFrame | None = None

    def numbers_frame(self) -> pd.DataFrame:
        """The computed values as a one-row table (for grounding and for people)."""
        plain = {k: v for k, v in self.values.items() if isinstance(v, (int, float, str)) and not isinstance(v, bool)}
        return pd.DataFrame([plain]) if plain else pd.DataFrame({"n": [len(self.data)]})


@dataclass
class ColumnSummary:
    """The profile of one column: its role, key statistics and a small chart of its distribution."""

    name: str
    dtype: str
    role: str  # measure, dimension, date, text, id, flag, other
    stats: dict[str, Any]
    data: pd.DataFrame | None = None
    chart: ChartSpec | None = None
    sql: str = ""


@dataclass
class TextSection:
    """Sentiment, topics and keywords of one free-text column (on a sample when the column is large)."""

    column: str
    rows_analysed: int
    sampled: bool
    sentiment: pd.DataFrame | None = None  # sentiment, rows, share_pct
    sentiment_by: dict[str, pd.DataFrame] = field(default_factory=dict)  # dimension -> breakdown
    negative_examples: list[str] = field(default_factory=list)
    positive_examples: list[str] = field(default_factory=list)
    topics: pd.DataFrame | None = None  # topic, rows, share_pct, words, examples
    keywords: pd.DataFrame | None = None  # word, group, lift (distinctive words per sentiment)
    sql: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass
class Overview:
    table: str
    rows: int
    columns: int
    duplicate_rows: int
    missing_cells: int
    types: pd.DataFrame  # column, type, role, missing_pct, distinct
    sampled_rows: int | None = None  # set when --quick sampled the table
    date_range: tuple[str, str] | None = None


@dataclass
class Report:
    """Everything one report says; render it with :func:`insightchat.tools.report.render.write_report`."""

    title: str
    overview: Overview
    summary: list[str]
    findings: list[Finding]
    columns: list[ColumnSummary]
    texts: list[TextSection] = field(default_factory=list)
    tests_run: int = 0  # hypotheses tested (the multiple-comparison family)
    fdr: float = 0.01
    notes: list[str] = field(default_factory=list)  # sampling, skipped sections, warnings
    ungrounded: list[str] = field(default_factory=list)  # numbers of the summary no finding has (should be empty)
    seconds: float = 0.0
    extra_sections: list[tuple[str, str]] = field(default_factory=list)  # (title, html) e.g. a model evaluation

    @property
    def significant(self) -> list[Finding]:
        return [f for f in self.findings if f.kind != "quality"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "table": self.overview.table,
            "rows": self.overview.rows,
            "sampled_rows": self.overview.sampled_rows,
            "summary": self.summary,
            "findings": [
                {
                    "kind": f.kind,
                    "headline": f.headline,
                    "columns": list(f.columns),
                    "segment": f.segment,
                    "score": round(f.score, 4),
                    "sql": f.sql,
                    "values": {k: v for k, v in f.values.items() if isinstance(v, (int, float, str, bool))},
                }
                for f in self.findings
            ],
            "tests_run": self.tests_run,
            "fdr": self.fdr,
            "notes": self.notes,
            "ungrounded": self.ungrounded,
        }
