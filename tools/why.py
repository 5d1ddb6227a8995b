"""Why-analysis: which segments drove a change between two periods, or set one segment apart.

"Why did revenue drop in March?" compares two periods; "why is the average rating lower in the
South?" compares a segment with all other rows. Across every categorical dimension (and pairs of
them) the change is split exactly:

* totals (sum, count): each segment's own change, ``T_after - T_before``; they add up to the change.
* averages: ``mix`` (the segment's share of rows moved, at its old level relative to the old mean)
  plus ``rate`` (its own average moved, at its new share); mix and rate over a dimension's segments
  add up to the change of the average exactly.

A pair of dimensions (South x Headphones) is named instead of its parents only when it carries most
of each parent's contribution, so a cause in one region is not reported as five region-product
cells. When no segment carries half of the change, the answer says so instead of inventing a driver.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import combinations
from typing import Literal

import pandas as pd
from scipy import stats as st

from insightchat.tools import derived
from insightchat.tools.catalog import FREE_TEXT_MIN_AVG_LENGTH
from insightchat.tools.errors import InsightError
from insightchat.tools.registry import tool
from insightchat.tools.report.fmt import num, pct, pvalue
from insightchat.tools.report.roles import MAX_DIMENSION_VALUES
from insightchat.tools.report.scope import lit, q
from insightchat.tools.results import ChartSpec, ToolResult
from insightchat.tools.sql import run_query
from insightchat.tools.workspace import Workspace

Aggregate = Literal["sum", "avg", "count"]
MAX_DIMENSIONS = 8
EXPLAINS_MUCH = 0.5  # a driver must carry at least half of the change to be called "the" driver
PAIR_GAIN = 0.1  # a pair must be this much more out of proportion than each parent
EXCESS_MUCH = 0.2  # ... and at least this much more than its share of the rows (or of the total) would carry
TOP_DRIVERS = 5


# ---------------------------------------------------------------------------------------------- periods
@dataclass(frozen=True)
class Period:
    label: str
    start: date
    end: date  # exclusive

    def condition(self, column: str) -> str:
        return f"{q(column)} >= DATE '{self.start.isoformat()}' AND {q(column)} < DATE '{self.end.isoformat()}'"

    def previous(self) -> Period:
        """The period of the same calendar length just before this one (a month before a month)."""
        months = _months_between(self.start, self.end)
        if months:
            start = _add_months(self.start, -months)
            return Period(_label(start, months), start, self.start)
        length = self.end - self.start
        return Period(
            f"{(self.start - length).isoformat()}..{(self.start - timedelta(days=1)).isoformat()}",
            self.start - length,
            self.start,
        )


def _add_months(d: date, months: int) -> date:
    index = d.year * 12 + d.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _months_between(a: date, b: date) -> int:
    if a.day != 1 or b.day != 1:
        return 0
    return (b.year - a.year) * 12 + b.month - a.month


def _label(start: date, months: int) -> str:
    if months == 12 and start.month == 1:
        return str(start.year)
    if months == 3 and start.month % 3 == 1:
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    if months == 1:
        return f"{start.year}-{start.month:02d}"
    return f"{start.isoformat()}..{_add_months(start, months) - timedelta(days=1)}"


_PERIOD_HINT = "use 2024, 2024-03, 2024-Q1, 2024-03-15 or 2024-01-01..2024-03-31"


def parse_period(text: str) -> Period:
    """A period from '2024', '2024-03', '2024-Q1', '2024-03-15' or 'START..END' (both days included)."""
    t = (text or "").strip()
    try:
        if ".." in t:
            a, b = (date.fromisoformat(x.strip()) for x in t.split("..", 1))
            if b < a:
                raise InsightError(f"Period {t!r} ends before it starts", _PERIOD_HINT)
            return Period(t, a, b + timedelta(days=1))
        if re.fullmatch(r"\d{4}", t):
            y = int(t)
            return Period(t, date(y, 1, 1), date(y + 1, 1, 1))
        m = re.fullmatch(r"(\d{4})-?[Qq]([1-4])", t)
        if m:
            start = date(int(m.group(1)), 3 * int(m.group(2)) - 2, 1)
            return Period(f"{m.group(1)}-Q{m.group(2)}", start, _add_months(start, 3))
        m = re.fullmatch(r"(\d{4})-(\d{1,2})", t)
        if m:
            start = date(int(m.group(1)), int(m.group(2)), 1)
            return Period(f"{start.year}-{start.month:02d}", start, _add_months(start, 1))
        d = date.fromisoformat(t)
        return Period(t, d, d + timedelta(days=1))
    except ValueError:
        raise InsightError(f"Cannot read the period {t!r}", _PERIOD_HINT) from None


# ---------------------------------------------------------------------------------------------- the split
@dataclass
class Driver:
    dimensions: tuple[str, ...]
    values: tuple[str, ...]
    before: float  # the segment's total (sum/count) or average (avg) on side A
    after: float
    rows_before: int
    rows_after: int
    contribution: float  # its part of the change (mix + rate for averages)
    mix: float = 0.0
    rate: float = 0.0
    share: float = 0.0  # contribution / change
    expected: float = 0.0  # the share it would carry if every segment changed alike (its size)
    p_value: float = 1.0  # its own before/after difference
    sql: str = ""

    @property
    def excess(self) -> float:
        return self.share - self.expected

    @property
    def name(self) -> str:
        return " and ".join(f"{d} = {v}" for d, v in zip(self.dimensions, self.values, strict=True))


@dataclass
class WhyResult:
    measure: str
    aggregate: str
    side_a: str
    side_b: str
    value_a: float
    value_b: float
    rows_a: int
    rows_b: int
    p_value: float
    drivers: list[Driver]
    dimensions: list[str]
    sql: str
    explained: bool
    notes: list[str] = field(default_factory=list)

    @property
    def change(self) -> float:
        return self.value_b - self.value_a

    def table(self) -> pd.DataFrame:
        rows = [
            {
                "driver": d.name,
                "before": d.before,
                "after": d.after,
                "rows_before": d.rows_before,
                "rows_after": d.rows_after,
                "contribution": d.contribution,
                "share_of_change_pct": round(100 * d.share, 1),
                "share_of_size_pct": round(100 * d.expected, 1),
                **({"mix": d.mix, "rate": d.rate} if self.aggregate == "avg" else {}),
                "p_value": d.p_value,
            }
            for d in self.drivers
        ]
        return pd.DataFrame(rows)

    def waterfall(self) -> pd.DataFrame:
        top = self.drivers[:TOP_DRIVERS]
        rest = self.change - sum(
            d.contribution for d in top if len(d.dimensions) == 1 and d.dimensions == top[0].dimensions
        )
        steps = [{"step_name": self.side_a, "value": self.value_a, "step": "absolute"}]
        same_dim = [d for d in top if d.dimensions == top[0].dimensions] if top else []
        for d in same_dim:
            steps.append({"step_name": d.name, "value": d.contribution, "step": "relative"})
        rest = self.change - sum(d.contribution for d in same_dim)
        if abs(rest) > 1e-12:
            steps.append({"step_name": "all other segments", "value": rest, "step": "relative"})
        steps.append(
            {
                "step_name": self.side_b,
                "value": self.value_b,
                "step": "total",
                "change": self.change,
                "p_value": self.p_value,
                "test": pvalue(self.p_value),  # as the answer states it ("p < 0.001")
            }
        )
        return pd.DataFrame(steps)


def _aggregate_expr(measure: str | None, agg: Aggregate) -> tuple[str, str]:
    if agg == "count" or not measure:
        return "count(*)", "rows"
    return f"{agg}({q(measure)})", f"{agg}_{measure}"


def _dimensions(ws: Workspace, table: str, exclude: set[str], asked: list[str] | None) -> list[str]:
    profile = ws.profile(table)
    if asked:
        names = {c.name.lower(): c.name for c in profile.columns}
        out = []
        for a in asked:
            if a.lower() not in names:
                raise InsightError(f"Unknown column {a!r} in {table}", f"columns: {', '.join(profile.column_names)}")
            out.append(names[a.lower()])
        return out
    dims = []
    for c in profile.columns:
        if c.name in exclude or c.is_id_like or (c.avg_length or 0) >= FREE_TEXT_MIN_AVG_LENGTH:
            continue
        if c.kind in ("text", "bool") and c.values is not None and 2 <= c.distinct <= MAX_DIMENSION_VALUES:
            dims.append(c.name)
    return dims[:MAX_DIMENSIONS]


def _side_stats(
    ws: Workspace, table: str, measure: str | None, cond_a: str, cond_b: str, dims: tuple[str, ...]
) -> pd.DataFrame:
    m = q(measure) if measure else "1"
    group = ", ".join(q(d) for d in dims)
    sql = (
        f"SELECT {group + ', ' if group else ''}CASE WHEN {cond_b} THEN 'B' ELSE 'A' END AS side, count(*) AS rows, "
        f"count({m}) AS n, sum({m}) AS total, avg({m}) AS mean, var_samp({m}) AS var "
        f"FROM {q(table)} WHERE ({cond_a}) OR ({cond_b}) GROUP BY ALL"
    )
    return run_query(ws, sql, row_limit=1_000_000).df


def _decompose(frame: pd.DataFrame, dims: tuple[str, ...], agg: Aggregate, overall: dict[str, float]) -> list[Driver]:
    wide = frame.pivot_table(
        index=list(dims), columns="side", values=["rows", "n", "total", "mean", "var"], aggfunc="first"
    )
    out = []
    na, nb = overall["n_a"], overall["n_b"]
    mean_a = overall["mean_a"]
    for key, row in wide.iterrows():
        values = key if isinstance(key, tuple) else (key,)
        get = _getter(row)
        n0, n1 = get("n", "A"), get("n", "B")
        r0, r1 = int(get("rows", "A")), int(get("rows", "B"))
        labels = tuple(str(v) for v in values)
        if agg == "avg":
            m0 = get("mean", "A") if n0 else math.nan
            m1 = get("mean", "B") if n1 else math.nan
            w0, w1 = (n0 / na if na else 0.0), (n1 / nb if nb else 0.0)
            base = m0 if n0 else mean_a
            mix = (w1 - w0) * (base - mean_a)
            rate = w1 * ((m1 if n1 else base) - base)
            drv = Driver(dims, labels, m0, m1, r0, r1, mix + rate, mix, rate, p_value=_welch(get, n0, n1))
            drv.expected = w1  # the same change within every segment gives each its share of the new rows
            out.append(drv)
        else:
            col = "rows" if agg == "count" else "total"
            t0, t1 = get(col, "A"), get(col, "B")
            drv = Driver(dims, labels, t0, t1, r0, r1, t1 - t0, p_value=_total_p(get, t0, t1, r0, r1, agg))
            drv.expected = t0 / overall["total_a"] if overall["total_a"] else 0.0  # all segments changing by one %
            out.append(drv)
    return out


def _getter(row: pd.Series):
    """A reader of one pivoted row: (column, side) -> float, missing cells as 0."""

    def get(col: str, side: str) -> float:
        v = row.get((col, side))
        return float(v) if v is not None and v == v else 0.0

    return get


def _welch(get, n0: float, n1: float) -> float:
    if n0 < 2 or n1 < 2:
        return 1.0
    v0, v1 = get("var", "A"), get("var", "B")
    if v0 <= 0 and v1 <= 0:
        return 1.0
    _, p = st.ttest_ind_from_stats(
        get("mean", "A"), math.sqrt(v0), n0, get("mean", "B"), math.sqrt(v1), n1, equal_var=False
    )
    return float(p) if p == p else 1.0


def _total_p(get, t0: float, t1: float, r0: int, r1: int, agg: str) -> float:
    """A z-test for the difference of two totals, rows arriving as a Poisson process (var = n (s^2 + mean^2))."""
    if agg == "count":
        var = r0 + r1
    else:

        def part(side: str, n: int) -> float:
            mean = get("mean", side)
            return n * (get("var", side) + mean * mean)

        var = part("A", r0) + part("B", r1)
    if var <= 0:
        return 1.0
    return float(2 * st.norm.sf(abs(t1 - t0) / math.sqrt(var)))


def explain_change(
    ws: Workspace,
    table: str | None,
    measure: str | None,
    aggregate: Aggregate = "sum",
    date_column: str | None = None,
    before: str | None = None,
    after: str | None = None,
    segment_column: str | None = None,
    segment_value: str | None = None,
    dimensions: list[str] | None = None,
) -> WhyResult:
    """Split the difference between two periods (or a segment and the rest) into ranked drivers."""
    name = derived.resolve_table(ws, table)
    cols = {c.lower(): c for c, _ in ws.columns(name)}

    def column(c: str | None, what: str) -> str | None:
        if c is None:
            return None
        if c.lower() not in cols:
            raise InsightError(f"Unknown {what} column {c!r} in {name}", f"columns: {', '.join(cols.values())}")
        return cols[c.lower()]

    measure = column(measure, "measure") if measure and measure != "*" else None
    if aggregate not in ("sum", "avg", "count"):
        raise InsightError(f"Unknown aggregate {aggregate!r}", "use sum, avg or count")
    if measure is None and aggregate != "count":
        raise InsightError("Which measure?", "name a numeric column, or use aggregate=count for row counts")
    notes: list[str] = []
    if segment_column:
        seg = column(segment_column, "segment")
        if segment_value is None:
            raise InsightError("Which segment?", f"give the value of {seg} to compare with all other rows")
        value = _match_value(ws, name, seg, segment_value)
        cond_b = f"{q(seg)} = {lit(value)}"
        cond_a = f"{q(seg)} IS DISTINCT FROM {lit(value)}"
        side_a, side_b = f"all other {seg}", f"{seg} = {value}"
        exclude = {seg}
        if aggregate != "avg":
            notes.append(f"A segment and the rest differ in size, so their {aggregate}s are compared per row (avg).")
            aggregate = "avg" if measure else "count"
            if aggregate == "count":
                raise InsightError("A segment against the rest needs a measure", "name a numeric column to compare")
    else:
        dcol = column(date_column, "date") if date_column else _only_date(ws, name)
        if not after:
            raise InsightError("Which period?", "give the period to explain, e.g. after='2024-03'")
        p_after = parse_period(after)
        p_before = parse_period(before) if before else p_after.previous()
        cond_a, cond_b = p_before.condition(dcol), p_after.condition(dcol)
        side_a, side_b = p_before.label, p_after.label
        exclude = {dcol}
    if measure:
        exclude.add(measure)
    dims = _dimensions(ws, name, exclude, dimensions)
    expr, alias = _aggregate_expr(measure, aggregate)
    overall_sql = (
        f"SELECT CASE WHEN {cond_b} THEN {lit(side_b)} ELSE {lit(side_a)} END AS side, count(*) AS rows, "
        f"{expr} AS {q(alias)} FROM {q(name)} WHERE ({cond_a}) OR ({cond_b}) GROUP BY 1 "
        f"ORDER BY min(CASE WHEN {cond_b} THEN 1 ELSE 0 END)"
    )
    top = _side_stats(ws, name, measure, cond_a, cond_b, ())
    sides = {r["side"]: r for _, r in top.iterrows()}
    if "A" not in sides or "B" not in sides:
        missing = side_a if "A" not in sides else side_b
        raise InsightError(f"No rows for {missing}", "check the period or the segment value (see `insightchat tables`)")
    a, b = sides["A"], sides["B"]
    value_of = {"sum": "total", "avg": "mean", "count": "rows"}[aggregate]
    va, vb = float(a[value_of] or 0), float(b[value_of] or 0)
    overall = {
        "n_a": float(a["n"]),
        "n_b": float(b["n"]),
        "mean_a": float(a["mean"] or 0) if measure else 0.0,
        "total_a": va if aggregate != "avg" else 0.0,
    }
    get = _getter(pd.Series({(c, s): r[c] for s, r in (("A", a), ("B", b)) for c in ("n", "mean", "var", "rows")}))
    p_all = (
        _welch(get, float(a["n"]), float(b["n"]))
        if aggregate == "avg"
        else _total_p(get, va, vb, int(a["rows"]), int(b["rows"]), aggregate)
    )
    change = vb - va
    candidates: list[Driver] = []
    singles: dict[tuple[str, str], Driver] = {}
    for d in dims:
        for drv in _decompose(_side_stats(ws, name, measure, cond_a, cond_b, (d,)), (d,), aggregate, overall):
            singles[(d, drv.values[0])] = drv
            candidates.append(drv)
    for d1, d2 in combinations(dims, 2):
        frame = _side_stats(ws, name, measure, cond_a, cond_b, (d1, d2))
        cells = frame[[d1, d2]].drop_duplicates()
        if len(cells) <= max(cells[d1].nunique(), cells[d2].nunique()):
            continue  # one column names the other (product -> category): the pair adds nothing
        candidates += _decompose(frame, (d1, d2), aggregate, overall)
    for drv in candidates:
        drv.share = drv.contribution / change if change else 0.0
    ranked = _rank(candidates, singles)
    for drv in ranked[:TOP_DRIVERS]:
        drv.sql = _driver_sql(name, measure, expr, alias, cond_a, cond_b, side_a, side_b, drv)
    explained = bool(ranked) and ranked[0].share >= EXPLAINS_MUCH and ranked[0].excess >= EXCESS_MUCH
    return WhyResult(
        measure or "rows",
        aggregate,
        side_a,
        side_b,
        va,
        vb,
        int(a["rows"]),
        int(b["rows"]),
        p_all,
        ranked,
        dims,
        overall_sql,
        explained,
        notes,
    )


def _rank(candidates: list[Driver], singles: dict[tuple[str, str], Driver]) -> list[Driver]:
    """Drivers in the change's direction, by how much more of the change they carry than their size.

    Why not by share alone: a segment holding 80% of the rows carries about 80% of any change; what
    explains a change is a segment whose part is out of proportion to its size. A pair of dimensions
    is listed only when it is clearly more out of proportion than both of its parents.
    """
    keep: list[Driver] = []
    for drv in candidates:
        if drv.share <= 0:
            continue
        if len(drv.dimensions) == 2:
            parents = [singles.get((d, v)) for d, v in zip(drv.dimensions, drv.values, strict=True)]
            if any(p is not None and not _more_specific(drv, p) for p in parents):
                continue
        keep.append(drv)
    return sorted(keep, key=lambda d: -d.excess)


def _more_specific(pair: Driver, parent: Driver) -> bool:
    """A pair earns its place when it is clearly more out of proportion than its parent, not by noise."""
    gain = pair.excess - parent.excess
    return gain >= max(PAIR_GAIN, 0.5 * (parent.expected - pair.expected))


def _driver_sql(table, measure, expr, alias, cond_a, cond_b, side_a, side_b, drv: Driver) -> str:
    where = " AND ".join(f"{q(d)} = {lit(v)}" for d, v in zip(drv.dimensions, drv.values, strict=True))
    return (
        f"SELECT CASE WHEN {cond_b} THEN {lit(side_b)} ELSE {lit(side_a)} END AS side, count(*) AS rows, "
        f"{expr} AS {q(alias)} FROM {q(table)} WHERE (({cond_a}) OR ({cond_b})) AND {where} GROUP BY 1 "
        f"ORDER BY min(CASE WHEN {cond_b} THEN 1 ELSE 0 END)"
    )


def _only_date(ws: Workspace, table: str) -> str:
    dates = [c.name for c in ws.profile(table).columns if c.kind == "date"]
    if not dates:
        raise InsightError(
            f"{table} has no date column to compare periods on", "compare a segment with the rest instead"
        )
    return dates[0]


def _match_value(ws: Workspace, table: str, column: str, value: str) -> str:
    prof = ws.profile(table).column(column)
    if prof is not None and prof.values:
        lowered = {str(v).lower(): v for v in prof.values}
        if str(value).lower() in lowered:
            return str(lowered[str(value).lower()])
        raise InsightError(f"{column} has no value {value!r}", f"values: {', '.join(map(str, prof.values[:12]))}")
    return str(value)


# ---------------------------------------------------------------------------------------------- narration
def narrate_why(r: WhyResult) -> str:
    what = {"sum": f"Total {r.measure}", "avg": f"Average {r.measure}", "count": "The row count"}[r.aggregate]
    direction = "rose" if r.change > 0 else "fell" if r.change < 0 else "did not change"
    parts = [
        f"{what} {direction} from {num(r.value_a)} ({r.side_a}) to {num(r.value_b)} ({r.side_b}), "
        f"a change of {num(r.change)} ({pvalue(r.p_value)})."
    ]
    if r.p_value >= 0.05:
        parts.append("That difference is within what chance alone often produces.")
    if not r.drivers or not r.explained:
        if r.drivers:
            d = r.drivers[0]
            parts.append(
                f"No segment explains much of this: the largest part, {d.name}, is {pct(d.share)} of the change; the "
                "change is spread over many segments."
            )
        else:
            parts.append("No segment of " + ", ".join(r.dimensions) + " moved in the direction of the change.")
        return " ".join(parts)
    for i, d in enumerate(r.drivers[:3]):
        lead = "The main driver is" if i == 0 else "Next is"
        if r.aggregate == "avg":
            how = (
                "mostly a mix shift (its share of rows changed)"
                if abs(d.mix) > abs(d.rate)
                else "mostly its own average changing"
            )
            parts.append(
                f"{lead} {d.name}: {pct(d.share)} of the change ({num(d.contribution)}; mix {num(d.mix)}, rate "
                f"{num(d.rate)}), {how}; its average went from {num(d.before)} to {num(d.after)} and its rows from "
                f"{num(d.rows_before)} to {num(d.rows_after)}."
            )
        else:
            parts.append(
                f"{lead} {d.name}: {num(d.before)} to {num(d.after)}, {num(d.contribution)} or {pct(d.share)} of the "
                "change."
            )
    return " ".join(parts)


@tool("explain_change")
def explain_change_tool(
    ws: Workspace,
    table: str,
    measure: str,
    aggregate: Aggregate = "sum",
    date_column: str | None = None,
    before: str | None = None,
    after: str | None = None,
    segment_column: str | None = None,
    segment_value: str | None = None,
    dimensions: list[str] | None = None,
) -> ToolResult:
    """Explain WHY a number changed or differs: which segments drove it (why-analysis).

    Two periods: ``date_column`` with ``after`` (the period to explain) and optionally ``before``
    (default: the period of the same length just before); periods are '2024', '2024-03', '2024-Q1',
    '2024-03-15' or 'START..END'. Or a segment against the rest: ``segment_column`` and ``segment_value``
    ("why is the average rating lower in the South?"). ``aggregate`` is sum, avg or count (``measure`` '*').
    Totals are split into each segment's contribution; averages into mix (segment sizes changed) and
    rate (values changed within segments), over every categorical column and pairs of them.

    Args:
        table: The table to analyse.
        measure: The numeric column whose total or average changed ('*' with aggregate count).
        aggregate: sum, avg or count.
        date_column: For two periods: the date column.
        before: The earlier period, e.g. '2024-Q1'; default: the same length just before 'after'.
        after: The period to explain: '2024', '2024-03', '2024-Q1', '2024-03-15' or 'START..END'.
        segment_column: For a segment against the rest: the column that names the segment.
        segment_value: The segment's value in that column.
        dimensions: The columns to split by; default: every categorical column.
    """
    r = explain_change(
        ws, table, measure, aggregate, date_column, before, after, segment_column, segment_value, dimensions
    )
    text = narrate_why(r)
    data = r.table()
    shown = data.head(20)
    sqls = [f"-- {r.side_a} against {r.side_b}\n{r.sql}"] + [f"-- {d.name}\n{d.sql}" for d in r.drivers[:TOP_DRIVERS]]
    waterfall = r.waterfall()
    return ToolResult(
        tool="explain_change",
        for_model=text + "\n" + shown.to_csv(index=False),
        data=waterfall,
        sql=r.sql,
        chart=ChartSpec("waterfall", "step_name", "value", title=f"What moved {r.measure}: {r.side_a} to {r.side_b}"),
        title=f"Explained the change in {r.aggregate}({r.measure}) across {len(r.dimensions)} dimensions",
        details="\n\n".join(sqls),
        total_rows=len(data),
        warnings=r.notes,
        meta={"narration": text, "drivers": data, "explained": r.explained, "change": r.change},
    )
