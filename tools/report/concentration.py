"""Concentration: a few values of a dimension hold most of the rows (or of a measure's total).

Reported when the top fifth of the values hold at least half of the rows or total, and the counts
are far from equal shares (chi-square test, in the report's family).
"""

from __future__ import annotations

import math

from insightchat.tools.report.candidates import Candidate
from insightchat.tools.report.fmt import num, pct, pvalue
from insightchat.tools.report.model import Finding
from insightchat.tools.report.scope import Scope, q
from insightchat.tools.report.stats import chi_square_uniform
from insightchat.tools.results import ChartSpec

MIN_VALUES = 5
MIN_TOP_SHARE = 0.5
TOP_FRACTION = 0.2


def concentration_findings(scope: Scope) -> list[Candidate]:
    out: list[Candidate] = []
    for dim in scope.roles.dimensions:
        col = scope.profile.column(dim)
        if col is None or col.distinct < MIN_VALUES:
            continue
        sql = (
            f"SELECT {q(dim)}, count(*) AS rows, count(*) / sum(count(*)) OVER () AS share FROM {scope.source} "
            f"WHERE {q(dim)} IS NOT NULL GROUP BY 1 ORDER BY rows DESC, 1"
        )
        frame = scope.query(sql)
        cand = _candidate(scope, dim, "rows", sql, frame, frame["rows"].astype(float).tolist())
        if cand:
            out.append(cand)
    return out


def _candidate(scope: Scope, dim: str, what: str, sql: str, frame, counts: list[float]) -> Candidate | None:
    k = len(counts)
    if k < MIN_VALUES:
        return None
    top_k = max(1, math.ceil(TOP_FRACTION * k))
    share = float(frame["share"].iloc[:top_k].sum())
    excess = share - top_k / k
    p = chi_square_uniform(counts)
    top_values = ", ".join(str(v) for v in frame[dim].iloc[:top_k].tolist()[:5])
    finding = Finding(
        kind="concentration",
        headline=(
            f"The top {num(top_k)} of {num(k)} values of {dim} ({top_values}) hold {pct(share)} of the {what} "
            f"({pvalue(p)} against equal shares)."
        ),
        sql=sql,
        data=frame,
        columns=(dim,),
        values={"top_k": top_k, "values": k, "top_share": share, "p_value": p, "top_share_pct": 100 * share},
        chart=ChartSpec("bar", dim, "rows", title=f"Rows by {dim}"),
        detail=f"Share of the {what} held by the most frequent {TOP_FRACTION:.0%} of values.",
        segment=str(frame[dim].iloc[0]),
    )
    if share < MIN_TOP_SHARE:
        return Candidate(finding, p, 0.0, 1.0, family=f"conc:{dim}")
    return Candidate(finding, p, excess, 0.2, family=f"conc:{dim}")
