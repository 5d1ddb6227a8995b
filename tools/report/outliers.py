"""Outliers: values further from the median than a normal sample of this size would ever reach.

Robust z = |x - median| / (1.4826 * MAD), so the outliers themselves do not widen the yardstick; the
cut (:func:`stats.robust_threshold`) grows with the row count, so a clean 10M-row table is not
reported as thousands of "3-sigma outliers". A value must also be that far from the mean in plain
standard deviations (the MAD of a small count is too coarse a yardstick on its own), and stand apart:
at least one standard deviation beyond the most extreme ordinary value on its side, so the long
tail of a skewed or count-valued measure (one order of 17 items among a million of about 4) is not
an "outlier" while a value that stands alone is.
The finding's SQL returns the rows themselves.
"""

from __future__ import annotations

from insightchat.tools.report.candidates import Candidate
from insightchat.tools.report.fmt import num
from insightchat.tools.report.model import Finding
from insightchat.tools.report.scope import Scope, q
from insightchat.tools.report.stats import robust_threshold
from insightchat.tools.results import ChartSpec

MAX_ROWS_SHOWN = 20
GAP_SD = 3  # an outlier stands apart: at least 3 standard deviations beyond the nearest ordinary value


def outlier_findings(scope: Scope) -> list[Candidate]:
    if not scope.roles.measures:
        return []
    exprs = ", ".join(
        f"median({q(m)}) AS {q('med_' + m)}, mad({q(m)}) AS {q('mad_' + m)}, count({q(m)}) AS {q('n_' + m)}"
        for m in scope.roles.measures
    )
    centre = scope.query(f"SELECT {exprs} FROM {scope.source}").iloc[0]
    out: list[Candidate] = []
    for m in scope.roles.measures:
        mad, n = centre["mad_" + m], centre["n_" + m]
        if mad is None or mad != mad or float(mad) <= 0 or not n:
            continue
        cut = round(robust_threshold(int(n), 0.001), 2)
        x = f"t.{q(m)}"
        far = f"abs({x} - c.med) > {cut} * c.spread AND abs({x} - c.mean) > {cut} * c.sd"
        sql = (
            f"WITH c AS (SELECT median({q(m)}) AS med, 1.4826 * mad({q(m)}) AS spread, avg({q(m)}) AS mean, "
            f"stddev_samp({q(m)}) AS sd FROM {scope.source}), "
            f"edge AS (SELECT max({x}) FILTER (WHERE {x} > c.med AND NOT ({far})) AS hi, "
            f"min({x}) FILTER (WHERE {x} < c.med AND NOT ({far})) AS lo FROM {scope.source_as('t')}, c) "
            f"SELECT t.*, round(abs({x} - c.med) / c.spread, 1) AS robust_z, count(*) OVER () AS outlier_rows "
            f"FROM {scope.source_as('t')}, c, edge WHERE {far} "
            f"AND (({x} > c.med AND {x} - edge.hi > {GAP_SD} * c.sd) "
            f"OR ({x} < c.med AND edge.lo - {x} > {GAP_SD} * c.sd)) "
            f"ORDER BY robust_z DESC LIMIT {MAX_ROWS_SHOWN}"
        )
        rows = scope.query(sql)
        if rows.empty:
            continue
        count = int(rows["outlier_rows"].iloc[0])
        share = count / float(n)
        top = rows[m].iloc[0]
        headline = (
            f"{num(count)} rows have an extreme {m}, standing apart from the rest (more than {num(cut)} standard "
            f"deviations from the median {num(centre['med_' + m])}); the most extreme is {num(top)}."
        )
        finding = Finding(
            kind="outliers",
            headline=headline,
            sql=sql,
            data=rows,
            columns=(m,),
            values={
                "outlier_rows": count,
                "share": share,
                "cut_robust_sd": cut,
                "median": float(centre["med_" + m]),
                "most_extreme": float(top),
                "max_robust_z": float(rows["robust_z"].iloc[0]),
            },
            chart=ChartSpec("histogram", m, title=f"Distribution of {m}"),
            chart_sql=f"SELECT {q(m)} FROM {scope.source} USING SAMPLE 5000 ROWS (reservoir, 42)",
            detail="Robust z-score (median and MAD); the cut is where a normal sample of this size would show "
            "even one such value with probability 0.1%.",
        )
        out.append(Candidate(finding, None, float(rows["robust_z"].iloc[0]), cut, family=f"outliers:{m}"))
    return out
