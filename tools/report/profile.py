"""The overview and per-column profiles: what a reader checks before believing any finding."""

from __future__ import annotations

import math

import pandas as pd

from insightchat.tools.report.fmt import num, pct
from insightchat.tools.report.model import ColumnSummary, Overview
from insightchat.tools.report.scope import Scope, q
from insightchat.tools.report.timeline import choose_grain
from insightchat.tools.results import ChartSpec

TOP_VALUES = 10
HISTOGRAM_BINS = 20


def overview(scope: Scope) -> Overview:
    prof = scope.profile
    dup_sql = (
        f"SELECT count(*) - (SELECT count(*) FROM (SELECT DISTINCT * FROM {scope.source})) AS n FROM {scope.source}"
    )
    duplicates = int(scope.query(dup_sql)["n"].iloc[0]) if prof.columns else 0
    types = pd.DataFrame(
        [
            {
                "column": c.name,
                "type": c.dtype,
                "role": scope.roles.role_of(c.name),
                "missing_pct": round(100 * c.null_fraction, 1),
                "distinct": c.distinct,
            }
            for c in prof.columns
        ]
    )
    missing = int(round(sum(c.null_fraction for c in prof.columns) * prof.row_count))
    dates = [prof.column(d) for d in scope.roles.dates]
    date_range = None
    if dates and dates[0] is not None and dates[0].min is not None:
        date_range = (str(dates[0].min)[:10], str(dates[0].max)[:10])
    return Overview(
        table=scope.table,
        rows=prof.row_count,
        columns=len(prof.columns),
        duplicate_rows=duplicates,
        missing_cells=missing,
        types=types,
        sampled_rows=scope.rows if scope.sampled else None,
        date_range=date_range,
    )


def column_summaries(scope: Scope) -> list[ColumnSummary]:
    out = []
    for col in scope.profile.columns:
        role = scope.roles.role_of(col.name)
        base = {"missing": pct(col.null_fraction), "distinct": num(col.distinct)}
        if role == "measure":
            out.append(_measure(scope, col.name, col.dtype, base))
        elif role == "dimension":
            out.append(_dimension(scope, col.name, col.dtype, base))
        elif role == "date" and col.min is not None:
            out.append(_date(scope, col.name, col.dtype, base, col.min, col.max))
        else:
            if col.avg_length is not None:
                base["average length"] = num(col.avg_length)
            out.append(ColumnSummary(col.name, col.dtype, role, base))
    return out


def _measure(scope: Scope, name: str, dtype: str, base: dict) -> ColumnSummary:
    c = q(name)
    stats = scope.query(
        f"SELECT min({c}) AS lo, max({c}) AS hi, avg({c}) AS mean, median({c}) AS median, stddev_samp({c}) AS sd "
        f"FROM {scope.source}"
    ).iloc[0]
    lo, hi = stats["lo"], stats["hi"]
    summary = ColumnSummary(name, dtype, "measure", base)
    if lo is None or hi is None or lo != lo:
        return summary
    base.update({k: num(stats[k]) for k in ("lo", "hi", "mean", "median", "sd")})
    base["min"], base["max"] = base.pop("lo"), base.pop("hi")
    width = (float(hi) - float(lo)) / HISTOGRAM_BINS or 1.0
    if "INT" in dtype.upper() and float(hi) - float(lo) <= 40:
        width = 1.0
    sql = (
        f"SELECT {float(lo)!r} + {width!r} * floor(({c} - {float(lo)!r}) / {width!r}) AS bin_start, count(*) AS rows "
        f"FROM {scope.source} WHERE {c} IS NOT NULL GROUP BY 1 ORDER BY 1"
    )
    frame = scope.query(sql)
    frame["bin_start"] = [num(v) for v in frame["bin_start"]]
    summary.data, summary.sql = frame, sql
    summary.chart = ChartSpec("bar", "bin_start", "rows", title=f"{name}: distribution")
    return summary


def _dimension(scope: Scope, name: str, dtype: str, base: dict) -> ColumnSummary:
    c = q(name)
    sql = (
        f"SELECT CAST({c} AS VARCHAR) AS {c}, count(*) AS rows, round(100.0 * count(*) / sum(count(*)) OVER (), 1) "
        f"AS share_pct FROM {scope.source} GROUP BY 1 ORDER BY rows DESC, 1 LIMIT {TOP_VALUES}"
    )
    frame = scope.query(sql)
    frame[name] = frame[name].fillna("(missing)")
    if len(frame):
        base["most common"] = f"{frame[name].iloc[0]} ({frame['share_pct'].iloc[0]}%)"
    chart = ChartSpec("bar", name, "rows", title=f"{name}: top values")
    return ColumnSummary(name, dtype, "dimension", base, frame, chart, sql)


def _date(scope: Scope, name: str, dtype: str, base: dict, lo, hi) -> ColumnSummary:
    span = (pd.Timestamp(hi) - pd.Timestamp(lo)).days
    grain = choose_grain(span)
    base.update({"from": str(lo)[:10], "to": str(hi)[:10], "span": f"{num(span)} days"})
    sql = (
        f"SELECT date_trunc('{grain.unit}', {q(name)}) AS period, count(*) AS rows FROM {scope.source} "
        f"WHERE {q(name)} IS NOT NULL GROUP BY 1 ORDER BY 1"
    )
    frame = scope.query(sql)
    chart = ChartSpec("line", "period", "rows", title=f"{name}: rows per {grain.unit}")
    return ColumnSummary(name, dtype, "date", base, frame, chart, sql)


def finite(x: object) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(float(x))
