"""Derived columns (sentiment, label, topic) stored in DuckDB and joined onto the user's table.

Why this shape: a model's output for a text depends only on the text and the model, so values are stored
once per (key, md5 of the text) in a project table (``_ic_sentiment``, ``_ic_labels``, ``_ic_topics``),
where ``key`` names the model (and the labels, or the topic run). A second run looks the hashes up and
does no inference; identical texts in a column are scored once.

The user's table is then redefined as a view (``Workspace.replace_with_view``) that keeps every original
column and row in the original order and adds the derived columns by joining on ``md5(text)``, so the
next question is plain SQL: ``SELECT product, avg(rating) FROM reviews GROUP BY sentiment``. The data
itself is never changed: the original rows stay in ``_base_<table>`` and files are never written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd

from insightchat.models.hashing import text_hash
from insightchat.tools.errors import InsightError
from insightchat.tools.sql import closest
from insightchat.tools.workspace import Workspace

SPECS_TABLE = "_ic_derived_specs"
ROW_NUMBER = "__ic_rn"


@dataclass(frozen=True)
class DerivedKind:
    """One kind of derived output: its value table and its columns (name, DuckDB type)."""

    name: str
    table: str
    columns: tuple[tuple[str, str], ...]


SENTIMENT = DerivedKind("sentiment", "_ic_sentiment", (("sentiment", "VARCHAR"), ("sentiment_score", "FLOAT")))
LABELS = DerivedKind("label", "_ic_labels", (("label", "VARCHAR"), ("label_score", "FLOAT")))
TOPICS = DerivedKind("topic", "_ic_topics", (("topic", "VARCHAR"), ("topic_id", "INTEGER")))
# Triage (tools/triage): intent and language depend on the text alone; the row-level outputs (urgency from
# tier, age and repeat contact; queue; duplicates) are keyed by the md5 of the ticket id column instead.
INTENT = DerivedKind("intent", "_ic_intent", (("intent", "VARCHAR"), ("intent_score", "FLOAT")))
LANGUAGE = DerivedKind("language", "_ic_language", (("language", "VARCHAR"), ("language_code", "VARCHAR")))
TRIAGE = DerivedKind(
    "triage",
    "_ic_triage",
    (
        ("urgency", "VARCHAR"),
        ("urgency_score", "FLOAT"),
        ("urgency_reasons", "VARCHAR"),
        ("triage_queue", "VARCHAR"),
        ("triage_confidence", "FLOAT"),
        ("needs_review", "BOOLEAN"),
        ("duplicate_of", "VARCHAR"),
        ("similar_tickets", "VARCHAR"),
    ),
)
KINDS = {k.name: k for k in (SENTIMENT, LABELS, TOPICS, INTENT, LANGUAGE, TRIAGE)}


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _ensure_tables(ws: Workspace) -> None:
    key = "derived.tables"
    if ws.cache.get(key):
        return
    ws.execute(
        f"CREATE TABLE IF NOT EXISTS {SPECS_TABLE} (table_name VARCHAR, kind VARCHAR, text_column VARCHAR, "
        "key VARCHAR, outputs VARCHAR, seq INTEGER)"
    )
    for kind in KINDS.values():
        cols = ", ".join(f"{quote(c)} {t}" for c, t in kind.columns)
        ws.execute(f"CREATE TABLE IF NOT EXISTS {kind.table} (key VARCHAR, text_hash VARCHAR, {cols})")
    ws.cache[key] = True


# ---------------------------------------------------------------------------- reading the text column
def resolve_table(ws: Workspace, table: str | None) -> str:
    """The table to work on: the named one (case-insensitive) or the only one opened."""
    names = ws.table_names()
    if not table:
        if len(names) == 1:
            return names[0]
        raise InsightError("Which table?", f"name one of: {', '.join(names)}" if names else "open a data file first")
    if table in names:
        return table
    lowered = {n.lower(): n for n in names}
    if table.lower() in lowered:
        return lowered[table.lower()]
    suggestions = closest(table, names)
    raise InsightError(
        f"Unknown table {table!r}",
        f"did you mean {', '.join(suggestions)}?" if suggestions else f"tables: {', '.join(names)}",
    )


def base_columns(ws: Workspace, table: str) -> list[tuple[str, str]]:
    """The table's own columns (without derived ones), from its base if it was already extended."""
    specs = load_specs(ws, table)
    derived = {name for spec in specs for name in spec.outputs.values()}
    return [(c, t) for c, t in ws.columns(table) if c not in derived]


def text_columns(ws: Workspace, table: str) -> list[str]:
    return [c for c, t in base_columns(ws, table) if t.upper().startswith("VARCHAR") or t.upper() == "TEXT"]


def resolve_text_column(ws: Workspace, table: str, column: str) -> str:
    """Check that ``column`` exists and holds text; a clear error with the text columns otherwise."""
    cols = dict(ws.columns(table))
    texts = text_columns(ws, table)
    if column not in cols:
        lowered = {c.lower(): c for c in cols}
        if column.lower() in lowered:
            column = lowered[column.lower()]
        else:
            suggestions = closest(column, list(cols))
            raise InsightError(
                f"Table {table!r} has no column {column!r}",
                f"did you mean {', '.join(suggestions)}?"
                if suggestions
                else f"text columns: {', '.join(texts) or 'none'}",
            )
    if column not in texts:
        raise InsightError(
            f"Column {column!r} of {table!r} is {cols[column]}, not text",
            f"text models need a text column; this table's text columns are: {', '.join(texts)}"
            if texts
            else "this table has no text columns",
        )
    return column


def read_texts(ws: Workspace, table: str, column: str) -> pd.Series:
    """The column's values in table order (NULL stays None); the view's own row order is kept."""
    df = ws.query_df(f"SELECT CAST({quote(column)} AS VARCHAR) AS t FROM {quote(table)}")
    return df["t"].astype(object).where(df["t"].notna(), None)


def usable(text: object) -> bool:
    """Texts worth scoring: not NULL and not only whitespace (those rows get NULL outputs)."""
    return isinstance(text, str) and bool(text.strip())


# ---------------------------------------------------------------------------- storing values
def missing_hashes(ws: Workspace, kind: DerivedKind, key: str, hashes: list[str]) -> set[str]:
    """Which of ``hashes`` have no stored value for ``key`` yet (the ones that need inference)."""
    _ensure_tables(ws)
    if not hashes:
        return set()
    have = ws.query_rows(
        f"SELECT DISTINCT v.text_hash FROM {kind.table} v JOIN __ic_hashes h USING (text_hash) WHERE v.key = ?",
        [key],
        frames={"__ic_hashes": pd.DataFrame({"text_hash": list(dict.fromkeys(hashes))})},
    )
    return set(hashes) - {r[0] for r in have}


def store_values(ws: Workspace, kind: DerivedKind, key: str, values: pd.DataFrame) -> None:
    """Insert rows (text_hash + the kind's columns) for ``key``, skipping hashes already stored."""
    _ensure_tables(ws)
    if values.empty:
        return
    frame = values.drop_duplicates("text_hash").copy()
    frame.insert(0, "key", key)
    cols = ["key", "text_hash"] + [c for c, _ in kind.columns]
    ws.execute(
        f"INSERT INTO {kind.table} SELECT v.* FROM __ic_values v "
        f"WHERE NOT EXISTS (SELECT 1 FROM {kind.table} o WHERE o.key = v.key AND o.text_hash = v.text_hash)",
        frames={"__ic_values": frame[cols]},
    )


def stored_values(ws: Workspace, kind: DerivedKind, key: str, hashes: list[str]) -> pd.DataFrame:
    """Stored values for ``hashes`` under ``key`` (one row per distinct hash found)."""
    _ensure_tables(ws)
    return ws.query_df(
        f"SELECT v.* EXCLUDE (key) FROM {kind.table} v JOIN __ic_hashes h USING (text_hash) WHERE v.key = ?",
        [key],
        frames={"__ic_hashes": pd.DataFrame({"text_hash": list(dict.fromkeys(hashes))})},
    )


def hashes_of(texts: pd.Series) -> list[str | None]:
    return [text_hash(t) if usable(t) else None for t in texts]


# ---------------------------------------------------------------------------- the view
@dataclass
class DerivedSpec:
    table: str
    kind: str
    text_column: str
    key: str
    outputs: dict[str, str]  # kind's column -> column name in the view
    seq: int


def load_specs(ws: Workspace, table: str) -> list[DerivedSpec]:
    _ensure_tables(ws)
    rows = ws.query_rows(
        f"SELECT table_name, kind, text_column, key, outputs, seq FROM {SPECS_TABLE} WHERE table_name = ? ORDER BY seq",
        [table],
    )
    return [DerivedSpec(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5]) for r in rows]


def attach(ws: Workspace, table: str, kind: DerivedKind, text_column: str, key: str) -> dict[str, str]:
    """Add (or re-point) ``kind``'s columns for ``text_column`` on ``table``; returns the column names used.

    Running the same kind on the same column again replaces the earlier one (e.g. another sentiment
    model). If a name would clash with an existing column, the kind's columns all get the text column
    as a prefix (``title_sentiment``, ``title_sentiment_score``), then a number.
    """
    specs = load_specs(ws, table)
    same = next((s for s in specs if s.kind == kind.name and s.text_column == text_column), None)
    if same is not None:
        outputs = same.outputs
    else:
        taken = {c.lower() for c, _ in base_columns(ws, table)} | {n.lower() for s in specs for n in s.outputs.values()}
        outputs = {}
        clash = any(col.lower() in taken for col, _ in kind.columns)  # prefix the pair together
        for col, _ in kind.columns:
            name = f"{text_column}_{col}" if clash else col
            n = 2
            while name.lower() in taken:
                name = f"{text_column}_{col}_{n}"
                n += 1
            taken.add(name.lower())
            outputs[col] = name
    ws.execute(
        f"DELETE FROM {SPECS_TABLE} WHERE table_name = ? AND kind = ? AND text_column = ?",
        [table, kind.name, text_column],
    )
    seq = max([s.seq for s in specs] + [0]) + 1 if same is None else same.seq
    ws.execute(
        f"INSERT INTO {SPECS_TABLE} VALUES (?, ?, ?, ?, ?, ?)",
        [table, kind.name, text_column, key, json.dumps(outputs), seq],
    )
    rebuild_view(ws, table)
    return outputs


def rebuild_view(ws: Workspace, table: str) -> None:
    """Redefine ``table`` as its base rows (original order) plus every derived column, joined by text hash."""
    specs = load_specs(ws, table)

    def make_select(base: str) -> str:
        selects = [f"b.* EXCLUDE ({quote(ROW_NUMBER)})"]
        joins = []
        for i, spec in enumerate(specs):
            kind = KINDS[spec.kind]
            alias = f"d{i}"
            inner = ", ".join(f"{quote(col)}" for col, _ in kind.columns)
            joins.append(
                f"LEFT JOIN (SELECT text_hash, {inner} FROM {kind.table} WHERE key = {literal(spec.key)}) {alias} "
                f"ON {alias}.text_hash = md5(CAST(b.{quote(spec.text_column)} AS VARCHAR))"
            )
            selects += [f"{alias}.{quote(col)} AS {quote(spec.outputs[col])}" for col, _ in kind.columns]
        inner_base = f"SELECT *, row_number() OVER () AS {quote(ROW_NUMBER)} FROM {base}"
        return f"SELECT {', '.join(selects)} FROM ({inner_base}) b {' '.join(joins)} ORDER BY b.{quote(ROW_NUMBER)}"

    ws.replace_with_view(table, make_select)
