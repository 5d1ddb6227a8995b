"""Correlations between measures, each tested and reported with the caveat that it is not a cause."""

from __future__ import annotations

from itertools import combinations

from insightchat.tools.report.candidates import Candidate
from insightchat.tools.report.fmt import num, pvalue
from insightchat.tools.report.model import Finding
from insightchat.tools.report.scope import Scope, q
from insightchat.tools.report.stats import correlation_p
from insightchat.tools.results import ChartSpec

MIN_R = 0.1
MAX_MEASURES = 25


def correlation_findings(scope: Scope) -> list[Candidate]:
    measures = scope.roles.measures[:MAX_MEASURES]
    pairs = list(combinations(measures, 2))
    if not pairs:
        return []
    exprs = ", ".join(
        f"corr({q(a)}, {q(b)}) AS c{i}, regr_count({q(a)}, {q(b)}) AS n{i}" for i, (a, b) in enumerate(pairs)
    )
    row = scope.query(f"SELECT {exprs} FROM {scope.source}").iloc[0]
    out: list[Candidate] = []
    for i, (a, b) in enumerate(pairs):
        r, n = row[f"c{i}"], row[f"n{i}"]
        if r is None or r != r or not n:
            continue
        r, n = float(r), int(n)
        p = correlation_p(r, n)
        sign = "rises" if r > 0 else "falls"
        sql = f"SELECT corr({q(a)}, {q(b)}) AS correlation, regr_count({q(a)}, {q(b)}) AS rows FROM {scope.source}"
        finding = Finding(
            kind="correlation",
            headline=f"{b} {sign} with {a} (correlation {num(r, 2)} over {num(n)} rows, {pvalue(p)}).",
            sql=sql,
            data=None,  # type: ignore[arg-type]
            columns=(a, b),
            values={"correlation": r, "rows": n, "p_value": p},
            chart=ChartSpec("scatter", a, b, title=f"{b} against {a} (a sample of rows)"),
            chart_sql=f"SELECT {q(a)}, {q(b)} FROM {scope.source} USING SAMPLE 2000 ROWS (reservoir, 42)",
            detail="Correlation is not cause: both may follow a third thing, or the arrow may point the other way.",
        )
        out.append(Candidate(finding, p, abs(r), MIN_R, family=f"corr:{a}:{b}"))
    return out
