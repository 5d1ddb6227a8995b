"""Assembly, after the binders: what is shown, grouped, ordered and limited, the set operation, and the
cues that were left unused.
"""

from __future__ import annotations

from typing import Any

from insightchat.planner.offline.bind_names import (
    after_preposition,
    drop_row_nouns,
    expand_name,
    name_of_own_column,
    name_of_own_table,
    names_main_table,
    qualifies_main_table,
    row_noun,
    row_with_super,
)
from insightchat.planner.offline.columns import (
    auto_grain,
    date_col,
    is_table_name,
    key_to,
    name_columns,
    names_a_table,
    names_table,
    unique_values,
)
from insightchat.planner.offline.cues import Cue, CueKind
from insightchat.planner.offline.setops import split_set_op
from insightchat.planner.offline.spec import Col, Filter, Measure, OrderKey
from insightchat.planner.offline.state import ParseState
from insightchat.planner.offline.text import expand_identifier


def _sentence_between(st: ParseState, start: int, end: int) -> bool:
    """A sentence ends between token positions ``start`` and ``end`` (".", "?", "!" or ";")."""
    return any(t.kind == "punct" and t.text in ".?!;" for t in st.tokens[start:end])


def assemble(st: ParseState) -> None:
    """Decide what is shown and how, in steps: the columns to show; superlatives as an ORDER BY and
    LIMIT or a max/min; time groups; a distribution; "most X" as a count to rank by; the order of what
    is shown; shown columns folded into groups; default measures; then the spec's last checks, the
    set operation, and the cues left unused (finish_cues)."""
    shown = _shown_columns(st)
    _rank_superlatives(st, shown)
    shown = _time_groups(st, shown)
    after = _distribution(st, shown)
    if after is None:  # a histogram of one number column: nothing else to decide
        finish_cues(st)
        return
    shown = after
    _share(st)
    explicit_groups = len(st.spec.group_by)
    shown = _rank_by_count(st, shown)
    shown = _order_shown(st, shown)
    shown = _groups_from_shown(st, shown)
    # shown columns folded into a grouping next to another: a guess at what the question groups by
    st.reading.group_guessed = len(st.spec.group_by) >= 2 and len(st.spec.group_by) > explicit_groups
    _default_measures(st, shown)
    _finish_spec(st, shown)
    finish_cues(st)


def _shown_columns(st: ParseState) -> list[Col]:
    """Leftover links become the columns to show (or name the rows, or repeat a use); "who" and
    superlative questions with nothing to show show the rows' names."""
    s = st.spec
    leftovers = [it for it in st.items if it.role is None]
    select_cols: list[Col] = []
    filter_cols = {f.col for f in s.filters if isinstance(f.col, Col)} | {
        f.col for g in s.any_of for f in g if isinstance(f.col, Col)
    }
    fixed_cols = {f.col for f in s.filters if isinstance(f.col, Col) and f.op in ("=", "in", "between", "date_range")}
    for it in leftovers:
        if it.link.kind == "table":
            if it.link.table == st.table:
                st.use(it, "table")
            continue
        if name_of_own_column(st, it):
            st.use(it, "descriptive")  # "the names of all colleges" over a college column: not another table's name
            continue
        own_names = name_of_own_table(st, it)
        if own_names:
            # "the names of all movies" in a movie table with a title: the title, not a joined table's name
            select_cols.extend(c for c in own_names if c not in select_cols)
            st.use(it, "select")
            continue
        col = st.col_of(it)
        # a column named again after its use ("by the date they were formed") is that use
        order_at = min((x.first for x in st.items if x.role == "order"), default=len(st.tokens))
        filter_at = min((x.first for x in st.items if x.role == "filter"), default=len(st.tokens))
        # ... unless a new sentence asks again ("Sort by venue. Return the date and venue.")
        order_cols = (
            {o.target for o in s.order_by if isinstance(o.target, Col)}
            if order_at < it.first and not _sentence_between(st, order_at, it.first)
            else set()
        )
        filter_cols_after = (
            filter_cols if it.first > filter_at or (s.measures and col in fixed_cols) else set()
        )  # "the average capacity of stadiums opened in year 2005"
        # "the ship built in the most recent year": the ranked column, named again, is not shown
        super_cols = {col for col, _, cue in st.super_col if it.first > cue.first or it.link.how in ("part", "suffix")}
        used_cols = filter_cols_after | order_cols | super_cols | {m.col for m in s.measures if m.col} | set(s.group_by)
        if (
            (names_table(st, it) or (is_table_name(st, it) and after_preposition(st, it)))
            and it.link.table == st.table
            and any(
                x is not it
                and (x.role in (None, "select") or x.role == "group" and x.first < it.first)
                and x.link.kind == "column"
                for x in st.items
            )
        ):
            st.use(it, "table")  # "which team has the oldest player": the player table, not its column
            continue
        if col in used_cols or (it.link.how == "part" and it.link.score < 0.75 and names_a_table(st, it)):
            st.use(it, "filter" if col in filter_cols else "descriptive")
            continue
        if col is not None and it.link.kind == "column":
            for c in expand_name(st, it, col):
                if c not in select_cols:
                    select_cols.append(c)
            st.use(it, "select")
    for it in leftovers:
        if it.role is None and it.link.kind == "table":
            # another table named but not used by any column: only fine if a column of it is used
            if any(c.table == it.link.table for c in select_cols + s.group_by) or any(
                (f.col.table if isinstance(f.col, Col) else None) == it.link.table for f in s.filters
            ):
                st.use(it, "table")
            elif key_to(st, it.link.table) is not None:
                # "instructors in the Biology department": the main table refers to a department
                st.use(it, "via_key")
            elif qualifies_main_table(st, it):
                st.use(it, "descriptive")  # "heads of departments": the main table's rows, described
    select_cols = st.name_word + [c for c in select_cols if c not in st.name_word]
    table_named = any((it.link.kind == "table" and it.link.table == st.table) or it.role == "table" for it in st.items)
    if (
        not select_cols
        and not s.measures
        and not s.group_by
        and not table_named
        and not st.super_col
        and st.top_count is None
    ):
        shown = [st.col_of(it) for it in st.items if it.role == "filter" and it.link.kind == "column"]
        select_cols = list(dict.fromkeys(c for c in shown if c is not None))
    if st.who and not select_cols and not (st.top_count is not None and st.top_count[1] is not None):
        select_cols = name_columns(st, st.table)
        if not select_cols:
            st.reading.problems.append(f"I could not tell which column names a {st.table} row")
    # superlatives: with something to show it is "the row with the highest X", else max(X)
    if (
        st.super_col
        and not select_cols
        and not s.group_by
        and not s.measures
        and row_with_super(st, st.super_col[0][2])
    ):
        select_cols = name_columns(st, st.table)  # "the city with the smallest GDP": that city, by name
    if (
        st.super_col
        and not select_cols
        and not s.group_by
        and not s.measures
        and st.limit is not None
        and st.limit > 1
        and st.top_count is None
    ):
        # "the top 3 highest support rates": those values; "the three most expensive procedures": those rows
        select_cols = (name_columns(st, st.table) if names_main_table(st) else []) or [st.super_col[0][0]]
    return select_cols


def _rank_superlatives(st: ParseState, select_cols: list[Col]) -> None:
    """With something to show, "the highest X" orders by X (one row unless a number was given); else max(X)."""
    s = st.spec
    for col, direction, _cue in st.super_col:
        if select_cols or s.group_by and not s.measures:
            s.order_by.insert(0, OrderKey(col, desc=direction == "max"))
            if st.limit is None:
                st.limit = 1
        else:
            s.measures.append(Measure(direction, col))  # type: ignore[arg-type]


def _time_groups(st: ParseState, select_cols: list[Col]) -> list[Col]:
    """A grain ("monthly", "by month") or "over time" groups by a date column; shown numbers are summed."""
    s = st.spec
    if st.grain:
        gcol = st.grain_col or date_col(st)
        if gcol is None:
            st.reading.problems.append(f"I found '{st.grain}' but no date column to group by")
        else:
            g = Col(gcol.table, gcol.name, st.grain)  # type: ignore[arg-type]
            if st.grain == "year" and (gp := st.colprof(gcol)) is not None and gp.kind == "number":
                g = Col(gcol.table, gcol.name)  # a number column of years groups as it is
            s.group_by.insert(0, g)
            s.order_by.append(OrderKey(g))
            s.intent = "trend"
            select_cols = [c for c in select_cols if c != gcol]
    if any(c.kind == CueKind.TREND for c in st.cues):
        for c in st.cues:
            if c.kind == CueKind.TREND:
                st.use_cue(c)
        if not any(g.grain for g in s.group_by):
            gcol = date_col(st)
            p = st.colprof(gcol) if gcol else None
            if gcol is None or p is None:
                st.reading.problems.append("I found 'over time' but no date column")
            else:
                g = Col(gcol.table, gcol.name, auto_grain(p))  # type: ignore[arg-type]
                s.group_by.insert(0, g)
                s.order_by.append(OrderKey(g))
                s.intent = "trend"
                select_cols = [c for c in select_cols if c != gcol]
    # measures over the remaining numbers for trends: "revenue by month" = sum(revenue)
    if s.intent == "trend" and not s.measures:
        nums = [c for c in select_cols if (p := st.colprof(c)) and p.kind == "number"]
        for c in nums:
            s.measures.append(Measure("sum", c))
        select_cols = [c for c in select_cols if c not in nums]
    return select_cols


def _distribution(st: ParseState, select_cols: list[Col]) -> list[Col] | None:
    """ "the distribution of X": a histogram of one number column (None: the spec is complete), else
    counts per value."""
    s = st.spec
    if any(c.kind == CueKind.DIST for c in st.cues):
        for c in st.cues:
            if c.kind == CueKind.DIST:
                st.use_cue(c)
        target = select_cols[0] if select_cols else (s.group_by[0] if s.group_by else None)
        p = st.colprof(target) if target else None
        if target is None or p is None:
            st.reading.problems.append("I could not tell which column's distribution you want")
        elif p.kind == "number" and not s.group_by:
            s.intent = "distribution"
            s.columns = [target]
            return None
        else:
            if target not in s.group_by:
                s.group_by.append(target)
            select_cols = [c for c in select_cols if c != target]
            s.order_by.append(OrderKey(Measure("count"), desc=True))
            s.measures.append(Measure("count"))
            s.intent = "distribution"
    return select_cols


def _share(st: ParseState) -> None:
    """ "percentage", "share": each group's share of the total."""
    if any(c.kind == CueKind.SHARE for c in st.cues):
        for c in st.cues:
            if c.kind == CueKind.SHARE:
                st.use_cue(c)
        st.spec.share = True


def _rank_by_count(st: ParseState, select_cols: list[Col]) -> list[Col]:
    """ "which city has the most employees": group by what is shown (or the rows' names), order by the count."""
    s = st.spec
    # "which city has the most employees": group by the shown column, order by count
    if st.top_count is not None:
        direction, col = st.top_count
        if col is None:
            if select_cols and not s.group_by:
                s.group_by.extend(drop_row_nouns(st, select_cols))
                select_cols = []
            elif not s.group_by:
                which = next(
                    (
                        it
                        for it in st.items
                        if it.link.kind == "table"
                        and it.role in (None, "table")
                        and it.link.table not in s.extra_tables
                    ),
                    None,
                )
                names = name_columns(st, which.link.table) if which else []
                if names:
                    st.use(which, "group")
                    s.group_by.extend(names)
                else:
                    st.reading.problems.append("I could not tell what to rank by the count")
        s.order_by.insert(0, OrderKey(Measure("count"), desc=direction == "max"))
        st.limit = st.limit or 1
        s.intent = "top"
    if st.order_count is not None:
        if select_cols and not s.group_by:
            s.group_by.extend(select_cols)
            select_cols = []
        s.order_by.append(OrderKey(Measure("count"), desc=bool(st.order_count)))
    return select_cols


def _order_shown(st: ParseState, select_cols: list[Col]) -> list[Col]:
    """Alphabetical order, or a direction with no key of its own: order what is shown (or the measure)."""
    s = st.spec
    if st.alpha:
        if not select_cols and not s.group_by and not s.measures:
            select_cols = name_columns(st, st.table)
        target = (select_cols or s.group_by or name_columns(st, st.table) or [None])[0]
        if target is not None and not s.order_by:
            s.order_by.append(OrderKey(target, desc=bool(st.desc)))  # "reverse alphabetical order"
    # "names of enzymes in descending order": a direction with no key orders what is shown
    if (
        any(c.kind == CueKind.DIR for c in st.cues)
        and not s.order_by
        and select_cols
        and not s.measures
        and not s.group_by
        and not st.super_col
        and st.top_count is None
        and st.limit is None
    ):
        s.order_by.append(OrderKey(select_cols[0], desc=bool(st.desc)))
    # "how many staff does each project have? List them in increasing order": the measure, that way
    if (
        any(c.kind == CueKind.DIR for c in st.cues)
        and not s.order_by
        and s.group_by
        and s.measures
        and not st.super_col
        and st.top_count is None
        and st.limit is None
    ):
        s.order_by.append(OrderKey(s.measures[0], desc=bool(st.desc)))
    return select_cols


def _groups_from_shown(st: ParseState, select_cols: list[Col]) -> list[Col]:
    """Shown columns next to a measure or a condition on a count become its groups, where the question lists
    values; a count-like column asked for beside others is shown instead of summed."""
    s = st.spec
    # having a count without a grouping: group by what is shown
    if any(isinstance(f.col, Measure) for f in s.filters) and not s.group_by:
        if select_cols and st.noun_count and not s.extra_tables and all(unique_values(st, c) for c in select_cols):
            st.reading.problems.append(
                "each "
                + ", ".join(c.name for c in select_cols)
                + " appears once, so I could not tell what to count per group"
            )
        elif select_cols:
            s.group_by.extend(drop_row_nouns(st, select_cols))
            select_cols = []
        else:
            st.reading.problems.append("I could not tell what to count per group")
    if s.measures and select_cols and not s.group_by and _listed_groups(st, select_cols):
        # "show all ages and the corresponding number of students": the listed values, each with its measure
        s.group_by.extend(select_cols)
        select_cols = []
    if (
        s.measures
        and select_cols
        and not s.group_by
        and st.count_as_sum
        and not any(c.kind == CueKind.GROUP for c in st.cues)
    ):
        # "the name, address and number of floors of all buildings": the floors column, shown
        for m, it, total in st.count_as_sum:
            if m in s.measures and m.col is not None and not total:
                s.measures.remove(m)
                it.role = "select"
                if m.col not in select_cols:
                    select_cols.insert(
                        next(
                            (
                                k
                                for k, c in enumerate(select_cols)
                                if any(x.first > it.first and st.col_of(x) == c for x in st.items)
                            ),
                            len(select_cols),
                        ),
                        m.col,
                    )
    if not s.group_by and not select_cols and not any(c.kind == CueKind.GROUP for c in st.cues):
        for m, it, total in st.count_as_sum:
            if m in s.measures and m.col is not None and any(c.kind == CueKind.DIR for c in st.cues) and not s.order_by:
                # "list the total number of horses on farms in ascending order": the column, ordered
                s.measures.remove(m)
                it.role = "select"
                select_cols.append(m.col)
                s.order_by.append(OrderKey(m.col, desc=bool(st.desc)))
            elif not total and m in s.measures:
                s.measures[s.measures.index(m)] = Measure(
                    "count", m.col
                )  # "the number of floors of A": unclear, see trust
    if s.measures and select_cols and not s.group_by and all(row_noun(st, c) for c in select_cols):
        # "the average age of all artists" over an artist column naming each row: the rows measured
        for it in st.items:
            if it.role == "select" and st.col_of(it) in select_cols:
                it.role = "descriptive"
        select_cols = []
    if s.measures and select_cols and not s.group_by:
        shown = ", ".join(c.name for c in select_cols)
        st.reading.problems.append(f"I could not tell whether you want {shown} per group or as a filter")
    if s.group_by and select_cols:
        select_cols = drop_row_nouns(st, select_cols, keep_one=False)
        for c in select_cols:
            if c not in s.group_by:
                s.group_by.append(c)
        select_cols = []
    return select_cols


def _default_measures(st: ParseState, select_cols: list[Col]) -> None:
    """Groups with nothing measured are counted; a pending "top" ranks by the measure; one group fixed by a
    filter is no grouping."""
    s = st.spec
    if s.group_by and not s.measures and s.intent not in ("distribution",):
        ranked = st.top_count is not None or st.order_count is not None
        having = any(isinstance(f.col, Measure) for f in s.filters)
        if not ranked and not having:
            s.measures.append(Measure("count"))
    if st.top_pending and s.measures and s.group_by:
        s.order_by.append(OrderKey(s.measures[0], desc=st.top_pending == "max"))
        st.top_pending = None
    if len(s.group_by) == 1 and s.measures and st.top_count is None and st.limit is None and not select_cols:
        g = s.group_by[0]
        fixed_to = [f for f in s.filters if f.col == g and f.op == "=" and len(f.values) == 1]
        if fixed_to and not any(isinstance(f.col, Measure) for f in s.filters):
            # "the number of policies used by the customer named Dayana Robel": one group, fixed by the filter
            s.group_by = []
            s.order_by = [o for o in s.order_by if not isinstance(o.target, Measure)]


def _finish_spec(st: ParseState, select_cols: list[Col]) -> None:
    """The shown columns, DISTINCT, the limit, the set operation, the intent, and the readings that cannot be
    right (conditions that exclude each other)."""
    s = st.spec
    s.measures = list(dict.fromkeys(s.measures))
    s.columns = [c for c in s.columns if c not in s.group_by] + [c for c in select_cols if c not in s.columns]
    # "apartments with type code 'Flat'": a column fixed to given values is not worth showing
    fixed = {f.col for f in s.filters if isinstance(f.col, Col) and f.op in ("=", "in")}
    if any(c not in fixed for c in s.columns):
        s.columns = [c for c in s.columns if c not in fixed]
    distinct = any(c.kind == CueKind.DISTINCT for c in st.cues if not st.consumed(c))
    if distinct and s.columns and not s.measures:
        s.distinct = True
        for o in s.order_by:
            if isinstance(o.target, Col) and o.target not in s.columns:
                s.columns.append(o.target)
    for c in st.cues:
        if c.kind == CueKind.DISTINCT:
            st.use_cue(c)
    s.limit = st.limit
    split_set_op(st)
    if _contradictory(s.filters):
        st.reading.problems.append(
            "two conditions on the same column exclude each other (did you mean either of them?)"
        )
    if _matched_and_searched(s.filters):
        st.reading.problems.append(
            "one column would be both equal to a value and searched for a word (did you mean either word?)"
        )
    if s.intent == "list":
        s.intent = "top" if s.limit else "group" if s.group_by else "aggregate" if s.measures else "list"
    if s.intent == "aggregate" and all(m.agg == "count" and m.col is None for m in s.measures):
        s.intent = "count"
    if st.top_pending:
        st.reading.problems.append("I found 'top' but not what to rank by")


def _listed_groups(st: ParseState, select_cols: list[Col]) -> bool:
    """One shown column next to a measure is a grouping when it is named as a list of its values
    ("all ages", "different denominations", "the transaction types") beside the measure ("and
    the number of students", "with the total amount"), and its values repeat over the rows."""
    s = st.spec
    if len(select_cols) != 1 or any(m.agg == "count_distinct" for m in s.measures):
        return False
    col = select_cols[0]
    filtered = {f.col for f in s.filters if isinstance(f.col, Col)}
    if (
        col in {m.col for m in s.measures}
        or col in filtered
        or any(m.col in filtered for m in s.measures if m.col is not None)
    ):
        return False  # "dates with an average pressure between 30 and 31": the measure is a condition
    p, tp = st.colprof(col), st.profile(col.table)
    if p is None or tp is None or not (2 <= p.distinct < tp.row_count) or p.distinct_is_approx:
        return False
    toks = st.tokens
    its = [it for it in st.items if it.role == "select" and st.col_of(it) == col]
    if len(its) != 1:
        return False
    it = its[0]
    if not any(
        t.lower in ("and", "with", "corresponding", "respective")
        for k, t in enumerate(toks)
        if not it.first <= k < it.last
    ):
        return False
    if all(m.agg == "count" and m.col is None for m in s.measures):
        # "the booking status code and the corresponding number of bookings": one count per listed value
        count = next((c for c in st.cues if c.kind == CueKind.COUNT and c.first >= it.last), None)
        between = [t.lower for t in toks[it.last : count.first]] if count is not None else []
        if (
            between
            and between[0] == "and"
            and set(between[1:]) <= {"the", "corresponding", "respective", "their", "its"}
        ):
            return True
    k = it.first - 1
    while k >= 0 and toks[k].lower in ("the", "their", "its"):
        k -= 1
    if k >= 0 and toks[k].lower in ("different", "distinct", "all", "each", "every", "corresponding"):
        return True
    last = toks[it.last - 1]
    own = {w.lower() for w in expand_identifier(col.name)}
    return (
        last.kind == "word"
        and last.lower.endswith("s")
        and not last.lower.endswith("ss")
        and last.stem != last.lower
        and last.lower not in own
    )


def finish_cues(st: ParseState) -> None:
    """Cues that change the meaning must have been used; harmless ones may stay unused."""
    for c in st.cues:
        if st.consumed(c):
            continue
        text = " ".join(t.text for t in st.tokens[c.first : c.last])
        if (
            c.kind == CueKind.LIKE
            and (nc := st.cue_at(c.last)) is not None
            and nc.kind in (CueKind.CMP, CueKind.BETWEEN)
            and st.consumed(nc)
        ):
            st.used.update(range(c.first, c.last))
            continue  # "departments which contain at least two employees": a count, not a text match
        if c.kind in (
            CueKind.NEG,
            CueKind.BOTH,
            CueKind.CMP,
            CueKind.CMP_CONCEPT,
            CueKind.BETWEEN,
            CueKind.SUPER,
            CueKind.CONCEPT_SUPER,
            CueKind.COMMON,
            CueKind.AGG,
            CueKind.COUNT,
            CueKind.TOP,
            CueKind.LIKE,
            CueKind.COMPARE,
            CueKind.CMP_POST,
            CueKind.TOTAL_NOISE,
            CueKind.ACCORDING,
        ):
            st.reading.problems.append(f"I could not apply '{text}' to anything")
        elif c.kind in (
            CueKind.OR,
            CueKind.DIR,
            CueKind.GROUP,
            CueKind.DISTINCT,
            CueKind.ORDER,
            CueKind.ALPHA,
            CueKind.LIKE_NOISE,
        ):
            if c.kind == CueKind.GROUP and st.tokens[c.first].lower in ("each", "per", "by") and st.spec.group_by:
                continue
            if (
                c.kind == CueKind.GROUP
                and st.spec.group_by
                and st.tokens[c.last - 1].lower == "each"
                and _each_of_group(st, c)
            ):
                continue  # "the card types, and how many cards are there of each?": each of the groups
            if c.kind == CueKind.GROUP and st.tokens[c.first].lower != "by":
                st.reading.problems.append(f"I could not tell what '{text}' groups by")
        st.used.update(range(c.first, c.last))


def _each_of_group(st: ParseState, c: Cue) -> bool:
    """What follows "of/for/in each" is nothing, "one"/"of them", or the grouped column itself."""
    k = c.last
    toks = st.tokens
    while k < len(toks) and toks[k].lower in ("each", "one", "of", "them", "these", "those", "the"):
        k += 1
    if k >= len(toks) or toks[k].kind in ("punct", "sym"):
        return True
    it = st.item_at(k)
    return it is not None and it.link.kind == "column" and st.col_of(it) in st.spec.group_by


def _contradictory(filters: list[Filter]) -> bool:
    """ANDed conditions on one column that no value meets ("population bigger than 1500 and smaller
    than 500", "in A or B and in C"): the question meant either, or values shared by both sets of rows."""
    lows: dict[Col, float] = {}
    highs: dict[Col, float] = {}
    allowed: dict[Col, set[Any]] = {}
    for f in filters:
        if isinstance(f.col, Col) and f.op in ("=", "in"):
            vals = set(f.values)
            if f.col in allowed and not (allowed[f.col] & vals):
                return True  # "location in (A, B) and location in (C, D)"
            allowed[f.col] = allowed.get(f.col, vals) & vals
        if not isinstance(f.col, Col) or not f.values or not isinstance(f.values[0], (int, float)):
            continue
        if f.op in (">", ">="):
            lows[f.col] = max(lows.get(f.col, float("-inf")), f.values[0])
        elif f.op in ("<", "<="):
            highs[f.col] = min(highs.get(f.col, float("inf")), f.values[0])
    return any(lows[c] >= highs[c] for c in lows if c in highs)


def _matched_and_searched(filters: list[Filter]) -> bool:
    """One column both compared with values and searched for a word, AND-ed (``detail IN ('Latte',
    'Americano') AND detail LIKE '%Latte%'`` for "contains the word Latte or Americano"): two readings
    of one phrase."""
    equal = {f.col for f in filters if isinstance(f.col, Col) and f.op in ("=", "in")}
    return any(f.col in equal for f in filters if isinstance(f.col, Col) and f.op == "like")
