"""Coverage, after the binders: every word must be explained by a cue, a link, a number or a date; what
is left over, and which left-over words are safe to read past.
"""

from __future__ import annotations

from insightchat.planner.lexicon import HEAD_NOUNS, LOADED_WORDS, NUMBER_WORDS, VERBS, looks_like_verb
from insightchat.planner.offline.state import ParseState
from insightchat.planner.offline.text import FILLER_STEMS, Token, expand_identifier, stem


def soft_run(st: ParseState, run: list[int]) -> bool:
    """A run of left-over words that names nothing: lower-case words, no numbers, no names."""
    for i in run:
        t = st.tokens[i]
        if (
            t.kind != "word"
            or (t.is_capitalised and not (i == 0 and t.lower in VERBS))
            or t.lower in NUMBER_WORDS
            or t.lower in LOADED_WORDS
            or len(t.lower) < 2
            or any(ch.isdigit() for ch in t.text)
        ):
            return False
        if not looks_like_verb(t.lower) or _near_column(st, t):
            return False  # a noun may be a column we missed ("the revenue per region"): say so
    return True


def _near_column(st: ParseState, t: Token) -> bool:
    """The word shares a long start with a word of the main table's columns ("directed", director)."""
    w = t.stem
    for c in st.profile(st.table).columns:
        for part in expand_identifier(c.name):
            p = stem(part)
            k = min(len(w), len(p))
            if k >= 4 and w[:5] == p[:5] and (len(w) >= 5 and len(p) >= 5 or w == p):
                return True
    return False


def _names_shown_column(st: ParseState, i: int) -> bool:
    """ "name(s) of (the) X" where X is a shown text column: the column is the name."""
    j = i + 1
    while j < len(st.tokens) and st.tokens[j].lower in ("of", "the", "all", "each", "every", "a", "an"):
        j += 1
    it = st.item_at(j)
    col = st.col_of(it) if it is not None and it.link.kind == "column" and it.role in ("select", "group") else None
    p = st.colprof(col) if col is not None else None
    return j > i + 1 and p is not None and p.kind == "text" and col in list(st.spec.columns) + list(st.spec.group_by)


def collect_unknown(st: ParseState) -> None:
    """The runs of words nothing explained (``reading.unknown``, ``unknown_runs``), the links read but
    not used (as problems), and the confidence: the weakest link used."""
    r = st.reading
    linked = {k for lk in r.links for k in range(lk.first, lk.last)} if not st.resolved else set()
    run: list[str] = []
    idx: list[int] = []
    st.unknown_runs = []
    for i, t in enumerate(r.tokens):
        explained = (
            i in st.used
            or i in linked
            or t.kind in ("sym", "punct")
            or (t.kind == "word" and t.stem in FILLER_STEMS and not st.is_cue_pos(i))
        )
        if st.resolved:
            it = next((x for x in st.items if x.first <= i < x.last), None)
            if it is not None and it.role is not None:
                explained = True
            before = next((x for x in st.items if x.last == i), None)
            if (
                (i in st.noun_numbers or t.lower in HEAD_NOUNS)
                and before is not None
                and before.role is not None
                and before.link.kind == "column"
            ):
                # "phone number", "snatch score", "cloud cover rates": part of the column's name in the question
                explained = True
            after = st.item_at(i + 2) if i + 2 < len(r.tokens) and r.tokens[i + 1].lower == "of" else None
            if (
                t.lower in ("types", "kinds", "type", "kind")
                and after is not None
                and after.role is not None
                and after.link.kind == "column"
            ):
                explained = True  # "the different types of player positions": the positions
            if (
                t.lower in ("member", "members")
                and before is not None
                and before.role is not None
                and before.link.kind == "table"
            ):
                explained = True  # "faculty members", "staff member": the table's rows
            if t.lower in ("name", "names") and _names_shown_column(st, i):
                explained = True  # "the names of studios" over a studio column
        if not explained and not st.is_cue_pos(i):
            run.append(t.text)
            idx.append(i)
        elif run:
            r.unknown.append(" ".join(run))
            st.unknown_runs.append(idx)
            run, idx = [], []
    if run:
        r.unknown.append(" ".join(run))
        st.unknown_runs.append(idx)
    if st.resolved:
        for it in st.items:
            if it.role is None:
                text = " ".join(t.text for t in r.tokens[it.first : it.last])
                r.problems.append(
                    f"I saw '{text}' ({it.link.kind} {it.link.column or it.link.table}) but could not tell how it fits"
                )
        weak = [it.link.score for it in st.items if it.role is not None]
        if weak:
            r.confidence = min(r.confidence, min(weak))
