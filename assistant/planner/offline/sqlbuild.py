"""QuerySpec -> a sqlglot expression tree (DuckDB dialect). The only place the planner makes SQL.

No user text is ever pasted into SQL: identifiers come from the catalog and are quoted by sqlglot,
values become typed literals. Tables are joined along the catalog's relations (shortest path).
"""

from __future__ import annotations

from collections import deque
from dataclasses import replace

from sqlglot import exp

from insightchat.planner.offline.spec import Col, Filter, Measure, OrderKey, QuerySpec
from insightchat.planner.offline.table_words import is_file_table, not_summary, summary_label
from insightchat.tools.catalog import Catalog, Relation


class JoinError(ValueError):
    """The spec needs tables that no chain of relations connects."""


def _ident(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def literal(value: object) -> exp.Expression:
    """A typed SQL literal for a Python value (strings are escaped by sqlglot, never concatenated)."""
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, (int, float)):
        return exp.Literal.number(value)
    return exp.Literal.string(str(value))


class Builder:
    """Builds one SELECT for a spec over a catalog."""

    def __init__(self, catalog: Catalog, spec: QuerySpec) -> None:
        self.catalog = catalog
        self.spec = spec
        self.tables = spec.tables()
        self.qualify = len(self.tables) > 1

    # ---------------------------------------------------------------- expressions
    def column(self, col: Col) -> exp.Expression:
        node: exp.Expression = exp.Column(this=_ident(col.name), table=_ident(col.table) if self.qualify else None)
        if col.grain:
            node = exp.cast(exp.func("date_trunc", exp.Literal.string(col.grain), self._as_date(col, node)), "DATE")
        return node

    def typed(self, col: Col) -> Col:
        """The column's typed twin when it is text that cleaning converted ("1,234" -> 1234): what
        ranking, adding and comparing with a number must use (tools/cleaning.py)."""
        prof = self.catalog.table(col.table)
        twin = next((c for c in prof.columns if c.typed_from == col.name), None) if prof else None
        return replace(col, name=twin.name) if twin is not None and not col.grain else col

    def _not_summary_rows(self) -> list[exp.Expression]:
        """A ranking of a file table's rows ("the region with the most people") leaves out its
        "Total" rows (table_words.summary_label)."""
        s = self.spec
        prof = self.catalog.table(s.table)
        label = summary_label(prof) if prof and s.limit and s.order_by and not s.group_by else None
        if label is None:
            return []
        return [
            exp.condition(not_summary(exp.column(label, table=s.table, quoted=True).sql("duckdb")), dialect="duckdb")
        ]

    def _kind(self, col: Col) -> str:
        prof = self.catalog.table(col.table)
        c = prof.column(col.name) if prof else None
        return c.kind if c else "other"

    def _as_date(self, col: Col, node: exp.Expression) -> exp.Expression:
        if self._kind(col) == "date":
            return node
        return exp.TryCast(this=node, to=exp.DataType.build("TIMESTAMP"))

    def measure(self, m: Measure) -> exp.Expression:
        if m.col is None:
            return exp.Count(this=exp.Star())
        c = self.column(m.col)
        if m.agg == "count":
            return exp.Count(this=c)
        if m.agg == "count_distinct":
            return exp.Count(this=exp.Distinct(expressions=[c]))
        cls = {"sum": exp.Sum, "avg": exp.Avg, "min": exp.Min, "max": exp.Max, "median": exp.Median}[m.agg]
        return cls(this=self.column(self.typed(m.col)))

    def condition(self, f: Filter) -> exp.Expression:
        v = f.values
        numeric = f.op in (">", ">=", "<", "<=", "between") and all(isinstance(x, (int, float)) for x in v)
        if isinstance(f.col, Measure):
            target = self.measure(f.col)
        else:
            target = self.column(self.typed(f.col) if numeric else f.col)
        if f.op == "date_range":
            start, end, year = v
            if year is not None and not isinstance(f.col, Measure) and self._kind(f.col) == "number":
                return exp.EQ(this=target, expression=literal(year))
            if not isinstance(f.col, Measure) and self._kind(f.col) == "number" and _year_bounds(start, end):
                # a number column of years ("opened after 1950"): compare years, not dates
                ys: list[exp.Expression] = []
                if start:
                    ys.append(exp.GTE(this=target.copy(), expression=literal(int(start[:4]))))
                if end:
                    ys.append(exp.LT(this=target.copy(), expression=literal(int(end[:4]))))
                return exp.and_(*ys) if ys else exp.true()
            target = self._as_date(f.col, target) if not isinstance(f.col, Measure) else target
            parts: list[exp.Expression] = []
            if start:
                parts.append(exp.GTE(this=target.copy(), expression=exp.cast(exp.Literal.string(start), "DATE")))
            if end:
                parts.append(exp.LT(this=target.copy(), expression=exp.cast(exp.Literal.string(end), "DATE")))
            return exp.and_(*parts) if parts else exp.true()
        if f.op in ("in", "not in"):
            node: exp.Expression = exp.In(this=target, expressions=[literal(x) for x in v])
            return exp.Not(this=node) if f.op == "not in" else node
        if f.op == "between":
            return exp.Between(this=target, low=literal(v[0]), high=literal(v[1]))
        if f.op in ("like", "not like"):
            node = exp.ILike(this=target, expression=literal(v[0]))
            return exp.Not(this=node) if f.op == "not like" else node
        if f.op == "is null":
            return exp.Is(this=target, expression=exp.Null())
        if f.op == "not null":
            return exp.Not(this=exp.Is(this=target, expression=exp.Null()))
        cls = {"=": exp.EQ, "<>": exp.NEQ, ">": exp.GT, ">=": exp.GTE, "<": exp.LT, "<=": exp.LTE}[f.op]
        if isinstance(v[0], Measure) and v[0].col is not None:
            # "above the average price": compared with the column's aggregate over its whole table
            sub_builder = Builder(self.catalog, QuerySpec(table=v[0].col.table))
            inner = sub_builder.measure(v[0])
            sub = exp.select(inner).from_(exp.Table(this=_ident(v[0].col.table)))
            if f.inner:  # "the lowest revenue of any manufacturer in Austin": over those rows only
                sub = sub.where(exp.and_(*[sub_builder.condition(g) for g in f.inner]))
            return cls(this=target, expression=exp.Subquery(this=sub))
        return cls(this=target, expression=literal(v[0]))

    # ---------------------------------------------------------------- the query
    def build(self) -> exp.Select:
        s = self.spec
        select_items: list[exp.Expression] = []
        for g in s.group_by:
            node = self.column(g)
            select_items.append(exp.alias_(node, g.grain, quoted=True) if g.grain else node)
        for c in s.columns:
            if c not in s.group_by:
                select_items.append(self.column(c))
        for m in s.measures:
            select_items.append(exp.alias_(self.measure(m), m.alias(), quoted=True))
        if s.share and s.measures:
            m = self.measure(s.measures[0])
            pct = exp.Div(
                this=exp.Mul(this=m, expression=exp.Literal.number(100.0)),
                expression=exp.Window(this=exp.Sum(this=m.copy())),
            )
            select_items.append(
                exp.alias_(exp.Round(this=pct, decimals=exp.Literal.number(1)), "share_pct", quoted=True)
            )
        if not select_items:
            select_items = [exp.Star()]
        query = exp.select(*select_items).from_(exp.Table(this=_ident(s.table)))
        for join in self._joins():
            query = query.join(join)
        where = [self.condition(f) for f in s.filters if not isinstance(f.col, Measure)]
        having = [self.condition(f) for f in s.filters if isinstance(f.col, Measure)]
        for group in s.any_of:
            ors = [self.condition(f) for f in group]
            (having if any(isinstance(f.col, Measure) for f in group) else where).append(
                exp.or_(*ors) if len(ors) > 1 else ors[0]
            )
        where.extend(self._not_summary_rows())
        if where:
            query = query.where(exp.and_(*_once(where)))
        if s.group_by:
            query = query.group_by(*[self.column(g) for g in s.group_by])
        if having:
            query = query.having(exp.and_(*_once(having)))
        order = [
            exp.Ordered(
                this=self.measure(o.target) if isinstance(o.target, Measure) else self.column(self.typed(o.target)),
                desc=o.desc,
                nulls_first=False,
            )
            for o in s.order_by or self._default_order()
        ]
        prof = self.catalog.table(s.table)
        if s.order_by and s.limit == 1 and prof is not None and is_file_table(prof):
            # "the studio with the most films" in an export: every tied row, so a tie is seen (result_check)
            rank = exp.Window(this=exp.Anonymous(this="rank"), order=exp.Order(expressions=order))
            query = query.qualify(exp.EQ(this=rank, expression=exp.Literal.number(1)))
        else:
            query = query.order_by(*order) if order else query
            if s.limit is not None:
                query = query.limit(s.limit)
        if s.distinct:
            query = query.distinct()
        return query

    def _default_order(self) -> list[OrderKey]:
        """Grouped results read best in order: time buckets by time, other groups largest first."""
        s = self.spec
        if not s.group_by:
            return []
        if any(g.grain for g in s.group_by):
            return [OrderKey(g) for g in s.group_by]
        return [OrderKey(s.measures[0], desc=True)] if s.measures else []

    def _joins(self) -> list[exp.Join]:
        """JOIN clauses that connect every table of the spec to the main table."""
        joined = [self.spec.table]
        joins: list[exp.Join] = []
        for target in self.tables[1:]:
            if target in joined:
                continue
            path = shortest_path(self.catalog, joined, target)
            if path is None:
                raise JoinError(f"no relation connects {self.spec.table} and {target}")
            for rel, new_table in path:
                on = exp.EQ(
                    this=exp.Column(this=_ident(rel.left_column), table=_ident(rel.left)),
                    expression=exp.Column(this=_ident(rel.right_column), table=_ident(rel.right)),
                )
                joins.append(exp.Join(this=exp.Table(this=_ident(new_table)), on=on))
                joined.append(new_table)
                self.qualify = True
        return joins


def _once(conditions: list[exp.Expression]) -> list[exp.Expression]:
    """Each condition once, in order: a value the question names twice ("female (sex is F)", "includes
    the substring 'dar'") is one filter, not ``Sex = 'F' AND Sex = 'F'`` in the SQL the user reads."""
    out: dict[str, exp.Expression] = {}
    for condition in conditions:
        out.setdefault(condition.sql(), condition)
    return list(out.values())


def shortest_path(catalog: Catalog, start: list[str], target: str) -> list[tuple[Relation, str]] | None:
    """Relations leading from any of ``start`` to ``target`` (breadth first), with the table each adds."""
    prev: dict[str, tuple[str, Relation] | None] = {t: None for t in start}
    queue = deque(start)
    while queue:
        cur = queue.popleft()
        if cur == target:
            break
        for rel in catalog.relations:
            for a, b in ((rel.left, rel.right), (rel.right, rel.left)):
                if a == cur and b not in prev:
                    prev[b] = (cur, rel)
                    queue.append(b)
    if target not in prev:
        return None
    steps: list[tuple[Relation, str]] = []
    node = target
    while prev[node] is not None:
        parent, rel = prev[node]  # type: ignore[misc]
        steps.append((rel, node))
        node = parent
    return list(reversed(steps))


def build_query(catalog: Catalog, spec: QuerySpec) -> exp.Expression:
    """The sqlglot tree of ``spec``: one SELECT, or two combined by INTERSECT / EXCEPT."""
    query: exp.Expression = Builder(catalog, spec).build()
    if spec.set_op is not None and spec.other is not None:
        other = build_query(catalog, spec.other)
        cls = exp.Intersect if spec.set_op == "intersect" else exp.Except
        query = cls(this=query, expression=other, distinct=True)
    return query


def build_sql(catalog: Catalog, spec: QuerySpec) -> str:
    """The DuckDB SQL text of ``spec`` (raises :class:`JoinError` when tables cannot be joined)."""
    return build_query(catalog, spec).sql(dialect="duckdb")


def _year_bounds(start: str | None, end: str | None) -> bool:
    """Both bounds (where given) fall on the first of January: a range of whole years."""
    return bool(start or end) and all(b is None or b[4:] == "-01-01" for b in (start, end))
