"""Deterministic, schema-aware repairs of a model's SQL before it runs.

Why: some mistakes are made the same way every time, and a model told about them often resends the
same query. Fixing them in code costs microseconds and never a model call. The repairs are the
rules of ``REPAIRS``, run in that order by one loop; each names what it repairs, its scope (every
model, or small models only: they add DISTINCT, IN for "both" and unneeded joins, where a strong
model's choice is deliberate) and its target (the whole query, each SELECT of a set operation, or a
query that is one SELECT). What each repair fixed on stored answers: docs/benchmark-notes.md.

Every repair works on the sqlglot tree; a query that does not parse is left as it is (the safe SQL
tool reports the error). The repaired query still goes through every check of ``tools/sql.py``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

import sqlglot
from sqlglot import exp
from sqlglot.optimizer.scope import traverse_scope

from insightchat.planner.lexicon import DISTINCT_WORDS, TABLE_NAME_FILLER
from insightchat.planner.llm.rules import Scope
from insightchat.planner.llm.sanity import column_owners, compared_column, table_aliases
from insightchat.tools.catalog import Catalog, TableProfile

log = logging.getLogger(__name__)

# Words that ask for de-duplicated values ("different", "distinct", "unique").
_DISTINCT_CUE = re.compile(rf"\b({'|'.join(DISTINCT_WORDS)}|differ\w*)\b", re.IGNORECASE)
_DISTINCT_ASK = re.compile(rf"\b({'|'.join(DISTINCT_WORDS)})\b", re.IGNORECASE)  # strict: enough to add DISTINCT
_BOTH_CUE = re.compile(r"\bboth\b", re.IGNORECASE)
_COMPARISONS = (exp.EQ, exp.NEQ, exp.Like, exp.ILike, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.In)


class Target(Enum):
    """What a repair is given."""

    QUERY = "the whole query"
    EACH_SELECT = "the query's SELECT, or each SELECT side of a set operation"
    SELECT = "the query, when it is one SELECT"


# A repair's function: (target, question, catalog) -> whether it changed the target in place, or the
# query that replaces the whole query (None: nothing changed). Only QUERY and SELECT repairs replace.
Fix = Callable[[exp.Expression, str, Catalog], "bool | exp.Expression | None"]


@dataclass(frozen=True)
class Repair:
    """A named repair, for the models of ``scope``, applied to each node of ``target``."""

    name: str
    scope: Scope
    target: Target
    fix: Fix


@dataclass(frozen=True)
class RepairPolicy:
    """Which repairs to apply: those for every model, plus the small-model ones when ``small_model``,
    less those named in ``skip``."""

    small_model: bool = False
    skip: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        unknown = self.skip - {r.name for r in REPAIRS} if self.skip else set()
        if unknown:
            raise ValueError(f"no repair is called {', '.join(sorted(unknown))}")

    def applies(self, repair: Repair) -> bool:
        """Whether ``repair`` runs under this policy."""
        return repair.scope.runs_for(self.small_model) and repair.name not in self.skip


ANY_MODEL = RepairPolicy()
SMALL_MODEL = RepairPolicy(small_model=True)


def repair_sql(sql: str, question: str, catalog: Catalog, policy: RepairPolicy = ANY_MODEL) -> str:
    """``sql`` with the repairs of ``policy`` applied; unchanged text when nothing applied."""
    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except sqlglot.errors.ParseError:
        return sql
    if tree is None:
        return sql
    try:
        return _repaired(tree, sql, question, catalog, policy)
    except Exception:  # sqlglot on an odd query (a repeated alias...): the query runs as the model wrote it
        log.warning("a SQL repair failed; running the model's query unrepaired: %s", sql, exc_info=True)
        return sql


def _repaired(tree: exp.Expression, sql: str, question: str, catalog: Catalog, policy: RepairPolicy) -> str:
    """``repair_sql`` on the parsed ``tree`` (which it changes in place): each repair of ``REPAIRS``
    that ``policy`` applies, in order, on each of its targets."""
    changed = False
    for repair in REPAIRS:
        if not policy.applies(repair):
            continue
        for node in _targets(tree, repair.target):
            out = repair.fix(node, question, catalog)
            if isinstance(out, exp.Expression):
                tree, changed = out, True
            else:
                changed |= bool(out)
    return tree.sql(dialect="duckdb") if changed else sql


def _targets(tree: exp.Expression, target: Target) -> list[exp.Expression]:
    """The nodes of ``tree`` that a repair of ``target`` is given."""
    if target is Target.QUERY:
        return [tree]
    if target is Target.SELECT:
        return [tree] if isinstance(tree, exp.Select) else []
    sides = (
        [tree]
        if isinstance(tree, exp.Select)
        else [tree.this, tree.expression]
        if isinstance(tree, exp.SetOperation)
        else []
    )
    return [s for s in sides if isinstance(s, exp.Select)]


def _spelling(value: str) -> str:
    """A value without case, spaces and punctuation: what two spellings of one value share."""
    return re.sub(r"[^0-9a-z]", "", value.casefold())


def snap_values(tree: exp.Expression, catalog: Catalog) -> bool:
    """Replace a text value that its column does not hold by the one indexed value spelled the same
    but for case, spaces and punctuation (``'Schmidt, Kertzmann and Lubowitz'`` where the data says
    ``'Schmidt ,  Kertzmann and Lubowitz'``). Why: with ``<>`` a misspelt value silently excludes
    nothing, and with ``=`` it costs a correction round."""
    tables = {t.alias_or_name.lower(): t.name for t in tree.find_all(exp.Table)}
    changed = False
    for literal in list(tree.find_all(exp.Literal)):
        column = (
            compared_column(literal)
            if literal.is_string and isinstance(literal.parent, (exp.EQ, exp.NEQ, exp.In))
            else None
        )
        if column is None:
            continue
        names = [tables[column.table.lower()]] if column.table.lower() in tables else list(tables.values())
        indexes = [p.column(column.name) for p in map(catalog.table, names) if p is not None]
        values = [v for col in indexes if col is not None and col.values is not None for v in col.values]
        if not values or literal.this in values:
            continue
        same = {v for v in values if isinstance(v, str) and _spelling(v) == _spelling(literal.this)}
        if len(same) == 1 and _spelling(literal.this):
            literal.replace(exp.Literal.string(same.pop()))
            changed = True
    return changed


def _known_names(tree: exp.Expression, catalog: Catalog) -> set[str]:
    """Lower-cased column names of every table, plus the query's own aliases."""
    names = {c.name.lower() for t in catalog.tables.values() for c in t.columns}
    names |= {a.alias.lower() for a in tree.find_all(exp.Alias)}
    return names


def quoted_names_to_strings(tree: exp.Expression, catalog: Catalog) -> bool:
    """Turn ``col = "value"`` into ``col = 'value'`` when ``"value"`` names no column or alias."""
    known = _known_names(tree, catalog)
    changed = False
    for column in list(tree.find_all(exp.Column)):
        ident = column.this
        if column.table or not isinstance(ident, exp.Identifier) or not ident.quoted:
            continue
        if ident.name.lower() in known or not isinstance(column.parent, _COMPARISONS):
            continue
        column.replace(exp.Literal.string(ident.name))
        changed = True
    return changed


def requalify_columns(tree: exp.Expression, catalog: Catalog) -> bool:
    """Give each column of each SELECT the alias of the table that has it, where the model's
    qualifier names a table without it, names a table by its aliased name, or is missing while two
    tables have the column. Scopes that read anything but known tables are left alone."""
    changed = False
    for scope in traverse_scope(tree):
        sources: dict[str, TableProfile] = {}
        for alias, (_, source) in scope.selected_sources.items():
            prof = catalog.table(source.name) if isinstance(source, exp.Table) else None
            if prof is None:
                break
            sources[alias] = prof
        else:
            if len(sources) < 2:
                continue
            for column in scope.columns:
                if column.find_ancestor(exp.Select) is not scope.expression:
                    continue
                alias = _right_alias(column, sources)
                if alias is not None and alias != column.table and not _would_compare_with_itself(column, alias):
                    column.set("table", exp.to_identifier(alias))
                    changed = True
    return changed


def _would_compare_with_itself(column: exp.Column, alias: str) -> bool:
    """Whether qualifying ``column`` with ``alias`` makes its comparison compare a column with itself
    (``T1.id = T2.id`` where T1 lacks ``id`` is a missing hop, not a wrong alias: see bridge_joins)."""
    cmp = column.parent
    if not isinstance(cmp, (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)):
        return False
    other = cmp.right if cmp.left is column else cmp.left
    return (
        isinstance(other, exp.Column)
        and other.name.lower() == column.name.lower()
        and other.table.lower() == alias.lower()
    )


def _right_alias(column: exp.Column, sources: dict[str, TableProfile]) -> str | None:
    """The alias ``column`` should carry, or None to leave it as written."""
    owners = [alias for alias, prof in sources.items() if prof.column(column.name) is not None]
    qualifier = column.table
    if not qualifier:
        return next(iter(sources)) if len(owners) > 1 and owners[0] == next(iter(sources)) else None
    by_alias = {a.lower(): a for a in sources}
    if qualifier.lower() in by_alias:
        alias = by_alias[qualifier.lower()]
        if sources[alias].column(column.name) is not None:
            return None
        return owners[0] if len(owners) == 1 else None
    named = [a for a, prof in sources.items() if prof.name.lower() == qualifier.lower()]
    if len(named) == 1 and sources[named[0]].column(column.name) is not None:
        return named[0]  # the table's own name where the query gave it an alias
    return None


def _insert_join(select: exp.Select, next_to: exp.Join, join: exp.Join, after: bool) -> None:
    """Put ``join`` before or after ``next_to`` in ``select``'s joins. Through ``set``, so every join
    knows its parent and position: a bare list insert left them unset, and a later ``pop`` of such
    a join removed nothing (a repair loop that never ended) or failed."""
    joins = list(select.args.get("joins") or [])
    at = next(i for i, j in enumerate(joins) if j is next_to) + (1 if after else 0)
    select.set("joins", [*joins[:at], join, *joins[at:]])


def _drop_join(select: exp.Select, join: exp.Join) -> None:
    """Remove ``join`` (this very node, not one that merely looks the same) from ``select``."""
    select.set("joins", [j for j in select.args.get("joins") or [] if j is not join] or None)


def join_missing_tables(select: exp.Select, catalog: Catalog) -> bool:
    """Join a table that columns of the outer SELECT name as their qualifier but that the query
    never reads, when exactly one relation links it to exactly one table the query does read."""
    tables = [_base_table(select), *(join.this for join in select.args.get("joins") or [])]
    read = {t.alias_or_name: t.name for t in tables if isinstance(t, exp.Table)}  # alias (or name) -> table
    if not read:
        return False
    changed = False
    for column in list(select.find_all(exp.Column)):
        qualifier = column.table.lower()
        known = {a.lower() for a in read} | {n.lower() for n in read.values()}
        if not qualifier or qualifier in known or column.find_ancestor(exp.Select) is not select:
            continue
        missing = catalog.table(qualifier)
        if missing is None or missing.column(column.name) is None:
            continue
        links = [(alias, rel) for alias, name in read.items() for rel in catalog.relations_between(name, missing.name)]
        if len(links) != 1:
            continue
        alias, rel = links[0]
        mine, theirs = (
            (rel.left_column, rel.right_column) if rel.left == read[alias] else (rel.right_column, rel.left_column)
        )
        condition = exp.EQ(this=exp.column(mine, table=alias), expression=exp.column(theirs, table=missing.name))
        select.join(exp.to_table(missing.name), on=condition, copy=False)
        read[missing.name] = missing.name
        changed = True
    return changed


def join_for_missing_columns(select: exp.Select, catalog: Catalog) -> bool:
    """A column that no table of the query has (``T2.individual_last_name``; ``invoice_number`` in a
    query on ``orders`` alone) but that exactly one table next to the query's tables has: joined
    along the one relation that links them, and read there (the model skipped a hop). Looked for
    next to the column's own table first, then next to any table of the query; by its exact name
    first, then loosely (``club_name`` for ``ClubName``, ``City`` for ``City_Town``)."""
    read = _read_tables(select, catalog)
    if read is None:
        return False
    changed = False
    for column in list(select.find_all(exp.Column)):
        if column.find_ancestor(exp.Select) is not select:
            continue
        own = (
            read.get(column.table.lower()) if column.table else (next(iter(read.values())) if len(read) == 1 else None)
        )
        if own is None or any(prof.column(column.name) is not None for prof in read.values()):
            continue  # unknown qualifier, or a table of the query has it (requalify_columns' case)
        if not column.table and not any(
            c is not column and own.column(c.name) is not None for c in select.find_all(exp.Column)
        ):
            continue  # nothing of the one table is used: the query is on the wrong table (retarget_single_table)
        source = next(iter(read)) if not column.table else column.table.lower()
        found = _next_table_with(column.name, [source], read, catalog) or _next_table_with(
            column.name, list(read), read, catalog
        )
        if found is None:
            continue
        via, target, name, (mine, theirs) = found
        alias = target.name.lower()
        written = {t.alias_or_name.lower(): t.alias_or_name for t in select.find_all(exp.Table)}
        condition = exp.EQ(
            this=exp.column(mine, table=written.get(via, via)), expression=exp.column(theirs, table=alias)
        )
        select.join(exp.to_table(target.name), on=condition, copy=False)
        read[alias] = target
        column.set("table", exp.to_identifier(alias))
        column.set("this", exp.to_identifier(name))
        changed = True
    return changed


def _next_table_with(
    wanted: str, sources: list[str], read: dict[str, TableProfile], catalog: Catalog
) -> tuple[str, TableProfile, str, tuple[str, str]] | None:
    """The one table outside the query, linked by exactly one relation to one of ``sources`` (aliases
    of ``read``), that has the column ``wanted`` (exactly, else loosely): (source alias, table,
    its column, (source's join column, table's join column)); None when there is none or several."""
    inside = {prof.name for prof in read.values()}
    for match in (_same_name, _loose_name):
        if match is _loose_name and any(_loose_name(wanted, c.name) for prof in read.values() for c in prof.columns):
            return None  # a table of the query has a column of that kind: the model meant one of those
        hits = []
        for alias in sources:
            for table in catalog.tables.values():
                if table.name in inside:
                    continue
                names = [c.name for c in table.columns if match(wanted, c.name)]
                pair = _relation_columns(read[alias].name, table.name, catalog) if len(names) == 1 else None
                if pair is not None:
                    hits.append((alias, table, names[0], pair))
        if len(hits) == 1:
            return hits[0]
        if hits:
            return None  # several tables, or one reached two ways: a guess
    return None


def _same_name(wanted: str, name: str) -> bool:
    return wanted.lower() == name.lower()


def _loose_name(wanted: str, name: str) -> bool:
    """``club_name`` ~ ``ClubName`` (the same letters), ``City`` ~ ``City_Town`` (a whole word of it)."""
    if _spelling(wanted) == _spelling(name):
        return True
    words = name.lower().split("_")
    return "_" not in wanted and wanted.lower() in words and words[-1] not in ("id", "code", "no")


def bridge_joins(select: exp.Select, catalog: Catalog) -> bool:
    """``JOIN b ON a.c = b.c`` where one of the two tables lacks ``c``. When exactly one relation
    links ``a`` and ``b`` (``royal_family.royal_family_id`` refers to ``tourist_attraction_id``), the
    join follows it; otherwise the model skipped a table: when exactly one other table has ``c`` and
    is related to both (by ``c`` to the table that has it, by exactly one relation to the other), it
    is joined in between."""
    read = _read_tables(select, catalog)
    if read is None:
        return False
    changed = False
    for join in list(select.args.get("joins") or []):
        on = join.args.get("on")
        if not isinstance(on, exp.EQ) or not all(
            isinstance(side, exp.Column) and side.table for side in (on.left, on.right)
        ):
            continue
        sides = [(side, read.get(side.table.lower())) for side in (on.left, on.right)]
        if any(prof is None for _, prof in sides) or on.left.name.lower() != on.right.name.lower():
            continue
        lacking = [(side, prof) for side, prof in sides if prof.column(side.name) is None]  # type: ignore[union-attr]
        if len(lacking) != 1:
            continue
        (bad, bad_prof), (good, good_prof) = lacking[0], next(x for x in sides if x is not lacking[0])
        joined_alias = join.this.alias_or_name.lower()
        direct = _relation_columns(good_prof.name, bad_prof.name, catalog)  # type: ignore[union-attr]
        if direct is not None:  # the two tables are related, by another column than the one named
            join.set(
                "on",
                exp.EQ(this=exp.column(direct[0], table=good.table), expression=exp.column(direct[1], table=bad.table)),
            )
            changed = True
            continue
        bridges = [
            (t, link)
            for t in catalog.tables.values()
            if t.name.lower() not in {p.name.lower() for p in read.values()}
            and t.column(good.name) is not None
            and (link := _relation_columns(t.name, bad_prof.name, catalog)) is not None
        ]  # type: ignore[union-attr]
        if len(bridges) != 1:
            continue
        bridge, (near, far) = bridges[0]
        bridge_alias = bridge.name.lower()
        first = exp.EQ(this=good.copy(), expression=exp.column(good.name, table=bridge_alias))
        second = exp.EQ(this=exp.column(near, table=bridge_alias), expression=exp.column(far, table=bad.table))
        if bad.table.lower() == joined_alias:  # a JOIN b ON a.c = b.c, b without c: a - bridge - b
            join.set("on", second)
            _insert_join(select, join, exp.Join(this=exp.to_table(bridge.name), on=first), after=False)
        else:  # the earlier table lacks c: b joins the bridge, which joins a
            join.set("on", first)
            _insert_join(select, join, exp.Join(this=exp.to_table(bridge.name), on=second), after=True)
        read[bridge_alias] = bridge
        changed = True
    return changed


def _read_tables(select: exp.Select, catalog: Catalog) -> dict[str, TableProfile] | None:
    """Alias (lower-case) -> profile of every table the SELECT reads; None when one is not a known table."""
    tables = [_base_table(select), *(join.this for join in select.args.get("joins") or [])]
    out: dict[str, TableProfile] = {}
    for t in tables:
        prof = catalog.table(t.name) if isinstance(t, exp.Table) else None
        if prof is None:
            return None
        out[t.alias_or_name.lower()] = prof
    return out


def rename_by_word(select: exp.Select, catalog: Catalog) -> bool:
    """``student.gpa`` where no table has ``gpa`` but ``student`` has exactly one column with that
    word in its name (``stu_gpa``): the column the model meant, named loosely."""
    read = _read_tables(select, catalog)
    if read is None:
        return False
    changed = False
    for column in select.find_all(exp.Column):
        prof = (
            read.get(column.table.lower()) if column.table else (next(iter(read.values())) if len(read) == 1 else None)
        )
        if (
            prof is None
            or prof.column(column.name) is not None
            or any(t.column(column.name) is not None for t in catalog.tables.values())
        ):
            continue
        word = column.name.lower()
        matches = [c.name for c in prof.columns if word in c.name.lower().split("_")]
        if len(matches) == 1:
            column.set("this", exp.to_identifier(matches[0]))
            changed = True
    return changed


def complete_group_by(tree: exp.Expression) -> bool:
    """Add to GROUP BY the plain columns a grouped SELECT shows without an aggregate (``SELECT
    T2.name, T2.lat, MIN(d) ... GROUP BY T1.end_station_id``): SQLite, which most models learned
    from, accepts them; DuckDB refuses them. Grouping by them too keeps every group's own values."""
    changed = False
    for select in tree.find_all(exp.Select):
        group = select.args.get("group")
        if group is None or any(isinstance(e, exp.Literal) for e in group.expressions):
            continue  # none, or GROUP BY 1: by position
        grouped = {e.sql().lower() for e in group.expressions}
        for expression in select.expressions:
            column = expression.unalias()
            if not isinstance(column, exp.Column):
                continue
            names = {column.sql().lower(), column.name.lower(), expression.alias.lower()} - {""}
            if names & grouped or not column.table and any(g.endswith("." + column.name.lower()) for g in grouped):
                continue
            group.append("expressions", column.copy())
            grouped.add(column.sql().lower())
            changed = True
    return changed


def retarget_single_table(select: exp.Select, catalog: Catalog) -> bool:
    """Swap the one table of a join-free, subquery-free query for the only table that has all the
    columns it names, when its own table lacks some of them."""
    base = _single_table(select)
    if base is None or _has_subquery(select):
        return False
    table = catalog.table(base.name)
    if table is None:
        return False  # an unknown table: the safe SQL tool names the closest ones
    aliases = {a.alias.lower() for a in select.find_all(exp.Alias)}
    names = {c.name for c in select.find_all(exp.Column) if c.name.lower() not in aliases}
    if not names or all(table.column(n) is not None for n in names):
        return False
    owners = [t for t in catalog.tables.values() if all(t.column(n) is not None for n in names)]
    if len(owners) != 1:
        return False
    base.set("this", exp.to_identifier(owners[0].name))
    return True


def _base_table(select: exp.Expression) -> exp.Table | None:
    """The table in a SELECT's FROM clause (None for a subquery, a function or no FROM)."""
    base = select.args.get("from_") if isinstance(select, exp.Select) else None
    return base.this if base is not None and isinstance(base.this, exp.Table) else None


def _single_table(select: exp.Expression) -> exp.Table | None:
    """The one table a plain SELECT reads (no joins), else None."""
    return None if select.args.get("joins") else _base_table(select)


def _has_subquery(select: exp.Select) -> bool:
    return any(inner is not select for inner in select.find_all(exp.Select))


def except_to_not_in(tree: exp.Except, catalog: Catalog) -> exp.Select | None:
    """``SELECT a FROM t1 EXCEPT SELECT b FROM t2`` with ``b`` not among the selected columns ->
    ``SELECT a FROM t1 WHERE k NOT IN (SELECT b FROM t2)``, ``k`` the column of t1 that ``b`` refers
    to (or is referred to by), or t1's own column named ``b``."""
    left, right = tree.this, tree.expression
    left_table = _single_table(left)
    if left_table is None or not isinstance(right, exp.Select) or len(right.expressions) != 1:
        return None
    column = right.expressions[0].unalias()
    if not isinstance(column, exp.Column):
        return None
    selected = {c.unalias().name.lower() for c in left.expressions if isinstance(c.unalias(), exp.Column)}
    right_table = _column_table(right, column)
    right_prof = catalog.table(right_table) if right_table else None
    right = right.copy()
    if column.name.lower() in selected:
        # a real set difference on the same column, unless the right table lacks it ("clients with no
        # booking" as ... EXCEPT SELECT customer_name FROM bookings): then compare along the relation
        pair = (
            _relation_columns(left_table.name, right_table, catalog)
            if right_prof is not None and right_prof.column(column.name) is None
            else None
        )
        if pair is None:
            return None
        key, reference = pair
        right.set("expressions", [exp.column(reference, table=column.table or None)])
    elif (
        right_table and right_table.lower() != left_table.name.lower()
    ):  # within one table: a real difference of two columns
        key = _key_for(left_table.name, right_table, column.name, catalog)
    else:
        return None
    if key is None:
        return None
    out = left.copy()
    qualifier = left_table.alias_or_name if left_table.alias else None
    out.where(exp.Not(this=exp.In(this=exp.column(key, table=qualifier), query=exp.Subquery(this=right))), copy=False)
    return out


def _relation_columns(left: str, right: str | None, catalog: Catalog) -> tuple[str, str] | None:
    """(left's column, right's column) of the one relation between two tables, else None."""
    left_prof, right_prof = catalog.table(left), catalog.table(right) if right else None
    if left_prof is None or right_prof is None:
        return None
    rels = catalog.relations_between(left_prof.name, right_prof.name)
    if len(rels) != 1:
        return None
    rel = rels[0]
    return (rel.left_column, rel.right_column) if rel.left == left_prof.name else (rel.right_column, rel.left_column)


def _column_table(select: exp.Select, column: exp.Column) -> str | None:
    """The table a column of ``select`` comes from: by its qualifier, else the FROM table."""
    if column.table:
        return next(
            (t.name for t in select.find_all(exp.Table) if t.alias_or_name.lower() == column.table.lower()), None
        )
    base = _base_table(select)
    return base.name if base is not None else None


def _key_for(left: str, right: str, right_column: str, catalog: Catalog) -> str | None:
    """The column of ``left`` that ``right.right_column`` is related to, or left's column of that name."""
    for rel in catalog.relations_between(left, right):
        if rel.left == right and rel.left_column.lower() == right_column.lower():
            return rel.right_column
        if rel.right == right and rel.right_column.lower() == right_column.lower():
            return rel.left_column
    prof = catalog.table(left)
    col = prof.column(right_column) if prof is not None else None
    return col.name if col is not None else None


def distinct_as_asked(select: exp.Select, question: str) -> bool:
    """Remove the outer SELECT's DISTINCT unless the question asks for different values; add it to
    a plain listing (no aggregate, no GROUP BY) when the question does ask for them."""
    if select.args.get("distinct"):
        if _DISTINCT_CUE.search(question):
            return False
        select.set("distinct", None)
        return True
    if (
        not _DISTINCT_ASK.search(question)
        or select.args.get("group")
        or any(e.find(exp.AggFunc) for e in select.expressions)
    ):
        return False  # not asked, or "how many different ..." that the aggregate counts itself
    select.set("distinct", exp.Distinct())
    return True


def both_values_to_intersect(select: exp.Select, question: str) -> exp.Expression | None:
    """``... WHERE c IN ('a', 'b')`` asked as "both a and b" -> ``... WHERE c = 'a' INTERSECT ... WHERE
    c = 'b'``; None when the question does not say "both" or the query is not that simple shape."""
    where = select.args.get("where")
    if (
        not _BOTH_CUE.search(question)
        or where is None
        or select.args.get("group")
        or select.args.get("order")
        or select.args.get("limit")
    ):
        return None
    if any(e.find(exp.AggFunc) for e in select.expressions):
        return None
    pairs = [
        i
        for i in where.find_all(exp.In)
        if len(i.expressions) == 2
        and isinstance(i.this, exp.Column)
        and all(isinstance(v, exp.Literal) for v in i.expressions)
        and _only_under_and(i, where)
    ]
    if len(pairs) != 1:
        return None
    shown = {e.unalias().name.lower() for e in select.expressions if isinstance(e.unalias(), exp.Column)}
    if pairs[0].this.name.lower() in shown:
        return None  # the values are shown: the question lists rows of either value
    index = list(where.find_all(exp.In)).index(pairs[0])
    sides = []
    for value in pairs[0].expressions:
        side = select.copy()
        target = list(side.args["where"].find_all(exp.In))[index]
        target.replace(exp.EQ(this=target.this.copy(), expression=value.copy()))
        sides.append(side)
    return exp.Intersect(this=sides[0], expression=sides[1], distinct=True)


def _only_under_and(node: exp.Expression, where: exp.Where) -> bool:
    """Whether ``node`` is one of the AND-ed conditions of ``where`` (not under OR or NOT)."""
    parent = node.parent
    while parent is not None and parent is not where:
        if not isinstance(parent, (exp.And, exp.Paren)):
            return False
        parent = parent.parent
    return parent is where


def _words(text: str) -> set[str]:
    """Lower-case words with a plural 's' removed, for "does the question mention this table"."""
    return {w[:-1] if len(w) > 3 and w.endswith("s") else w for w in re.findall(r"[a-z]+", text.lower())}


def _name_parts(table: str) -> set[str]:
    return {p for p in _words(table.replace("_", " ")) if len(p) >= 3 and p not in TABLE_NAME_FILLER}


def _mentioned(table: str, others: list[str], question_words: set[str]) -> bool:
    """Whether the question names what ``table`` adds: the words of its name that the other
    tables' names lack (``faculty_participates_in`` next to ``faculty``: "participate")."""
    own = _name_parts(table) - set().union(*(_name_parts(o) for o in others))
    return bool(own & question_words)


def prune_unused_joins(select: exp.Select, question: str, catalog: Catalog) -> bool:
    """Drop inner joins that contribute no column and that the question does not mention."""
    joins = list(select.args.get("joins") or [])
    if not joins or select.args.get("group") or select.args.get("having") or select.find(exp.AggFunc):
        return False
    if any(j.side or (j.kind and j.kind.upper() != "INNER") or not isinstance(j.this, exp.Table) for j in joins):
        return False
    tables = table_aliases(select)
    if tables is None or _has_subquery(select):  # a subquery may refer to the joined table
        return False
    words = _words(question)
    changed = True
    removed = False
    while changed:
        changed = False
        for join in list(select.args.get("joins") or []):
            alias = join.this.alias_or_name.lower()
            others = [name for a, name in tables.items() if a != alias]
            if _mentioned(join.this.name, others, words):
                continue
            used = any(
                alias in column_owners(col, tables, catalog) and col.find_ancestor(exp.Join) is not join
                for col in select.find_all(exp.Column)
            )
            if not used:
                _drop_join(select, join)
                tables.pop(alias, None)
                changed = removed = True
                break
    return removed


def _except_to_not_in(tree: exp.Expression, catalog: Catalog) -> exp.Select | None:
    """``except_to_not_in`` for a query that is an EXCEPT; None for any other."""
    return except_to_not_in(tree, catalog) if isinstance(tree, exp.Except) else None


# The repairs, in the order they run. Those of one SELECT (joins, names) run after the whole-query
# ones that fix names and EXCEPT; GROUP BY and values are completed last, on the query as repaired.
REPAIRS: tuple[Repair, ...] = (
    Repair("quoted_values", Scope.EVERY_MODEL, Target.QUERY, lambda q, _, catalog: quoted_names_to_strings(q, catalog)),
    Repair("requalify_columns", Scope.EVERY_MODEL, Target.QUERY, lambda q, _, catalog: requalify_columns(q, catalog)),
    Repair("except_to_not_in", Scope.EVERY_MODEL, Target.QUERY, lambda q, _, catalog: _except_to_not_in(q, catalog)),
    Repair("bridge_joins", Scope.EVERY_MODEL, Target.EACH_SELECT, lambda s, _, catalog: bridge_joins(s, catalog)),
    Repair(
        "join_missing_tables",
        Scope.EVERY_MODEL,
        Target.EACH_SELECT,
        lambda s, _, catalog: join_missing_tables(s, catalog),
    ),
    Repair(
        "join_for_missing_columns",
        Scope.EVERY_MODEL,
        Target.EACH_SELECT,
        lambda s, _, catalog: join_for_missing_columns(s, catalog),
    ),
    Repair("rename_by_word", Scope.EVERY_MODEL, Target.EACH_SELECT, lambda s, _, catalog: rename_by_word(s, catalog)),
    Repair(
        "retarget_single_table",
        Scope.EVERY_MODEL,
        Target.SELECT,
        lambda s, _, catalog: retarget_single_table(s, catalog),
    ),
    Repair(
        "distinct_as_asked", Scope.SMALL_MODELS, Target.SELECT, lambda s, question, _: distinct_as_asked(s, question)
    ),
    Repair("prune_unused_joins", Scope.SMALL_MODELS, Target.SELECT, prune_unused_joins),
    Repair(
        "both_values_to_intersect",
        Scope.SMALL_MODELS,
        Target.SELECT,
        lambda s, question, _: both_values_to_intersect(s, question),
    ),
    Repair("complete_group_by", Scope.EVERY_MODEL, Target.QUERY, lambda q, _question, _catalog: complete_group_by(q)),
    Repair("snap_values", Scope.EVERY_MODEL, Target.QUERY, lambda q, _, catalog: snap_values(q, catalog)),
)
