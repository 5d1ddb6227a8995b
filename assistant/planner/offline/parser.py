"""Read one question into a :class:`QuerySpec`, or say precisely what could not be read.

The reading is compositional: cue phrases say what to compute (count, average, top, per, above,
not ...), links say over what (tables, columns, values), and each cue binds to the link next to it.
Every content word must end up explained by a cue, a link, a number or a date. Words left over
make the planner abstain instead of guessing: a wrong answer costs more trust than no answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from insightchat.planner.lexicon import ONE_TO_TEN, SCHEMA_STEMS
from insightchat.planner.offline.assembly import assemble
from insightchat.planner.offline.bind_comparisons import bind_comparisons, group_ors, move_sub_rows
from insightchat.planner.offline.bind_counts import bind_aggs, bind_counts
from insightchat.planner.offline.bind_dates import bind_dates, bind_grain
from insightchat.planner.offline.bind_names import bind_who
from insightchat.planner.offline.bind_order import bind_groups, bind_order
from insightchat.planner.offline.bind_position import bind_position
from insightchat.planner.offline.bind_superlatives import bind_supers
from insightchat.planner.offline.bind_values import bind_capitalised, bind_gender, bind_like, bind_values
from insightchat.planner.offline.coverage import collect_unknown, soft_run
from insightchat.planner.offline.cues import CueKind, find_cues
from insightchat.planner.offline.dates import find_dates
from insightchat.planner.offline.linking import Link, SchemaIndex
from insightchat.planner.offline.resolve import counted_owner, fallback_links, looked_up_values, main_table, resolve
from insightchat.planner.offline.spec import QuerySpec
from insightchat.planner.offline.state import ParseState, Reading
from insightchat.planner.offline.text import FILLER_STEMS, tokenize


class Parser:
    """Reads one question: ``Parser(question, index, today, default_table).parse()``."""

    def __init__(
        self, question: str, index: SchemaIndex, today: dt.date | None = None, default_table: str | None = None
    ) -> None:
        self.state = ParseState(question, index, today or dt.date.today(), default_table)

    def parse(self) -> Reading:
        return _read(self.state)


# ================================================================= entry point
def _read(st: ParseState) -> Reading:
    """Tokens, dates and cues; links; the main table; then every binder in order, then coverage."""
    r = st.reading
    blocked = _read_cues(st)
    r.links = links = _read_links(st, blocked)
    _use_plain_cues(st)
    if _schema_question(st):
        return r
    table = main_table(st, links)
    if table is None:
        if not links:
            r.problems.append("I could not find any table or column of this data in the question")
        collect_unknown(st)
        return r
    owner = counted_owner(st, links, table)
    if owner is not None:
        table, st.have_count = owner, True
    st.table = table
    st.items, st.resolved = resolve(st, links, table), True
    st.spec = QuerySpec(table=table)
    for _name, binder in BINDERS:
        binder(st)
    collect_unknown(st)
    r.partial = st.spec
    r.roles = [(it.link, it.role) for it in st.items if it.role is not None]
    if not r.problems and not r.unknown:
        r.spec = st.spec
    elif not r.problems and st.unknown_runs and all(soft_run(st, run) for run in st.unknown_runs):
        # only plain lower-case words were left over ("Who directed Avatar?", "used", "happened"):
        # the reading stands, and the words are reported as read past (trust flags "unknown:*")
        r.tolerated = list(r.unknown)
        r.spec = st.spec
        st.spec.notes.append("I read past " + ", ".join(f"'{w}'" for w in r.tolerated))
    return r


def _read_cues(st: ParseState) -> set[int]:
    """Tokens, dates and cues; returns the positions schema linking must leave alone (dates, cues, numbers)."""
    r = st.reading
    toks = r.tokens = tokenize(st.question)
    r.dates = find_dates(toks, st.today)
    date_pos = {k for d in r.dates for k in range(d.first, d.last)}
    r.cues = find_cues(toks, date_pos)
    # "the phone number of X": a noun compound, not a count ("the number of X")
    for c in list(r.cues):
        prev = toks[c.first - 1] if c.first > 0 else None
        if (
            c.kind == CueKind.COUNT
            and toks[c.first].lower == "number"
            and prev is not None
            and prev.kind == "word"
            and prev.stem not in FILLER_STEMS
            and not any(x.first <= c.first - 1 < x.last for x in r.cues)
        ):
            r.cues.remove(c)
            st.noun_numbers.add(c.first)
    cue_pos = {k for c in r.cues for k in range(c.first, c.last)}
    num_pos = {
        i
        for i, t in enumerate(toks)
        if t.kind in ("num", "sym", "punct") or (t.kind == "word" and t.lower in ONE_TO_TEN)
    }
    # a multi-word column name beats the cue words inside it ("total passengers", "min salary")
    strong = [
        lk
        for lk in st.index.link(toks, date_pos | num_pos)
        if lk.kind == "column"
        and lk.score >= 0.95
        and lk.last - lk.first >= 2
        and any(k in cue_pos for k in range(lk.first, lk.last))
    ]
    if strong:
        covered = {k for lk in strong for k in range(lk.first, lk.last)}
        r.cues = [c for c in r.cues if not any(k in covered for k in range(c.first, c.last))]
        cue_pos = {k for c in r.cues for k in range(c.first, c.last)}
    return date_pos | cue_pos | num_pos


def _read_links(st: ParseState, blocked: set[int]) -> list[Link]:
    """Schema and value links, then looked-up values and spelling/meaning matches for the words left;
    a "by" that names the doer ("directed by Spielberg") stops being a grouping."""
    r, toks = st.reading, st.tokens
    links = st.index.link(toks, blocked)
    links += looked_up_values(st, links, blocked)
    links += fallback_links(st, links, blocked)
    agents = {lk.last for lk in links if lk.how == "agent"}
    for c in r.cues:
        # "the buildings managed by Emma": a passive "by" before a value of the verb's column groups nothing
        if (
            c.kind == CueKind.GROUP
            and toks[c.first].lower == "by"
            and c.last == c.first + 1
            and c.first > 0
            and toks[c.first - 1].lower.endswith("ed")
        ):
            doers = {(lk.table, lk.column) for lk in links if lk.kind == "column" and lk.last == c.first}
            if any(lk.kind == "value" and lk.first == c.last and (lk.table, lk.column) in doers for lk in links):
                agents.add(c.first)
    if agents:  # "directed by Spielberg": the "by" names the doer, it groups nothing
        r.cues = [
            c for c in r.cues if not (c.kind == CueKind.GROUP and c.first in agents and toks[c.first].lower == "by")
        ]
        st.used |= agents
    return links


def _use_plain_cues(st: ParseState) -> None:
    """Cues that need no binding: "chart", "and", "who", "word"; "in total" beside a count."""
    r = st.reading
    r.chart = any(c.kind == CueKind.CHART for c in r.cues)
    st.used |= {
        k
        for c in r.cues
        if c.kind in (CueKind.CHART, CueKind.AND, CueKind.OR_NOISE, CueKind.WHO, CueKind.LIKE_NOISE)
        for k in range(c.first, c.last)
    }
    if any(c.kind == CueKind.COUNT for c in r.cues):  # "how many X in total"
        st.used |= {k for c in r.cues if c.kind == CueKind.TOTAL_NOISE for k in range(c.first, c.last)}


# ================================================================= schema questions
def _schema_question(st: ParseState) -> bool:
    """A question about the data's structure ("which tables are there", "describe the columns")."""
    toks = st.tokens
    stems = {t.stem for t in toks}
    words = {t.lower for t in toks}
    if not (stems & SCHEMA_STEMS) and not ({"describe", "schema"} & words):
        return False
    if any(c.kind in (CueKind.COUNT, CueKind.AGG, CueKind.SUPER, CueKind.CMP, CueKind.GROUP) for c in st.cues) and not (
        {"column", "field", "tabl"} & stems and "how" in words
    ):
        return False
    mentioned = [lk.table for lk in st.reading.links if lk.kind == "table"]
    if "tabl" in stems and not ({"column", "field", "attribut", "variabl"} & stems):
        st.reading.schema = "tables"
    else:
        st.reading.schema = "columns"
        st.reading.schema_table = (
            mentioned[0] if mentioned else (st.default_table or next(iter(st.catalog.tables), None))
        )
    return True


# The binding steps, in order. Each reads the cues and links the earlier ones left unexplained.
BINDERS: tuple[tuple[str, Callable[[ParseState], None]], ...] = (
    ("grain", bind_grain),  # "monthly"; a grouping "by week" found later replaces it
    ("dates", bind_dates),  # first: the column before a date ("founded before 1900") is the date's
    ("comparisons", bind_comparisons),  # before values: "age above 30" claims its column and number first
    ("values", bind_values),  # linked values become filters ...
    ("gender", bind_gender),  # ... then "female students", on words no value link explained
    ("like", bind_like),  # after values: a quoted word searched for is no longer also a value to equal
    ("counts", bind_counts),  # before aggregates: "average number of X" is left to the aggregate
    ("aggregates", bind_aggs),  # before superlatives: "average and maximum age" takes the chained "maximum"
    ("position", bind_position),  # before superlatives: "listed last" is the file's order, not a maximum
    ("superlatives", bind_supers),  # before order and groups: "top 5" leaves its direction for a "by" key
    ("order", bind_order),  # before groups: a sort verb turns the "by" that follows into a sort key
    ("groups", bind_groups),
    ("who", bind_who),  # after groups: "names" that nothing else used may name the rows
    ("capitalised", bind_capitalised),  # last binder: capitalised words nothing else explained are values
    ("sub-rows", move_sub_rows),  # filters said after "than the lowest X of any ..." go into the sub-query
    ("or-groups", group_ors),  # before assembly: conditions joined by "or" become one OR-group
    ("assemble", assemble),  # what is shown, grouped, ordered; set operations; cues left unused
)
