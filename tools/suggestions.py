"""Questions worth asking of the loaded data, made from the catalog alone.

The UI shows them as clickable examples, and a planner's honest abstention ("I could not map that;
you could ask ...") can reuse them, so both say the same thing about the same data. Each suggestion
has its plain-language text and, when plain SQL can answer it, the equivalent SQL: a front end whose
planner only runs SQL (the passthrough) still gets examples that work.

Kinds, in the order they are offered: a row count, a group-by on a categorical column (an average
of a measure when there is one), a trend over a date column, and a sentiment question when a column
holds free text. Only the catalog is read; nothing here runs a query.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from insightchat.tools.catalog import Catalog, ColumnProfile, TableProfile

SuggestionKind = Literal["count", "group", "trend", "sentiment"]

MAX_GROUPS = 12  # a group-by over more categories than this makes a poor first example


@dataclass(frozen=True)
class Suggestion:
    """A question about the data, with SQL that answers it when SQL alone can."""

    text: str
    kind: SuggestionKind
    table: str
    sql: str | None = None


def _q(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _measure(prof: TableProfile) -> ColumnProfile | None:
    """The first numeric column that is a quantity (not an id, not a constant)."""
    for col in prof.columns:
        if col.kind == "number" and not col.is_id_like and col.distinct > 2:
            return col
    return None


def _category(prof: TableProfile) -> ColumnProfile | None:
    """A text column with a handful of distinct values: the natural thing to group by."""
    best: ColumnProfile | None = None
    for col in prof.columns:
        if col.kind != "text" or not col.is_categorical or col.is_id_like:
            continue
        if 2 <= col.distinct <= MAX_GROUPS and (best is None or col.distinct < best.distinct):
            best = col
    return best


def _date(prof: TableProfile) -> ColumnProfile | None:
    for col in prof.columns:
        if col.kind == "date" and col.distinct > 1:
            return col
    return None


def _free_text(prof: TableProfile) -> ColumnProfile | None:
    for col in prof.columns:
        if col.is_free_text:
            return col
    return None


def suggestions_for_table(prof: TableProfile) -> list[Suggestion]:
    """Up to four suggestions for one table, one of each kind that its columns allow."""
    t = prof.name
    out = [Suggestion(f"How many rows are in {t}?", "count", t, f"SELECT count(*) AS row_count FROM {_q(t)}")]
    measure, category, date, text = _measure(prof), _category(prof), _date(prof), _free_text(prof)
    if category is not None:
        c = _q(category.name)
        if measure is not None:
            m = _q(measure.name)
            out.append(
                Suggestion(
                    f"Average {measure.name} by {category.name}",
                    "group",
                    t,
                    f"SELECT {c}, round(avg({m}), 2) AS avg_{measure.name} FROM {_q(t)} GROUP BY {c} ORDER BY 2 DESC",
                )
            )
        else:
            out.append(
                Suggestion(
                    f"Number of rows by {category.name}",
                    "group",
                    t,
                    f"SELECT {c}, count(*) AS row_count FROM {_q(t)} GROUP BY {c} ORDER BY 2 DESC",
                )
            )
    if date is not None:
        d = _q(date.name)
        out.append(
            Suggestion(
                f"Number of rows by month of {date.name}",
                "trend",
                t,
                f"SELECT date_trunc('month', {d}) AS month, count(*) AS row_count FROM {_q(t)} "
                f"WHERE {d} IS NOT NULL GROUP BY 1 ORDER BY 1",
            )
        )
    if text is not None:
        by = f" by {category.name}" if category is not None else ""
        out.append(Suggestion(f"Sentiment of {text.name}{by}", "sentiment", t, None))
    return out


def suggest(catalog: Catalog, limit: int = 6, sql_only: bool = False) -> list[Suggestion]:
    """Suggestions over every table, at most ``limit``, the most telling first.

    Order: the first table's row count, then every table's group-by, trend and sentiment question,
    then the other tables' row counts (a count is the least interesting thing to show twice).
    ``sql_only`` keeps only those that plain SQL answers (for a planner that runs SQL and nothing
    else). Tables whose names start with ``_`` are internal (rows kept behind derived columns).
    """
    per_table = [suggestions_for_table(p) for name, p in catalog.tables.items() if not name.startswith("_")]
    ordered: list[Suggestion] = per_table[0][:1] if per_table else []
    for kind in ("group", "trend", "sentiment"):
        ordered += [s for items in per_table for s in items if s.kind == kind]
    ordered += [items[0] for items in per_table[1:]]
    return [s for s in ordered if not (sql_only and s.sql is None)][:limit]


def suggest_questions(catalog: Catalog, limit: int = 6) -> list[str]:
    """The plain-language texts of :func:`suggest` (for abstention messages and prompts)."""
    return [s.text for s in suggest(catalog, limit)]
