"""Measures over time: trends, change points (ruptures) and seasonality that repeats.

The date column is cut into 12-200 periods (day, week or month by its span) and each measure's
count, mean and variance per period come from one query. A change point is the split ruptures' binary
segmentation finds in the period means, tested with Welch's t-test of the rows on each side and a
Bonferroni factor for having chosen the split among all periods. A trend is a straight line through
the period means; when a step fits the periods better than a line, only the step is reported (and the
other way round). Seasonality (month of year, day of week) needs two full cycles, and the pattern must
repeat: the profiles of odd and even years (weeks) must agree, so one step change is not "seasonal".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import ruptures as rpt
from scipy import stats as st

from insightchat.tools.report.candidates import Candidate
from insightchat.tools.report.fmt import num, pvalue
from insightchat.tools.report.model import Finding
from insightchat.tools.report.scope import Scope, q
from insightchat.tools.report.stats import GroupStats, cohens_d, combine, welch
from insightchat.tools.results import ChartSpec

MIN_PERIODS = 8
MIN_EFFECT = 0.1
MIN_SEASON_AMPLITUDE = 0.15  # standard deviations between the highest and lowest season
MIN_SEASON_AGREEMENT = 0.5


@dataclass
class Grain:
    unit: str  # day / week / month
    span_days: int


def choose_grain(span_days: int) -> Grain:
    if span_days <= 120:
        return Grain("day", span_days)
    if span_days <= 1100:
        return Grain("week", span_days)
    return Grain("month", span_days)


def _periods(scope: Scope, date: str, grain: Grain) -> tuple[str, pd.DataFrame]:
    exprs = ", ".join(
        f"avg({q(m)}) AS {q('avg_' + m)}, var_samp({q(m)}) AS {q('var_' + m)}, count({q(m)}) AS {q('n_' + m)}"
        for m in scope.roles.measures
    )
    sql = (
        f"SELECT date_trunc('{grain.unit}', {q(date)}) AS period, count(*) AS rows, {exprs} "
        f"FROM {scope.source} WHERE {q(date)} IS NOT NULL GROUP BY 1 ORDER BY 1"
    )
    return sql, scope.query(sql)


def _measure_sql(scope: Scope, date: str, measure: str, grain: Grain) -> str:
    return (
        f"SELECT date_trunc('{grain.unit}', {q(date)}) AS period, count({q(measure)}) AS rows, "
        f"avg({q(measure)}) AS {q('avg_' + measure)} FROM {scope.source} WHERE {q(date)} IS NOT NULL "
        f"GROUP BY 1 ORDER BY 1"
    )


def _split_sql(scope: Scope, date: str, measure: str, split: pd.Timestamp) -> str:
    day = split.date().isoformat()
    return (
        f"SELECT CASE WHEN {q(date)} < DATE '{day}' THEN 'before {day}' ELSE 'from {day}' END AS period, "
        f"count({q(measure)}) AS rows, avg({q(measure)}) AS {q('avg_' + measure)}, "
        f"stddev_samp({q(measure)}) AS {q('sd_' + measure)} FROM {scope.source} WHERE {q(date)} IS NOT NULL "
        f"GROUP BY 1 ORDER BY 1"
    )


def timeline_findings(scope: Scope) -> list[Candidate]:
    out: list[Candidate] = []
    for date in scope.roles.dates:
        col = scope.profile.column(date)
        if col is None or col.min is None or col.max is None:
            continue
        span = (pd.Timestamp(col.max) - pd.Timestamp(col.min)).days
        grain = choose_grain(span)
        if not scope.roles.measures:
            continue
        _, frame = _periods(scope, date, grain)
        if len(frame) < MIN_PERIODS:
            continue
        for measure in scope.roles.measures:
            out += _trend_or_step(scope, date, measure, grain, frame)
        out += seasonality(scope, date, span)
    return out


def _stats(frame: pd.DataFrame, measure: str) -> list[GroupStats]:
    return [
        GroupStats(float(n), float(m), float(v) if v == v and v is not None else 0.0)
        for n, m, v in zip(frame["n_" + measure], frame["avg_" + measure], frame["var_" + measure], strict=False)
        if n and n > 0 and m == m
    ]


def _trend_or_step(scope: Scope, date: str, measure: str, grain: Grain, frame: pd.DataFrame) -> list[Candidate]:
    frame = frame[frame["n_" + measure] > 0].reset_index(drop=True)
    groups = _stats(frame, measure)
    if len(groups) < MIN_PERIODS:
        return []
    means = np.array([g.mean for g in groups])
    total = combine(groups)
    sd = math.sqrt(total.var) if total.var > 0 else 0.0
    if sd == 0:
        return []
    k = int(rpt.Binseg(model="l2", min_size=2, jump=1).fit(means.reshape(-1, 1)).predict(n_bkps=1)[0])
    before, after = combine(groups[:k]), combine(groups[k:])
    p_step = min(1.0, welch(after, before) * (len(groups) - 1))
    d_step = cohens_d(after, before)
    x = np.arange(len(means))
    line = st.linregress(x, means)
    step_fit = np.where(x < k, before.mean, after.mean)
    sse_step = float(((means - step_fit) ** 2).sum())
    sse_line = float(((means - (line.intercept + line.slope * x)) ** 2).sum())
    periods = frame["period"]
    out: list[Candidate] = []
    chart = ChartSpec("line", "period", "avg_" + measure, title=f"Average {measure} per {grain.unit}")
    chart_sql = _measure_sql(scope, date, measure, grain)
    if sse_step <= sse_line:
        split = pd.Timestamp(periods.iloc[k])
        day = split.date().isoformat()
        direction = "rose" if d_step > 0 else "fell"
        out.append(
            Candidate(
                Finding(
                    kind="change_point",
                    headline=(
                        f"Average {measure} {direction} from {num(before.mean)} to {num(after.mean)} around {day} "
                        f"(Cohen's d {num(d_step, 2)}, {pvalue(p_step)})."
                    ),
                    sql=_split_sql(scope, date, measure, split),
                    data=None,  # type: ignore[arg-type]
                    columns=(measure, date),
                    values={
                        "before_mean": before.mean,
                        "after_mean": after.mean,
                        "change_date": day,
                        "cohens_d": d_step,
                        "p_value": p_step,
                        "before_rows": int(before.n),
                        "after_rows": int(after.n),
                    },
                    chart=chart,
                    chart_sql=chart_sql,
                    detail=(
                        f"Split found by binary segmentation (ruptures) of the {len(groups)} {grain.unit}ly means; "
                        "Welch's t-test of the rows before and after, times the number of possible splits."
                    ),
                ),
                p_step,
                abs(d_step),
                MIN_EFFECT,
                family=f"time:{measure}:{date}",
            )
        )
    else:
        change = line.slope * (len(means) - 1)
        direction = "rose" if change > 0 else "fell"
        start, end = line.intercept, line.intercept + change
        out.append(
            Candidate(
                Finding(
                    kind="trend",
                    headline=(
                        f"Average {measure} {direction} steadily over time: a straight line through the {grain.unit}ly "
                        f"averages goes from {num(start)} to {num(end)} ({pvalue(float(line.pvalue))})."
                    ),
                    sql=chart_sql,
                    data=None,  # type: ignore[arg-type]
                    columns=(measure, date),
                    values={
                        "start": start,
                        "end": end,
                        "slope_per_period": line.slope,
                        "r_squared": line.rvalue**2,
                        "p_value": float(line.pvalue),
                        "periods": len(means),
                        "change_in_sd": change / sd,
                    },
                    chart=chart,
                    detail=f"Least-squares line through the {len(means)} {grain.unit}ly averages.",
                ),
                float(line.pvalue),
                abs(change / sd),
                MIN_EFFECT,
                family=f"time:{measure}:{date}",
            )
        )
    return out


_CYCLES = (
    # (name, outer period, inner expression, labels, minimum span in days)
    ("month of year", "year", "month", 730),
    ("day of week", "week", "isodow", 56),
)


def seasonality(scope: Scope, date: str, span: int) -> list[Candidate]:
    out: list[Candidate] = []
    col = scope.profile.column(date)
    for name, outer, inner, min_span in _CYCLES:
        if span < min_span or (inner == "isodow" and col is not None and col.distinct < 60):
            continue
        exprs = ", ".join(
            f"avg({q(m)}) AS {q('avg_' + m)}, var_samp({q(m)}) AS {q('var_' + m)}, count({q(m)}) AS {q('n_' + m)}"
            for m in scope.roles.measures
        )
        sql = (
            f"SELECT date_trunc('{outer}', {q(date)}) AS outer_period, {inner}({q(date)}) AS season, {exprs} "
            f"FROM {scope.source} WHERE {q(date)} IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2"
        )
        cells = scope.query(sql)
        for measure in scope.roles.measures:
            cand = _season_candidate(scope, date, measure, name, inner, cells)
            if cand is not None:
                out.append(cand)
    return out


def _season_candidate(
    scope: Scope, date: str, measure: str, name: str, inner: str, cells: pd.DataFrame
) -> Candidate | None:
    c = cells[cells["n_" + measure] > 1].copy()
    if c["season"].nunique() < 3 or c["outer_period"].nunique() < 2:
        return None
    c["n"] = c["n_" + measure].astype(float)
    c["m"] = c["avg_" + measure].astype(float)
    c["v"] = c["var_" + measure].astype(float).fillna(0.0)
    outer_mean = c.groupby("outer_period").apply(lambda g: np.average(g["m"], weights=g["n"]), include_groups=False)
    c["r"] = c["m"] - c["outer_period"].map(outer_mean)
    effect = c.groupby("season").apply(lambda g: np.average(g["r"], weights=g["n"]), include_groups=False)
    total_n = c["n"].sum()
    between = float((c["season"].map(effect) ** 2 * c["n"]).sum())
    within = float(((c["n"] - 1) * c["v"]).sum())
    k = len(effect)
    df_within = total_n - len(c)
    if within <= 0 or df_within <= 0:
        return None
    f = (between / (k - 1)) / (within / df_within)
    p = float(st.f.sf(f, k - 1, df_within))
    sd = math.sqrt(within / df_within)
    amplitude = float((effect.max() - effect.min()) / sd)
    # the pattern must repeat: season profiles of alternating outer periods agree
    order = {v: i for i, v in enumerate(sorted(c["outer_period"].unique()))}
    c["half"] = c["outer_period"].map(order) % 2
    halves = [part.groupby("season")["r"].mean() for _, part in c.groupby("half")]
    agreement = float(pd.concat(halves, axis=1).dropna().corr().iloc[0, 1]) if len(halves) == 2 else -1.0
    if agreement != agreement or agreement < MIN_SEASON_AGREEMENT:
        return None
    high, low = effect.idxmax(), effect.idxmin()
    label = _season_label(inner)
    raw_cells = cells[cells["n_" + measure] > 0]
    raw = raw_cells.groupby("season").apply(
        lambda g: np.average(g["avg_" + measure].astype(float), weights=g["n_" + measure].astype(float)),
        include_groups=False,
    )
    sql = (
        f"SELECT {inner}({q(date)}) AS season, count({q(measure)}) AS rows, avg({q(measure)}) AS {q('avg_' + measure)} "
        f"FROM {scope.source} WHERE {q(date)} IS NOT NULL GROUP BY 1 ORDER BY 1"
    )
    return Candidate(
        Finding(
            kind="seasonality",
            headline=(
                f"Average {measure} follows the {name}: highest in {label(high)} ({num(raw[high])}), lowest in "
                f"{label(low)} ({num(raw[low])}), {pvalue(p)}."
            ),
            sql=sql,
            data=None,  # type: ignore[arg-type]
            columns=(measure, date),
            values={
                "high_season": label(high),
                "low_season": label(low),
                "high_mean": float(raw[high]),
                "low_mean": float(raw[low]),
                "p_value": p,
                "amplitude_sd": amplitude,
                "agreement": agreement,
            },
            chart=ChartSpec("bar", "season", "avg_" + measure, title=f"Average {measure} by {name}"),
            detail=(
                f"F test of the {name} within each {('year' if inner == 'month' else 'week')} (so a trend is not "
                f"counted), and the pattern repeats in alternating periods (agreement {num(agreement, 2)})."
            ),
        ),
        p,
        amplitude,
        MIN_SEASON_AMPLITUDE,
        family=f"season:{measure}:{date}:{name}",
    )


_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _season_label(inner: str):
    if inner == "month":
        return lambda v: _MONTHS[int(v) - 1]
    return lambda v: _DAYS[int(v) - 1]
