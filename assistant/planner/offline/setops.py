"""Set operations: "X that have both A and B" (INTERSECT), "X in A but not in B" and "X that never ..."
(EXCEPT).
"""

from __future__ import annotations

from insightchat.planner.lexicon import ANTI_WORDS
from insightchat.planner.offline.cues import Cue, CueKind
from insightchat.planner.offline.spec import Col, Filter
from insightchat.planner.offline.state import ParseState


def split_set_op(st: ParseState) -> None:
    """ "X that have both A and B" -> X where A INTERSECT X where B; "X in A but not in B" -> EXCEPT.

    One SELECT with both filters ANDed would ask for rows that are A and B at once; the question
    asks for values of X found among the A rows and among the B rows. Only plain listings of
    columns qualify (no aggregates, groups or OR-groups), and each side needs its own filter.
    """
    s = st.spec
    if s.measures or s.group_by or not s.columns or s.any_of or s.limit is not None:
        return
    if any(st.where_first(f) is None for f in s.filters) or any(f.col in s.columns for f in s.filters):
        return  # a shown column fixed by a side's filter: the sets could not overlap
    both = next((c for c in st.cues if c.kind == CueKind.BOTH and not st.consumed(c)), None)
    if both is not None:
        after = [f for f in s.filters if st.where_first(f) >= both.last]  # type: ignore[operator]
        if len(after) == 1 and after[0].op == "in" and len(after[0].values) == 2:
            sides = [Filter(after[0].col, "=", (v,)) for v in after[0].values]
        elif len(after) == 2 and all(
            isinstance(f.col, Col) and f.op not in ("<>", "not in", "not like") for f in after
        ):
            sides = after
        else:
            return
        common = [f for f in s.filters if f not in after]
        _combine(st, "intersect", common + [sides[0]], common + [sides[1]])
        st.use_cue(both)
        return
    but = next((i for i, t in enumerate(st.tokens) if t.lower == "but" and i not in st.used), None)
    neg = next((c for c in st.cues if c.kind == CueKind.NEG and but is not None and but < c.first <= but + 3), None)
    if but is None or neg is None:
        _split_anti(st)
        return
    before = [f for f in s.filters if st.where_first(f) < but]  # type: ignore[operator]
    after = [f for f in s.filters if f not in before]
    if not before or not after or not all(isinstance(f.col, Col) for f in after):
        return
    positive = [Filter(f.col, _POSITIVE.get(f.op, f.op), f.values, "") for f in after]  # type: ignore[arg-type]
    _combine(st, "except", before, positive)
    st.used.update(range(but, neg.last))
    st.use_cue(neg)


def _split_anti(st: ParseState) -> None:
    """ "studios that have never worked with Walter Hill", "addresses that do not have any member
    with a black card", "all home cities except those having a driver older than 40": the shown
    values EXCEPT those of the rows that match. A filter "director <> X" would instead keep every
    studio that also made some film without him."""
    s = st.spec
    neg = next((c for c in st.cues if c.kind == CueKind.NEG and _anti_phrase(st, c)), None)
    if neg is None or s.tables() != [s.table]:
        return  # across a join, which rows to subtract is a guess
    after = [f for f in s.filters if st.where_first(f) >= neg.first]  # type: ignore[operator]
    if not after or not all(isinstance(f.col, Col) for f in after):
        return
    before = [f for f in s.filters if f not in after]
    positive = [Filter(f.col, _POSITIVE.get(f.op, f.op), f.values, "") for f in after]  # type: ignore[arg-type]
    _combine(st, "except", before, before + positive)
    st.use_cue(neg)
    st.used.update(k for k in range(max(0, neg.first - 1), neg.last + 2) if st.tokens[k].lower in ANTI_WORDS)


def _anti_phrase(st: ParseState, c: Cue) -> bool:
    """The negation is about having or doing something at all ("never", "did not", "do not have
    any", "with no", "except those"), not about one value ("not in Oslo")."""
    word = st.tokens[c.first].lower
    prev = st.tokens[c.first - 1].lower if c.first > 0 else ""
    nxt = st.tokens[c.last].lower if c.last < len(st.tokens) else ""
    if word == "never":
        return True
    if word == "not" and prev in ("do", "does", "did", "have", "has", "had"):
        return True
    if word == "no" and prev in ("have", "has", "had", "with"):
        return True
    return word == "except" and nxt in ("those", "for", "the")


def _combine(st: ParseState, op: str, mine: list[Filter], theirs: list[Filter]) -> None:
    """The spec over filters ``mine``, combined by ``op`` with a copy of it over ``theirs``."""
    s = st.spec
    twin = s.copy()
    twin.notes = []
    twin.filters = theirs
    s.filters = mine
    s.set_op, s.other = op, twin  # type: ignore[assignment]


_POSITIVE = {"<>": "=", "not in": "in", "not like": "like"}  # a negated filter, stated positively
