"""Read one question into a :class:`QuerySpec`, or say precisely what could not be read.

The reading is compositional: cue phrases say what to compute (count, average, top, per, above,
not ...), links say over what (tables, columns, values), and each cue binds to the link next to it.
Every content word must end up explained by a cue, a link, a number or a date. Words left over
make the planner abstain instead of guessing: a wrong answer costs more trust than no answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from insightchat.planner.lexicon import (
    ANTI_WORDS,
    CONCEPT_STEMS,
    COPULA,
    EXTREME_WORDS,
    GENDER_WORDS,
    HEAD_NOUNS,
    LOADED_WORDS,
    NUMBER_WORDS,
    ONE_TO_TEN,
    SCHEMA_STEMS,
    STOPWORDS,
    USAGE_VERBS,
    VERBS,
    looks_like_verb,
)
from insightchat.planner.offline.cues import Cue, CueKind, find_cues, grain_of
from insightchat.planner.offline.dates import DateMention, find_dates
from insightchat.planner.offline.linking import Link, SchemaIndex
from insightchat.planner.offline.spec import Col, Filter, Measure, OrderKey, QuerySpec
from insightchat.planner.offline.state import Item, ParseState, Reading, toks_lower
from insightchat.planner.offline.text import (
    FILLER_STEMS,
    Token,
    expand_identifier,
    split_identifier,
    stem,
    tokenize,
)
from insightchat.tools.catalog import ColumnProfile


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
        l
        for l in st.index.link(toks, date_pos | num_pos)
        if l.kind == "column"
        and l.score >= 0.95
        and l.last - l.first >= 2
        and any(k in cue_pos for k in range(l.first, l.last))
    ]
    if strong:
        covered = {k for l in strong for k in range(l.first, l.last)}
        r.cues = [c for c in r.cues if not any(k in covered for k in range(c.first, c.last))]
        cue_pos = {k for c in r.cues for k in range(c.first, c.last)}
    links = st.index.link(toks, date_pos | cue_pos | num_pos)
    links += looked_up_values(st, links, date_pos | cue_pos | num_pos)
    links += fallback_links(st, links, date_pos | cue_pos | num_pos)
    agents = {l.last for l in links if l.how == "agent"}
    for (
        c
    ) in r.cues:  # "the buildings managed by Emma": a passive "by" before a value of the verb's column groups nothing
        if (
            c.kind == CueKind.GROUP
            and toks[c.first].lower == "by"
            and c.last == c.first + 1
            and c.first > 0
            and toks[c.first - 1].lower.endswith("ed")
        ):
            doers = {(l.table, l.column) for l in links if l.kind == "column" and l.last == c.first}
            if any(l.kind == "value" and l.first == c.last and (l.table, l.column) in doers for l in links):
                agents.add(c.first)
    if agents:  # "directed by Spielberg": the "by" names the doer, it groups nothing
        r.cues = [
            c for c in r.cues if not (c.kind == CueKind.GROUP and c.first in agents and toks[c.first].lower == "by")
        ]
        st.used |= agents
    r.links = links
    r.chart = any(c.kind == CueKind.CHART for c in r.cues)
    st.used |= {
        k
        for c in r.cues
        if c.kind in (CueKind.CHART, CueKind.AND, CueKind.OR_NOISE, CueKind.WHO, CueKind.LIKE_NOISE)
        for k in range(c.first, c.last)
    }
    if any(c.kind == CueKind.COUNT for c in r.cues):
        st.used |= {
            k for c in r.cues if c.kind == CueKind.TOTAL_NOISE for k in range(c.first, c.last)
        }  # "how many X in total"
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


# ================================================================= linking helpers
def looked_up_values(st: ParseState, links: list[Link], blocked: set[int]) -> list[Link]:
    """Quoted or capitalised phrases found in text columns the value index does not cover."""
    find = st.catalog.find_value
    if find is None:
        return []
    covered = {k for l in links for k in range(l.first, l.last)} | blocked
    toks = st.tokens
    out: list[Link] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        if i in covered or not (t.kind == "quote" or (t.is_capitalised and (i > 0 or t.stem not in FILLER_STEMS))):
            i += 1
            continue
        j = i + 1
        if t.kind != "quote":
            while (
                j < len(toks)
                and j not in covered
                and (
                    toks[j].is_capitalised
                    or toks[j].kind == "num"
                    or (
                        toks[j].lower in ("of", "and", "the", "de", "&")
                        and j + 1 < len(toks)
                        and toks[j + 1].is_capitalised
                    )
                )
            ):
                j += 1
        # longest prefix of the run that is a stored value
        for end in range(j, i, -1):
            text = t.text if t.kind == "quote" else " ".join(x.text for x in toks[i:end])
            hits = find(text)
            if hits:
                out.extend(Link(i, end, "value", tb, c, v, 1.0, "lookup") for tb, c, v in hits)
                j = end
                break
        i = j
    return out


def fallback_links(st: ParseState, links: list[Link], blocked: set[int]) -> list[Link]:
    """Spelling and meaning matches for content words that exact linking left alone."""
    covered = {k for l in links for k in range(l.first, l.last)} | blocked
    out: list[Link] = []
    for i, t in enumerate(st.tokens):
        if i in covered or t.kind != "word" or t.stem in FILLER_STEMS or len(t.lower) < 2:
            continue
        found = st.index.abbrev_links(st.tokens, i, covered)
        if not found and len(t.lower) < 3:
            continue
        if found:
            longest = max(l.last for l in found)
            found = [l for l in found if l.last == longest]
            covered |= set(range(i, longest))
            out.extend(found)
            continue
        found = st.index.agent_links(st.tokens, i) or st.index.fuzzy_link(st.tokens, i)
        if not found and not t.is_capitalised:
            found = st.index.embedding_links(t.lower, i, i + 1)
        out.extend(found)
    return out


def main_table(st: ParseState, links: list[Link]) -> str | None:
    """The table most of the question's links point into; mentioned tables weigh more."""
    scores: dict[str, float] = {}
    spans: dict[tuple[int, int], list[Link]] = {}
    for l in links:
        spans.setdefault((l.first, l.last), []).append(l)
    for group in spans.values():
        best: dict[str, float] = {}
        counted = any(
            c.kind == CueKind.COUNT
            and (
                c.last == l0.first
                or (
                    c.last + 1 == l0.first
                    and st.tokens[c.last].lower in ("the", "different", "distinct", "unique", "all")
                )
            )
            for c in st.cues
            for l0 in group[:1]
        )
        for l in group:
            w = l.score * (1.6 if l.kind == "table" else 1.0 if l.kind == "column" else 0.8)
            if counted and l.kind == "table":
                w *= 1.5  # "how many products ...": the counted rows are the main table's
            best[l.table] = max(best.get(l.table, 0.0), w)
        for t, w in best.items():
            scores[t] = scores.get(t, 0.0) + w
    if not scores:
        if len(st.catalog.tables) == 1:
            return next(iter(st.catalog.tables))
        return st.default_table if st.default_table in st.catalog.tables else None
    if st.default_table in scores:
        scores[st.default_table] += 0.3
    return max(scores, key=lambda t: (scores[t], -len(st.catalog.tables[t].columns)))


def counted_owner(st: ParseState, links: list[Link], table: str) -> str | None:
    """ "How many customers have an account?", "the number of departments which offer courses":
    rows of X counted by whether a row of Y refers to them, where Y is the question's last word
    and refers to X by one key. The count is over Y's distinct references (Y is the main table)."""
    toks = st.tokens
    x = None
    for count in st.cues:
        if count.kind != CueKind.COUNT:
            continue
        k = count.last
        while k < len(toks) and toks[k].lower in ("the", "distinct", "different", "unique", "all"):
            k += 1
        x = next((l for l in links if l.first == k and l.kind == "table" and l.table == table), None)
        if x is not None:
            break
    if x is None:
        return None
    k = x.last
    if k < len(toks) and toks[k].lower in ("who", "that", "which"):
        k += 1
    if (
        k >= len(toks)
        or toks[k].kind != "word"
        or not (toks[k].lower in ("have", "has", "had") or toks[k].lower in VERBS or toks[k].lower.endswith("ed"))
    ):
        return None
    k += 1
    while k < len(toks) and toks[k].lower in ("a", "an", "any", "some", "the", "in", "on", "for", "to", "at"):
        k += 1
    ys = [l for l in links if l.first == k and l.kind == "table" and l.table != table]
    if len(ys) != 1 or any(t.kind not in ("punct", "sym") for t in toks[ys[0].last :]):
        return None
    y = ys[0].table
    saved, st.table = st.table, y  # key_to looks from the main table: from y, for now
    key = key_to(st, table)
    st.table = saved
    return y if key is not None else None


def resolve(st: ParseState, links: list[Link], table: str) -> list[Item]:
    """One reading per span: the main table's, else a table joinable to it, else the best."""
    from insightchat.planner.offline.sqlbuild import shortest_path

    spans: dict[tuple[int, int], list[Link]] = {}
    for l in links:
        spans.setdefault((l.first, l.last), []).append(l)
    items: list[Item] = []
    for span, group in sorted(spans.items()):
        group.sort(key=lambda l: -l.score)
        own = [l for l in group if l.table == table]
        joinable = [
            l for l in group if l.table != table and _hops(shortest_path(st.catalog, [table], l.table)) <= MAX_HOPS
        ]
        best_own = max(own, key=lambda l: (l.score, l.kind == "column")) if own else None
        if best_own is not None and (not joinable or best_own.score >= joinable[0].score - 0.25):
            pick = best_own
        elif joinable:
            pick = joinable[0]
        else:
            pick = group[0]
        alts = [
            l
            for l in group
            if l is not pick and l.table == pick.table and l.kind == pick.kind and l.score >= pick.score - 1e-9
        ]
        items.append(Item(pick, alts=alts))
    return items


def name_columns(st: ParseState, table: str) -> list[Col]:
    """The columns that name a row ("who", "which X"): name/title, or first + last name."""
    prof = st.profile(table)
    t_stems = tuple(stem(w) for w in expand_identifier(table))
    exact, named = [], []
    for c in prof.columns:
        stems = tuple(stem(w) for w in expand_identifier(c.name))
        if c.kind != "text":
            continue
        rest = stems[len(t_stems) :] if stems[: len(t_stems)] == t_stems else stems
        if rest in (("name",), ("titl",)) or stems in (("name",), ("titl",)):
            exact.append(Col(table, c.name))
        elif stems and stems[-1] == "name":
            named.append(Col(table, c.name))
    if exact:
        return exact[:1]
    first = [c for c in named if "first" in expand_identifier(c.name)]
    last = [c for c in named if "last" in expand_identifier(c.name)]
    if first and last:
        return [first[0], last[0]]
    if not named:
        # no name column: a text column named like the table names its rows (campus in campuses)
        named = [
            Col(table, c.name)
            for c in prof.columns
            if c.kind == "text" and tuple(stem(w) for w in expand_identifier(c.name)) == t_stems
        ]
    return named[:1]


def key_to(st: ParseState, other: str) -> Col | None:
    """The main table's one column that refers to ``other`` (a declared relation, or a name such
    as dept_name / crs_code / customer_id for a department / course / customer table)."""
    if other == st.table:
        return None
    hits = {r.left_column for r in st.catalog.relations if r.left == st.table and r.right == other}
    o_stems = tuple(stem(w) for w in expand_identifier(other))
    if not hits and o_stems:
        for c in st.profile(st.table).columns:
            c_stems = tuple(stem(w) for w in expand_identifier(c.name))
            if (
                len(c_stems) > len(o_stems)
                and c_stems[: len(o_stems)] == o_stems
                and c_stems[-1] in ("name", "id", "code", "num", "number", "no")
            ):
                hits.add(c.name)
    return Col(st.table, next(iter(hits))) if len(hits) == 1 else None


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


def birth_column(st: ParseState) -> Col | None:
    """The main table's one date-of-birth column (dob, birth_date, date_of_birth)."""
    hits = [
        c
        for c in st.profile(st.table).columns
        if c.kind in ("date", "text")
        and {"birth", "dob", "born"} & {stem(w) for w in expand_identifier(c.name)}
        | ({"birth"} if c.name.lower().endswith("dob") else set())
    ]
    return Col(st.table, hits[0].name) if len(hits) == 1 else None


def concept_column(st: ParseState, concept: str, table: str) -> Col | None:
    """A column for a word like "oldest" (age) or "latest" (a date) in ``table`` or a joinable one."""
    prof = st.profile(table)
    if concept == "date":
        dates = [c for c in prof.columns if c.kind == "date"]
        if not dates:
            dates = [c for c in prof.columns if {"date", "year", "time"} & {stem(w) for w in expand_identifier(c.name)}]
        return Col(table, dates[0].name) if len(dates) == 1 else None
    wanted = CONCEPT_STEMS.get(concept, {concept})
    hits = [c for c in prof.columns if c.kind == "number" and wanted & {stem(w) for w in expand_identifier(c.name)}]
    return Col(table, hits[0].name) if len(hits) == 1 else None


# ================================================================= schema questions
def _schema_question(st: ParseState) -> bool:
    toks = st.tokens
    stems = {t.stem for t in toks}
    words = {t.lower for t in toks}
    if not (stems & SCHEMA_STEMS) and not ({"describe", "schema"} & words):
        return False
    if any(c.kind in (CueKind.COUNT, CueKind.AGG, CueKind.SUPER, CueKind.CMP, CueKind.GROUP) for c in st.cues) and not (
        {"column", "field", "tabl"} & stems and "how" in words
    ):
        return False
    mentioned = [l.table for l in st.reading.links if l.kind == "table"]
    if "tabl" in stems and not ({"column", "field", "attribut", "variabl"} & stems):
        st.reading.schema = "tables"
    else:
        st.reading.schema = "columns"
        st.reading.schema_table = (
            mentioned[0] if mentioned else (st.default_table or next(iter(st.catalog.tables), None))
        )
    return True


# ================================================================= binding
def bind_grain(st: ParseState) -> None:
    """ "daily", "monthly": the time grain of a trend."""
    for c in st.cues:
        if c.kind == CueKind.GRAIN:
            st.grain = c.arg
            st.use_cue(c)


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


def date_col(st: ParseState) -> Col | None:
    for it in st.items:
        col = st.col_of(it)
        if col and it.role is None and (p := st.colprof(col)) and p.kind == "date":
            return col
    return concept_column(st, "date", st.table)


def bind_dates(st: ParseState) -> None:
    for d in st.reading.dates:
        target: Col | None = None
        prev = st.prev_item(d.first, kinds=("column",))
        if (
            prev
            and (p := st.colprof(st.col_of(prev)))
            and (
                p.kind == "date"
                or (d.range.year_only and "year" in p.name.lower())
                or (_whole_years(d) and _holds_years(p))
            )
        ):  # type: ignore[arg-type]
            target = st.col_of(prev)
            st.use(prev, "filter")
        if target is None:
            target = date_col(st)
        if target is None and d.range.year_only:
            years = [c for c in st.profile(st.table).columns if "year" in c.name.lower()]
            target = Col(st.table, years[0].name) if len(years) == 1 else None
        if target is None:
            st.reading.problems.append(f"I found the date '{d.range.label}' but no date column to apply it to")
            continue
        rng = d.range
        f = Filter(
            target,
            "date_range",
            (rng.start.isoformat() if rng.start else None, rng.end.isoformat() if rng.end else None, rng.year_only),
            label=f"{target.name} {rng.label}",
        )
        st.spec.filters.append(f)
        st.filter_spans.append((f, d.first, d.last))  # "before 2000 or after 2010": an OR-group
        st.used.update(range(d.first, d.last))


def bind_comparisons(st: ParseState) -> None:
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
        some_rows = True  # "less than the lowest revenue of any manufacturer in Austin": over those rows, see _assemble
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
    for c in st.cues:
        if (
            c.kind in (CueKind.AGG, CueKind.SUPER)
            and c.arg in ("avg", "sum", "max", "min", "median")
            and (c.last == it.first or (c.last == it.first - 1 and st.tokens[c.last].lower in ("the", "of")))
        ):
            return c
    return None


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
    """The token at ``j`` is a lone "A"/"a" that nothing could follow as an article (end, function word, punctuation)."""
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
        st.add_filter(
            Filter(
                col,
                "not like" if neg else "like",
                (pattern,),
                label=f"{col.name} {'does not ' if neg else ''}{'contain' if c.arg == 'contains' else c.arg.rstrip('s')}{'s' if not neg and c.arg == 'contains' else ''} {t.text!r}",
            ),
            c.first,
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
            continue  # "the most number of X": ranked by a count, see _bind_supers; "max and min number of X": _bind_aggs
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
            continue  # "in descending order of number of cities": ordered by that number column, see _bind_order
        agg_before = next(
            (
                b
                for b in st.cues
                if b.kind == CueKind.AGG and b.last in (c.first, c.first - 1) and b.arg in ("avg", "sum", "median")
            ),
            None,
        )
        if agg_before is not None and toks_lower(st.tokens, c.first, c.last) == "number of":
            continue  # "the average number of points": an aggregate of a number column, see _bind_aggs
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


def expand_name(st: ParseState, it: Item, col: Col) -> list[Col]:
    """ "names" that match both a first-name and a last-name column mean both."""
    if not it.alts:
        return [col]
    cols = [col] + [Col(l.table, l.column) for l in it.alts if l.column]  # type: ignore[arg-type]
    first = [c for c in cols if "first" in expand_identifier(c.name)]
    last = [c for c in cols if "last" in expand_identifier(c.name)]
    if first and last:
        return [first[0], last[0]]
    return [col]


def names_a_table(st: ParseState, it: Item) -> bool:
    """The words of ``it`` are (part of) a table's name: "the name of the product" names an entity."""
    stems = tuple(t.stem for t in st.tokens[it.first : it.last])
    for tname in st.catalog.tables:
        t_stems = tuple(stem(w) for w in expand_identifier(tname))
        if any(t_stems[k : k + len(stems)] == stems for k in range(len(t_stems))):
            return True
    return False


def after_preposition(st: ParseState, it: Item) -> bool:
    """ "positions of players", "industries for all companies": the noun names the rows, not a column."""
    i = it.first - 1
    while i >= 0 and st.tokens[i].lower in ("the", "all", "a", "an", "each", "every"):
        i -= 1
    return i >= 0 and st.tokens[i].lower in ("of", "for", "from", "among", "amongst", "in")


def is_table_name(st: ParseState, it: Item) -> bool:
    """The words of ``it`` are exactly some table's name ("positions of players" with a player table)."""
    stems = tuple(t.stem for t in st.tokens[it.first : it.last])
    return any(tuple(stem(w) for w in expand_identifier(t)) == stems for t in st.catalog.tables)


def names_table(st: ParseState, it: Item) -> bool:
    """A column named like its table ("city" in table city) counts rows, not values."""
    if it.link.kind != "column" or not it.link.column:
        return False
    t_stems = tuple(stem(w) for w in expand_identifier(it.link.table))
    c_stems = tuple(stem(w) for w in expand_identifier(it.link.column))
    return c_stems == t_stems


def bind_aggs(st: ParseState) -> None:
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
    price") is an aggregate too; a lone one ("the highest price") is decided in _assemble."""
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


def bind_supers(st: ParseState) -> None:
    cues = st.cues
    for idx, c in enumerate(cues):
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


def bind_groups(st: ParseState) -> None:
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
            st.spec.order_by[-len(own_dirs) :] = [OrderKey(k.target, d) for k, d in zip(keys, own_dirs)]
    st.desc = desc


def _dir_cue_after(st: ParseState, end: int) -> Cue | None:
    """A direction right after an order key: "price decreasing", "name in ascending order"."""
    c = st.cue_at(end)
    if c is None and st.tok(end) is not None and st.tok(end).lower == "in":  # type: ignore[union-attr]
        c = st.cue_at(end + 1)
    return c if c is not None and c.kind == CueKind.DIR else None


def _dir_after(st: ParseState, end: int) -> bool | None:
    c = _dir_cue_after(st, end)
    return None if c is None else c.arg == "desc"


def _dir_end(st: ParseState, end: int) -> int:
    c = _dir_cue_after(st, end)
    return end if c is None else c.last


def bind_who(st: ParseState) -> None:
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


# ================================================================= assembly
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


def _sentence_between(st: ParseState, start: int, end: int) -> bool:
    """A sentence ends between token positions ``start`` and ``end`` (".", "?", "!" or ";")."""
    return any(t.kind == "punct" and t.text in ".?!;" for t in st.tokens[start:end])


def assemble(st: ParseState) -> None:
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
    for col, direction, cue in st.super_col:
        if select_cols or s.group_by and not s.measures:
            s.order_by.insert(0, OrderKey(col, desc=direction == "max"))
            if st.limit is None:
                st.limit = 1
        elif s.group_by or not s.measures or True:
            s.measures.append(Measure(direction, col))  # type: ignore[arg-type]
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
            finish_cues(st)
            return
        else:
            if target not in s.group_by:
                s.group_by.append(target)
            select_cols = [c for c in select_cols if c != target]
            s.order_by.append(OrderKey(Measure("count"), desc=True))
            s.measures.append(Measure("count"))
            s.intent = "distribution"
    if any(c.kind == CueKind.SHARE for c in st.cues):
        for c in st.cues:
            if c.kind == CueKind.SHARE:
                st.use_cue(c)
        s.share = True
    explicit_groups = len(s.group_by)
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
        if not s.measures:
            pass
        s.order_by.insert(0, OrderKey(Measure("count"), desc=direction == "max"))
        st.limit = st.limit or 1
        s.intent = "top"
    if st.order_count is not None:
        if select_cols and not s.group_by:
            s.group_by.extend(select_cols)
            select_cols = []
        s.order_by.append(OrderKey(Measure("count"), desc=bool(st.order_count)))
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
    # shown columns folded into a grouping next to another: a guess at what the question groups by
    st.reading.group_guessed = len(s.group_by) >= 2 and len(s.group_by) > explicit_groups
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
    finish_cues(st)


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


def unique_values(st: ParseState, col: Col) -> bool:
    """Every row has its own value of ``col`` (a name or key): grouping by it counts ones."""
    p, tp = st.colprof(col), st.profile(col.table)
    return (
        p is not None
        and not p.distinct_is_approx
        and tp.row_count > 1
        and p.distinct >= tp.row_count * (1 - p.null_fraction)
    )


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
    r = st.reading
    linked = {k for l in r.links for k in range(l.first, l.last)} if not st.resolved else set()
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
                explained = True  # "phone number", "snatch score", "cloud cover rates": part of the column's name in the question
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


_POSITIVE = {"<>": "=", "not in": "in", "not like": "like"}  # a negated filter, stated positively


def _counts_name(name: str) -> bool:
    """A number column named as a count: a plural noun or number/count/total ("Floors", "Num_of_Component",
    "Hours_Played", "Total_Horses"), not a measurement such as "Grade" or "Price"."""
    words = [w.lower() for w in split_identifier(name)] + expand_identifier(name)
    if any(w in ("number", "num", "no", "count", "cnt", "total", "nbr") for w in words):
        return True
    plural = [w for w in words if len(w) > 3 and w.endswith("s") and not w.endswith("ss") and stem(w) != w]
    return bool(plural)


def _whole_years(d: DateMention) -> bool:
    """The date range starts and ends on whole years ("before 1890", "in 2005", "after 1900")."""
    bounds = [b for b in (d.range.start, d.range.end) if b is not None]
    return bool(bounds) and all((b.month, b.day) == (1, 1) for b in bounds)


def _holds_years(p: ColumnProfile) -> bool:
    """A whole-number column whose values all look like years ("founded": 1850 .. 1999)."""
    try:
        return (
            p.kind == "number"
            and p.min is not None
            and p.max is not None
            and float(p.min) >= 1000
            and float(p.max) <= 2200
            and float(p.min) == int(p.min)
        )
    except (TypeError, ValueError):
        return False


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


MAX_HOPS = 1  # columns of directly related tables only: two-hop guesses were wrong half the time on Spider


def _hops(path: list | None) -> int:
    return len(path) if path is not None else 99


def auto_grain(p: ColumnProfile) -> str:
    """A sensible time grain from a date column's span: years, months, weeks or days."""
    try:
        lo, hi = p.min, p.max
        days = (hi - lo).days if hasattr(hi, "__sub__") and lo is not None and hi is not None else 365
    except TypeError:
        days = 365
    if days > 365 * 3:
        return "year"
    if days > 90:
        return "month"
    if days > 21:
        return "week"
    return "day"


# The binding steps, in order. Each reads the cues and links left unexplained by those before it.
BINDERS: tuple[tuple[str, Callable[[ParseState], None]], ...] = (
    ("grain", bind_grain),  # "monthly" before "by month": the word's grain, unless a "by" names another
    ("dates", bind_dates),  # dates first: "before 2000" is a date, not a comparison with a number
    ("comparisons", bind_comparisons),  # numbers next, before values take the columns they compare
    ("values", bind_values),  # linked values become filters ...
    ("gender", bind_gender),  # ... then "female students", on words no value link explained
    ("like", bind_like),  # after values: a quoted word searched for is no longer also a value to equal
    ("counts", bind_counts),  # counts before aggregates: "average number of X" is left to the aggregate
    ("aggregates", bind_aggs),  # before superlatives: "average and maximum age" takes the chained "maximum"
    ("superlatives", bind_supers),  # before order and groups: "top 5" leaves its direction for a "by" key
    ("order", bind_order),  # before groups: a sort verb turns the "by" that follows into a sort key
    ("groups", bind_groups),
    ("who", bind_who),  # after the counts: "customers who have accounts" is a relative "who"
    ("capitalised", bind_capitalised),  # last: capitalised words nothing else explained are values
    ("sub-rows", move_sub_rows),  # filters said after "than the lowest X of any ..." go into the sub-query
    ("or-groups", group_ors),  # before assembly: comparisons joined by "or" become one OR-group
    ("assemble", assemble),  # what is shown, grouped, ordered; set operations; cues left unused
)
