"""Checks that refuse a model's query which runs but cannot mean what the question asks.

Why: DuckDB happily runs ``JOIN status ON T2.station_id = T2.station_id`` (every row joined with
every row), ``WHERE T2.balance > T2.balance`` (never true) and ``WHERE founder = 'Andy'`` (a value
the question never mentions, invented by the model). Such queries return rows, so the correction
loop never sees an error and the user gets a confident wrong answer. Measured on about 500 stored
answers of the local 1.5B model on Spider questions: every self-comparison was in a wrong answer
(3 of 3), and so were the invented values this check catches. Refused here, the model gets one
readable reason and corrects the query, or the turn ends honestly.

- Self-comparisons: for every model (they are never meaningful).
- Values the question does not mention: for small models only, which invent filter values; a
  strong model may rightly write ``'United States'`` for "American", which a word check cannot see.
  Short values (codes such as ``'F'`` for "female", ``'UK'`` for "British") and numbers are not
  checked; a value counts as mentioned when each of its words shares its first letters with a word
  of the conversation ("Bangladesh" for "Bangladeshi").
"""

from __future__ import annotations

import re

import sqlglot
from sqlglot import exp

from tools.errors import QueryError

_ORDER = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)
_STOP = {"the", "and", "of", "for", "in", "on", "a", "an", "to", "with"}
_PREFIX = 4  # letters a value's word must share with a word of the question ("Banglade" ~ "Bangladeshi")


def check_query(sql: str, conversation: str, values_from_question: bool = False) -> None:
    """Raise :class:`QueryError` when ``sql`` compares a column with itself, or (with
    ``values_from_question``) filters on a text value that ``conversation`` never mentions."""
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
    if values_from_question:
        invented = unmentioned_values(tree, conversation)
        if invented:
            listed = ", ".join(f"'{v}'" for v in invented)
            raise QueryError(
                f"The question does not mention {listed}: filter only on values the question names",
                "remove that filter, or use the value the question gives",
            )


def self_comparisons(tree: exp.Expression) -> list[exp.Expression]:
    """Comparisons whose two sides are the same column, as written (``T2.x = T2.x``, ``x > x``)."""
    out = []
    for cmp in tree.find_all(*_ORDER):
        left, right = cmp.left, cmp.right
        if isinstance(left, exp.Column) and isinstance(right, exp.Column) and left.sql().lower() == right.sql().lower():
            out.append(cmp)
    return out


def unmentioned_values(tree: exp.Expression, conversation: str) -> list[str]:
    """Text literals compared with a column (=, <>, IN, LIKE) that ``conversation`` does not mention."""
    heard = _words(conversation)
    out: list[str] = []
    for literal in tree.find_all(exp.Literal):
        if not literal.is_string or not _compared_with_column(literal):
            continue
        words = [w for w in _words(literal.this) if w not in _STOP]
        if any(len(w) > 3 and not w.isdigit() and not _heard(w, heard) for w in words) and literal.this not in out:
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
    stem = word[:_PREFIX]
    return any(h.startswith(stem) for h in heard)
