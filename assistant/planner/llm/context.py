"""The schema a model sees: compact, with sample and linked values, focused when the schema is large.

A small schema goes in whole (every column, its type, its values or range), so the model can copy
exact names and filter values. A large one (hundreds of columns) would drown a small model and cost
a hosted one, so the tables and columns most similar to the question are chosen by sentence-embedding
similarity (plus a lexical score, so an exact column name in the question always wins), and every
key column that joins them is kept. Values the question mentions are linked from the value index
("Berlin" -> customers.city = 'Berlin').
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz
from sqlglot import exp

from insightchat.tools.catalog import Catalog, ColumnProfile, TableProfile

log = logging.getLogger(__name__)

Embed = Callable[[Sequence[str]], np.ndarray]
_WORD = re.compile(r"[A-Za-z0-9]+")


@dataclass
class SchemaContext:
    text: str  # the schema block for the prompt
    tables: list[str]
    focused: bool  # True when only part of the schema is shown
    linked: list[str]  # "customers.city = 'Berlin'" lines


def default_embed() -> Embed | None:
    """The project's sentence embedder, or None when it cannot load here (lexical scoring only)."""
    try:
        from insightchat.models.embeddings import default_embedder

        embedder = default_embedder()
        return lambda texts: np.asarray(embedder.encode(list(texts)), dtype=np.float32)
    except Exception as exc:  # a missing optional model must not stop the planner
        log.info("schema focus without embeddings: %s", exc)
        return None


def _words(text: str) -> set[str]:
    out: set[str] = set()
    for w in _WORD.findall(text.replace("_", " ")):
        w = w.lower()
        out.add(w)
        if len(w) > 3 and w.endswith("s"):
            out.add(w[:-1])
    return out


def _lexical(question_words: set[str], name: str) -> float:
    name_words = _words(name)
    if not name_words:
        return 0.0
    return len(name_words & question_words) / len(name_words)


def render(catalog: Catalog, selection: dict[str, list[str]], max_values: int) -> str:
    """One line per table and per chosen column; relations between chosen tables at the end."""
    lines: list[str] = []
    for name, cols in selection.items():
        prof = catalog.tables[name]
        hidden = len(prof.columns) - len(cols)
        lines.append(
            f"table {name} ({prof.row_count:,} rows)"
            + (f" [{hidden} less relevant columns not shown]" if hidden else "")
        )
        for col in prof.columns:
            if col.name in cols:
                lines.append(col.schema_line(max_values))
    for rel in catalog.relations:
        if rel.left in selection and rel.right in selection:
            lines.append(f"relation {rel.left}.{rel.left_column} -> {rel.right}.{rel.right_column}")
    return "\n".join(lines)


_SHORT_TYPES = {
    "BIGINT": "int",
    "INTEGER": "int",
    "SMALLINT": "int",
    "TINYINT": "int",
    "HUGEINT": "int",
    "UBIGINT": "int",
    "DOUBLE": "real",
    "FLOAT": "real",
    "REAL": "real",
    "VARCHAR": "text",
    "BOOLEAN": "bool",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIME": "time",
}


def _identifier(name: str) -> str:
    """A column name as the model should write it (quoted only when it must be), by sqlglot's rules."""
    return name if name.isidentifier() else exp.to_identifier(name, quoted=True).sql(dialect="duckdb")


def _literal(value: object) -> str:
    """A value as a SQL string literal (quotes escaped by sqlglot)."""
    return exp.Literal.string(str(value)).sql(dialect="duckdb")


def _short_type(dtype: str) -> str:
    return _SHORT_TYPES.get(dtype.upper(), "number" if dtype.upper().startswith("DECIMAL") else dtype.lower())


# Example values are shown for enumerations only (status, type, country...): there they tell the
# model the spelling a filter must use. Names and titles cost tokens and rarely help; a value the
# question mentions is linked separately.
ENUM_MAX_VALUES = 12


# Dates and times stored as text ("8/6/2013", "2015-06-02 12:46:02", "23 July 1992"): without one
# example a model guesses the format ('2021-12%' for "in December"), and its filter matches nothing.
_DATE_LIKE = re.compile(
    r"^\d{1,4}[-/.]\d{1,2}([-/.]\d{1,4})?\b|\d{1,2}:\d{2}"
    r"|^\d{1,2} [A-Za-z]{3,9},? \d{4}$|^[A-Za-z]{3,9} \d{1,2},? \d{4}$"
)


def _compact_column(col: ColumnProfile, max_values: int) -> str:
    """``name type`` plus a few example values for an enumeration (what filters compare with), or
    one example of a date or time stored as text (its format)."""
    name = _identifier(col.name)
    text = f"{name} {_short_type(col.dtype)}"
    enumeration = bool(col.values) and len(col.values or []) <= ENUM_MAX_VALUES
    if (
        col.kind == "text"
        and not enumeration
        and col.samples
        and isinstance(col.samples[0], str)
        and _DATE_LIKE.search(col.samples[0])
    ):
        return text + f" (e.g. {_literal(col.samples[0])})"
    if enumeration and col.kind == "text" and not col.is_id_like and max_values > 0:
        shown = [v for v in col.values[:max_values] if len(str(v)) <= 30]
        if shown:
            more = "|..." if len(col.values) > len(shown) else ""
            text += " (" + "|".join(_literal(v) for v in shown) + more + ")"
    return text


def render_compact(catalog: Catalog, selection: dict[str, list[str]], max_values: int = 3) -> str:
    """One line per table, ``table(col type, ...)``, then the join keys: the fewest tokens that still
    let a small model write correct SQL (on a CPU, every prompt token costs about 25 ms)."""
    lines: list[str] = []
    for name, cols in selection.items():
        prof = catalog.tables[name]
        parts = [_compact_column(c, max_values) for c in prof.columns if c.name in cols]
        lines.append(f"{name}({', '.join(parts)})")
    keys = [
        f"{r.left}.{r.left_column} = {r.right}.{r.right_column}"
        for r in catalog.relations
        if r.left in selection
        and r.right in selection
        and not (r.origin == "name" and r.left_column.lower() == r.right_column.lower() == "id")
    ]
    if keys:
        lines.append("join keys: " + "; ".join(keys))
    return "\n".join(lines)


def link_values(question: str, catalog: Catalog, tables: list[str], limit: int = 8) -> list[str]:
    """Values from the value index that the question mentions, as ready-to-use filters."""
    q = question.lower()
    found: list[tuple[float, str]] = []
    for name in tables:
        for col in catalog.tables[name].columns:
            for value in col.values or []:
                v = str(value)
                if len(v) < 2 or v.isdigit():
                    continue
                lv = v.lower()
                if re.search(r"(?<![a-z0-9])" + re.escape(lv) + r"(?![a-z0-9])", q):
                    score = 100.0 + len(lv)
                elif len(lv) >= 4 and fuzz.partial_ratio(lv, q) >= 90:
                    score = fuzz.partial_ratio(lv, q)
                else:
                    continue
                found.append((score, f"{name}.{_identifier(col.name)} = {_literal(v)}"))
    found.sort(key=lambda x: -x[0])
    seen: list[str] = []
    for _, line in found:
        if line not in seen:
            seen.append(line)
    return seen[:limit]


def _select(question: str, catalog: Catalog, max_columns: int, embed: Embed | None) -> dict[str, list[str]]:
    """Pick the tables and columns most similar to the question, within ``max_columns``."""
    qwords = _words(question)
    items: list[tuple[TableProfile, ColumnProfile]] = [(t, c) for t in catalog.tables.values() for c in t.columns]
    texts = [f"{t.name} {c.name} " + " ".join(str(v) for v in (c.values or c.samples)[:5]) for t, c in items]
    scores = np.array(
        [max(_lexical(qwords, c.name), 0.8 * _lexical(qwords, t.name)) for t, c in items], dtype=np.float32
    )
    if embed is not None:
        try:
            vecs = embed([question] + texts)
            vecs = vecs / (np.linalg.norm(vecs, axis=1, keepdims=True) + 1e-9)
            scores = scores + vecs[1:] @ vecs[0]
        except Exception as exc:
            log.info("embedding failed, lexical focus only: %s", exc)
    table_score: dict[str, float] = {}
    for (t, _), s in zip(items, scores, strict=True):
        table_score[t.name] = max(table_score.get(t.name, 0.0), float(s))
    top_tables = sorted(table_score, key=lambda n: -table_score[n])[: max(2, min(6, len(table_score)))]
    chosen: dict[str, list[str]] = {n: [] for n in top_tables}
    order = np.argsort(-scores)
    budget = max_columns
    for i in order:
        t, c = items[int(i)]
        if t.name in chosen and budget > 0:
            chosen[t.name].append(c.name)
            budget -= 1
    for rel in catalog.relations:  # keep join keys between chosen tables
        if rel.left in chosen and rel.right in chosen:
            for tname, cname in ((rel.left, rel.left_column), (rel.right, rel.right_column)):
                if cname not in chosen[tname]:
                    chosen[tname].append(cname)
    for tname, cols in chosen.items():  # keep each table's key columns
        for c in catalog.tables[tname].columns:
            if c.is_id_like and c.name not in cols and len(cols) < max_columns:
                cols.append(c.name)
    return {n: cols for n, cols in chosen.items() if cols}


def build_context(
    question: str,
    catalog: Catalog,
    max_columns: int = 150,
    max_values: int = 12,
    embed: Embed | None | str = "default",
    compact: bool = False,
) -> SchemaContext:
    """The schema block for ``question``: everything when small, a focused slice when large.

    ``compact`` renders one line per table (for small local models, where prompt tokens are slow)."""
    total = sum(len(t.columns) for t in catalog.tables.values())
    if total <= max_columns:
        selection = {n: t.column_names for n, t in catalog.tables.items()}
        focused = False
    else:
        embedder = default_embed() if embed == "default" else embed
        selection = _select(question, catalog, max_columns, embedder if callable(embedder) else None)
        focused = True
    tables = list(selection)
    text = render_compact(catalog, selection, max_values) if compact else render(catalog, selection, max_values)
    return SchemaContext(text, tables, focused, link_values(question, catalog, tables))
