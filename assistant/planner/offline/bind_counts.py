"""Binders for counts and aggregates: "how many X", "number of X", "average and maximum age", and "the
total number of hours" over a column that already holds counts.
"""

from __future__ import annotations

from insightchat.planner.offline.columns import key_to, names_table
from insightchat.planner.offline.cues import Cue, CueKind
from insightchat.planner.offline.spec import Col, Measure
from insightchat.planner.offline.state import Item, ParseState, toks_lower
from insightchat.planner.offline.text import expand_identifier, split_identifier, stem


def bind_counts(st: ParseState) -> None:
    """ "how many X", "number of X", "count the number of X": count(*), or count(distinct col)."""
    counted = False
    st.count_as_sum = []
    for c in st.cues:
        if c.kind != CueKind.COUNT or st.consumed(c):
            continue
        before = next(
            (
                b
                for b in st.cues
                if b.last in (c.first, c.first - 1)
                and b.kind in (CueKind.SUPER, CueKind.TOP)
                and b.arg in ("max", "min")
            ),
            None,
        )
        if before is not None and (
            st.tokens[before.first].lower not in ("maximum", "minimum", "max", "min") or _agg_like_super(st, before)
        ):
            continue  # "the most number of X": ranked by a count (bind_supers); "max and min number of X": bind_aggs
        order_before = next(
            (b for b in st.cues if b.kind in (CueKind.ORDER, CueKind.DIR) and b.last in (c.first, c.first - 1)),
            None,
        )
        after_c = st.next_item(c.last)
        acol = (
            st.col_of(after_c)
            if order_before is not None and after_c is not None and after_c.link.kind == "column"
            else None
        )
        if (
            acol is not None
            and (ap := st.colprof(acol)) is not None
            and ap.kind == "number"
            and not ap.is_id_like
            and acol.table == st.table
        ):
            continue  # "in descending order of number of cities": ordered by that number column (bind_order)
        agg_before = next(
            (
                b
                for b in st.cues
                if b.kind == CueKind.AGG and b.last in (c.first, c.first - 1) and b.arg in ("avg", "sum", "median")
            ),
            None,
        )
        if agg_before is not None and toks_lower(st.tokens, c.first, c.last) == "number of":
            continue  # "the average number of points": an aggregate of a number column (bind_aggs)
        st.use_cue(c)
        follow = st.cue_at(c.last) or (st.cue_at(c.last + 1) if st.skippable(c.last) else None)
        if follow is not None and follow.kind == CueKind.COUNT:
            continue  # "count the number of": one count
        distinct = any(cc.kind == CueKind.DISTINCT and c.last <= cc.first <= c.last + 1 for cc in st.cues)
        nxt = st.next_item(c.last, extra=(CueKind.DISTINCT,))
        if distinct:
            for cc in st.cues:
                if cc.kind == CueKind.DISTINCT and c.last <= cc.first <= c.last + 1:
                    st.use_cue(cc)
        if counted:
            if nxt is not None and nxt.role is None and nxt.link.kind == "table":
                st.use(nxt, "measure")
            continue
        counted = True
        if nxt is None or nxt.link.kind == "value":
            st.spec.measures.append(Measure("count"))
            continue
        after = st.item_at(nxt.last)
        acol = st.col_of(after) if after is not None and after.link.kind == "column" and after.role is None else None
        ap = st.colprof(acol) if acol is not None else None
        if (
            nxt.link.kind == "table"
            and acol is not None
            and acol.table == nxt.link.table
            and ap is not None
            and ap.kind == "text"
        ):
            # "how many allergy types": the distinct values of the table's type column
            st.use(nxt, "measure")
            st.use(after, "measure")
            st.spec.measures.append(Measure("count_distinct", acol))
            continue
        key = key_to(st, nxt.link.table) if (distinct or st.have_count) and nxt.link.kind == "table" else None
        if key is not None:
            # "how many distinct students are in detention": the main table's distinct references to them
            st.use(nxt, "measure")
            st.spec.measures.append(Measure("count_distinct", key))
            continue
        if nxt.link.kind == "table" or names_table(st, nxt):
            st.use(nxt, "measure")
            st.spec.measures.append(Measure("count"))
            if nxt.link.table != st.table:
                st.spec.extra_tables.append(nxt.link.table)
            continue
        col = st.col_of(nxt)
        assert col is not None
        st.use(nxt, "measure")
        p = st.colprof(col)
        if distinct or (p is not None and (p.kind in ("text", "bool") or p.is_id_like)):
            st.spec.measures.append(Measure("count_distinct", col))
        elif (
            p is not None
            and p.kind == "number"
            and col.table == st.table
            and not p.is_id_like
            and toks_lower(st.tokens, c.first, c.last) == "how many"
            and any(t.lower in ("does", "do", "did") for t in st.tokens[nxt.last : nxt.last + 2])
            and st.spec.filters
        ):
            # "how many credits does course CIS-220 have": the row's value of the credits column
            nxt.role = None  # shown, see assemble
        elif (
            p is not None
            and p.kind == "number"
            and col.table == st.table
            and _counts_name(col.name)
            and (
                toks_lower(st.tokens, c.first, c.last) in ("number of", "numbers of", "total number of")
                or any(cc.kind == CueKind.TOTAL_NOISE for cc in st.cues)
            )
        ):
            # "the total number of hours", "the number of hours played per student": the column
            # already holds counts, so their sum (or, beside other shown columns, the column itself)
            m = Measure("sum", col)
            st.spec.measures.append(m)
            total = st.tokens[c.first].lower == "total"
            for cc in st.cues:
                if cc.kind == CueKind.TOTAL_NOISE and (
                    cc.last in (c.first, c.first - 1) or cc.first >= nxt.last
                ):  # "how many components in total"
                    st.use_cue(cc)
                    total = True
            st.count_as_sum.append((m, nxt, total))
        else:
            st.spec.measures.append(Measure("count", col))


def bind_aggs(st: ParseState) -> None:
    """Aggregates over the number column that follows: "average price", "average and maximum age",
    "the maximum and minimum number of cows"."""
    pending: list[Cue] = []
    cues = st.cues
    for idx, c in enumerate(cues):
        if c.kind != CueKind.AGG and not (c.kind == CueKind.SUPER and _agg_like_super(st, c)):
            continue
        if st.consumed(c):
            continue
        pending.append(c)
        nxt_cue = cues[idx + 1] if idx + 1 < len(cues) else None
        # "average and maximum age": keep collecting until a column follows
        if (
            nxt_cue
            and _cue_chained(st, c, nxt_cue)
            and (
                nxt_cue.kind in (CueKind.AND, CueKind.AGG)
                or (nxt_cue.kind == CueKind.SUPER and _agg_like_super(st, nxt_cue))
            )
        ):
            if nxt_cue.kind == CueKind.AND:
                st.use_cue(nxt_cue)
            continue
        start = c.last
        hop = st.cue_at(start) or (st.cue_at(start + 1) if st.skippable(start) else None)
        if (
            hop is not None
            and hop.kind == CueKind.COUNT
            and toks_lower(st.tokens, hop.first, hop.last) == "number of"
            and (c.kind == CueKind.AGG or len(pending) > 1)
        ):
            start = hop.last  # "average number of points", "maximum and minimum number of cows"
        nxt = measured_item(st, start)
        col = st.col_of(nxt) if nxt else None
        p = st.colprof(col) if col else None
        if col is not None and p is not None and p.kind in ("number", "date") and start != c.last:
            st.use_cue(hop)  # type: ignore[arg-type]
        if (
            col is None
            or p is None
            or p.kind not in ("number", "date")
            and not (p.kind == "text" and c.kind == CueKind.SUPER)
        ):
            if c.kind == CueKind.AGG:
                what = " ".join(t.text for t in st.tokens[c.first : c.last])
                st.reading.problems.append(f"I could not tell which number column '{what}' applies to")
            pending = [x for x in pending if x.kind != CueKind.SUPER]
            if c.kind == CueKind.AGG:
                pending = []
            continue
        st.use(nxt, "measure")
        cols = [col] + _more_number_columns(st, nxt)  # "average price and score": both averaged
        for pc in pending:
            for mc in cols:
                st.spec.measures.append(Measure(pc.arg, mc))
            st.use_cue(pc)
        pending = []


def _cue_chained(st: ParseState, c: Cue, n: Cue) -> bool:
    """``n`` follows ``c`` with nothing between but filler ("average and maximum", "max and the min")."""
    return n.first == c.last or (n.first == c.last + 1 and (st.skippable(c.last) or st.tokens[c.last].kind == "punct"))


def measured_item(st: ParseState, start: int, extra: tuple[CueKind, ...] = ()) -> Item | None:
    """The item an aggregate or grouping applies to: the next one, or the column after a table's
    word ("average instructor salary", "for different transaction types")."""
    nxt = st.next_item(start, extra=extra)
    if nxt is None or nxt.link.kind != "table":
        return nxt
    after = st.item_at(nxt.last)
    if (
        after is not None
        and after.link.kind == "column"
        and after.role is None
        and after.link.table in (nxt.link.table, st.table)
    ):
        st.use(nxt, "table")
        return after
    return nxt


def _more_number_columns(st: ParseState, it: Item) -> list[Col]:
    """Number columns listed after ``it`` with "and" ("average rating and resolution"): the same aggregate applies."""
    out: list[Col] = []
    while (
        a := st.cue_at(it.last)
        or (st.cue_at(it.last + 1) if st.tok(it.last) is not None and st.tok(it.last).text == "," else None)
    ) is not None and a.kind == CueKind.AND:  # type: ignore[union-attr]
        more = st.next_item(a.last)
        mcol = st.col_of(more) if more is not None and more.link.kind == "column" and more.role is None else None
        mp = st.colprof(mcol) if mcol is not None else None
        if more is None or mcol is None or mp is None or mp.kind != "number" or mp.is_id_like:
            break
        st.use_cue(a)
        st.use(more, "measure")
        out.append(mcol)
        it = more
    return out


def _agg_like_super(st: ParseState, c: Cue) -> bool:
    """A superlative chained to another aggregate ("average and maximum age", "max and min
    price") is an aggregate too; a lone one ("the highest price") is decided in assemble."""
    if c.arg not in ("max", "min"):
        return False
    cues = st.cues
    k = cues.index(c)
    for step in (-1, 1):
        j = k + step
        gap_ok = True
        if 0 <= j < len(cues) and cues[j].kind == CueKind.AND:
            j += step
        if 0 <= j < len(cues):
            n = cues[j]
            near = abs((n.first if step == 1 else c.first) - (c.last if step == 1 else n.last)) <= 2
            if gap_ok and near and (n.kind == CueKind.AGG or (n.kind == CueKind.SUPER and n.arg in ("max", "min"))):
                return True
    return False


def _counts_name(name: str) -> bool:
    """A number column named as a count: a plural noun or number/count/total ("Floors", "Num_of_Component",
    "Hours_Played", "Total_Horses"), not a measurement such as "Grade" or "Price"."""
    words = [w.lower() for w in split_identifier(name)] + expand_identifier(name)
    if any(w in ("number", "num", "no", "count", "cnt", "total", "nbr") for w in words):
        return True
    plural = [w for w in words if len(w) > 3 and w.endswith("s") and not w.endswith("ss") and stem(w) != w]
    return bool(plural)
