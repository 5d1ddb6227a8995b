"""Schema lookups every binder uses: the columns that name a row, the main table's key to another
table, the column a word such as "oldest" implies, and whether a column's values are all different."""

from __future__ import annotations

from insightchat.planner.lexicon import CONCEPT_STEMS
from insightchat.planner.offline.spec import Col
from insightchat.planner.offline.state import Item, ParseState
from insightchat.planner.offline.text import expand_identifier, stem
from insightchat.tools.catalog import ColumnProfile


def name_columns(st: ParseState, table: str) -> list[Col]:
    """The columns that name a row ("who", "which X"): name/title, or first + last name."""
    prof = st.profile(table)
    t_stems = tuple(stem(w) for w in expand_identifier(table))
    exact, named = [], []
    for c in prof.columns:
        stems = tuple(stem(w) for w in expand_identifier(c.name))
        if c.kind != "text":
            continue
        rest = stems[len(t_stems) :] if stems[: len(t_stems)] == t_stems else stems
        if rest in (("name",), ("titl",)) or stems in (("name",), ("titl",)):
            exact.append(Col(table, c.name))
        elif stems and stems[-1] == "name":
            named.append(Col(table, c.name))
    if exact:
        return exact[:1]
    first = [c for c in named if "first" in expand_identifier(c.name)]
    last = [c for c in named if "last" in expand_identifier(c.name)]
    if first and last:
        return [first[0], last[0]]
    if not named:
        # no name column: a text column named like the table names its rows (campus in campuses)
        named = [
            Col(table, c.name)
            for c in prof.columns
            if c.kind == "text" and tuple(stem(w) for w in expand_identifier(c.name)) == t_stems
        ]
    return named[:1]


def key_to(st: ParseState, other: str) -> Col | None:
    """The main table's one column that refers to ``other`` (a declared relation, or a name such
    as dept_name / crs_code / customer_id for a department / course / customer table)."""
    if other == st.table:
        return None
    hits = {r.left_column for r in st.catalog.relations if r.left == st.table and r.right == other}
    o_stems = tuple(stem(w) for w in expand_identifier(other))
    if not hits and o_stems:
        for c in st.profile(st.table).columns:
            c_stems = tuple(stem(w) for w in expand_identifier(c.name))
            if (
                len(c_stems) > len(o_stems)
                and c_stems[: len(o_stems)] == o_stems
                and c_stems[-1] in ("name", "id", "code", "num", "number", "no")
            ):
                hits.add(c.name)
    return Col(st.table, next(iter(hits))) if len(hits) == 1 else None


def birth_column(st: ParseState) -> Col | None:
    """The main table's one date-of-birth column (dob, birth_date, date_of_birth)."""
    hits = [
        c
        for c in st.profile(st.table).columns
        if c.kind in ("date", "text")
        and {"birth", "dob", "born"} & {stem(w) for w in expand_identifier(c.name)}
        | ({"birth"} if c.name.lower().endswith("dob") else set())
    ]
    return Col(st.table, hits[0].name) if len(hits) == 1 else None


def concept_column(st: ParseState, concept: str, table: str) -> Col | None:
    """A column for a word like "oldest" (age) or "latest" (a date) in ``table`` or a joinable one."""
    prof = st.profile(table)
    if concept == "date":
        dates = [c for c in prof.columns if c.kind == "date"]
        if not dates:
            dates = [c for c in prof.columns if {"date", "year", "time"} & {stem(w) for w in expand_identifier(c.name)}]
        return Col(table, dates[0].name) if len(dates) == 1 else None
    wanted = CONCEPT_STEMS.get(concept, {concept})
    hits = [c for c in prof.columns if c.kind == "number" and wanted & {stem(w) for w in expand_identifier(c.name)}]
    return Col(table, hits[0].name) if len(hits) == 1 else None


def date_col(st: ParseState) -> Col | None:
    """The date column a date or grain applies to: one named and not yet used, else the main table's one."""
    for it in st.items:
        col = st.col_of(it)
        if col and it.role is None and (p := st.colprof(col)) and p.kind == "date":
            return col
    return concept_column(st, "date", st.table)


def names_a_table(st: ParseState, it: Item) -> bool:
    """The words of ``it`` are (part of) a table's name: "the name of the product" names an entity."""
    stems = tuple(t.stem for t in st.tokens[it.first : it.last])
    for tname in st.catalog.tables:
        t_stems = tuple(stem(w) for w in expand_identifier(tname))
        if any(t_stems[k : k + len(stems)] == stems for k in range(len(t_stems))):
            return True
    return False


def is_table_name(st: ParseState, it: Item) -> bool:
    """The words of ``it`` are exactly some table's name ("positions of players" with a player table)."""
    stems = tuple(t.stem for t in st.tokens[it.first : it.last])
    return any(tuple(stem(w) for w in expand_identifier(t)) == stems for t in st.catalog.tables)


def names_table(st: ParseState, it: Item) -> bool:
    """A column named like its table ("city" in table city) counts rows, not values."""
    if it.link.kind != "column" or not it.link.column:
        return False
    t_stems = tuple(stem(w) for w in expand_identifier(it.link.table))
    c_stems = tuple(stem(w) for w in expand_identifier(it.link.column))
    return c_stems == t_stems


def unique_values(st: ParseState, col: Col) -> bool:
    """Every row has its own value of ``col`` (a name or key): grouping by it counts ones."""
    p, tp = st.colprof(col), st.profile(col.table)
    return (
        p is not None
        and not p.distinct_is_approx
        and tp.row_count > 1
        and p.distinct >= tp.row_count * (1 - p.null_fraction)
    )


def auto_grain(p: ColumnProfile) -> str:
    """A sensible time grain from a date column's span: years, months, weeks or days."""
    try:
        lo, hi = p.min, p.max
        days = (hi - lo).days if hasattr(hi, "__sub__") and lo is not None and hi is not None else 365
    except TypeError:
        days = 365
    if days > 365 * 3:
        return "year"
    if days > 90:
        return "month"
    if days > 21:
        return "week"
    return "day"
