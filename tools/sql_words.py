"""SQL in plain words, read from the sqlglot tree (never from the text), so the same query always reads the same.

Covers what the planners write and people paste: tables and joins, filters, groups, aggregates,
HAVING, DISTINCT, order, limit and offset, CTEs, sub-queries and set operations. Anything it has no
words for is shown as the SQL fragment itself rather than guessed at.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from insightchat.tools.errors import QueryError
from insightchat.tools.registry import tool
from insightchat.tools.results import ToolResult
from insightchat.tools.workspace import Workspace

_COMPARE = {
    exp.EQ: "is",
    exp.NEQ: "is not",
    exp.GT: "is greater than",
    exp.GTE: "is at least",
    exp.LT: "is less than",
    exp.LTE: "is at most",
    exp.NullSafeEQ: "is",
    exp.NullSafeNEQ: "is not",
}
_AGGREGATES = {
    exp.Avg: "the average of {}",
    exp.Sum: "the total of {}",
    exp.Min: "the smallest {}",
    exp.Max: "the largest {}",
    exp.Median: "the median of {}",
    exp.Stddev: "the standard deviation of {}",
    exp.StddevSamp: "the standard deviation of {}",
    exp.Variance: "the variance of {}",
    exp.ApproxDistinct: "the approximate number of distinct {}",
}


def _from(select: exp.Expression) -> exp.From | None:
    return select.args.get("from_") or select.args.get("from")


def words(node: exp.Expression | None) -> str:
    """One expression in words (a column, a value, a comparison, an aggregate)."""
    if node is None:
        return ""
    if isinstance(node, exp.Paren):
        return words(node.this)
    if isinstance(node, exp.Alias):
        inner = words(node.this)
        return inner if node.alias == _plain(node.this) else f"{inner} (as {node.alias})"
    if isinstance(node, exp.Column):
        return node.name if not node.table else f"{node.table}.{node.name}"
    if isinstance(node, exp.Star):
        return "every column"
    if isinstance(node, exp.Literal):
        return f"'{node.this}'" if node.is_string else str(node.this)
    if isinstance(node, exp.Boolean):
        return "true" if node.this else "false"
    if isinstance(node, exp.Null):
        return "missing"
    if isinstance(node, exp.And):
        return f"{words(node.this)} and {words(node.expression)}"
    if isinstance(node, exp.Or):
        return f"({words(node.this)} or {words(node.expression)})"
    if isinstance(node, exp.Not):
        inner = node.this
        if isinstance(inner, exp.Is):
            return (
                f"{words(inner.this)} is not missing"
                if isinstance(inner.expression, exp.Null)
                else f"not {words(inner)}"
            )
        if isinstance(inner, exp.In):
            return _in(inner, negated=True)
        if isinstance(inner, (exp.Like, exp.ILike)):
            return _like(inner, negated=True)
        if isinstance(inner, exp.Column):
            return f"{words(inner)} is false"
        return f"not ({words(inner)})"
    if isinstance(node, exp.Is):
        return (
            f"{words(node.this)} is missing"
            if isinstance(node.expression, exp.Null)
            else f"{words(node.this)} is {words(node.expression)}"
        )
    for cls, verb in _COMPARE.items():
        if type(node) is cls:
            return f"{words(node.this)} {verb} {words(node.expression)}"
    if isinstance(node, exp.In):
        return _in(node)
    if isinstance(node, exp.Between):
        return f"{words(node.this)} is between {words(node.args['low'])} and {words(node.args['high'])}"
    if isinstance(node, (exp.Like, exp.ILike)):
        return _like(node)
    if isinstance(node, exp.Count):
        arg = node.this
        if arg is None or isinstance(arg, exp.Star):
            return "the number of rows"
        if isinstance(arg, exp.Distinct):
            return "the number of distinct " + ", ".join(words(e) for e in arg.expressions)
        return f"the number of rows with a {words(arg)}"
    for cls, phrase in _AGGREGATES.items():
        if type(node) is cls:
            return phrase.format(words(node.this))
    if isinstance(node, exp.Subquery):
        return f"(the result of a sub-query that {describe_select(node.this, nested=True)})"
    if isinstance(node, exp.Exists):
        return f"there is a row where the sub-query that {describe_select(node.this, nested=True)} finds one"
    if isinstance(node, exp.Window):
        parts = node.args.get("partition_by") or []
        over = "groups of " + ", ".join(words(p) for p in parts) if parts else "all rows"
        return f"{words(node.this)} computed over {over}"
    return node.sql(dialect="duckdb")


def _positional(node: exp.Expression, outputs: list[exp.Expression]) -> exp.Expression:
    """``GROUP BY 1`` / ``ORDER BY 2`` mean the first / second output column."""
    if isinstance(node, exp.Literal) and not node.is_string and str(node.this).isdigit():
        i = int(node.this) - 1
        if 0 <= i < len(outputs):
            return outputs[i]
    return node


def _order_key(o: exp.Ordered, outputs: list[exp.Expression]) -> str:
    direction = "highest first" if o.args.get("desc") else "lowest first"
    return f"{_output_name(_positional(o.this, outputs))} ({direction})"


def _output_name(node: exp.Expression) -> str:
    """An output column by its alias when it has one (what a reader sees in the result)."""
    return node.alias if isinstance(node, exp.Alias) and node.alias else words(node)


def _plain(node: exp.Expression) -> str:
    return node.name if isinstance(node, exp.Column) else ""


def _in(node: exp.In, negated: bool = False) -> str:
    verb = "is not one of" if negated else "is one of"
    query = node.args.get("query")
    if query is not None:
        inner = describe_select(query.this if isinstance(query, exp.Subquery) else query, nested=True)
        return f"{words(node.this)} {verb} the values of a sub-query that {inner}"
    return f"{words(node.this)} {verb} " + ", ".join(words(e) for e in node.expressions)


def _like(node: exp.Expression, negated: bool = False) -> str:
    case = " (ignoring case)" if isinstance(node, exp.ILike) else ""
    verb = "does not match" if negated else "matches"
    return f"{words(node.this)} {verb} the pattern {words(node.expression)}{case}"


def _source(node: exp.Expression) -> str:
    if isinstance(node, exp.Table):
        alias = node.alias
        return f"table {node.name}" + (f" (as {alias})" if alias and alias != node.name else "")
    if isinstance(node, exp.Subquery):
        return f"a sub-query that {describe_select(node.this, nested=True)}"
    return node.sql(dialect="duckdb")


def _join(join: exp.Join) -> str:
    side = (join.args.get("side") or "").upper()
    kind = (join.args.get("kind") or "").upper()
    target = _source(join.this)
    on = join.args.get("on")
    using = join.args.get("using")
    how = f" where {words(on)}" if on is not None else ""
    if using:
        how = " on matching " + ", ".join(words(u) if not isinstance(u, exp.Identifier) else u.name for u in using)
    if kind == "CROSS" or (on is None and not using):
        return f"paired with every row of {target}"
    if side == "LEFT":
        return f"joined with {target}{how}, keeping rows with no match"
    if side == "RIGHT":
        return f"joined with {target}{how}, keeping its rows with no match"
    if side == "FULL":
        return f"joined with {target}{how}, keeping unmatched rows of both"
    return f"joined with {target}{how}"


def _is_aggregate(node: exp.Expression) -> bool:
    return any(isinstance(n, exp.AggFunc) for n in node.walk()) and not any(
        isinstance(n, exp.Window) for n in node.walk()
    )


def describe_select(select: exp.Expression, nested: bool = False) -> str:
    """A clause-by-clause description of one SELECT (or set operation), as one sentence."""
    if isinstance(select, (exp.Union, exp.Intersect, exp.Except)):
        how = {
            exp.Union: "together with" if select.args.get("distinct") is False else "together with (no duplicates)",
            exp.Intersect: "that also appear in",
            exp.Except: "that do not appear in",
        }[type(select)]
        left, right = describe_select(select.this, True), describe_select(select.expression, True)
        return f"takes the rows of a query that {left}, {how} the rows of a query that {right}"
    if not isinstance(select, exp.Select):
        return select.sql(dialect="duckdb")
    parts: list[str] = []
    source = _from(select)
    parts.append(f"reads {_source(source.this)}" if source is not None else "computes values without a table")
    parts += [_join(j) for j in select.args.get("joins") or []]
    where = select.args.get("where")
    if where is not None:
        parts.append(f"keeps the rows where {words(where.this)}")
    group = select.args.get("group")
    outputs = select.expressions
    aggregates = [e for e in outputs if _is_aggregate(e)]
    plain = [e for e in outputs if not _is_aggregate(e)]
    keys = [words(_positional(g, outputs)) for g in group.expressions] if group is not None else []
    if group is not None:
        parts.append("groups them by " + ", ".join(keys))
    plain = [p for p in plain if words(_positional(p, [])) not in keys and _output_name(p) not in keys]
    if aggregates:
        parts.append(
            "computes " + ", ".join(words(a) for a in aggregates) + (" per group" if group is not None else "")
        )
    if plain and not (len(plain) == 1 and isinstance(plain[0], exp.Star)):
        shown = ", ".join(words(p) for p in plain)
        parts.append(("shows " if not aggregates else "next to ") + shown)
    elif plain:
        parts.append("shows every column")
    having = select.args.get("having")
    if having is not None:
        parts.append(f"keeps only the groups where {words(having.this)}")
    if select.args.get("distinct"):
        parts.append("drops duplicate rows")
    order = select.args.get("order")
    if order is not None:
        by = [_order_key(o, outputs) for o in order.expressions]
        parts.append("sorts by " + ", ".join(by))
    limit = select.args.get("limit")
    offset = select.args.get("offset")
    if limit is not None:
        n = words(limit.expression)
        skip = f" after skipping {words(offset.expression)}" if offset is not None else ""
        parts.append(f"keeps the first {n} row{'s' if n != '1' else ''}{skip}")
    return ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]


def explain_sql(sql: str) -> list[str]:
    """The query as sentences: one per CTE, then the main query."""
    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except (sqlglot.errors.ParseError, sqlglot.errors.TokenError) as exc:
        raise QueryError(
            f"Could not parse the SQL: {str(exc).splitlines()[0]}", "check the syntax (DuckDB dialect)"
        ) from None
    sentences = []
    with_ = tree.args.get("with_") or tree.args.get("with")
    if with_ is not None:
        for cte in with_.expressions:
            sentences.append(f"First it builds {cte.alias}: it {describe_select(cte.this, True)}.")
    body = describe_select(tree)
    sentences.append(("Then it " if sentences else "It ") + body + ".")
    return sentences


def explain_sql_text(sql: str) -> str:
    return " ".join(explain_sql(sql))


@tool("explain_sql")
def explain_sql_tool(ws: Workspace, sql: str) -> ToolResult:
    """Explain in plain words what a SQL query does (tables and joins, filters, groups, aggregates, order, limit).

    Use it for "what does this query do?"; it reads the query, it does not run it.

    Args:
        sql: The SQL query to explain (it is read, not run).
    """
    text = explain_sql_text(sql)
    return ToolResult(
        tool="explain_sql",
        for_model=text,
        title="Explained the SQL in plain words",
        details=sql,
        meta={"narration": text},
    )
