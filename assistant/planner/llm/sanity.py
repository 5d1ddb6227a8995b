"""Checks that refuse a model's query which runs but cannot mean what the question asks.

Why: DuckDB happily runs ``JOIN status ON T2.station_id = T2.station_id`` (every row joined with
every row), ``WHERE T2.balance > T2.balance`` (never true) and ``WHERE founder = 'Andy'`` (a value
the question never mentions, invented by the model). Such queries return rows, so the correction
loop never sees an error and the user gets a confident wrong answer. Refused here, the model gets
one readable reason and corrects the query, or the turn ends honestly.

The checks are the rules of ``CHECKS``, run in that order by ``check_query``; the first that
refuses raises. Each says what it refuses and has a scope: every model (a query that is never
meaningful), or small models only (mistakes they make that a strong model may rightly write,
``'United States'`` for "American", ``<=`` for "not more than"). How often each fires on stored
answers and on Spider's gold queries: docs/benchmark-notes.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import sqlglot
from sqlglot import exp

from insightchat.planner.lexicon import AVERAGE_WORDS, EACH, NEGATIONS, NEGATIVE_VALUES, SPOKEN_NUMBERS, TOTAL_WORDS
from insightchat.planner.llm.rules import Scope
from insightchat.tools.catalog import Catalog
from insightchat.tools.errors import QueryError

_ORDER = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)
_BOUNDS = (exp.GT, exp.GTE, exp.LT, exp.LTE)
# "No. 5" is a number and "non" only a prefix before a space or hyphen ("non-smoking"); "don't" negates
_NEGATION_FORMS = {"no": r"no(?!\.)"}
_NEGATION = re.compile(
    r"\b(" + "|".join([*(_NEGATION_FORMS.get(w, w) for w in NEGATIONS), r"non(?=[\s-])", r"\w+n't"]) + r")\b",
    re.IGNORECASE,
)
# "not more than 5" (a comparison, written <=), "not only ... but also" (both): no exclusion
_NOT_EXCLUDING = re.compile(
    r"\b(not|no)\s+(only|more|less|greater|fewer|higher|lower|larger|smaller|above|below|over|under|later|earlier"
    r"|exceed\w*)\b",
    re.IGNORECASE,
)
_EACH = re.compile(rf"\b({'|'.join(EACH)})\b", re.IGNORECASE)
_AVERAGE = re.compile(rf"\b({'|'.join(AVERAGE_WORDS)})\b", re.IGNORECASE)
_TOTAL = re.compile(rf"\b({'|'.join(TOTAL_WORDS)})\b", re.IGNORECASE)
_NUMBER_WORDS = SPOKEN_NUMBERS
# "at least 2" / "2 or more": a lower bound; "at most 2" / "fewer than 2": an upper one
_NUMBER = r"(\d+(?:\.\d+)?|" + "|".join(_NUMBER_WORDS) + r")"
_LOWER_BOUND = re.compile(
    r"\b(?:(?:at\s+)?least|(?<!not )(?<!no )(?:more|greater|larger|higher|bigger|longer|older) than"
    r"|(?<!not )(?<!no )(?:over|above|exceeding))\s+"
    + _NUMBER
    + r"\b|\b"
    + _NUMBER
    + r"\s+or (?:more|greater|higher|above|over)\b(?!\s+than)",
    re.IGNORECASE,
)
_UPPER_BOUND = re.compile(
    r"\b(?:at most|(?<!not )(?<!no )(?:less|fewer|lower|smaller|shorter|younger) than"
    r"|(?<!not )(?<!no )(?:under|below))\s+"
    + _NUMBER
    + r"\b|\b"
    + _NUMBER
    + r"\s+or (?:less|fewer|lower|below|under)\b(?!\s+than)",
    re.IGNORECASE,
)
# columns for the two ends of a route or a transfer, by name: source_airport, src_apid / dst_apid, destination
_FROM_END = re.compile(r"src|source|origin|from|depart", re.IGNORECASE)
_TO_END = re.compile(r"dst|dest|arriv|(?:^|_)to(?:_|$)", re.IGNORECASE)
_PREFIX = 4  # letters a value's word must share with a word of the question ("Banglade" ~ "Bangladeshi")


@dataclass(frozen=True)
class Asked:
    """What a check reads: the parsed query, the question, the conversation (the question with the
    earlier turns, where filter values may come from) and the catalog (None: not known)."""

    tree: exp.Expression
    question: str
    conversation: str
    catalog: Catalog | None


@dataclass(frozen=True)
class Check:
    """A named check: ``refuse`` returns the error for a query it refuses, else None."""

    name: str
    scope: Scope
    refuse: Callable[[Asked], QueryError | None]


def check_query(
    sql: str, question: str, conversation: str | None = None, small_model: bool = False, catalog: Catalog | None = None
) -> None:
    """Raise :class:`QueryError` from the first rule of ``CHECKS`` (those of ``small_model``'s scope)
    that refuses ``sql`` for ``question``. ``conversation``: the question with the earlier turns,
    where filter values may come from (default: the question); ``catalog`` tells which columns are
    yes/no flags."""
    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except sqlglot.errors.ParseError:
        return  # the safe SQL tool reports what does not parse
    if tree is None:
        return
    asked = Asked(tree, question, conversation or question, catalog)
    for check in CHECKS:
        if check.scope.runs_for(small_model):
            error = check.refuse(asked)
            if error is not None:
                raise error


def _self_comparison(asked: Asked) -> QueryError | None:
    """A column compared with itself (``T2.x = T2.x``): true for every row or for none."""
    same = self_comparisons(asked.tree)
    if not same:
        return None
    cmp = same[0]
    where = "join condition" if cmp.find_ancestor(exp.Join) is not None else "condition"
    return QueryError(
        f"The {where} {cmp.sql(dialect='duckdb')} compares a column with itself, "
        "so it is true for every row or for none",
        "compare two different columns (in a join: a column of each table, along the listed join keys), or drop it",
    )


def _detached_join(asked: Asked) -> QueryError | None:
    """A join whose condition names only other tables' columns (``JOIN tracks AS t ON c.id =
    c.support_rep_id``): every row of ``tracks`` joined with every row."""
    detached = detached_join(asked.tree)
    if detached is None:
        return None
    table = detached.this.alias_or_name
    return QueryError(
        f"The join condition {detached.args['on'].sql(dialect='duckdb')} does not use {table}, "
        f"so every row of {table} is joined with every row",
        f"join {table} on one of its own columns (along the listed join keys), or drop the join",
    )


def _same_way_bounds(asked: Asked) -> QueryError | None:
    """Two AND-ed bounds on one column from the same side (``affected >= 2 AND affected >= 10`` for
    "affected two or more regions and 10 or more cities"): one does nothing, two things were meant."""
    pair = same_way_bounds(asked.tree)
    if not pair:
        return None
    first, second = (c.sql(dialect="duckdb") for c in pair)
    return QueryError(
        f"The conditions {first} and {second} bound the same column the same way, so one of them does nothing",
        "the question probably means two different things there (another column, or a count or total per group)",
    )


def _implied_exclusion(asked: Asked) -> QueryError | None:
    """An AND-ed exclusion that an equality on the same column already implies (``allergy = 'Milk'
    AND allergy <> 'Cat'`` for "allergy to milk but not cat": "but not" was about another row)."""
    pair = implied_exclusion(asked.tree)
    if not pair:
        return None
    first, second = (c.sql(dialect="duckdb") for c in pair)
    return QueryError(
        f"The condition {second} does nothing next to {first}: a row has one value",
        "'X but not Y' means the ones with a row for X and no row for Y: use EXCEPT, or NOT IN (a subquery)",
    )


def _repeated_output(asked: Asked) -> QueryError | None:
    """A column shown twice (``SELECT T1.name, T1.name`` for "names of journalists and of events")."""
    twice = repeated_output(asked.tree)
    if not twice:
        return None
    return QueryError(
        f"The query shows {twice} twice, so one of the things the question asks for is missing",
        "select each thing the question names once (they may live in different tables)",
    )


def _invented_value(asked: Asked) -> QueryError | None:
    """A text value of which the conversation mentions no word. Words of 3 letters or fewer (codes
    such as ``'F'`` for "female", ``'UK'`` for "British") and numbers are not checked; a word counts
    as mentioned when a word of the conversation shares its first letters ("Bangladesh" for
    "Bangladeshi")."""
    invented = unmentioned_values(asked.tree, asked.conversation)
    if not invented:
        return None
    listed = ", ".join(f"'{v}'" for v in invented)
    return QueryError(
        f"The question does not mention {listed}: filter only on values the question names",
        "remove that filter, or use the value the question gives",
    )


def _missing_negation(asked: Asked) -> QueryError | None:
    """A question that says "not", "non", "never", "no" or "without" (outside quotes, and not "not
    only", "not more than") answered by a query with no negation at all (no NOT, <>, EXCEPT, IS NULL
    or ``= 'No'``): it lists the rows that *do* match."""
    cue = _NEGATION.search(_unquoted(asked.question))
    if not cue or _NOT_EXCLUDING.search(asked.question) or has_negation(asked.tree):
        return None
    return QueryError(
        f"The question says '{cue.group(0)}', but the query has no negation, so it lists the rows that do match",
        "exclude them: NOT IN (subquery), EXCEPT, or <>",
    )


def _unstated_number(asked: Asked) -> QueryError | None:
    """A number compared with a column that the question never states (``Major = 1`` for "students
    in the male dorm"), in digits or as a word ("two", "third"), give or take one ("more than 5" is
    ``>= 6``) or as a percentage; not checked: "has any" (``> 0``, ``>= 1``), and 0 or 1 on a column
    with at most two values (a yes/no flag)."""
    numbers = unstated_numbers(asked.tree, asked.conversation, asked.catalog)
    if not numbers:
        return None
    return QueryError(
        f"The question does not state {', '.join(numbers)}: compare only with numbers the question gives",
        "remove that condition, or use the number the question gives",
    )


def _turned_bound(asked: Asked) -> QueryError | None:
    """A bound turned around: "at least two" answered with ``<= 2`` ("more than", "under", "N or
    fewer"...; not judged under a NOT or on the removed side of an EXCEPT: "always below 70")."""
    flipped = contradicted_bound(asked.tree, asked.question)
    if not flipped:
        return None
    cmp, phrase = flipped
    return QueryError(
        f"The question says '{phrase}', but the query has {cmp.sql(dialect='duckdb')}, the other way round",
        "turn the comparison around (at least / more than: >= or >; at most / fewer than: <= or <)",
    )


def _swapped_ends(asked: Asked) -> QueryError | None:
    """The two ends of a route swapped: "from the United States to Canada" answered with Canada on
    ``src_apid`` (a column named source/origin/from for "from", destination/dst/to for "to")."""
    swapped = swapped_ends(asked.tree, asked.question)
    if not swapped:
        return None
    column, value, word = swapped
    return QueryError(
        f"The question says '{word} {value}', but the query compares '{value}' with {column}, the other end",
        "compare the 'from' value with the source column and the 'to' value with the destination column",
    )


def _null_after_inner_join(asked: Asked) -> QueryError | None:
    """An inner join followed by ``IS NULL`` on the joined table's column: an anti-join that cannot
    find rows with no match ("physicians who never took an appointment")."""
    unmatched = null_after_inner_join(asked.tree, asked.catalog)
    if not unmatched:
        return None
    condition, table = unmatched
    return QueryError(
        f"The query joins {table} with an inner join, which keeps only rows that have a match, "
        f"and then asks for {condition}: that cannot find rows with no match",
        f"for rows with no match in {table}, use NOT IN (SELECT its key FROM {table}) or EXCEPT",
    )


def _idle_join(asked: Asked) -> QueryError | None:
    """A table joined at the edge of the query that nothing uses and the question never names
    ("Which people are older than 30?" joined with ``wedding``): the join repeats or drops rows."""
    idle = idle_join(asked.tree, asked.conversation, asked.catalog)
    if not idle:
        return None
    return QueryError(
        f"The query joins {idle} but uses none of its columns, and the question does not mention it: "
        "the join only repeats or drops rows",
        f"remove the join with {idle} (or use its columns, if the question needs them)",
    )


def _missing_aggregate(asked: Asked) -> QueryError | None:
    """A question that asks for an "average" or a "total" answered with no AVG, or no SUM/COUNT/+,
    unless a column's own name says it (``mean_humidity``, ``total_score``)."""
    missing = missing_aggregate(asked.tree, asked.question)
    if not missing:
        return None
    word, wanted = missing
    return QueryError(
        f"The question asks for '{word}', but the query has no {wanted}",
        f"compute it with {wanted} (GROUP BY what it is per, if anything)",
    )


def _each_over_all_rows(asked: Asked) -> QueryError | None:
    """A question that asks for "each" something answered by an aggregate over all rows (no GROUP BY)."""
    tree = asked.tree
    each = _EACH.search(asked.question)
    if not (
        each
        and isinstance(tree, exp.Select)
        and not tree.args.get("group")
        and any(e.find(exp.AggFunc) for e in tree.expressions)
    ):
        return None
    return QueryError(
        f"The question asks for '{each.group(0)}' something, but the query aggregates over all rows",
        "GROUP BY the column the question groups by, and select it too",
    )


# The checks, in the order they run (every-model ones first: they hold for any model's query).
CHECKS: tuple[Check, ...] = (
    Check("self_comparison", Scope.EVERY_MODEL, _self_comparison),
    Check("detached_join", Scope.EVERY_MODEL, _detached_join),
    Check("same_way_bounds", Scope.EVERY_MODEL, _same_way_bounds),
    Check("implied_exclusion", Scope.EVERY_MODEL, _implied_exclusion),
    Check("repeated_output", Scope.SMALL_MODELS, _repeated_output),
    Check("invented_value", Scope.SMALL_MODELS, _invented_value),
    Check("missing_negation", Scope.SMALL_MODELS, _missing_negation),
    Check("unstated_number", Scope.SMALL_MODELS, _unstated_number),
    Check("turned_bound", Scope.SMALL_MODELS, _turned_bound),
    Check("swapped_ends", Scope.SMALL_MODELS, _swapped_ends),
    Check("null_after_inner_join", Scope.SMALL_MODELS, _null_after_inner_join),
    Check("idle_join", Scope.SMALL_MODELS, _idle_join),
    Check("missing_aggregate", Scope.SMALL_MODELS, _missing_aggregate),
    Check("each_over_all_rows", Scope.SMALL_MODELS, _each_over_all_rows),
)


def plain_empty_answer(sql: str, question: str) -> bool:
    """Whether "no rows" from ``sql`` may stand as the answer of a small model: a query with no
    grouping and no set operation whose every text value the question names as written
    ("locations whose names contain the word 'film'"). Why: on stored empty results of the 1.5B
    model such queries were right about as often as wrong (3 and 3), the others almost never (1
    right, 7 wrong), so only the others are reported as unsure."""
    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except sqlglot.errors.ParseError:
        return False
    if tree is None or tree.find(exp.Group, exp.Having, exp.Union, exp.Intersect, exp.Except):
        return False
    values = [lit.this.strip("%") for lit in tree.find_all(exp.Literal) if lit.is_string]
    return all(v in question for v in values if v)


def _column_vs_value(tree: exp.Expression, kinds: tuple[type, ...]) -> list[list[tuple[str, exp.Expression]]]:
    """Per AND-chain of ``tree``: its ``column <op> literal`` conditions of the given kinds, keyed by the column."""
    return [
        [
            (cond.left.sql().lower(), cond)
            for cond in (
                c.this if isinstance(c, exp.Not) and isinstance(c.this, exp.EQ) else c for c in conjunction.flatten()
            )
            if isinstance(cond, kinds) and isinstance(cond.left, exp.Column) and isinstance(cond.right, exp.Literal)
        ]
        for conjunction in tree.find_all(exp.And)
    ]


def detached_join(tree: exp.Expression) -> exp.Join | None:
    """A join whose ON condition names only columns of other tables (``JOIN tracks AS t ON c.id =
    c.support_rep_id``): a cross join in disguise. Unqualified columns might be the joined table's,
    so only fully qualified conditions are judged."""
    for join in tree.find_all(exp.Join):
        on = join.args.get("on")
        if on is None or not isinstance(join.this, (exp.Table, exp.Subquery)):
            continue
        columns = list(on.find_all(exp.Column))
        if (
            columns
            and all(c.table for c in columns)
            and not any(c.table.lower() == join.this.alias_or_name.lower() for c in columns)
        ):
            return join
    return None


def contradicted_bound(tree: exp.Expression, question: str) -> tuple[exp.Expression, str] | None:
    """A comparison with a number that the question bounds the other way ("at least two" answered
    with ``COUNT(*) <= 2``), and the question's phrase. Numbers off by one count as the same ("at
    least 2" may be written ``> 1``); a number the question bounds both ways is not judged."""
    sides: dict[float, dict[bool, str]] = {}
    for lower, pattern in ((True, _LOWER_BOUND), (False, _UPPER_BOUND)):
        for match in pattern.finditer(question):
            word = next(g for g in match.groups() if g is not None).lower()
            number = _NUMBER_WORDS.get(word) if word in _NUMBER_WORDS else float(word)
            sides.setdefault(number, {})[lower] = match.group(0)
    for cmp in tree.find_all(*_BOUNDS):
        if _negated(cmp):
            continue  # "always below 70": EXCEPT ... WHERE x >= 70
        literal, other = (cmp.right, cmp.left) if isinstance(cmp.right, exp.Literal) else (cmp.left, cmp.right)
        if not isinstance(literal, exp.Literal) or literal.is_string or isinstance(other, exp.Literal):
            continue
        try:
            value = float(literal.this)
        except ValueError:
            continue
        lower = isinstance(cmp, (exp.GT, exp.GTE)) == (literal is cmp.right)
        for number, said in sides.items():
            if abs(number - value) <= 1 and len(said) == 1 and lower not in said:
                return cmp, said[not lower]
    return None


def _negated(node: exp.Expression) -> bool:
    """Whether ``node`` sits under a NOT or on the removed side of an EXCEPT."""
    child, parent = node, node.parent
    while parent is not None:
        if isinstance(parent, exp.Not) or isinstance(parent, exp.Except) and parent.expression is child:
            return True
        child, parent = parent, parent.parent
    return False


def swapped_ends(tree: exp.Expression, question: str) -> tuple[str, str, str] | None:
    """A value the question puts after "from" compared with a destination column, or after "to" with
    a source one ("routes from the United States to Canada" answered with ``src_apid IN (... 'Canada')``).
    A value inside a sub-query counts for the column the sub-query's result is compared with. Only a
    question that says "from ... to ..." is judged ("the code related to Benefits" names no route)."""
    if not re.search(r"\bfrom\b.+\bto\b", question, re.IGNORECASE):
        return None
    for literal in tree.find_all(exp.Literal):
        column = compared_column(literal) if literal.is_string else None
        if column is None:
            continue
        outer = literal.find_ancestor(exp.Subquery)
        if outer is not None and isinstance(outer.parent, exp.In) and isinstance(outer.parent.this, exp.Column):
            column = outer.parent.this
        name = column.name
        for word, wrong_end in (("from", _TO_END), ("to", _FROM_END)):
            said = re.search(
                rf"\b{word}\s+(?:(?!to\b|from\b)\w+\s+){{0,2}}?['\"]?{re.escape(literal.this)}\b",
                question,
                re.IGNORECASE,
            )
            if said and wrong_end.search(name) and not (_FROM_END if word == "from" else _TO_END).search(name):
                return name, literal.this, word
    return None


def idle_join(tree: exp.Expression, conversation: str, catalog: Catalog | None = None) -> str | None:
    """A table joined at the edge of a query (linked to one other table) of which nothing but its
    join key is used and which the question never names, by the table's name or its join column's
    ("students who have class president votes" names ``Voting_record.CLASS_President_VOTE``). Why:
    a 1.5B model adds such tables ("Which people are older than 30?" joined with ``wedding``), and
    the join silently repeats or drops rows. Not judged where the join may be there to count
    (GROUP BY, COUNT, SUM: "the aircraft that won the most" joins ``match``) or to exclude rows
    (EXCEPT, sub-queries), or where ``*`` could be the table's. repair.prune_unused_joins already
    drops such a join from a plain query (no aggregate, no sub-query); this check covers the rest,
    where dropping it silently would be a guess."""
    heard = _words(conversation)
    for select in tree.find_all(exp.Select):
        joins = select.args.get("joins") or []
        if not joins or select.args.get("group") or select.find(exp.Count, exp.Sum) or _excluded_rows(select):
            continue
        names = table_aliases(select)
        if names is None or any(j.args.get("on") is None for j in joins):
            continue
        partners: dict[str, set[str]] = {a: set() for a in names}
        keys: dict[str, list[str]] = {a: [] for a in names}
        in_conditions: set[int] = set()
        for join in joins:
            linked: set[str] = set()
            for column in join.args["on"].find_all(exp.Column):
                in_conditions.add(id(column))
                owners = column_owners(column, names, catalog)
                linked |= owners
                for alias in owners:
                    keys[alias].append(column.name)
            for alias in linked:
                partners[alias] |= linked - {alias}
        used: set[str] = set()
        for column in select.find_all(exp.Column):
            if id(column) not in in_conditions and column.find_ancestor(exp.Select) is select:
                used |= column_owners(column, names, catalog)
        if any(
            star.find_ancestor(exp.Select) is select and not isinstance(star.parent, exp.Count)
            for star in select.find_all(exp.Star)
        ):
            continue
        for alias, name in names.items():
            words = _name_words(name) + [w for key in keys[alias] for w in _name_words(key) if w != "id"]
            if alias not in used and len(partners[alias]) == 1 and not any(_heard(w, heard) for w in words):
                return name
    return None


def null_after_inner_join(tree: exp.Expression, catalog: Catalog | None = None) -> tuple[str, str] | None:
    """``JOIN appointment AS T2 ... WHERE T2.AppointmentID IS NULL`` for "physicians who never took an
    appointment": an anti-join written as an inner join (it returns nothing, or rows that happen to
    hold a NULL). Returns the IS NULL condition and the joined table. Why: on 3,138 distinct stored
    answers of the 1.5B model it is in 9, all wrong; no Spider train gold query has it."""
    for select in tree.find_all(exp.Select):
        joins = select.args.get("joins") or []
        where = select.args.get("where")
        if not joins or where is None:
            continue
        names = table_aliases(select)
        if names is None:
            continue
        inner = {j.this.alias_or_name.lower() for j in joins if not j.side and j.kind in ("", "INNER")}
        for test in where.find_all(exp.Is):
            column = test.this
            if (
                not isinstance(test.expression, exp.Null)
                or not isinstance(column, exp.Column)
                or _negated(test)
                or test.find_ancestor(exp.Select) is not select
            ):
                continue
            owners = column_owners(column, names, catalog)
            if owners and owners <= inner:
                return test.sql(dialect="duckdb"), names[sorted(owners)[0]]
    return None


def table_aliases(select: exp.Select) -> dict[str, str] | None:
    """alias (lower case) -> table name for the FROM table and the joined ones; None when one of them
    is a sub-query or a function, whose columns the checks cannot tell. Shared with repair.py."""
    start = select.args.get("from_")
    tables = [start.this if start is not None else None, *(j.this for j in select.args.get("joins") or [])]
    if not all(isinstance(t, exp.Table) for t in tables):
        return None
    return {t.alias_or_name.lower(): t.name for t in tables}


def _excluded_rows(select: exp.Select) -> bool:
    """Whether ``select`` lists rows to exclude or to look up (the right side of EXCEPT, a
    sub-query): there a join may be there only to say the rows exist ("pilots with no wins")."""
    parent = select.parent
    if isinstance(parent, exp.Except) and parent.expression is select:
        return True
    return select.find_ancestor(exp.Subquery, exp.In, exp.Exists) is not None


def column_owners(column: exp.Column, names: dict[str, str], catalog: Catalog | None) -> set[str]:
    """The aliases (of ``names``: alias -> table) that ``column`` may belong to: its qualifier, else
    every table that has a column of that name (a table the catalog does not know might: it counts;
    without a catalog, every table). Shared by the idle-join check and the join-pruning repair."""
    if column.table:
        return {column.table.lower()}
    if catalog is None:
        return set(names)
    return {
        alias
        for alias, name in names.items()
        if (table := catalog.table(name)) is None or table.column(column.name) is not None
    }


def _name_words(name: str) -> list[str]:
    """The words of a table or column name: ``Faculty_Participates_in`` -> faculty, participates, in."""
    return [w for w in _words(re.sub(r"([a-z])([A-Z])", r"\1 \2", name).replace("_", " ")) if len(w) >= 3]


def repeated_output(tree: exp.Expression) -> str | None:
    """A column selected twice in one SELECT (``SELECT T1.name, T1.name`` for "the names of
    journalists and the names of the events they reported")."""
    for select in tree.find_all(exp.Select):
        seen: set[str] = set()
        for e in select.expressions:
            if isinstance(e, exp.Column):
                text = e.sql(dialect="duckdb").lower()
                if text in seen:
                    return e.sql(dialect="duckdb")
                seen.add(text)
    return None


def same_way_bounds(tree: exp.Expression) -> tuple[exp.Expression, exp.Expression] | None:
    """Two AND-ed comparisons that bound one column from the same side (``x >= 2 AND x >= 10``)."""
    for conditions in _column_vs_value(tree, _BOUNDS):
        seen: dict[tuple[str, bool], exp.Expression] = {}
        for column, cond in conditions:
            key = (column, isinstance(cond, (exp.GT, exp.GTE)))
            if key in seen:
                return seen[key], cond
            seen[key] = cond
    return None


def implied_exclusion(tree: exp.Expression) -> tuple[exp.Expression, exp.Expression] | None:
    """An AND-ed ``col <> 'b'`` (or ``NOT col = 'b'``) next to ``col = 'a'`` on the same column,
    which the equality already implies."""
    for conditions in _column_vs_value(tree, (exp.EQ, exp.NEQ)):
        equal = {
            column: cond
            for column, cond in conditions
            if isinstance(cond, exp.EQ) and not isinstance(cond.parent, exp.Not)
        }
        for column, cond in conditions:
            excluded = isinstance(cond, exp.NEQ) or isinstance(cond.parent, exp.Not)
            if excluded and column in equal and equal[column].right.this != cond.right.this:
                return equal[column], cond.parent if isinstance(cond.parent, exp.Not) else cond
    return None


def missing_aggregate(tree: exp.Expression, question: str) -> tuple[str, str] | None:
    """("average", "AVG") or ("total", "SUM or COUNT") when the question asks for it and the query
    computes none, unless a column is named for it (``mean_humidity``, ``total_score``)."""
    names = " ".join(c.name.lower() for c in tree.find_all(exp.Column))
    average = _AVERAGE.search(question)
    if average and not tree.find(exp.Avg) and not re.search(r"av|mean", names):
        return average.group(0), "AVG"
    total = _TOTAL.search(question)
    if total and not tree.find(exp.Sum, exp.Count, exp.Add) and not re.search(r"tot|sum|all", names):
        return total.group(0), "SUM or COUNT"
    return None


def has_negation(tree: exp.Expression) -> bool:
    """Whether the query excludes anything: NOT, <>, EXCEPT, IS NULL, or a comparison with a
    negative value (``approved = 'No'``), anywhere in it."""
    if tree.find(exp.Not, exp.NEQ, exp.Except):
        return True
    if any(isinstance(i.expression, exp.Null) for i in tree.find_all(exp.Is)):
        return True
    return any(lit.is_string and lit.this.strip().lower() in NEGATIVE_VALUES for lit in tree.find_all(exp.Literal))


def self_comparisons(tree: exp.Expression) -> list[exp.Expression]:
    """Comparisons whose two sides are the same column, as written (``T2.x = T2.x``, ``x > x``)."""
    out = []
    for cmp in tree.find_all(*_ORDER):
        left, right = cmp.left, cmp.right
        if isinstance(left, exp.Column) and isinstance(right, exp.Column) and left.sql().lower() == right.sql().lower():
            out.append(cmp)
    return out


def unmentioned_values(tree: exp.Expression, conversation: str) -> list[str]:
    """Text literals compared with a column (=, <>, IN, LIKE) of which ``conversation`` mentions
    no word (words of 3 letters or fewer and numbers are not checked: codes, abbreviations)."""
    heard = _words(conversation)
    out: list[str] = []
    for literal in tree.find_all(exp.Literal):
        if not literal.is_string or compared_column(literal) is None:
            continue
        words = [w for w in _words(literal.this) if len(w) > 3 and not w.isdigit()]
        if words and not any(_heard(w, heard) for w in words) and literal.this not in out:
            out.append(literal.this)
    return out


def unstated_numbers(tree: exp.Expression, conversation: str, catalog: Catalog | None = None) -> list[str]:
    """Comparisons of a column with a number that ``conversation`` does not state (see the module
    docstring for what counts as stated)."""
    stated = _numbers(conversation)
    out: list[str] = []
    for literal in tree.find_all(exp.Literal):
        cmp = literal.parent
        if literal.is_string or not isinstance(cmp, _ORDER):
            continue
        column = cmp.left if cmp.right is literal else cmp.right
        if not isinstance(column, exp.Column):
            continue
        try:
            value = float(literal.this)
        except ValueError:
            continue
        if any(abs(value - n) <= 1 or abs(value * 100 - n) < 1e-9 for n in stated):
            continue
        if value == 0.0 and not isinstance(cmp, exp.EQ) or value == 1.0 and isinstance(cmp, exp.GTE):
            continue  # "has any": > 0, <> 0, >= 1
        if value in (0.0, 1.0) and isinstance(cmp, (exp.EQ, exp.NEQ)) and _is_flag(column.name, catalog):
            continue
        out.append(cmp.sql(dialect="duckdb"))
    return out


def _numbers(text: str) -> set[float]:
    found = {float(m) for m in re.findall(r"\d+(?:\.\d+)?", text.replace(",", ""))}
    return found | {_NUMBER_WORDS[w] for w in _words(text) if w in _NUMBER_WORDS}


def _is_flag(column: str, catalog: Catalog | None) -> bool:
    """Whether a column of that name has at most two values (or, without a catalog, may have)."""
    if catalog is None:
        return True
    profiles = [t.column(column) for t in catalog.tables.values()]
    return any(p is not None and 0 < p.distinct <= 2 for p in profiles)


def compared_column(literal: exp.Literal) -> exp.Column | None:
    """The column a literal is compared with (=, <>, IN, LIKE), or None."""
    parent = literal.parent
    if isinstance(parent, exp.In):
        return parent.this if isinstance(parent.this, exp.Column) else None
    if isinstance(parent, (exp.EQ, exp.NEQ, exp.Like, exp.ILike)):
        other = parent.left if literal is parent.right else parent.right
        return other if isinstance(other, exp.Column) else None
    return None


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _heard(word: str, heard: list[str]) -> bool:
    """Whether a word of the conversation shares ``word``'s first letters ("eggs"/"egg",
    "Bangladesh"/"Bangladeshi"): at least 3, and 4 when both words are that long."""
    for h in heard:
        need = min(_PREFIX, len(h), len(word))
        if need >= 3 and h[:need] == word[:need]:
            return True
    return False


def _unquoted(text: str) -> str:
    """``text`` without its quoted parts ('No Response' is a value, not a negation)."""
    return re.sub(r"'[^']*'|\"[^\"]*\"", " ", text)
