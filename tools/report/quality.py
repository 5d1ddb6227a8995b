"""Data-quality problems a reader must know before trusting the rest: gaps, duplicates, constants, variants."""

from __future__ import annotations

from insightchat.tools.report.candidates import Candidate
from insightchat.tools.report.fmt import num, pct
from insightchat.tools.report.model import Finding
from insightchat.tools.report.scope import Scope, q

MISSING_WARN = 0.05


def _quality(headline: str, sql: str, columns: tuple[str, ...], values: dict, severity: float, detail: str = ""):
    finding = Finding(
        kind="quality",
        headline=headline,
        sql=sql,
        data=None,
        columns=columns,
        values=values,
        detail=detail,  # type: ignore[arg-type]
    )
    return Candidate(finding, None, severity, 0.0, family=f"quality:{headline[:40]}")


def quality_findings(scope: Scope, duplicate_rows: int) -> list[Candidate]:
    out: list[Candidate] = []
    t = scope.source
    for col in scope.profile.columns:
        if col.name.startswith("__"):
            continue
        if col.null_fraction >= MISSING_WARN:
            sql = (
                f"SELECT count(*) FILTER (WHERE {q(col.name)} IS NULL) AS missing_rows, count(*) AS rows, "
                f"count(*) FILTER (WHERE {q(col.name)} IS NULL) / count(*) AS missing_share FROM {t}"
            )
            out.append(
                _quality(
                    f"{col.name} is missing in {pct(col.null_fraction)} of rows.",
                    sql,
                    (col.name,),
                    {"missing_share": col.null_fraction, "missing_pct": 100 * col.null_fraction},
                    min(1.0, col.null_fraction),
                )
            )
        if col.distinct == 1 and scope.profile.row_count > 1 and col.null_fraction < 1:
            sql = f"SELECT {q(col.name)}, count(*) AS rows FROM {t} GROUP BY 1"
            out.append(_quality(f"{col.name} has one value only; it tells nothing apart.", sql, (col.name,), {}, 0.3))
    if duplicate_rows:
        sql = f"SELECT count(*) - (SELECT count(*) FROM (SELECT DISTINCT * FROM {t})) AS duplicate_rows FROM {t}"
        out.append(
            _quality(
                f"{num(duplicate_rows)} rows are exact duplicates of another row.",
                sql,
                (),
                {"duplicate_rows": duplicate_rows},
                min(1.0, 0.3 + duplicate_rows / max(1, scope.rows)),
            )
        )
    for name in scope.roles.ids:
        sql = f"SELECT count(*) - count(DISTINCT {q(name)}) AS repeated_ids, count(*) AS rows FROM {t}"
        repeated = int(scope.query(sql)["repeated_ids"].iloc[0])
        if repeated > 0:
            out.append(
                _quality(
                    f"{name} looks like an identifier but {num(repeated)} rows repeat a value.",
                    sql,
                    (name,),
                    {"repeated_ids": repeated},
                    0.5,
                )
            )
    for dim in scope.roles.dimensions:
        sql = (
            f"SELECT lower(trim(CAST({q(dim)} AS VARCHAR))) AS normalised, count(DISTINCT {q(dim)}) AS spellings, "
            f"string_agg(DISTINCT CAST({q(dim)} AS VARCHAR), ' | ') AS as_written FROM {t} "
            f"WHERE {q(dim)} IS NOT NULL GROUP BY 1 HAVING count(DISTINCT {q(dim)}) > 1 ORDER BY 2 DESC"
        )
        variants = scope.query(sql)
        if len(variants):
            example = variants["as_written"].iloc[0]
            out.append(
                _quality(
                    f"{dim} spells {num(len(variants))} value(s) in several ways (e.g. {example}); they count as "
                    "different groups.",
                    sql,
                    (dim,),
                    {"variant_groups": len(variants)},
                    0.6,
                )
            )
    return out
