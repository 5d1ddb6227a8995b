"""Binders for values: linked values as filters (IN for several), "female students", text matches
("starting with A", "with 'Express' in their names"), and capitalised names nothing else explained.
"""

from __future__ import annotations

from typing import Any

from insightchat.planner.lexicon import COPULA, GENDER_WORDS, STOPWORDS, looks_like_verb
from insightchat.planner.offline.columns import name_columns
from insightchat.planner.offline.cues import CueKind
from insightchat.planner.offline.spec import Col, Filter
from insightchat.planner.offline.state import Item, ParseState
from insightchat.planner.offline.text import FILLER_STEMS, expand_identifier, stem


def _names_value_column(st: ParseState, word: Item, value: Item) -> bool:
    """The words of ``word`` are part of the name of ``value``'s column ("king bed" over bedType)."""
    if value.link.column is None or (word.link.table, word.link.column) == (value.link.table, value.link.column):
        return False
    stems = {t.stem for t in st.tokens[word.first : word.last]}
    return stems <= {stem(w) for w in expand_identifier(value.link.column)}


def _neg_governs(st: ParseState, pos: int, limit: int = 6) -> bool:
    """A "not" a few words before ``pos`` with only function words and one verb between
    ("students who are not living in the city HKG", "not headquartered in the USA")."""
    i, verbs = pos - 1, 0
    while i >= 0 and pos - i <= limit:
        t = st.tokens[i]
        cue = next((c for c in st.cues if c.first <= i < c.last), None)
        if cue is not None and cue.kind == CueKind.NEG and not st.consumed(cue) and st.tokens[cue.first].lower == "not":
            st.use_cue(cue)
            return True
        if cue is not None or any(it.first <= i < it.last for it in st.items):
            return False
        if t.lower in COPULA or t.stem in FILLER_STEMS:
            i -= 1
            continue
        if t.kind == "word" and looks_like_verb(t.lower) and verbs == 0:
            verbs += 1
            i -= 1
            continue
        return False
    return False


def bind_values(st: ParseState) -> None:
    """Value links become filters; values of one column joined by "or"/"and" become IN."""
    groups: list[list[Item]] = []
    for it in st.items:
        if it.link.kind != "value" or it.role:
            continue
        if groups and _joined(st, groups[-1][-1], it):
            groups[-1].append(it)
        else:
            groups.append([it])
    compare = any(c.kind == CueKind.COMPARE for c in st.cues)
    for group in groups:
        for g in group:
            # "in Los Angeles county": the column named right after the value picks among equal readings
            after = st.item_at(g.last)
            if after is not None and after.link.kind == "column" and after.role is None and g.alts:
                pick = next((a for a in g.alts if (a.table, a.column) == (after.link.table, after.link.column)), None)
                if pick is not None and (g.link.table, g.link.column) != (pick.table, pick.column):
                    g.alts = [g.link] + [a for a in g.alts if a is not pick]
                    g.link = pick
                if (g.link.table, g.link.column) == (after.link.table, after.link.column):
                    st.use(after, "filter")
            if (
                after is not None
                and after.link.kind == "column"
                and after.role is None
                and _names_value_column(st, after, g)
            ):
                st.use(after, "filter")  # "a king bed" over bedType: the word names the value's column
        first = group[0]
        prev = st.prev_item(first.first, kinds=("column",))
        if prev and prev.role is None and st.col_of(prev) and any(st.col_of(prev) == st.col_of(g) for g in group):
            st.use(prev, "filter")
        lead = first.first if not prev else min(prev.first, first.first)
        neg = st.neg_before(first.first, first.first - lead + 3) or _neg_governs(
            st, lead
        )  # "not East", "writer is not 'Lee'"
        by_col: dict[Col, list[Any]] = {}
        for g in group:
            by_col.setdefault(st.col_of(g), []).append(g.link.value)  # type: ignore[arg-type]
            st.use(g, "filter")
        if len(by_col) == 1:
            col, vals = next(iter(by_col.items()))
            if compare and len(vals) > 1:
                st.spec.group_by.append(col)
                for c in st.cues:
                    if c.kind == CueKind.COMPARE:
                        st.use_cue(c)
            if len(vals) == 1:
                st.add_filter(Filter(col, "<>" if neg else "=", (vals[0],)), lead)
            else:
                st.add_filter(Filter(col, "not in" if neg else "in", tuple(vals)), lead)
        else:
            ors = [
                Filter(col, "<>" if neg else "in" if len(vals) > 1 else "=", tuple(vals))
                for col, vals in by_col.items()
            ]
            if any(st.tok(k) and st.tok(k).lower == "or" for k in range(group[0].first, group[-1].last)):  # type: ignore[union-attr]
                st.spec.any_of.append(ors)
            else:
                for f in ors:
                    st.add_filter(f, lead)


def bind_gender(st: ParseState) -> None:
    """ "female students", "male employees": a filter on the table's sex/gender column ('F', 'Male', ...)."""
    found: list[tuple[int, Col, str]] = []
    for i, t in enumerate(st.tokens):
        want = GENDER_WORDS.get(t.lower)
        if want is None or i in st.used or any(it.first <= i < it.last for it in st.items):
            continue
        hits: list[tuple[Col, str]] = []
        for c in st.profile(st.table).columns:
            if (
                c.kind != "text"
                or not c.values
                or not ({"sex", "gender"} & {stem(w) for w in expand_identifier(c.name)})
            ):
                continue
            vals = [v for v in c.values if isinstance(v, str) and v.strip().lower() in want]
            if len(vals) == 1:
                hits.append((Col(st.table, c.name), vals[0]))
        if len(hits) != 1:
            continue
        found.append((i, hits[0][0], hits[0][1]))
    if len({v for _, _, v in found}) > 1 and len({c for _, c, _ in found}) == 1:
        # "male and female students": one group each
        if found[0][1] not in st.spec.group_by:
            st.spec.group_by.append(found[0][1])
        st.used.update(i for i, _, _ in found)
        return
    for i, col, val in found:
        neg = st.neg_before(i, 2)
        st.add_filter(Filter(col, "<>" if neg else "=", (val,)), i)
        st.used.add(i)


def _joined(st: ParseState, a: Item, b: Item) -> bool:
    """Only "or", "and", commas and articles lie between ``a`` and ``b``: one list of values (used up)."""
    between = [t for t in st.tokens[a.last : b.first]]
    if not between or len(between) > 3:
        return False
    ok = {"or", "and", ",", "either", "the", "a", "of", "vs", "vs.", "versus", "to", "with", "compared"}
    if all(t.lower in ok or t.text == "," for t in between):
        for k in range(a.last, b.first):
            st.used.add(k)
        return True
    return False


def _letter_a(st: ParseState, j: int) -> bool:
    """The token at ``j`` is a lone "A"/"a" that nothing could follow as an article (the end, a function
    word, punctuation)."""
    t, nxt = st.tok(j), st.tok(j + 1)
    if t is None or t.lower != "a":
        return False
    return (
        nxt is None
        or nxt.kind in ("punct", "sym")
        or nxt.lower in STOPWORDS
        or nxt.lower in ("alphabetical", "order", "sorted", "ordered")
    )


def bind_like(st: ParseState) -> None:
    """Text matches: "names containing 'Food'", "starting with A", "trains with 'Express' in their names"."""
    for c in st.cues:
        if c.kind != CueKind.LIKE:
            continue
        j = c.last
        while (
            st.tok(j)
            and st.tok(j).kind == "word"
            and st.tok(j).lower
            in ("the", "a", "an", "letter", "letters", "word", "string", "substring", "phrase", "text", "of")
        ):  # type: ignore[union-attr]
            if _letter_a(st, j):  # "start with A in alphabetical order": the letter, not the article
                break
            st.used.add(j)
            j += 1
        t = st.tok(j)
        if (
            t is None
            or t.kind not in ("quote", "word")
            or st.is_cue_pos(j)
            or any(it.first == j for it in st.items if it.link.kind != "value")
        ):
            continue
        target = st.prev_item(c.first, kinds=("column",), limit=5)
        if target is None:
            # "with 'Food' in their name"
            after = st.next_item(j + 1)
            if after and st.col_of(after):
                target = after
        if target is None or not st.col_of(target):
            names = name_columns(st, st.table)
            if len(names) != 1:
                continue
            col = names[0]
        else:
            col = st.col_of(target)  # type: ignore[assignment]
            st.use(target, "filter")
        pattern = {"contains": f"%{t.text}%", "starts": f"{t.text}%", "ends": f"%{t.text}"}[c.arg]
        neg = st.neg_before(c.first, 2)
        verb = "contain" if c.arg == "contains" else c.arg.rstrip("s")
        verb = f"does not {verb}" if neg else verb + ("s" if c.arg == "contains" else "")
        st.add_filter(
            Filter(col, "not like" if neg else "like", (pattern,), label=f"{col.name} {verb} {t.text!r}"), c.first
        )
        st.use_cue(c)
        st.used.add(j)
        # the quoted word is a pattern here, not also a value to equal
        st.spec.filters = [
            f
            for f in st.spec.filters
            if not (
                f.op in ("=", "in")
                and f.values
                and all(isinstance(v, str) and v.lower() == t.text.lower() for v in f.values)
            )
        ]
        for it in st.items:
            if it.first == j:
                st.use(it, "filter")
        for cc in st.cues:
            if cc.kind == CueKind.LIKE_NOISE and c.first - 3 <= cc.first <= j:
                st.use_cue(cc)
    # "trains that have 'Express' in their names": a quoted word inside a text column's values
    for j, t in enumerate(st.tokens):
        nxt, owner = st.tok(j + 1), st.tok(j + 2)
        if (
            t.kind != "quote"
            or j in st.used
            or nxt is None
            or nxt.lower != "in"
            or owner is None
            or owner.lower not in ("their", "its", "the")
        ):
            continue
        target = st.item_at(j + 3)
        col = (
            st.col_of(target) if target is not None and target.link.kind == "column" and target.first == j + 3 else None
        )
        if col is None or (p := st.colprof(col)) is None or p.kind != "text":
            continue
        st.spec.filters = [
            f
            for f in st.spec.filters
            if not (
                f.op in ("=", "in")
                and f.values
                and all(isinstance(v, str) and v.lower() == t.text.lower() for v in f.values)
            )
        ]
        for it in st.items:
            if it.first == j and it.link.kind == "value":
                st.use(it, "filter")
        st.use(target, "filter")
        st.add_filter(Filter(col, "like", (f"%{t.text}%",), label=f"{col.name} contains {t.text!r}"), j)
        st.used.update({j, j + 1, j + 2})


def bind_capitalised(st: ParseState) -> None:
    """Capitalised words nothing else explained ("John Smith") are values of a nearby text column."""
    toks = st.tokens
    i = 1
    while i < len(toks):
        t = toks[i]
        if (
            i in st.used
            or not (t.kind == "quote" or (t.is_capitalised and t.stem not in FILLER_STEMS))
            or any(it.first <= i < it.last for it in st.items)
            or st.is_cue_pos(i)
        ):
            i += 1
            continue
        j = i + 1
        if t.kind != "quote":
            while (
                j < len(toks)
                and toks[j].is_capitalised
                and j not in st.used
                and not any(it.first <= j < it.last for it in st.items)
            ):
                j += 1
        value = t.text if t.kind == "quote" else " ".join(x.text for x in toks[i:j])
        target = st.prev_item(i, limit=3, kinds=("column",))
        col = st.col_of(target) if target else None
        if col is None or (p := st.colprof(col)) is None or p.kind != "text":
            after = st.item_at(j)
            col = st.col_of(after) if after and after.link.kind == "column" else None
            target = after if col else None
            if col is not None and (p := st.colprof(col)) is not None and p.kind != "text":
                col = None
        if col is None:
            names = name_columns(st, st.table)
            if len(names) == 1 and t.kind == "quote":
                col = names[0]
                st.reading.confidence = min(st.reading.confidence, 0.7)
        if col is None:
            i = j
            continue
        if target is not None:
            st.use(target, "filter")
        neg = st.neg_before(i, 3)
        st.add_filter(Filter(col, "<>" if neg else "=", (value,)), i)
        st.used.update(range(i, j))
        i = j
