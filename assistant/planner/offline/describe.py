"""Plain-language restatements: what the planner understood, and questions it can answer here."""

from __future__ import annotations

from insightchat.planner.offline.spec import Measure, QuerySpec
from insightchat.tools.catalog import Catalog


def describe(spec: QuerySpec) -> str:
    """One line such as "average rating per region in reviews, where price > 100, top 3"."""
    parts: list[str] = []
    if spec.measures:
        parts.append(" and ".join(m.label() for m in spec.measures))
    if spec.columns:
        parts.append(("distinct " if spec.distinct else "") + ", ".join(c.name for c in spec.columns))
    if not parts:
        parts.append("all columns")
    text = " and ".join(parts)
    if spec.group_by:
        text += " per " + " and ".join(g.label() for g in spec.group_by)
    text += f" in {spec.table}"
    conds = [f.describe() for f in spec.filters] + [" or ".join(f.describe() for f in g) for g in spec.any_of]
    if conds:
        text += ", where " + " and ".join(conds)
    if spec.share:
        text += ", with each group's share of the total"
    if spec.order_by:
        keys = [f"{o.target.label()}{' (highest first)' if o.desc else ''}" for o in spec.order_by]
        text += ", sorted by " + ", ".join(keys)
    if spec.limit:
        text += f", first {spec.limit}"
    if spec.set_op is not None and spec.other is not None:
        other = [f.describe() for f in spec.other.filters]
        joiner = "that also appear where" if spec.set_op == "intersect" else "except those where"
        text += f"; only values {joiner} " + " and ".join(other)
    return text


def suggestions(catalog: Catalog, table: str | None = None, limit: int = 3) -> list[str]:
    """2-3 questions this planner can answer on this data (built from the catalog's columns)."""
    names = [table] if table and table in catalog.tables else list(catalog.tables)
    out: list[str] = []
    for name in names:
        prof = catalog.tables[name]
        cats = [c for c in prof.columns if c.is_categorical and not c.is_id_like and c.kind == "text"]
        nums = [c for c in prof.columns if c.kind == "number" and not c.is_id_like]
        dates = [c for c in prof.columns if c.kind == "date"]
        out.append(f"How many rows are in {name}?")
        if nums and cats:
            out.append(f"What is the average {nums[0].name} per {cats[0].name}?")
        elif cats:
            out.append(f"How many {name} per {cats[0].name}?")
        if dates:
            out.append(f"How many {name} per month?")
        elif nums:
            out.append(f"What is the highest {nums[0].name}?")
        if len(out) >= limit:
            break
    return out[:limit]


def measure_label(m: Measure) -> str:
    return m.label()
