"""The query the offline planner understood, before it becomes SQL.

A small, explicit structure (what to select, which filters, grouping, ordering) rather than SQL
text: follow-ups edit it ("now by month" swaps the grouping, "only 2023" adds a filter), the
narrator reads it, and :mod:`sqlbuild` turns it into a sqlglot tree in one place.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

Agg = Literal["count", "count_distinct", "sum", "avg", "min", "max", "median"]
Op = Literal[
    "=", "<>", ">", ">=", "<", "<=", "between", "in", "not in", "like", "not like", "date_range", "is null", "not null"
]
Grain = Literal["year", "quarter", "month", "week", "day"]
SetOp = Literal["intersect", "except"]

AGG_WORDS: dict[str, str] = {
    "count": "number of",
    "count_distinct": "number of distinct",
    "sum": "total",
    "avg": "average",
    "min": "minimum",
    "max": "maximum",
    "median": "median",
}


@dataclass(frozen=True)
class Col:
    table: str
    name: str
    grain: Grain | None = None  # a date column truncated to this grain (trend questions)

    def label(self) -> str:
        return f"{self.grain} of {self.name}" if self.grain else self.name


@dataclass(frozen=True)
class Measure:
    agg: Agg
    col: Col | None = None  # None: count(*)

    def label(self) -> str:
        if self.col is None:
            return "number of rows"
        return f"{AGG_WORDS[self.agg]} {self.col.name}"

    def alias(self) -> str:
        if self.col is None:
            return "count"
        return f"{self.agg}_{self.col.name}"


@dataclass(frozen=True)
class Filter:
    col: Col | Measure  # a Measure here is a HAVING condition
    op: Op
    values: tuple[Any, ...] = ()
    label: str = ""
    inner: tuple[Any, ...] = ()  # filters of the sub-query when ``values`` is an aggregate ("of the songs in English")

    def describe(self) -> str:
        if self.label:
            return self.label
        target = self.col.label() if isinstance(self.col, Measure) else self.col.name
        if self.op in ("in", "not in"):
            return f"{target} {'not ' if self.op == 'not in' else ''}in {', '.join(map(str, self.values))}"
        if self.op == "between":
            return f"{target} between {self.values[0]} and {self.values[1]}"
        if self.op in ("is null", "not null"):
            return f"{target} {'is empty' if self.op == 'is null' else 'is not empty'}"
        return f"{target} {self.op} {self.values[0]}"


@dataclass
class OrderKey:
    target: Col | Measure
    desc: bool = False


@dataclass
class QuerySpec:
    """One SELECT over ``table`` (joined to other tables along catalog relations when needed)."""

    table: str
    columns: list[Col] = field(default_factory=list)  # plain selected columns
    measures: list[Measure] = field(default_factory=list)
    filters: list[Filter] = field(default_factory=list)  # AND of these ...
    any_of: list[list[Filter]] = field(default_factory=list)  # ... and of each OR-group
    group_by: list[Col] = field(default_factory=list)
    order_by: list[OrderKey] = field(default_factory=list)
    limit: int | None = None
    distinct: bool = False
    share: bool = False  # add each group's percentage of the total
    extra_tables: list[str] = field(default_factory=list)  # joined only to count their rows
    intent: str = "list"
    notes: list[str] = field(default_factory=list)  # assumptions to tell the user about
    # "both X and Y" / "X but not Y": this SELECT combined with another one over other filters
    set_op: SetOp | None = None
    other: QuerySpec | None = None

    def copy(self) -> QuerySpec:
        return copy.deepcopy(self)

    def tables(self) -> list[str]:
        """Every table the query touches, the main table first."""
        seen = [self.table]
        cols: list[Col] = list(self.columns) + list(self.group_by)
        cols += [m.col for m in self.measures if m.col]
        for f in self.filters + [f for g in self.any_of for f in g]:
            cols.append(f.col.col if isinstance(f.col, Measure) else f.col)  # type: ignore[arg-type]
        for o in self.order_by:
            cols.append(o.target.col if isinstance(o.target, Measure) else o.target)  # type: ignore[arg-type]
        for c in cols:
            if c is not None and c.table not in seen:
                seen.append(c.table)
        for t in self.extra_tables:
            if t not in seen:
                seen.append(t)
        return seen

    def all_tables(self) -> list[str]:
        """The tables of this SELECT and of the one it is combined with (set operations)."""
        seen = self.tables()
        for t in self.other.all_tables() if self.other is not None else []:
            if t not in seen:
                seen.append(t)
        return seen


def date_value(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None
