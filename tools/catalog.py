"""The catalog: what every table holds, for planners, prompts, suggestions and the UI.

For each table: columns with types, row count, null fraction, distinct counts, min/max for numbers
and dates, a few sample values, and for low-cardinality text columns the list of distinct values
(the *value index* that links "in Berlin" to ``city = 'Berlin'``). Relations between tables come from
declared foreign keys (SQLite) and from id-like columns shared by name.

Profiles are computed lazily, once per table version (:func:`profile`, cached in the workspace),
with one aggregate pass per table (per few hundred columns of a wide one). Distinct counts use
DuckDB's HyperLogLog ``approx_count_distinct`` on tables above ``EXACT_DISTINCT_MAX_ROWS`` rows and
on very wide tables, and say so; everything else is exact.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from insightchat.tools.workspace import Workspace

ColumnKind = Literal["number", "text", "date", "bool", "other"]

VALUE_INDEX_MAX_DISTINCT = 50  # text columns with at most this many distinct values are indexed
EXACT_DISTINCT_MAX_ROWS = 2_000_000
SAMPLE_VALUES = 5
FREE_TEXT_MIN_AVG_LENGTH = 30  # a text column whose values average this long is prose, not a category
PROFILE_CHUNK_COLUMNS = 200  # columns per aggregate scan
EXACT_DISTINCT_CHUNK_COLUMNS = 50  # count(DISTINCT) and histogram each hold a hash table per column
WIDE_TABLE_COLUMNS = 1_000  # above this, distinct counts stay approximate and the value index is capped


@dataclass
class ColumnProfile:
    name: str
    dtype: str
    kind: ColumnKind
    null_fraction: float = 0.0
    distinct: int = 0
    distinct_is_approx: bool = False
    min: Any = None
    max: Any = None
    samples: list[Any] = field(default_factory=list)
    values: list[str] | None = None  # the value index: every distinct value, most frequent first
    value_counts: list[int] | None = None
    avg_length: float | None = None
    typed_from: str | None = None  # the text column this typed column was made from (tools/cleaning.py)
    value_words: dict[str, str] | None = None  # words that mean a value ("urgent" -> 'high'), set by a tool

    def schema_line(self, max_values: int = 12, with_nulls: bool = False) -> str:
        """One prompt line: name and type, then the value list, the range or a few examples."""
        bits = [f"  {self.name} {self.dtype}"]
        if self.values is not None:
            shown = ", ".join(repr(_short(v)) for v in self.values[:max_values])
            more = f", ... {len(self.values) - max_values} more" if len(self.values) > max_values else ""
            bits.append(f"values: {shown}{more}")
        elif self.kind in ("number", "date") and self.min is not None:
            bits.append(f"range {self.min} .. {self.max}")
        elif self.samples:
            bits.append("e.g. " + ", ".join(repr(_short(v)) for v in self.samples[:3]))
        if with_nulls and self.null_fraction > 0:
            bits.append(f"{self.null_fraction:.0%} null")
        return "; ".join(bits)

    @property
    def is_categorical(self) -> bool:
        return self.values is not None

    @property
    def is_free_text(self) -> bool:
        return self.kind == "text" and self.values is None and (self.avg_length or 0) >= FREE_TEXT_MIN_AVG_LENGTH

    @property
    def is_id_like(self) -> bool:
        return is_id_name(self.name)


@dataclass
class TableProfile:
    name: str
    row_count: int
    columns: list[ColumnProfile]
    source: str = ""
    notes: list[str] = field(default_factory=list)  # what the profile left out (very wide tables)

    def column(self, name: str) -> ColumnProfile | None:
        for col in self.columns:
            if col.name == name:
                return col
        lowered = name.lower()
        for col in self.columns:
            if col.name.lower() == lowered:
                return col
        return None

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


@dataclass(frozen=True)
class Relation:
    """``left.left_column`` refers to ``right.right_column`` (a key)."""

    left: str
    left_column: str
    right: str
    right_column: str
    origin: Literal["declared", "name"] = "name"


@dataclass
class Catalog:
    tables: dict[str, TableProfile]
    relations: list[Relation] = field(default_factory=list)
    # Looks a phrase up in the text columns the value index does not cover ("John Smith" ->
    # [(table, column, stored value)]); set by build_catalog, None for a catalog built by hand.
    find_value: Callable[[str], list[tuple[str, str, str]]] | None = field(default=None, repr=False, compare=False)
    # The stored cells a question contains as whole words, in any case ("which film did barton produce"
    # -> [(table, column, 'Barton')]); set by build_catalog, None for a catalog built by hand.
    find_mentions: Callable[[str], list[tuple[str, str, str]]] | None = field(default=None, repr=False, compare=False)

    def table(self, name: str) -> TableProfile | None:
        if name in self.tables:
            return self.tables[name]
        for key, prof in self.tables.items():
            if key.lower() == name.lower():
                return prof
        return None

    def relations_between(self, a: str, b: str) -> list[Relation]:
        return [r for r in self.relations if {r.left, r.right} == {a, b}]

    def to_text(self, tables: list[str] | None = None, max_values: int = 12) -> str:
        """A compact schema description for prompts: one line per column, with linked values."""
        lines: list[str] = []
        for name in tables or list(self.tables):
            prof = self.tables[name]
            lines.append(f"table {name} ({prof.row_count:,} rows)")
            for col in prof.columns:
                lines.append(col.schema_line(max_values, with_nulls=True))
        for rel in self.relations:
            if tables is None or (rel.left in tables and rel.right in tables):
                lines.append(f"relation {rel.left}.{rel.left_column} -> {rel.right}.{rel.right_column}")
        return "\n".join(lines)


def _short(value: Any, limit: int = 40) -> Any:
    if isinstance(value, str) and len(value) > limit:
        return value[: limit - 1] + "…"
    return value


def is_id_name(name: str) -> bool:
    lowered = name.lower()
    return (
        lowered == "id"
        or lowered.endswith("_id")
        or lowered.endswith("id")
        and len(lowered) > 2
        and lowered[-3] in "_ "
    )


def column_kind(dtype: str) -> ColumnKind:
    upper = dtype.upper()
    if upper in ("BOOLEAN",):
        return "bool"
    if re.match(
        r"^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|REAL|DECIMAL)",
        upper,
    ):
        return "number"
    if upper.startswith(("DATE", "TIMESTAMP", "TIME")):
        return "date"
    if upper.startswith("VARCHAR") or upper == "TEXT":
        return "text"
    return "other"


def _q(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)] or [[]]


def _stats(ws: Workspace, quoted_table: str, cols: list[tuple[int, str, str]]) -> dict[str, Any]:
    """Counts, HyperLogLog distincts, ranges and text lengths, ``PROFILE_CHUNK_COLUMNS`` columns per scan.

    One aggregate over thousands of columns is what DuckDB cannot take (a 3,000-column table's
    profile crashed it, 1,000 columns took minutes); a few hundred aggregates per scan are quick.
    """
    stats: dict[str, Any] = {}
    for chunk in _chunks(cols, PROFILE_CHUNK_COLUMNS):
        exprs: list[str] = ["count(*) AS row_count"]
        for i, name, dtype in chunk:
            c = _q(name)
            kind = column_kind(dtype)
            exprs.append(f"count({c}) AS n{i}")
            exprs.append(f"NULL AS d{i}" if kind == "other" else f"approx_count_distinct({c}) AS d{i}")
            if kind in ("number", "date"):
                exprs.append(f"min({c}) AS lo{i}, max({c}) AS hi{i}")
            if kind == "text":
                exprs.append(f"avg(length({c})) AS len{i}")
        stats.update(ws.query_df(f"SELECT {', '.join(exprs)} FROM {quoted_table}").iloc[0].to_dict())
    return stats


def _sample_rows(ws: Workspace, quoted_table: str, wide: bool) -> list[tuple[Any, ...]]:
    """The first rows, column by position. A wide table's come as plain tuples: a pandas frame of
    5,000 columns takes seconds to build for 20 rows."""
    sql = f"SELECT * FROM {quoted_table} LIMIT {SAMPLE_VALUES * 4}"
    if wide:
        return ws.query_rows(sql)
    frame = ws.query_df(sql)
    columns = [frame.iloc[:, i].tolist() for i in range(frame.shape[1])]
    return list(zip(*columns, strict=True))


def profile_table(ws: Workspace, table: str) -> TableProfile:
    """A few scans whatever the width: the stats, exact distinct counts on small tables, the value index.

    Tables wider than ``WIDE_TABLE_COLUMNS`` keep HyperLogLog distinct counts and index the values
    of their first ``WIDE_TABLE_COLUMNS`` columns only; the profile's notes say so.
    """
    cols = ws.columns(table)
    t = _q(table)
    numbered = [(i, name, dtype) for i, (name, dtype) in enumerate(cols)]
    wide = len(cols) > WIDE_TABLE_COLUMNS
    stats: dict[str, Any] | None = _stats(ws, t, numbered)
    row_count = int(stats["row_count"])
    approx = row_count > EXACT_DISTINCT_MAX_ROWS or wide
    if not approx and row_count:
        exact = [(i, name) for i, name, dtype in numbered if column_kind(dtype) != "other"]
        for chunk in _chunks(exact, EXACT_DISTINCT_CHUNK_COLUMNS):
            if chunk:
                sql = ", ".join(f"count(DISTINCT {_q(name)}) AS d{i}" for i, name in chunk)
                stats.update(ws.query_df(f"SELECT {sql} FROM {t}").iloc[0].to_dict())
    if not row_count:
        stats = None
    sample_rows = _sample_rows(ws, t, wide) if cols else []
    profiles: list[ColumnProfile] = []
    for i, (name, dtype) in enumerate(cols):
        kind = column_kind(dtype)
        prof = ColumnProfile(name=name, dtype=dtype, kind=kind, distinct_is_approx=approx)
        if stats is not None:
            non_null = int(stats[f"n{i}"])
            prof.null_fraction = 1 - non_null / row_count if row_count else 0.0
            d = stats[f"d{i}"]
            prof.distinct = int(d) if d is not None and d == d else 0
            if kind in ("number", "date"):
                prof.min, prof.max = _plain(stats[f"lo{i}"]), _plain(stats[f"hi{i}"])
                if dtype.upper() == "DATE":  # pandas widens DATE to a timestamp; keep it a date
                    prof.min, prof.max = (v.date() if hasattr(v, "date") else v for v in (prof.min, prof.max))
                if "INT" in dtype.upper():  # pandas turns an integer column with NULLs into floats
                    prof.min, prof.max = (int(v) if isinstance(v, float) else v for v in (prof.min, prof.max))
            if kind == "text":
                avg_len = stats[f"len{i}"]
                prof.avg_length = float(avg_len) if avg_len is not None and avg_len == avg_len else None
        if sample_rows:
            seen: list[Any] = []
            keys: set[str] = set()  # by repr: a struct or map cell may hold arrays, which do not compare
            for v in (row[i] for row in sample_rows):
                v = _plain(v)
                if v is not None and repr(v) not in keys:
                    keys.add(repr(v))
                    seen.append(v)
                if len(seen) >= SAMPLE_VALUES:
                    break
            prof.samples = seen
        profiles.append(prof)
    _fill_value_index(ws, t, profiles[:WIDE_TABLE_COLUMNS] if wide else profiles)
    src = ws.sources.get(table)
    notes = list(src.notes) if src else []  # what the loader assumed and cleaning added (tools/csv_reading, cleaning)
    for prof in profiles:
        prof.typed_from = src.typed_columns.get(prof.name) if src else None
        prof.value_words = src.value_words.get(prof.name) if src else None
    if wide:
        notes.append(
            f"{table} has {len(cols):,} columns: distinct counts are approximate and values are indexed for "
            f"its first {WIDE_TABLE_COLUMNS:,} columns only"
        )
    return TableProfile(
        name=table, row_count=row_count, columns=profiles, source=(src.path or src.kind) if src else "", notes=notes
    )


def _fill_value_index(ws: Workspace, quoted_table: str, profiles: list[ColumnProfile]) -> None:
    """Exact value lists of every low-cardinality text column (``histogram``), a chunk of columns per scan."""
    candidates = [
        p
        for p in profiles
        if p.kind in ("text", "bool")
        and 0 < p.distinct <= VALUE_INDEX_MAX_DISTINCT * (1.2 if p.distinct_is_approx else 1)
        and (p.avg_length or 0) < 80
    ]
    for chunk in _chunks(candidates, EXACT_DISTINCT_CHUNK_COLUMNS):
        if not chunk:
            continue
        exprs = ", ".join(f"histogram({_q(p.name)}) AS h{i}" for i, p in enumerate(chunk))
        row = ws.query_rows(f"SELECT {exprs} FROM {quoted_table}")[0]
        for prof, hist in zip(chunk, row, strict=True):
            if not hist or len(hist) > VALUE_INDEX_MAX_DISTINCT:
                continue
            as_lists = isinstance(hist, dict) and set(hist) == {"key", "value"} and isinstance(hist["key"], list)
            counts = zip(hist["key"], hist["value"], strict=True) if as_lists else dict(hist).items()
            pairs = sorted(((str(k), int(v)) for k, v in counts), key=lambda kv: (-kv[1], kv[0]))
            prof.values = [k for k, _ in pairs]
            prof.value_counts = [v for _, v in pairs]
            prof.distinct = len(pairs)
            prof.distinct_is_approx = False


def _plain(value: Any) -> Any:
    """numpy / pandas scalars to plain Python values (JSON-friendly, comparable)."""
    if value is None:
        return None
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "tolist") and getattr(value, "ndim", 0) > 0:  # a list or array cell
        return value.tolist()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            return value.item()
        except (ValueError, AttributeError):
            pass
    if hasattr(value, "isoformat") and hasattr(value, "to_pydatetime"):
        try:
            return value.to_pydatetime()
        except (ValueError, OverflowError):  # 'infinity' and dates past what datetime holds
            return str(value)
    return value


def _singular(word: str) -> str:
    w = word.lower()
    if w.endswith("ies"):
        return w[:-3] + "y"
    if w.endswith("ses") or w.endswith("xes"):
        return w[:-2]
    if w.endswith("s") and not w.endswith("ss"):
        return w[:-1]
    return w


def detect_relations(ws: Workspace, profiles: dict[str, TableProfile]) -> list[Relation]:
    """Declared foreign keys first, then same-named id columns where one side is a key.

    ``orders.customer_id`` -> ``customers.customer_id`` (or ``customers.id``) when the target column
    has as many distinct values as the target table has rows.
    """
    relations: list[Relation] = []
    seen: set[tuple[str, str, str, str]] = set()

    def add(rel: Relation) -> None:
        key = (rel.left, rel.left_column.lower(), rel.right, rel.right_column.lower())
        if key not in seen and (rel.right, rel.right_column.lower(), rel.left, rel.left_column.lower()) not in seen:
            seen.add(key)
            relations.append(rel)

    for name, src in ws.sources.items():
        for col, ref_table, ref_col in src.declared_foreign_keys:
            if ref_table in profiles:
                target = profiles[ref_table]
                ref = ref_col or next(
                    (c.name for c in target.columns if c.name.lower() in ("id", f"{_singular(ref_table)}_id")), None
                )
                if ref and target.column(ref):
                    add(Relation(name, col, ref_table, target.column(ref).name, "declared"))

    def is_key(prof: TableProfile, col: ColumnProfile) -> bool:
        return (
            prof.row_count > 0
            and col.distinct >= prof.row_count * (0.97 if col.distinct_is_approx else 1.0)
            and col.null_fraction == 0
        )

    names = list(profiles)
    for a in names:
        for b in names:
            if a == b:
                continue
            pa, pb = profiles[a], profiles[b]
            for col in pa.columns:
                if not col.is_id_like or col.kind == "other":
                    continue
                target = pb.column(col.name)
                if target is None and col.name.lower().endswith("_id"):
                    stem = col.name.lower()[:-3]
                    if stem in (_singular(b), b.lower()):
                        target = pb.column("id")
                if target is None or target.kind != col.kind:
                    continue
                if is_key(pb, target) and not (is_key(pa, col) and pa.row_count > pb.row_count):
                    add(Relation(a, col.name, b, target.name, "name"))
    return relations


VALUE_LOOKUP_MAX_ROWS = 1_000_000


def looked_up(table: TableProfile, column: ColumnProfile) -> bool:
    """Whether :func:`value_finder` searches ``column``: text the value index does not cover, not
    prose, in a table small enough to scan."""
    return (
        column.kind == "text"
        and column.values is None
        and not column.is_free_text
        and table.row_count <= VALUE_LOOKUP_MAX_ROWS
    )


def value_finder(ws: Workspace, profiles: dict[str, TableProfile]) -> Callable[[str], list[tuple[str, str, str]]]:
    """A case-insensitive exact lookup of a phrase in non-indexed, non-prose text columns.

    Planners call it for quoted or capitalised phrases the value index does not know, so "in New
    York" links to ``city = 'New York'`` even when ``city`` has thousands of values. The phrase is a
    bound parameter; tables above ``VALUE_LOOKUP_MAX_ROWS`` rows are skipped to keep it cheap.
    """
    cache: dict[str, list[tuple[str, str, str]]] = {}

    def find(text: str) -> list[tuple[str, str, str]]:
        key = text.strip().lower()
        if key in cache:
            return cache[key]
        hits: list[tuple[str, str, str]] = []
        for name, prof in profiles.items():
            cols = [c for c in prof.columns if looked_up(prof, c)]
            if not cols:
                continue
            parts = [
                f"(SELECT {i} AS c, {_q(c.name)} AS v FROM {_q(name)} WHERE lower({_q(c.name)}) = ? LIMIT 1)"
                for i, c in enumerate(cols)
            ]
            df = ws.query_df(" UNION ALL ".join(parts), [key] * len(parts))
            hits.extend((name, cols[int(i)].name, str(v)) for i, v in zip(df["c"], df["v"], strict=True))
        cache[key] = hits
        return hits

    return find


MENTION_MAX_LENGTH = 120  # longer cells are prose, not names a question repeats
MENTION_MAX_HITS = 40  # per column: a phrase found in more cells than this names no row


def mention_words(text: str) -> str:
    """Text as the words a mention is matched on: lower case, accents and punctuation removed."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(re.findall(r"[a-z0-9]+", plain.lower()))


_CELL_WORDS = "trim(regexp_replace(lower(strip_accents(CAST({col} AS VARCHAR))), '[^a-z0-9]+', ' ', 'g'))"


def mention_finder(ws: Workspace, profiles: dict[str, TableProfile]) -> Callable[[str], list[tuple[str, str, str]]]:
    """The cells of a table that a question contains as whole words, matched on :func:`mention_words`.

    Questions typed in lower case name rows without capitals or quotes ("how many films were made by
    20th century fox"), so capitalised-phrase lookups miss them. One scan per table, with the
    question as a bound parameter; tables above ``VALUE_LOOKUP_MAX_ROWS`` rows are skipped.
    """
    cache: dict[str, list[tuple[str, str, str]]] = {}

    def find(question: str) -> list[tuple[str, str, str]]:
        words = mention_words(question)
        if words in cache:
            return cache[words]
        hits: list[tuple[str, str, str]] = []
        for name, prof in profiles.items():
            cols = [c for c in prof.columns if c.typed_from is None and not c.is_free_text]
            if not cols or prof.row_count > VALUE_LOOKUP_MAX_ROWS:
                continue
            parts = []
            for i, c in enumerate(cols):
                cell = _CELL_WORDS.format(col=_q(c.name))
                parts.append(
                    f"(SELECT DISTINCT {i} AS c, CAST({_q(c.name)} AS VARCHAR) AS v FROM {_q(name)} "
                    f"WHERE {_q(c.name)} IS NOT NULL AND length(CAST({_q(c.name)} AS VARCHAR)) <= {MENTION_MAX_LENGTH} "
                    f"AND {cell} <> '' AND position(' ' || {cell} || ' ' IN ?) > 0 LIMIT {MENTION_MAX_HITS})"
                )
            df = ws.query_df(" UNION ALL ".join(parts), [f" {words} "] * len(parts))
            hits.extend((name, cols[int(i)].name, str(v)) for i, v in zip(df["c"], df["v"], strict=True))
        cache[words] = hits
        return hits

    return find


def profile(ws: Workspace, table: str) -> TableProfile:
    """The table's profile, computed once per table version and kept in the workspace's cache."""
    key = ("catalog.profile", table, ws.version(table))
    cached = ws.cache.get(key)
    if cached is None:
        for old in [k for k in ws.cache if isinstance(k, tuple) and k[:2] == ("catalog.profile", table)]:
            del ws.cache[old]  # an older version of this table
        cached = ws.cache[key] = profile_table(ws, table)
    return cached


def build_catalog(ws: Workspace) -> Catalog:
    """Profiles of every table plus the relations between them (profiles are cached per table version)."""
    profiles = {name: profile(ws, name) for name in ws.table_names()}
    return Catalog(
        tables=profiles,
        relations=detect_relations(ws, profiles),
        find_value=value_finder(ws, profiles),
        find_mentions=mention_finder(ws, profiles),
    )
