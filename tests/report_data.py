"""Small generated tables with planted effects, shared by the report and why-analysis tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

REGIONS = ["North", "South", "East", "West"]
PRODUCTS = ["Aurora", "Nimbus", "Pulse", "Stride", "Vista"]


def sales(n: int = 4000, seed: int = 0, effect: str = "none") -> pd.DataFrame:
    """Orders over 2023-2024 with one planted effect: none, group (South rates 1 lower), drop (South's revenue
    falls 40% in 2024), mix (product Vista, rated lower in both years, grows to 40% of 2024), step (revenue
    +20% from 2024-03-01) or outliers (8 huge revenues)."""
    rng = np.random.default_rng(seed)
    day = np.datetime64("2023-01-01") + rng.integers(0, 731, n).astype("timedelta64[D]")
    region = np.asarray(REGIONS)[rng.integers(0, len(REGIONS), n)]
    product = np.asarray(PRODUCTS)[rng.integers(0, len(PRODUCTS), n)]
    revenue = rng.normal(100, 15, n)
    rating = rng.normal(3.8, 0.7, n)
    later = day >= np.datetime64("2024-01-01")
    if effect == "group":
        rating[region == "South"] -= 1.0
    elif effect == "drop":
        revenue[(region == "South") & later] *= 0.6
    elif effect == "mix":
        rating = np.where(product == "Vista", rng.normal(2.6, 0.7, n), rng.normal(3.9, 0.7, n))
        idx = np.flatnonzero(later & (product != "Vista"))
        move = rng.choice(idx, size=int(0.3 * later.sum()), replace=False)
        product[move] = "Vista"
        rating[move] = rng.normal(2.6, 0.7, len(move))
    elif effect == "step":
        revenue[day >= np.datetime64("2024-03-01")] *= 1.2
    elif effect == "outliers":
        revenue[rng.choice(n, 8, replace=False)] = 5000.0
    return pd.DataFrame(
        {"day": day, "region": region, "product": product, "revenue": revenue.round(2), "rating": rating.round(2)}
    )
