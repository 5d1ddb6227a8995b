"""Binders for comparisons: "more than 5", "between 2 and 4", "aged 36 or 37", "below the average",
"older than every engineer", and "or" between two of them.
"""

from __future__ import annotations

from typing import Any

from insightchat.planner.lexicon import EXTREME_WORDS
from insightchat.planner.offline.columns import concept_column, names_table
from insightchat.planner.offline.cues import Cue, CueKind
from insightchat.planner.offline.spec import Col, Filter, Measure
from insightchat.planner.offline.state import Item, ParseState, toks_lower
from insightchat.planner.offline.text import FILLER_STEMS


def bind_comparisons(st: ParseState) -> None:
    """Numbers compared with a column: "more than 5", "between 2 and 4", "30 years old or younger",
    "courses with 1 credit", "aged 36 or 37"; with no number, "below the average" (see _cmp_average)."""
    cues = st.cues
    for c in cues:
        if c.kind == CueKind.BETWEEN:
            a = st.number_at(c.last)
            if a and st.tok(a[1]) and st.tok(a[1]).lower == "and":  # type: ignore[union-attr]
                b = st.number_at(a[1] + 1)
                if b:
                    target = st.prev_item(c.first, kinds=("column",))
                    if target is None:
                        st.reading.problems.append("I could not tell which column 'between' applies to")
                        continue
                    st.use(target, "filter")
                    st.add_filter(Filter(st.col_of(target), "between", (a[0], b[0])), target.first)  # type: ignore[arg-type]
                    st.use_cue(c)
                    st.used.update({c.last, a[1], a[1] + 1})
                    st.use_cue_at(a[1])
            continue
        if c.kind in (CueKind.CMP, CueKind.CMP_CONCEPT):
            num = st.number_at(c.last)
            named = st.item_at(c.last) if not num else None
            ncol = (
                st.col_of(named) if named is not None and named.link.kind == "column" and named.role is None else None
            )
            if (
                ncol is not None
                and (npf := st.colprof(ncol)) is not None
                and npf.kind == "number"
                and (num2 := st.number_at(named.last)) is not None
            ):  # type: ignore[union-attr]
                # "members under age 30": the comparison, then the column, then the number
                op2 = c.arg[1] if c.kind == CueKind.CMP_CONCEPT else c.arg
                st.use(named, "filter")
                st.use_cue(c)
                st.used.update(range(c.first, num2[1]))
                f2 = Filter(ncol, op2, (num2[0],))
                st.spec.filters.append(f2)
                st.filter_spans.append((f2, c.first, num2[1]))
                continue
            if not num:
                _cmp_average(st, c)
                continue
            op = c.arg[1] if c.kind == CueKind.CMP_CONCEPT else c.arg
            if st.neg_before(c.first, 1):
                op = {">": "<=", ">=": "<", "<": ">=", "<=": ">", "=": "<>"}.get(op, op)
            values: list[Any] = [num[0]]
            end = num[1]
            if op == "=" and st.tok(end) and st.tok(end).lower == "or" and st.number_at(end + 1):  # type: ignore[union-attr]
                values.append(st.number_at(end + 1)[0])  # type: ignore[index]
                st.used.update({end, end + 1})
                end += 2
            _apply_cmp(st, c, op, values, c.first, end, concept=c.arg[0] if c.kind == CueKind.CMP_CONCEPT else None)
        elif c.kind == CueKind.CMP_POST:
            num = st.number_at(c.first - 1)
            if (
                num is None
                and c.first >= 3
                and toks_lower(st.tokens, c.first - 2, c.first) in ("years old", "year old")
                and (num := st.number_at(c.first - 3))
            ):
                # "30 years old or younger": the age
                st.used.update({c.first - 2, c.first - 1})
                _apply_cmp(st, c, c.arg, [num[0]], c.first - 3, c.last, concept="age")
                continue
            nxt = st.number_at(c.last)
            if num and nxt and (c.first - 1) in st.used and st.tokens[c.first].lower == "or":
                # "age above 50 or below 46": a second comparison on the same column, not "50 or below"
                _apply_cmp(st, c, {">=": ">", "<=": "<"}.get(c.arg, c.arg), [nxt[0]], c.first + 1, nxt[1], concept=None)
                _or_last_two(st, c)
            elif num:
                _apply_cmp(
                    st,
                    c,
                    c.arg,
                    [num[0]],
                    c.first - 1,
                    c.last,
                    concept="age" if "older" in c.arg or c.arg == "or older" else None,
                )
    # "actors who are not 20 years old": the age
    toks = st.tokens
    for i in range(len(toks) - 2):
        num = st.number_at(i)
        if num is None or i in st.used or toks_lower(toks, i + 1, i + 3) not in ("years old", "year old"):
            continue
        col = concept_column(st, "age", st.table)
        if col is None:
            continue
        for it in st.items:
            if it.role is None and st.col_of(it) == col and it.last <= i and i - it.last <= 3:
                st.use(it, "filter")  # "whose age is 20 years old"
        st.used.update(range(i, i + 3))
        st.add_filter(Filter(col, "<>" if st.neg_before(i, 3) else "=", (num[0],)), i)
    # "courses with 1 credit", "rooms that have 2 beds": a number, then a number column
    for i in range(1, len(toks) - 1):
        num = st.number_at(i)
        it = st.item_at(i + 1)
        if (
            num is None
            or i in st.used
            or toks[i].kind != "num"
            or toks[i - 1].lower not in ("with", "has", "have", "had")
            or it is None
            or it.role is not None
            or it.link.kind != "column"
        ):
            continue
        col = st.col_of(it)
        p = st.colprof(col) if col is not None else None
        if p is None or p.kind != "number" or p.is_id_like or col.table != st.table:  # type: ignore[union-attr]
            continue
        st.use(it, "filter")
        st.used.add(i)
        st.add_filter(Filter(col, "<>" if st.neg_before(i - 1, 2) else "=", (num[0],)), i)  # type: ignore[arg-type]
    # a number column followed by a number: "aged 36 or 37", "with 3 stars"
    for it in st.items:
        col = st.col_of(it)
        if it.role or col is None or it.link.kind != "column":
            continue
        p = st.colprof(col)
        if p and p.kind == "text":
            _text_number(st, it, col)
            continue
        if not p or p.kind != "number":
            continue
        j = it.last
        negated = False
        while st.tok(j) and st.tok(j).lower in ("is", "of", "=", "equals", "was", "not"):  # type: ignore[union-attr]
            negated = negated or st.tok(j).lower == "not"  # type: ignore[union-attr]
            j += 1
        num = st.number_at(j)
        if num and j not in st.used and st.tok(j).kind == "num":  # type: ignore[union-attr]
            vals = [num[0]]
            st.used.update(range(it.last, num[1]))
            k = num[1]
            both = any(
                c.kind == CueKind.BOTH and it.first - 3 <= c.first < it.first for c in st.cues
            )  # "in both year 1999 and 2000"
            while (
                st.tok(k)
                and (st.tok(k).lower in ("or", ",") or (both and st.tok(k).lower == "and"))
                and st.number_at(k + 1)
            ):  # type: ignore[union-attr]
                vals.append(st.number_at(k + 1)[0])  # type: ignore[index]
                st.used.update({k, k + 1})
                k += 2
            st.use(it, "filter")
            neg = st.neg_before(it.first, 2)
            if negated:  # "whose age is not 20"
                neg = not neg
                for c in st.cues:
                    if c.kind == CueKind.NEG and it.last <= c.first < j:
                        st.use_cue(c)
            if len(vals) > 1:
                st.add_filter(Filter(col, "not in" if neg else "in", tuple(vals)), it.first)
            else:
                st.add_filter(Filter(col, "<>" if neg else "=", (vals[0],)), it.first)


def _text_number(st: ParseState, it: Item, col: Col) -> None:
    """A text column, then a number stored in it: "the account with the name 338", "zip code 197"."""
    find = st.catalog.find_value
    j = it.last
    while st.tok(j) is not None and st.tok(j).lower in ("is", "of", "=", "equals", "was"):  # type: ignore[union-attr]
        j += 1
    t = st.tok(j)
    p = st.colprof(col)
    if t is None or t.kind != "num" or j in st.used or p is None:
        return
    if p.values is not None:
        hits = [v for v in p.values if v.strip().lower() == t.text.lower()]
    else:
        hits = [v for tb, c, v in find(t.text) if tb == col.table and c == col.name] if find is not None else []
    if len(hits) != 1:
        return
    st.use(it, "filter")
    st.used.update(range(it.last, j + 1))
    st.add_filter(Filter(col, "<>" if st.neg_before(it.first, 2) else "=", (hits[0],)), it.first)


def _cmp_average(st: ParseState, c: Cue) -> None:
    """ "score below the average (score)", "younger than average": a comparison with the column's mean."""
    i = c.last
    if st.tok(i) is not None and st.tok(i).lower == "the":  # type: ignore[union-attr]
        i += 1
    if _cmp_quantified(st, c):
        return
    avg = st.cue_at(i)
    extreme = (
        avg is not None
        and avg.kind == CueKind.SUPER
        and avg.arg in ("max", "min")
        and st.tokens[avg.first].lower in EXTREME_WORDS
    )
    if avg is None or not (extreme or (avg.kind == CueKind.AGG and avg.arg == "avg")):
        return
    end = avg.last
    after = st.item_at(end) or (st.item_at(end + 1) if st.tok(end) is not None and st.tok(end).lower == "of" else None)  # type: ignore[union-attr]
    acol = st.col_of(after) if after is not None and after.link.kind == "column" and after.role is None else None
    some_rows = False
    if extreme and (acol is None or not _nothing_after(st, after.last)):  # type: ignore[union-attr]
        if acol is None:
            return
        # "less than the lowest revenue of any manufacturer in Austin": over those rows (move_sub_rows)
        some_rows = True
    op = c.arg[1] if c.kind == CueKind.CMP_CONCEPT else c.arg
    target = st.prev_item(c.first, kinds=("column",))
    col = st.col_of(target) if target is not None else None
    if col is None and c.kind == CueKind.CMP_CONCEPT:
        col = concept_column(st, c.arg[0], st.table)
    if col is None:
        col, target = acol, None
    if col is None or acol not in (None, col) or (p := st.colprof(col)) is None or p.kind != "number":
        return
    if st.neg_before(c.first, 1):
        op = {">": "<=", ">=": "<", "<": ">=", "<=": ">"}.get(op, op)
    if target is not None:
        st.use(target, "filter")
    if after is not None and acol is not None:
        st.use(after, "filter")
        end = after.last
    st.use_cue(c)
    st.use_cue(avg)
    st.used.update(range(c.first, end))
    words = {">": "above", ">=": "at least", "<": "below", "<=": "at most"}.get(op, op)
    agg = avg.arg
    what = {"avg": "average", "max": "maximum", "min": "minimum"}[agg]
    f = Filter(col, op, (Measure(agg, col),), label=f"{col.name} {words} its {what}")  # type: ignore[arg-type]
    st.spec.filters.append(f)
    if some_rows:
        st.sub_rows.append((f, end))


def _cmp_quantified(st: ParseState, c: Cue) -> bool:
    """ "salary greater than that of some instructor in Biology", "older than every engineer": the
    column against its minimum (some) or maximum (all) over the rows the rest of the question names."""
    toks = st.tokens
    i = c.last
    if toks_lower(toks, i, i + 2) in ("that of", "those of"):
        i += 2
    q = st.tok(i)
    if q is None or q.lower not in ("some", "all", "every"):
        return False
    op = c.arg[1] if c.kind == CueKind.CMP_CONCEPT else c.arg
    if op not in (">", ">=", "<", "<="):
        return False
    target = st.prev_item(c.first, kinds=("column",))
    col = st.col_of(target) if target is not None else None
    if col is None and c.kind == CueKind.CMP_CONCEPT:
        col = concept_column(st, c.arg[0], st.table)
    if col is None or col.table != st.table or (p := st.colprof(col)) is None or p.kind not in ("number", "date"):
        return False
    agg = ("min" if q.lower == "some" else "max") if op[0] == ">" else ("max" if q.lower == "some" else "min")
    if target is not None:
        st.use(target, "filter")
    st.use_cue(c)
    st.used.update(range(c.first, i + 1))
    words = {">": "above", ">=": "at least", "<": "below", "<=": "at most"}[op]
    f = Filter(
        col,
        op,
        (Measure(agg, col),),
        label=f"{col.name} {words} the {'minimum' if agg == 'min' else 'maximum'} of those rows",
    )  # type: ignore[arg-type]
    st.spec.filters.append(f)
    st.sub_rows.append((f, i + 1))
    return True


def move_sub_rows(st: ParseState) -> None:
    """Filters stated after "than the lowest X of any ..." / "than some ..." restrict the sub-query."""
    for f, pos in st.sub_rows:
        if f not in st.spec.filters:
            continue
        inner = [
            g
            for g in st.spec.filters
            if g is not f
            and isinstance(g.col, Col)
            and not isinstance((g.values or (None,))[0], Measure)
            and (k := st.where_first(g)) is not None
            and k >= pos
        ]
        inner += [
            g
            for g in st.spec.filters
            if g is not f
            and isinstance(g.col, Col)
            and g not in inner
            and st.where_first(g) is None
            and _value_pos(st, g) >= pos
        ]
        if not inner:
            st.reading.problems.append("I could not tell which rows the comparison is with")
            continue
        for g in inner:
            st.spec.filters.remove(g)
        inner_cols = {g.col for g in inner}
        for it in st.items:
            if it.role is None and it.first >= pos and it.link.kind == "column" and st.col_of(it) in inner_cols:
                st.use(it, "filter")  # "in the Biology department": the department named for the sub-query
        k = st.spec.filters.index(f)
        st.spec.filters[k] = Filter(f.col, f.op, f.values, f.label, tuple(inner))


def _value_pos(st: ParseState, g: Filter) -> int:
    """Where the question named the value of filter ``g`` (a value link), else -1."""
    vals = {str(v).lower() for v in g.values}
    for it in st.items:
        if (
            it.link.kind == "value"
            and it.role is not None
            and (it.link.table, it.link.column) == (g.col.table, g.col.name)
            and str(it.link.value).lower() in vals
        ):  # type: ignore[union-attr]
            return it.first
    return -1


def _nothing_after(st: ParseState, k: int) -> bool:
    """Only punctuation, or "of all (the) <rows>", follows token ``k``: the aggregate is over every row."""
    toks = st.tokens
    while k < len(toks) and toks[k].lower in ("of", "all", "the", "any", "among", "amongst", "over", "for"):
        k += 1
    it = st.item_at(k)
    if it is not None and it.link.kind == "table" and it.link.table == st.table:
        st.use(it, "table")
        k = it.last
    return all(t.kind in ("punct", "sym") for t in toks[k:])


def _apply_cmp(st: ParseState, c: Cue, op: str, values: list[Any], first: int, end: int, concept: str | None) -> None:
    """One comparison ``op values`` said over tokens [first, end): a filter on the column before it (or
    the one ``concept`` implies), a condition on an aggregate (HAVING), or a count of rows per group."""
    counted = next(
        (
            x
            for x in st.cues
            if x.kind == CueKind.COUNT
            and x.last == first
            and toks_lower(st.tokens, x.first, x.last) in ("count", "counts")
        ),
        None,
    )
    if counted is not None and not concept:
        # "the categories with count more than 1": a count of rows per group
        st.use_cue(counted)
        st.use_cue(c)
        st.used.update(range(first, end))
        st.spec.filters.append(Filter(Measure("count"), op, tuple(values[:1])))  # type: ignore[arg-type]
        return
    target: Item | None = st.prev_item(first, kinds=("column",))
    col = st.col_of(target) if target else None
    if col is not None and (p := st.colprof(col)) and p.kind not in ("number", "date"):
        target, col = None, None
    after = st.next_item(end)
    if col is None and concept:
        col = concept_column(st, concept, st.table)
    reused = False
    if col is None and after is None:
        # "population over 1500 or less than 500", "taller than 200 or lower than 190": the same column
        col, target = _compared_before(st, first, op)
        reused = col is not None
    if after is not None and not concept and _counted_noun(st, end, values, after):
        # "colleges that have at least two players" over a text column Player: rows per group
        st.use(after, "having")
        st.spec.filters.append(Filter(Measure("count"), op, tuple(values[:1])))  # type: ignore[arg-type]
        st.used.update(range(first, end))
        st.use_cue(c)
        return
    row_word = st.tok(end) is not None and st.tok(end).lower in ("records", "rows", "entries", "times")  # type: ignore[union-attr]
    if col is None and row_word and not concept:
        # "more than 2 records", "used less than 5 times": a count of rows per group
        st.used.update(range(first, end + 1))
        st.use_cue(c)
        st.spec.filters.append(Filter(Measure("count"), op, tuple(values[:1])))  # type: ignore[arg-type]
        return
    if col is None and after is not None:
        if after.link.kind == "table" or (
            names_table(st, after) and after.link.table == st.table and st.number_at(end - 1) is not None
        ):
            # "more than 3 students": a count of rows per group
            st.use(after, "having")
            st.spec.filters.append(Filter(Measure("count"), op, tuple(values[:1])))  # type: ignore[arg-type]
            if after.link.table != st.table:
                st.spec.extra_tables.append(after.link.table)
            st.used.update(range(first, end))
            st.use_cue(c)
            return
        acol = st.col_of(after)
        if acol and (p := st.colprof(acol)) and p.kind == "number":
            target, col = after, acol
    if col is None and after is None and not concept and _counted_noun(st, end, values, None):
        # "the years in which at least two shops opened": a plural noun naming nothing counts rows
        st.noun_count = True
        st.used.update(range(first, end + 1))
        st.use_cue(c)
        st.spec.filters.append(Filter(Measure("count"), op, tuple(values[:1])))  # type: ignore[arg-type]
        return
    if col is None:
        st.reading.problems.append(
            f"I could not tell which column '{' '.join(t.text for t in st.tokens[c.first : end])}' applies to"
        )
        return
    agg = _agg_before(st, target) if target is not None else None
    if agg is not None:
        # "average price smaller than 100": a condition on the aggregate (HAVING)
        st.use(target, "having")
        st.use_cue(agg)
        st.used.update(range(first, end))
        st.use_cue(c)
        st.spec.filters.append(
            Filter(Measure(agg.arg if agg.kind != CueKind.COUNT else "count", col), op, (values[0],))
        )  # type: ignore[arg-type]
        return
    st.use(target, "filter")
    st.used.update(range(first, end))
    st.use_cue(c)
    if len(values) > 1:
        f = Filter(col, "in" if op == "=" else "not in", tuple(values))
    else:
        f = Filter(col, op, (values[0],))  # type: ignore[arg-type]
    st.spec.filters.append(f)
    st.filter_spans.append((f, min(first, target.first if target and not reused else first), end))


def _counted_noun(st: ParseState, end: int, values: list[Any], after: Item | None) -> bool:
    """A small whole number before a plural noun that is not a number column ("at least two
    players", "more than one allergies"): a count of rows, not a value of a column."""
    v = values[0] if len(values) == 1 else None
    if not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= 5:
        return False
    if after is not None:
        col = st.col_of(after)
        p = st.colprof(col) if col is not None else None
        last = st.tokens[after.last - 1]
        return (
            after.first == end
            and after.link.kind == "column"
            and after.link.table == st.table
            and after.role is None
            and p is not None
            and p.kind == "text"
            and last.lower.endswith("s")
            and last.stem != last.lower
        )
    t = st.tok(end)
    return (
        t is not None
        and t.kind == "word"
        and not t.is_capitalised
        and t.lower.endswith("s")
        and not t.lower.endswith("ss")
        and t.stem != t.lower
        and t.stem not in FILLER_STEMS
        and st.item_at(end) is None
        and not st.is_cue_pos(end)
    )


def _compared_before(st: ParseState, first: int, op: str) -> tuple[Col | None, Item | None]:
    """The column of a comparison that ends right before "or"/"and" at ``first`` (and the item
    that named it; none when a word such as "taller" implied the column). Only a comparison the
    other way round reuses it: "longer than 3300 or higher than 100" is about another column."""
    k = first - 1
    if k < 0 or st.tokens[k].lower not in ("or", "and"):
        return None, None
    for f, _, end in st.filter_spans:
        if end == k and isinstance(f.col, Col) and f.op[:1] in "<>" and op[:1] in "<>" and f.op[:1] != op[:1]:
            return f.col, next((it for it in st.items if it.role == "filter" and st.col_of(it) == f.col), None)
    return None, None


def _or_last_two(st: ParseState, c: Cue) -> None:
    """The comparison just added by the "or ..." cue ``c`` and the one right before it become one OR-group."""
    placed = [(f, end) for f, _, end in st.filter_spans if f in st.spec.filters]
    before = [x for x in placed if x[1] == c.first]
    after = [x for x in placed if x[1] > c.first]
    if before and after and before[0][0] is not after[-1][0]:
        a, b = before[0][0], after[-1][0]
        st.spec.filters.remove(a)
        st.spec.filters.remove(b)
        st.spec.any_of.append([a, b])


def _agg_before(st: ParseState, it: Item) -> Cue | None:
    """The aggregate or superlative cue right before ``it`` ("average price", "the maximum of the")."""
    for c in st.cues:
        if (
            c.kind in (CueKind.AGG, CueKind.SUPER)
            and c.arg in ("avg", "sum", "max", "min", "median")
            and (c.last == it.first or (c.last == it.first - 1 and st.tokens[c.last].lower in ("the", "of")))
        ):
            return c
    return None


def group_ors(st: ParseState) -> None:
    """ "weight above 220 or height below 75": two comparisons joined by "or" become one OR-group."""
    for c in st.cues:
        if c.kind != CueKind.OR or st.consumed(c):
            continue
        placed = st.filter_spans + [
            (f, k, k + 1) for f in st.spec.filters if (k := st.filter_first.get(id(f))) is not None
        ]
        left = [x for x in placed if x[2] <= c.first]
        right = [x for x in placed if x[1] >= c.last]
        if not left or not right:
            continue
        a = max(left, key=lambda x: x[2])[0]
        b = min(right, key=lambda x: x[1])[0]
        if a in st.spec.filters and b in st.spec.filters and a is not b:
            st.spec.filters.remove(a)
            st.spec.filters.remove(b)
            st.spec.any_of.append([a, b])
            st.use_cue(c)
    if len(st.spec.filters) >= 2 and any(
        c.kind == CueKind.OR and not st.consumed(c) and _or_between_filters(st, c) for c in st.cues
    ):
        st.reading.problems.append("I could not tell which conditions 'or' joins")


def _or_between_filters(st: ParseState, c: Cue) -> bool:
    """Some filter was stated before the "or" and another after it."""
    firsts = [st.where_first(f) for f in st.spec.filters]
    return any(k is not None and k < c.first for k in firsts) and any(k is not None and k >= c.last for k in firsts)
