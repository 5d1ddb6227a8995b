"""Binders for order and groups: "sorted by price decreasing and name", "in descending order of the
number of X", "per region and product", "by month".
"""

from __future__ import annotations

from insightchat.planner.offline.bind_counts import measured_item
from insightchat.planner.offline.columns import auto_grain, birth_column, key_to, name_columns
from insightchat.planner.offline.cues import Cue, CueKind, grain_of
from insightchat.planner.offline.spec import Col, Measure, OrderKey
from insightchat.planner.offline.state import ParseState
from insightchat.tools.catalog import ColumnProfile


def bind_groups(st: ParseState) -> None:
    """Groupings: "per region and product", "by month" (a grain), "of each course" (the main table's
    key to it), "by price" after a pending "top"; "across all schools" groups nothing."""
    for c in st.cues:
        if c.kind != CueKind.GROUP or st.consumed(c):
            continue
        grain = grain_of(st.tokens[c.last].lower) if st.tok(c.last) else None
        if grain:
            st.grain = grain
            st.used.add(c.last)
            st.use_cue(c)
            continue
        prev_word = st.tokens[c.first - 1].lower if c.first > 0 else ""
        after = st.cue_at(c.last)
        if st.tokens[c.first].lower == "by" and (
            prev_word in ("listed", "list", "sort", "sorted", "order", "ordered", "ranked", "arranged", "organized")
            or (after is not None and after.kind == CueKind.DIR)
        ):
            key = st.next_item(c.last, extra=(CueKind.DIR,))
            kcol = st.col_of(key) if key else None
            if kcol is not None:
                st.use_cue(c)
                if after is not None:
                    st.use_cue(after)
                st.use(key, "order")
                desc = any(x.kind == CueKind.DIR and x.arg == "desc" for x in st.cues)
                st.spec.order_by.append(OrderKey(kcol, desc))
                continue
        nxt = measured_item(st, c.last, extra=(CueKind.DISTINCT,))
        if (
            nxt is not None
            and st.tok(c.last) is not None
            and st.tok(c.last).lower == "all"
            and st.tokens[c.first].lower in ("across", "for", "of", "in")
        ):  # type: ignore[union-attr]
            st.use(nxt, "table" if nxt.link.kind == "table" else "descriptive")  # "across all schools": no grouping
            st.use_cue(c)
            continue
        if nxt is None:
            if st.tokens[c.first].lower in ("each", "per", "across"):
                nc = st.cue_at(c.last)
                if nc and nc.kind in (CueKind.SUPER, CueKind.CONCEPT_SUPER):
                    st.use_cue(c)
            continue
        if nxt.link.kind == "table":
            if st.tok(c.last) is not None and st.tok(c.last).lower == "all":  # type: ignore[union-attr]
                st.use(nxt, "table")  # "across all manufacturers": the whole table, no grouping
                st.use_cue(c)
                continue
            if nxt.link.table == st.table:
                st.use(nxt, "table")  # "of each student": one row per student, no grouping ...
                st.use_cue(c)
                names = name_columns(st, st.table)
                if st.spec.measures and any(m.col is not None for m in st.spec.measures) and len(names) == 1:
                    st.spec.group_by.append(names[0])  # ... unless something is aggregated per student
                continue
            key = key_to(st, nxt.link.table)
            if key is not None:
                # "sections of each course": the main table's reference to a course, no join
                st.use(nxt, "group_key")
                st.use_cue(c)
                if key not in st.spec.group_by:
                    st.spec.group_by.append(key)
                continue
            names = name_columns(st, nxt.link.table)
            if len(names) == 1:
                st.use(nxt, "group")
                st.use_cue(c)
                st.spec.group_by.append(names[0])
            continue
        col = st.col_of(nxt)
        if col is None:
            continue
        p = st.colprof(col)
        if _top_pending_by(st, col, p):
            st.use(nxt, "order")
            st.use_cue(c)
            continue
        st.use(nxt, "group")
        st.use_cue(c)
        if p and p.kind == "date" and not grain:
            st.grain = st.grain or auto_grain(p)
            st.grain_col = col
            continue
        if col not in st.spec.group_by:
            st.spec.group_by.append(col)
        # "per region and product": more grouping columns
        while (a := st.cue_at(nxt.last)) is not None and a.kind == CueKind.AND:
            more = st.next_item(a.last)
            mcol = st.col_of(more) if more else None
            if mcol is None or more.role is not None or more.link.kind != "column":  # type: ignore[union-attr]
                break
            st.use_cue(a)
            st.use(more, "group")
            if mcol not in st.spec.group_by:
                st.spec.group_by.append(mcol)
            nxt = more  # type: ignore[assignment]


def _top_pending_by(st: ParseState, col: Col, p: ColumnProfile | None) -> bool:
    """A "top 5" left waiting ranks by the number column named after "by"."""
    direction = st.top_pending
    if direction and p and p.kind == "number":
        st.spec.order_by.append(OrderKey(col, desc=direction == "max"))
        st.top_pending = None
        return True
    return False


def _sort_verb(st: ParseState) -> None:
    """ "Sort/Order the rooms according to (by) the price": the verb opens a sentence and makes the
    following "according to" or "by" name the sort key (not a grouping)."""
    toks = st.tokens
    verbs = [
        i
        for i, t in enumerate(toks)
        if t.lower in ("sort", "order", "arrange")
        and (i == 0 or toks[i - 1].kind == "punct")
        and not st.is_cue_pos(i)
        and not any(it.first <= i < it.last for it in st.items)
    ]
    if not verbs:
        return
    st.used.update(verbs)
    for k, c in enumerate(st.cues):
        if c.first > verbs[0] and (
            c.kind == CueKind.ACCORDING or (c.kind == CueKind.GROUP and toks[c.first].lower == "by")
        ):
            st.cues[k] = Cue(c.first, c.last, CueKind.ORDER)
            break


def bind_order(st: ParseState) -> None:
    """Sort keys and directions: "ordered by price decreasing and name ascending", "in descending order
    of the number of X" (a count, see ``order_count``), "in alphabetical order" (``alpha``)."""
    _sort_verb(st)
    desc = any(c.kind == CueKind.DIR and c.arg == "desc" for c in st.cues)
    for c in st.cues:
        if c.kind == CueKind.DIR:
            st.use_cue(c)
    for c in st.cues:
        if c.kind == CueKind.ALPHA:
            st.use_cue(c)
            st.alpha = True
        if c.kind != CueKind.ORDER or st.consumed(c):
            continue
        st.use_cue(c)
        start = c.last
        while (cc := st.cue_at(start)) is not None and (
            cc.kind == CueKind.DIR or (cc.kind == CueKind.GROUP and st.tokens[cc.first].lower == "by")
        ):
            st.use_cue(cc)
            start = cc.last
        nxt = st.next_item(start, extra=(CueKind.DIR, CueKind.ALPHA))
        nc = st.cue_at(start) or (st.cue_at(start + 1) if st.skippable(start) else None)
        if nc and nc.kind == CueKind.COUNT:
            after = st.next_item(nc.last)
            acol = (
                st.col_of(after) if after is not None and after.link.kind == "column" and after.role is None else None
            )
            ap = st.colprof(acol) if acol is not None else None
            if (
                acol is not None
                and acol.table == st.table
                and ap is not None
                and ap.kind == "number"
                and not ap.is_id_like
            ):
                # "in descending order of number of cities" over a number column Number_cities: that column
                st.use_cue(nc)
                st.use(after, "order")
                st.spec.order_by.append(OrderKey(acol, desc))
                continue
            st.use_cue(nc)
            if after and after.link.kind == "table":
                st.use(after, "count")
            st.order_count = desc
            continue
        if nc and nc.kind == CueKind.AGG:
            after = st.next_item(nc.last)
            col = st.col_of(after) if after else None
            if col:
                st.use_cue(nc)
                st.use(after, "order")
                st.spec.order_by.append(OrderKey(Measure(nc.arg, col), desc))
            continue
        if (
            nxt is not None
            and nxt.link.kind == "table"
            and (after := st.item_at(nxt.last)) is not None
            and after.link.kind == "column"
            and after.link.table == nxt.link.table
        ):
            # "in descending order of building height": the table's word, then its column
            st.use(nxt, "table")
            nxt = after
        col = st.col_of(nxt) if nxt else None
        if col is None:
            continue
        st.use(nxt, "order")
        if col == birth_column(st) and any(
            c.kind == CueKind.DIR and {"old", "young"} & {t.stem for t in st.tokens[c.first : c.last]} for c in st.cues
        ):
            desc = not desc  # "from old to young" by a birth date: the earliest date first
        st.spec.order_by.append(OrderKey(col, desc))
        own_dirs = [_dir_after(st, nxt.last)]
        # "ordered by email address and phone number": more keys
        while nxt is not None and (a := st.cue_at(_dir_end(st, nxt.last))) is not None and a.kind == CueKind.AND:
            more = st.next_item(a.last)
            mcol = st.col_of(more) if more else None
            if mcol is None or more.role is not None:  # type: ignore[union-attr]
                break
            st.use_cue(a)
            st.use(more, "order")
            st.spec.order_by.append(OrderKey(mcol, desc))
            own_dirs.append(_dir_after(st, more.last))  # type: ignore[union-attr]
            nxt = more
        if len(own_dirs) >= 2 and all(d is not None for d in own_dirs):
            # "sorted by price decreasing and name ascending": each key its own direction
            keys = st.spec.order_by[-len(own_dirs) :]
            st.spec.order_by[-len(own_dirs) :] = [OrderKey(k.target, d) for k, d in zip(keys, own_dirs, strict=False)]
    st.desc = desc


def _dir_cue_after(st: ParseState, end: int) -> Cue | None:
    """A direction right after an order key: "price decreasing", "name in ascending order"."""
    c = st.cue_at(end)
    if c is None and st.tok(end) is not None and st.tok(end).lower == "in":  # type: ignore[union-attr]
        c = st.cue_at(end + 1)
    return c if c is not None and c.kind == CueKind.DIR else None


def _dir_after(st: ParseState, end: int) -> bool | None:
    """The direction said right after an order key: True for descending, None when none is."""
    c = _dir_cue_after(st, end)
    return None if c is None else c.arg == "desc"


def _dir_end(st: ParseState, end: int) -> int:
    """Where an order key's own direction words end."""
    c = _dir_cue_after(st, end)
    return end if c is None else c.last
