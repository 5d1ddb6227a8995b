"""Checks that refuse a model's query which runs but cannot mean what the question asks.

Why: DuckDB happily runs ``JOIN status ON T2.station_id = T2.station_id`` (every row joined with
every row), ``WHERE T2.balance > T2.balance`` (never true) and ``WHERE founder = 'Andy'`` (a value
the question never mentions, invented by the model). Such queries return rows, so the correction
loop never sees an error and the user gets a confident wrong answer. Refused here, the model gets
one readable reason and corrects the query, or the turn ends honestly.

- Self-comparisons: for every model (they are never meaningful).
- For small models only, which make these mistakes and cannot be told by their results (a strong
  model may rightly write ``'United States'`` for "American" or ``<=`` for "not more than"):
  - a text value of which the conversation mentions no word. Words of 3 letters or fewer (codes
    such as ``'F'`` for "female", ``'UK'`` for "British") and numbers are not checked; a word
    counts as mentioned when a word of the conversation shares its first letters ("Bangladesh"
    for "Bangladeshi");
  - a question that says "not", "never", "no" or "without" (outside quotes, and not "not only",
    "not more than") answered by a query with no negation at all (no NOT, <>, EXCEPT, IS NULL or
    ``= 'No'``): it lists the rows that *do* match;
  - a question that asks for "each" something answered by an aggregate over all rows (no GROUP BY).

Measured on 344 stored answers of the local 1.5B model to Spider questions (235 right, 109 wrong):
the checks fired on 10 wrong answers (self-comparison 3, invented value 3 in two questions,
negation 3, "each" 1) and on none of the right ones. On the gold queries of all 6,726 Spider train
questions they fire on 42 (0.6%), about half of them mistakes in the gold (a join of t2.actid with
itself, misspelt names); the rest are abbreviations ('Los Angeles' for "LA") and "each" read as
"all" - the price of a check, paid only by small models.
"""

from __future__ import annotations

import re

import sqlglot
from sqlglot import exp

from tools.errors import QueryError

_ORDER = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)
_STOP = {"the", "and", "of", "for", "in", "on", "a", "an", "to", "with"}
_NEGATION = re.compile(r"\b(not|never|no(?!\.)|without|\w+n't)\b", re.IGNORECASE)
# "not more than 5" (a comparison, written <=), "not only ... but also" (both): no exclusion
_NOT_EXCLUDING = re.compile(r"\b(not|no)\s+(only|more|less|greater|fewer|higher|lower|larger|smaller|above|below|over|under|later|earlier|exceed\w*)\b", re.IGNORECASE)
# "miles per hour" is a unit, so only "each" asks for groups
_EACH = re.compile(r"\b(for each|each)\b", re.IGNORECASE)
_NEGATIVE_VALUES = {"no", "n", "false", "f", "none", "0"}
_PREFIX = 4  # letters a value's word must share with a word of the question ("Banglade" ~ "Bangladeshi")


def check_query(sql: str, question: str, conversation: str | None = None, small_model: bool = False) -> None:
    """Raise :class:`QueryError` when ``sql`` compares a column with itself, or (``small_model``)
    misses what ``question`` asks (see the module docstring). ``conversation``: the question with
    the earlier turns, where filter values may come from (default: the question)."""
    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except sqlglot.errors.ParseError:
        return  # the safe SQL tool reports what does not parse
    if tree is None:
        return
    same = self_comparisons(tree)
    if same:
        cmp = same[0]
        where = "join condition" if cmp.find_ancestor(exp.Join) is not None else "condition"
        raise QueryError(
            f"The {where} {cmp.sql(dialect='duckdb')} compares a column with itself, so it is true for every row or for none",
            "compare two different columns (in a join: a column of each table, along the listed join keys), or drop it",
        )
    if not small_model:
        return
    invented = unmentioned_values(tree, conversation or question)
    if invented:
        listed = ", ".join(f"'{v}'" for v in invented)
        raise QueryError(f"The question does not mention {listed}: filter only on values the question names",
                         "remove that filter, or use the value the question gives")
    cue = _NEGATION.search(_unquoted(question))
    if cue and not _NOT_EXCLUDING.search(question) and not has_negation(tree):
        raise QueryError(f"The question says '{cue.group(0)}', but the query has no negation, so it lists the rows that do match",
                         "exclude them: NOT IN (subquery), EXCEPT, or <>")
    each = _EACH.search(question)
    if each and isinstance(tree, exp.Select) and not tree.args.get("group") and any(e.find(exp.AggFunc) for e in tree.expressions):
        raise QueryError(f"The question asks for '{each.group(0)}' something, but the query aggregates over all rows",
                         "GROUP BY the column the question groups by, and select it too")


def has_negation(tree: exp.Expression) -> bool:
    """Whether the query excludes anything: NOT, <>, EXCEPT, IS NULL, or a comparison with a
    negative value (``approved = 'No'``), anywhere in it."""
    if tree.find(exp.Not, exp.NEQ, exp.Except):
        return True
    if any(isinstance(i.expression, exp.Null) for i in tree.find_all(exp.Is)):
        return True
    return any(lit.is_string and lit.this.strip().lower() in _NEGATIVE_VALUES for lit in tree.find_all(exp.Literal))


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
        if not literal.is_string or not _compared_with_column(literal):
            continue
        words = [w for w in _words(literal.this) if len(w) > 3 and not w.isdigit()]
        if words and not any(_heard(w, heard) for w in words) and literal.this not in out:
            out.append(literal.this)
    return out


def _compared_with_column(literal: exp.Literal) -> bool:
    parent = literal.parent
    if isinstance(parent, exp.In):
        return isinstance(parent.this, exp.Column)
    if isinstance(parent, (exp.EQ, exp.NEQ, exp.Like, exp.ILike)):
        return any(isinstance(side, exp.Column) for side in (parent.left, parent.right))
    return False


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
