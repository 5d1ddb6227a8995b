"""How a question names rows: the "who" / "which X" binder, and the tests assembly uses to tell words
that name the rows ("the names of all movies", "heads of departments") from columns to show.
"""

from __future__ import annotations

from insightchat.planner.offline.columns import name_columns, names_table, unique_values
from insightchat.planner.offline.cues import Cue, CueKind
from insightchat.planner.offline.spec import Col
from insightchat.planner.offline.state import Item, ParseState
from insightchat.planner.offline.text import expand_identifier


def row_with_super(st: ParseState, cue: Cue) -> bool:
    """The main table is named, then "with/that has/whose ... the largest X": one row is asked for."""
    for it in st.items:
        if it.link.kind == "table" and it.link.table == st.table and it.last <= cue.first:
            between = {t.lower for t in st.tokens[it.last : cue.first]}
            if between & {"with", "that", "which", "who", "whose"} and len(between) <= 4:
                return True
    return False


def qualifies_main_table(st: ParseState, it: Item) -> bool:
    """``it`` names another table right after "<main table> of (the)" ("the heads of departments"),
    and nothing else of the question refers to that table: a description, not a join."""
    i = it.first - 1
    while i >= 0 and st.tokens[i].lower in ("the", "all"):
        i -= 1
    if i < 1 or st.tokens[i].lower != "of":
        return False
    before = st.item_ending(i)
    return (
        before is not None
        and before.link.kind == "table"
        and before.link.table == st.table
        and not any(x is not it and x.link.table == it.link.table for x in st.items)
    )


def names_main_table(st: ParseState) -> bool:
    """Some word of the question is linked to the main table itself ("the procedures")."""
    return any(it.link.kind == "table" and it.link.table == st.table for it in st.items)


def expand_name(st: ParseState, it: Item, col: Col) -> list[Col]:
    """ "names" that match both a first-name and a last-name column mean both."""
    if not it.alts:
        return [col]
    cols = [col] + [Col(lk.table, lk.column) for lk in it.alts if lk.column]  # type: ignore[arg-type]
    first = [c for c in cols if "first" in expand_identifier(c.name)]
    last = [c for c in cols if "last" in expand_identifier(c.name)]
    if first and last:
        return [first[0], last[0]]
    return [col]


def after_preposition(st: ParseState, it: Item) -> bool:
    """ "positions of players", "industries for all companies": the noun names the rows, not a column."""
    i = it.first - 1
    while i >= 0 and st.tokens[i].lower in ("the", "all", "a", "an", "each", "every"):
        i -= 1
    return i >= 0 and st.tokens[i].lower in ("of", "for", "from", "among", "amongst", "in")


def bind_who(st: ParseState) -> None:
    """Rows asked for by name: "who ...", "which department has ..." (``who``), and "the names of all
    campuses" where no column is called name (``name_word``)."""
    st.who = (
        any(c.kind == CueKind.WHO for c in st.cues) and not st.have_count
    )  # "customers who have accounts": a relative "who"
    # "which department has the lowest budget": the department's name
    first = st.item_at(1)
    if (
        st.tokens
        and st.tokens[0].lower == "which"
        and first is not None
        and first.link.table == st.table
        and (first.link.kind == "table" or names_table(st, first))
    ):
        st.who = True
    st.name_word = _unlinked_name_of_rows(st)


def _unlinked_name_of_rows(st: ParseState) -> list[Col]:
    """ "the names of all campuses" in a table with no name column: its column named like the
    table (campus) names the rows. The word "names" is explained by showing that column."""
    toks = st.tokens
    for i, t in enumerate(toks):
        if t.lower not in ("name", "names") or i in st.used or any(it.first <= i < it.last for it in st.items):
            continue
        j = i + 1
        while j < len(toks) and toks[j].lower in ("of", "the", "all", "each", "every"):
            j += 1
        it = st.item_at(j)
        if (
            j > i + 1
            and it is not None
            and it.link.table == st.table
            and (it.link.kind == "table" or names_table(st, it))
        ):
            names = name_columns(st, st.table)
            if len(names) == 1:
                st.used.add(i)
                return names
    return []


def drop_row_nouns(st: ParseState, cols: list[Col], keep_one: bool = True) -> list[Col]:
    """Shown columns about to become groups, less those that only name the counted rows: a column
    named like its table ("builders of railways" over a Railway column), or "the name(s) of" a
    grouped column ("the names of the states where ..."), when its values are all different."""
    out = []
    for c in cols:
        its = [it for it in st.items if it.role == "select" and st.col_of(it) == c]
        drop = len(its) == 1 and unique_values(st, c) and (names_table(st, its[0]) or _name_of_other(st, its[0], cols))
        if drop:
            its[0].role = "descriptive"
        else:
            out.append(c)
    if keep_one and not out and cols:
        return cols
    return out


def _name_of_other(st: ParseState, it: Item, cols: list[Col]) -> bool:
    """``it`` is "name(s)" followed by "of (the/every/each) X" where X is another of ``cols`` (or a grouped column)."""
    if {t.lower for t in st.tokens[it.first : it.last]} - {"name", "names"}:
        return False
    j = it.last
    while j < len(st.tokens) and st.tokens[j].lower in ("of", "the", "all", "each", "every"):
        j += 1
    nxt = st.item_at(j)
    col = st.col_of(nxt) if j > it.last and nxt is not None and nxt.link.kind == "column" else None
    return col is not None and col != st.col_of(it) and (col in cols or col in st.spec.group_by)


def row_noun(st: ParseState, col: Col) -> bool:
    """``col`` names each row (its values are all different) and the question names it only as
    what is measured: "the average age of all artists", "the number of bank branches"."""
    if col.table != st.table or not unique_values(st, col):
        return False
    its = [it for it in st.items if it.role == "select" and st.col_of(it) == col]
    if len(its) != 1:
        return False
    it = its[0]
    measure_cues = [c for c in st.cues if c.kind in (CueKind.COUNT, CueKind.AGG) and c.last <= it.first]
    if not measure_cues:
        return False
    k = it.first - 1
    while k >= 0:
        t = st.tokens[k]
        if any(c.last == k + 1 for c in measure_cues):
            return True
        if t.lower in ("of", "on", "for", "in", "among", "amongst", "across", "over"):
            return k >= min(c.last for c in measure_cues)
        table_item = st.item_ending(k + 1)
        if table_item is not None and table_item.link.kind == "table" and table_item.link.table == st.table:
            k = table_item.first - 1
            continue
        if t.lower not in ("the", "all", "a", "an", "each", "every", "our", "its", "their", "these", "those"):
            return False
        k -= 1
    return False


def name_of_own_column(st: ParseState, it: Item) -> bool:
    """``it`` is the word "name(s)" linked into another table, followed by "of (the) X" where X
    is a text column of the main table."""
    if (
        it.link.kind != "column"
        or it.link.table == st.table
        or {t.lower for t in st.tokens[it.first : it.last]} - {"name", "names"}
    ):
        return False
    j = it.last
    while j < len(st.tokens) and st.tokens[j].lower in ("of", "the", "all", "each", "every"):
        j += 1
    nxt = st.item_at(j)
    col = (
        st.col_of(nxt)
        if j > it.last and nxt is not None and nxt.link.kind == "column" and nxt.link.table == st.table
        else None
    )
    p = st.colprof(col) if col is not None else None
    return p is not None and p.kind == "text"


def name_of_own_table(st: ParseState, it: Item) -> list[Col]:
    """``it`` is the word "name(s)" linked into another table, followed by "of (the/all) T" where T
    names the main table: the main table's own naming columns (title, or first and last name)."""
    if (
        it.link.kind != "column"
        or it.link.table == st.table
        or {t.lower for t in st.tokens[it.first : it.last]} - {"name", "names"}
    ):
        return []
    j = it.last
    while j < len(st.tokens) and st.tokens[j].lower in ("of", "the", "all", "each", "every"):
        j += 1
    nxt = st.item_at(j)
    if j == it.last or nxt is None or nxt.link.kind != "table" or nxt.link.table != st.table:
        return []
    return name_columns(st, st.table)
