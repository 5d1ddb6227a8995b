"""Group differences: does a measure's average differ in one segment of a dimension from the rest?

Each (measure, dimension, value) is one Welch test of the segment against all other rows, with
Cohen's d as its size; all of them enter the report's Benjamini-Hochberg family, and only the
strongest significant segment per (measure, dimension) becomes a finding.
"""

from __future__ import annotations

from insightchat.tools.report.candidates import Candidate
from insightchat.tools.report.fmt import num, pvalue
from insightchat.tools.report.model import Finding
from insightchat.tools.report.scope import Scope, lit, q
from insightchat.tools.report.stats import GroupStats, cohens_d, combine, welch
from insightchat.tools.results import ChartSpec

MIN_GROUP_ROWS = 10
MIN_EFFECT = 0.2  # Cohen's d, his "small" effect; smaller ones are "significant" on big tables but rarely matter


def _group_table(scope: Scope, dim: str) -> tuple[str, object]:
    exprs = ", ".join(
        f"avg({q(m)}) AS {q('avg_' + m)}, var_samp({q(m)}) AS {q('var_' + m)}, count({q(m)}) AS {q('n_' + m)}"
        for m in scope.roles.measures
    )
    sql = f"SELECT {q(dim)} AS g, count(*) AS rows, {exprs} FROM {scope.source} WHERE {q(dim)} IS NOT NULL GROUP BY 1"
    return sql, scope.query(sql)


def _versus_rest_sql(scope: Scope, measure: str, dim: str, value: object) -> str:
    label = str(value)
    return (
        f"SELECT CASE WHEN {q(dim)} = {lit(value)} THEN {lit(label)} ELSE 'all other' END AS {q(dim)}, "
        f"count({q(measure)}) AS rows, avg({q(measure)}) AS {q('avg_' + measure)}, "
        f"stddev_samp({q(measure)}) AS {q('sd_' + measure)} FROM {scope.source} "
        f"WHERE {q(dim)} IS NOT NULL GROUP BY 1 ORDER BY min(CASE WHEN {q(dim)} = {lit(value)} THEN 0 ELSE 1 END)"
    )


def group_differences(scope: Scope) -> list[Candidate]:
    """One candidate per segment test; the builder keeps the strongest significant one per family."""
    out: list[Candidate] = []
    for dim in scope.roles.dimensions:
        _, frame = _group_table(scope, dim)
        if len(frame) < 2:
            continue
        for measure in scope.roles.measures:
            if measure == dim:
                continue
            groups = {
                row["g"]: GroupStats(
                    float(row["n_" + measure]), float(row["avg_" + measure]), _var(row["var_" + measure])
                )
                for _, row in frame.iterrows()
                if row["n_" + measure] and row["n_" + measure] >= MIN_GROUP_ROWS
            }
            if len(groups) < 2:
                continue
            values = list(groups) if len(groups) > 2 else list(groups)[:1]  # two groups: one test, not two
            for value in values:
                seg = groups[value]
                rest = combine([g for v, g in groups.items() if v != value])
                out.append(_candidate(scope, measure, dim, (value, seg, rest, welch(seg, rest), cohens_d(seg, rest))))
    return out


def _var(value: object) -> float:
    return float(value) if value is not None and value == value else 0.0


def _candidate(scope: Scope, measure: str, dim: str, cand: tuple) -> Candidate:
    value, seg, rest, p, d = cand
    direction = "higher" if d > 0 else "lower"
    sql = _versus_rest_sql(scope, measure, dim, value)
    headline = (
        f"Average {measure} is {direction} where {dim} is {value}: {num(seg.mean)} against {num(rest.mean)} "
        f"for all other rows (Cohen's d {num(d, 2)}, {pvalue(p)})."
    )
    chart_sql = (
        f"SELECT {q(dim)}, count({q(measure)}) AS rows, avg({q(measure)}) AS {q('avg_' + measure)} "
        f"FROM {scope.source} WHERE {q(dim)} IS NOT NULL GROUP BY 1 ORDER BY 3 DESC"
    )
    finding = Finding(
        kind="group_difference",
        headline=headline,
        sql=sql,
        data=None,  # type: ignore[arg-type]  # filled by the builder for the findings that survive
        columns=(measure, dim),
        values={
            "segment_mean": seg.mean,
            "rest_mean": rest.mean,
            "segment_rows": int(seg.n),
            "rest_rows": int(rest.n),
            "cohens_d": d,
            "p_value": p,
            "difference": seg.mean - rest.mean,
        },
        chart=ChartSpec("bar", dim, "avg_" + measure, title=f"Average {measure} by {dim}"),
        detail=f"Welch's t-test of {dim} = {value} against all other rows; effect size Cohen's d.",
        segment=str(value),
        chart_sql=chart_sql,
    )
    return Candidate(finding, p, abs(d), MIN_EFFECT, family=f"group:{measure}:{dim}")
