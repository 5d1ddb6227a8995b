"""From candidates to ranked findings: false-discovery control, minimum effects, one per family, a score.

The interest score puts big, certain effects first: the effect on a common scale (Cohen's d of 0.8,
a correlation of 0.7, a top-fifth share 40 points above even each count as "large"), weighted by
kind (a group difference or a change over time usually matters more than a data-quality note),
with a small bonus for certainty (the q-value).
"""

from __future__ import annotations

import math

from insightchat.tools.report.candidates import Candidate
from insightchat.tools.report.model import Finding
from insightchat.tools.report.stats import benjamini_hochberg

_LARGE = {
    "group_difference": 0.8,
    "change_point": 0.8,
    "trend": 0.8,
    "seasonality": 0.8,
    "correlation": 0.7,
    "concentration": 0.4,
    "outliers": 20.0,
    "quality": 1.0,
}
_WEIGHT = {
    "group_difference": 1.0,
    "change_point": 1.0,
    "trend": 0.9,
    "seasonality": 0.8,
    "correlation": 0.8,
    "concentration": 0.6,
    "outliers": 0.6,
    "quality": 0.5,
}


def interest(finding: Finding, effect: float, q: float | None) -> float:
    strength = min(1.0, effect / _LARGE[finding.kind])
    certainty = 0.0 if q is None else min(1.0, -math.log10(max(q, 1e-300)) / 20)
    return round(_WEIGHT[finding.kind] * strength + 0.1 * certainty, 4)


def select(candidates: list[Candidate], fdr: float) -> tuple[list[Finding], int]:
    """The findings that survive, best first, and the number of hypothesis tests in the family."""
    tested = [c for c in candidates if c.p is not None]
    reject, qvalues = benjamini_hochberg([c.p for c in tested], fdr)  # type: ignore[misc]
    qs = {id(c): qv for c, qv in zip(tested, qvalues, strict=False)}
    keep: dict[str, tuple[float, Candidate]] = {}
    for c, rejected in zip(tested, reject, strict=False):
        if rejected and c.effect >= c.min_effect:
            _keep_best(keep, c, qs[id(c)])
    for c in candidates:
        if c.p is None and c.effect >= c.min_effect:
            _keep_best(keep, c, None)
    findings = []
    for c in (item[1] for item in keep.values()):
        qv = qs.get(id(c))
        if qv is not None:
            c.finding.values["q_value"] = qv
        c.finding.score = interest(c.finding, c.effect, qv)
        findings.append(c.finding)
    findings.sort(key=lambda f: -f.score)
    return findings, len(tested)


def _keep_best(keep: dict[str, tuple[float, Candidate]], c: Candidate, q: float | None) -> None:
    if c.family not in keep or c.effect > keep[c.family][0]:
        keep[c.family] = (c.effect, c)
