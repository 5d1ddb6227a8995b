"""The statistics behind findings: tests from group summaries, effect sizes, false-discovery control.

Why from summaries: DuckDB returns count, mean and variance per group in one scan of any size, and
Welch's t-test, Cohen's d, the F test and a correlation's t test need nothing else, so a 10M-row
table never travels into Python. Many tests run per report (every measure against every dimension,
every pair of measures); Benjamini-Hochberg keeps the expected share of false findings at ``fdr``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats as st
from statsmodels.stats.multitest import multipletests


@dataclass
class GroupStats:
    n: float
    mean: float
    var: float  # sample variance (ddof=1); 0 for a single row


def combine(groups: list[GroupStats]) -> GroupStats:
    """The count, mean and variance of the union of several groups (exact, from their summaries)."""
    n = sum(g.n for g in groups)
    if n == 0:
        return GroupStats(0, math.nan, math.nan)
    mean = sum(g.n * g.mean for g in groups) / n
    ss = sum((g.n - 1) * g.var + g.n * (g.mean - mean) ** 2 for g in groups if g.n > 0)
    return GroupStats(n, mean, ss / (n - 1) if n > 1 else 0.0)


def welch(a: GroupStats, b: GroupStats) -> float:
    """Two-sided p-value of Welch's t-test that ``a`` and ``b`` have the same mean."""
    if a.n < 2 or b.n < 2 or (a.var <= 0 and b.var <= 0):
        return 1.0 if a.mean == b.mean else 0.0
    _, p = st.ttest_ind_from_stats(a.mean, math.sqrt(a.var), a.n, b.mean, math.sqrt(b.var), b.n, equal_var=False)
    return float(p) if p == p else 1.0


def cohens_d(a: GroupStats, b: GroupStats) -> float:
    """Standardised mean difference (a - b) with the pooled standard deviation."""
    if a.n + b.n <= 2:
        return 0.0
    pooled = ((a.n - 1) * a.var + (b.n - 1) * b.var) / (a.n + b.n - 2)
    return (a.mean - b.mean) / math.sqrt(pooled) if pooled > 0 else 0.0


def anova_f(groups: list[GroupStats]) -> tuple[float, float]:
    """(p-value, eta squared) of a one-way ANOVA over the groups."""
    groups = [g for g in groups if g.n > 0]
    total = combine(groups)
    k = len(groups)
    if k < 2 or total.n <= k:
        return 1.0, 0.0
    between = sum(g.n * (g.mean - total.mean) ** 2 for g in groups)
    within = sum((g.n - 1) * g.var for g in groups)
    if within <= 0:
        return (0.0 if between > 0 else 1.0), (1.0 if between > 0 else 0.0)
    f = (between / (k - 1)) / (within / (total.n - k))
    p = float(st.f.sf(f, k - 1, total.n - k))
    return p, float(between / (between + within))


def correlation_p(r: float, n: int) -> float:
    """Two-sided p-value that a Pearson correlation ``r`` over ``n`` rows is zero."""
    if n < 4 or not np.isfinite(r):
        return 1.0
    r = max(-0.999999, min(0.999999, r))
    t = r * math.sqrt((n - 2) / (1 - r * r))
    return float(2 * st.t.sf(abs(t), n - 2))


def chi_square_uniform(counts: list[float]) -> float:
    """p-value that counts over categories come from equal shares."""
    if len(counts) < 2 or sum(counts) == 0:
        return 1.0
    return float(st.chisquare(counts).pvalue)


def benjamini_hochberg(pvalues: list[float], fdr: float) -> tuple[list[bool], list[float]]:
    """Which hypotheses are rejected at false-discovery rate ``fdr``, and their q-values."""
    if not pvalues:
        return [], []
    reject, q, _, _ = multipletests(np.clip(pvalues, 0, 1), alpha=fdr, method="fdr_bh")
    return [bool(x) for x in reject], [float(x) for x in q]


def robust_threshold(n: int, family_alpha: float = 0.01) -> float:
    """How many robust standard deviations a value must be from the median to be an outlier.

    Why: a normal sample of ``n`` values has values beyond 3 sigma by the thousand; the cut is where
    a normal sample of that size would show even one value with probability ``family_alpha``.
    """
    return max(5.0, float(st.norm.isf(family_alpha / (2 * max(n, 1)))))
