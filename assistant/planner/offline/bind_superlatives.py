"""Binder for superlatives: "the highest X", "the 3 oldest", "top 5 by price", "the most common X",
"has the most students".
"""

from __future__ import annotations

from insightchat.planner.lexicon import USAGE_VERBS
from insightchat.planner.offline.bind_counts import measured_item
from insightchat.planner.offline.columns import birth_column, concept_column, unique_values
from insightchat.planner.offline.cues import Cue, CueKind
from insightchat.planner.offline.spec import Col, Measure, OrderKey
from insightchat.planner.offline.state import Item, ParseState
from insightchat.planner.offline.text import expand_identifier, stem


def bind_supers(st: ParseState) -> None:
    """Superlatives: the column ranked and its direction (``super_col``), a count to rank by
    (``top_count``), how many rows (``limit``), or a "top" left for a "by" key (``top_pending``)."""
    cues = st.cues
    for c in cues:
        if c.kind not in (CueKind.SUPER, CueKind.CONCEPT_SUPER, CueKind.COMMON, CueKind.TOP) or st.consumed(c):
            continue
        # "top 5", "bottom 3", "5 highest"
        k = None
        num = st.number_at(c.last) if c.kind == CueKind.TOP else None
        if num and isinstance(num[0], int):
            k = num[0]
            st.used.add(c.last)
            pos = num[1]
        else:
            pos = c.last
            prev_num = st.number_at(c.first - 1)
            if (
                prev_num
                and isinstance(prev_num[0], int)
                and 1 <= prev_num[0] <= 100
                and st.item_ending(c.first - 1) is None
                and (st.tok(c.first - 1).kind == "num" or prev_num[0] > 1)
            ):  # type: ignore[union-attr]
                k = prev_num[0]
                st.used.add(c.first - 1)
            elif c.kind in (CueKind.SUPER, CueKind.CONCEPT_SUPER):
                # "the 3 counties with the smallest population": k before the ranked rows' table
                for j in range(c.first - 1):
                    nj = st.number_at(j)
                    it = st.item_at(j + 1)
                    if (
                        nj
                        and isinstance(nj[0], int)
                        and 1 < nj[0] <= 100
                        and j not in st.used
                        and it is not None
                        and it.link.kind == "table"
                        and it.link.table == st.table
                    ):
                        k = nj[0]
                        st.used.add(j)
                        break
        direction = c.arg[1] if c.kind == CueKind.CONCEPT_SUPER else c.arg
        st.use_cue(c)
        nxt_sup = st.cue_at(pos)
        if (
            c.kind == CueKind.TOP
            and k is not None
            and nxt_sup is not None
            and nxt_sup.kind in (CueKind.SUPER, CueKind.CONCEPT_SUPER)
        ):
            st.limit = k  # "the top 5 largest ages": the superlative ranks, top gives the count
            continue
        if c.kind == CueKind.TOP and nxt_sup is not None and nxt_sup.kind == CueKind.COMMON:
            st.common_k = k  # "the top 3 most common colleges": 'most common' ranks, top gives the count
            continue
        if c.kind == CueKind.TOP and _bind_top_by(st, c, pos, k, direction):
            continue
        if c.kind == CueKind.COMMON:
            nxt = measured_item(st, pos)
            if (
                nxt is not None
                and nxt.link.kind == "table"
                and (before := _column_before_verb(st, c.first)) is not None
                and before.role is None
            ):
                nxt = before  # "which reign is the most common among wrestlers": the rows come after, the column before
            if nxt is None:
                nxt = _column_before_verb(
                    st, c.first
                )  # "which allergy is the most common", "the payment method used most often"
                if nxt is None:
                    nxt = _column_of_rows_before(st, c.first)  # "the class of races that is most common"
                if nxt is not None and nxt.role is not None:
                    nxt = None
            col = st.col_of(nxt) if nxt else None
            if col is None:
                st.reading.problems.append("I could not tell what 'most common' refers to")
                continue
            st.use(nxt, "group")
            st.spec.group_by.append(col)
            st.top_count = (direction, col)
            st.limit = k or st.common_k or 1
            continue
        nxt_cue = st.cue_at(pos) or (st.cue_at(pos + 1) if st.skippable(pos) else None)
        if nxt_cue and nxt_cue.kind == CueKind.COUNT:
            # "the most number of X" / "the fewest count"
            st.use_cue(nxt_cue)
            nxt = st.next_item(nxt_cue.last)
            ncol = st.col_of(nxt) if nxt is not None and nxt.link.kind == "column" else None
            np_ = st.colprof(ncol) if ncol is not None else None
            if ncol is not None and np_ is not None and np_.kind == "number" and not np_.is_id_like:
                # "the largest number of bedrooms" over a bedroom_count column: that column's maximum
                st.use(nxt, "super")
                st.super_col.append((ncol, direction, c))
                if k is not None:
                    st.limit = k
                continue
            if nxt and nxt.link.kind == "table":
                st.use(nxt, "count")
                if nxt.link.table != st.table:
                    st.spec.extra_tables.append(nxt.link.table)  # "the artist with the most albums"
            st.top_count = (direction, None)
            st.limit = k or 1
            continue
        if c.kind == CueKind.CONCEPT_SUPER:
            col = concept_column(st, c.arg[0], st.table)
            before = st.prev_item(c.first, limit=0) if c.arg[0] == "date" else None
            bcol = st.col_of(before) if before is not None and before.role is None else None
            if (
                bcol is not None
                and (bp := st.colprof(bcol)) is not None
                and bp.kind in ("date", "number", "text")
                and (col is None or bp.kind == "date")
            ):
                st.use(before, "super")  # "the player who joined most recently": the date column named just before
                col = bcol
            after = st.next_item(c.last) if c.arg[0] == "date" else None
            acol = (
                st.col_of(after) if after is not None and after.role is None and after.link.kind == "column" else None
            )
            if acol is not None and {t.lower for t in st.tokens[c.first : c.last]} & set(expand_identifier(acol.name)):
                acol = None  # "the latest logon" over date_of_latest_logon: the word is part of the column's name
            if (
                col is None
                and acol is not None
                and (ap := st.colprof(acol)) is not None
                and (
                    ap.kind in ("date", "number")
                    or {"date", "time", "year", "start", "end"} & {stem(w) for w in expand_identifier(acol.name)}
                )
            ):
                st.use(after, "super")  # "the shop with the latest open year": the column named right after
                col = acol
            if col is None and c.arg[0] == "age":
                col = birth_column(st) or concept_column(st, "date", st.table)
                if col is not None:
                    direction = "min" if direction == "max" else "max"  # the oldest: the earliest birth (or only) date
            if col is None:
                st.reading.problems.append(f"I could not tell which column '{st.tokens[c.first].text}' is about")
                continue
            st.super_col.append((col, direction, c))
            st.limit = k if k is not None else st.limit
            continue
        nxt = st.next_item(pos)
        if (
            nxt is not None
            and nxt.link.kind == "table"
            and c.kind in (CueKind.SUPER,)
            and c.arg in ("max", "min")
            and st.tokens[c.first].lower in ("most", "least", "fewest")
        ):
            # "has the most students": count rows (of a joined table when it is another one)
            st.use(nxt, "count")
            if nxt.link.table != st.table:
                st.spec.extra_tables.append(nxt.link.table)
            st.top_count = (direction, None)
            st.limit = k or 1
            continue
        col = st.col_of(nxt) if nxt else None
        if col is None:
            if c.kind == CueKind.TOP and k:
                st.limit = k
                st.top_pending = direction
                continue
            if c.kind == CueKind.SUPER and st.tokens[c.first].lower in ("most", "least"):
                st.top_count = (direction, None)
                st.limit = k or 1
                continue
            st.reading.problems.append(f"I could not tell what '{st.tokens[c.first].text}' applies to")
            continue
        st.use(nxt, "super")
        direction = _rank_direction(st, col, direction, c)
        st.super_col.append((col, direction, c))
        if k is not None:
            st.limit = k


def _column_before_verb(st: ParseState, pos: int) -> Item | None:
    """The column just before ``pos``, past copulas and one verb ("the payment method (that is) used most often")."""
    i = pos
    while (
        i > 0
        and i - 1 not in st.used
        and (t := st.tokens[i - 1]).kind == "word"
        and t.lower in USAGE_VERBS
        and not st.is_cue_pos(i - 1)
    ):
        st.used.add(i - 1)
        i -= 1
    return st.prev_item(i, kinds=("column",))


def _column_of_rows_before(st: ParseState, pos: int) -> Item | None:
    """ "the class of races that is most common": past the main table's rows, the column named before "of"."""
    i = pos
    while (
        i > 0
        and i - 1 not in st.used
        and (t := st.tokens[i - 1]).kind == "word"
        and t.lower in USAGE_VERBS
        and not st.is_cue_pos(i - 1)
    ):
        i -= 1
    rows = st.prev_item(i, kinds=("table",))
    if rows is None or rows.link.table != st.table or rows.role is not None:
        return None
    j = rows.first
    while j > 0 and st.tokens[j - 1].lower in ("the", "all", "a", "an", "each", "every"):
        j -= 1
    if j == 0 or st.tokens[j - 1].lower not in ("of", "for", "among", "in"):
        return None
    col = st.item_ending(j - 1)
    if col is None or col.link.kind != "column" or col.role is not None or col.link.table != st.table:
        return None
    if any(it.first >= pos and it.link.kind == "table" and it.link.table != st.table for it in st.items):
        return None  # "the genre that is most frequent across all tracks": counted over another table's rows
    c = st.col_of(col)
    if c is None or unique_values(st, c):
        return None  # a name of each row counts ones
    st.use(rows, "table")
    return col


def _rank_direction(st: ParseState, col: Col, direction: str, c: Cue) -> str:
    """A rank is best when smallest: "the highest rank" is rank 1 (not for "maximum rank")."""
    word = st.tokens[c.first].lower
    if word in ("highest", "lowest", "top", "bottom", "best", "worst") and expand_identifier(col.name)[-1:] in (
        ["rank"],
        ["ranking"],
    ):
        return "min" if direction == "max" else "max"
    return direction


def _bind_top_by(st: ParseState, c: Cue, pos: int, k: int | None, direction: str) -> bool:
    """ "top 3 products by price" / "top 5 regions by average rating" / "top 3 products"."""
    shown = st.next_item(pos)
    col = st.col_of(shown) if shown else None
    if shown is None:
        return False
    by = st.cue_at(shown.last)
    st.limit = k or 1
    if by is not None and by.kind == CueKind.GROUP and st.tokens[by.first].lower == "by":
        agg = st.cue_at(by.last) or (st.cue_at(by.last + 1) if st.skippable(by.last) else None)
        key_pos = agg.last if agg is not None and agg.kind in (CueKind.AGG, CueKind.COUNT) else by.last
        key = st.next_item(key_pos)
        key_col = st.col_of(key) if key else None
        if agg is not None and agg.kind == CueKind.COUNT:
            if key is not None and key.link.kind == "table":
                st.use(key, "count")
            st.use_cue(agg)
            key_measure: Measure | None = Measure("count")
        elif key_col is not None and agg is not None and agg.kind == CueKind.AGG:
            st.use(key, "order")
            st.use_cue(agg)
            key_measure = Measure(agg.arg, key_col)
        elif key_col is not None:
            st.use(key, "order")
            key_measure = None
        else:
            return False
        st.use_cue(by)
        if key_measure is not None:
            if col is None:
                return False
            st.use(shown, "group")
            st.spec.group_by.append(col)
            if key_measure not in st.spec.measures:
                st.spec.measures.append(key_measure)
            st.spec.order_by.append(OrderKey(key_measure, desc=direction == "max"))
        else:
            if col is not None:
                st.use(shown, "select")
                st.spec.columns.append(col)
            else:
                st.use(shown, "table")
            st.spec.columns.append(key_col)  # type: ignore[arg-type]
            st.spec.order_by.append(OrderKey(key_col, desc=direction == "max"))  # type: ignore[arg-type]
        return True
    if col is not None and (p := st.colprof(col)) is not None and p.kind in ("text", "bool"):
        # "top 3 products": the most frequent values
        st.use(shown, "group")
        st.spec.group_by.append(col)
        st.spec.measures.append(Measure("count"))
        st.spec.order_by.append(OrderKey(Measure("count"), desc=direction == "max"))
        return True
    return False
