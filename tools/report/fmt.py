"""Numbers as a person reads them; the grounding check accepts exactly these roundings."""

from __future__ import annotations

import math
from typing import Any


def num(x: Any, digits: int = 3) -> str:
    """``digits`` significant digits, thousands separators, no trailing zeros (1234567 -> 1,234,567)."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    x = float(x)
    if x == int(x) and abs(x) < 1e15:
        return f"{int(x):,}"
    magnitude = math.floor(math.log10(abs(x))) if x else 0
    decimals = max(0, digits - 1 - magnitude)
    text = f"{x:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def pct(x: float, decimals: int = 1) -> str:
    """A share 0..1 as a percentage (0.4236 -> 42.4%)."""
    return f"{100 * x:.{decimals}f}%"


def pvalue(p: float) -> str:
    """p-values as people quote them; tiny ones as a bound (the bound is a threshold, not a result)."""
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.3f}"
