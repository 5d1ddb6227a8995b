"""The parse state: everything the binding steps of the offline parser read and write.

One question is read in stages (see parser.BINDERS). Each binder is a function of this state: it
turns cues and links into parts of ``spec`` and marks the words it explained in ``used``. What one
binder leaves for a later one (a pending "top", a direction, the rows a comparison is over) is a
declared field here, so the order of binders is the only contract between them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from insightchat.planner.lexicon import COPULA
from insightchat.planner.offline.cues import Cue, CueKind
from insightchat.planner.offline.dates import DateMention, parse_number
from insightchat.planner.offline.linking import Link, SchemaIndex
from insightchat.planner.offline.spec import Col, Filter, Measure, QuerySpec
from insightchat.planner.offline.text import FILLER_STEMS, Token
from insightchat.tools.catalog import Catalog, ColumnProfile, TableProfile


@dataclass
class Reading:
    """What the parser made of a question."""

    spec: QuerySpec | None = None
    partial: QuerySpec | None = None  # what was built even when something could not be read
    unknown: list[str] = field(default_factory=list)  # words nothing explained
    problems: list[str] = field(default_factory=list)  # things understood but not mappable
    confidence: float = 1.0
    chart: bool = False
    schema: str | None = None  # "tables" | "columns": a question about the data's structure
    schema_table: str | None = None
    grain_only: str | None = None  # the question was just "by month" and similar (follow-ups)
    tokens: list[Token] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    cues: list[Cue] = field(default_factory=list)
    dates: list[DateMention] = field(default_factory=list)
    roles: list[tuple[Link, str]] = field(default_factory=list)  # links the spec used, and how
    group_guessed: bool = False  # shown columns were folded into a multi-column grouping
    tolerated: list[str] = field(default_factory=list)  # lower-case words left over, read past (coverage.soft_run)


@dataclass
class Item:
    """A resolved link in the question, and what it was used for."""

    link: Link
    role: str | None = None
    alts: list[Link] = field(default_factory=list)  # equally good readings in the same table

    @property
    def first(self) -> int:
        return self.link.first

    @property
    def last(self) -> int:
        return self.link.last


@dataclass
class ParseState:
    """One question being read: the input, the reading so far, and what binders hand on to later ones."""

    # ---------------------------------------------------------------- input
    question: str
    index: SchemaIndex
    today: dt.date
    default_table: str | None = None  # the table of the conversation so far, if any
    # ---------------------------------------------------------------- the reading
    reading: Reading = field(default_factory=Reading)  # tokens, cues, links, problems: what the planner gets
    used: set[int] = field(default_factory=set)  # tokens explained so far
    noun_numbers: set[int] = field(default_factory=set)  # "phone number": positions of "number" read as a noun
    table: str = ""  # the main table, once chosen
    resolved: bool = False  # a main table was chosen and ``items`` resolved against it
    items: list[Item] = field(default_factory=list)  # one resolved link per linked span
    have_count: bool = False  # the main table is the rows that refer to the counted ones (resolve.counted_owner)
    spec: QuerySpec = field(init=False, repr=False)  # what is being built; set with the main table
    # ---------------------------------------------------------------- filters and where they were said
    filter_spans: list[tuple[Filter, int, int]] = field(default_factory=list)  # comparisons and their token spans
    filter_first: dict[int, int] = field(default_factory=dict)  # id(filter) -> the first token it came from
    sub_rows: list[tuple[Filter, int]] = field(default_factory=list)  # comparisons with an aggregate over the rows
    # named after token k ("than the lowest revenue of any manufacturer in Austin"): assembly moves those filters in
    noun_count: bool = False  # "at least two shops opened": a plural noun naming nothing counts rows
    # ---------------------------------------------------------------- counts and aggregates
    count_as_sum: list[tuple[Measure, Item, bool]] = field(default_factory=list)  # "number of floors" over a
    # count-like column: the sum measure, its item, and whether the question said "total"
    # ---------------------------------------------------------------- superlatives and ranking
    super_col: list[tuple[Col, str, Cue]] = field(default_factory=list)  # ranked columns: (column, max|min, cue)
    top_count: tuple[str, Col | None] | None = None  # ("max"|"min", group column) for "most X": ranked by count
    common_k: int | None = None  # "the top 3 most common": how many, for the "most common" cue that follows
    top_pending: str | None = None  # "top 5" with nothing ranked yet: the direction, for a "by" key that follows
    limit: int | None = None
    # ---------------------------------------------------------------- grouping and order
    grain: str | None = None  # a time grain ("monthly", "by month")
    grain_col: Col | None = None  # the date column grouped by that grain
    order_count: bool | None = None  # "in descending order of the number of X": ordered by a count, this way
    alpha: bool = False  # alphabetical order asked
    desc: bool = False  # some direction cue said descending
    # ---------------------------------------------------------------- names
    who: bool = False  # rows are asked for by name ("who", "which department ...")
    name_word: list[Col] = field(default_factory=list)  # "the names of all campuses": the column that names them
    unknown_runs: list[list[int]] = field(default_factory=list)  # positions of each run of unexplained words

    @property
    def catalog(self) -> Catalog:
        return self.index.catalog

    @property
    def tokens(self) -> list[Token]:
        return self.reading.tokens

    @property
    def cues(self) -> list[Cue]:
        return self.reading.cues

    def tok(self, i: int) -> Token | None:
        """The token at ``i``, or None past either end."""
        return self.tokens[i] if 0 <= i < len(self.tokens) else None

    def cue_at(self, i: int) -> Cue | None:
        """The cue that starts at token ``i``."""
        for c in self.cues:
            if c.first == i:
                return c
        return None

    def item_at(self, i: int) -> Item | None:
        """The resolved link that starts at token ``i``."""
        for it in self.items:
            if it.first == i:
                return it
        return None

    def item_ending(self, i: int) -> Item | None:
        """The resolved link that ends right before token ``i``."""
        for it in self.items:
            if it.last == i:
                return it
        return None

    def skippable(self, i: int, extra: tuple[CueKind, ...] = ()) -> bool:
        """Token ``i`` may be stepped over when looking for the next link (filler, "distinct", "types of")."""
        t = self.tok(i)
        if t is None:
            return False
        c = self.cue_at(i)
        if c and c.kind in (CueKind.DISTINCT,) + extra:
            return True
        if any(it.first <= i < it.last for it in self.items):
            return False
        if t.lower in ("types", "kinds", "type", "kind") and (n := self.tok(i + 1)) is not None and n.lower == "of":
            return True  # "how many different types of clients": the clients
        return t.kind == "word" and (t.stem in FILLER_STEMS) and not self.is_cue_pos(i)

    def is_cue_pos(self, i: int) -> bool:
        """Token ``i`` is part of some cue."""
        return any(c.first <= i < c.last for c in self.cues)

    def next_item(self, pos: int, extra: tuple[CueKind, ...] = (), limit: int = 4) -> Item | None:
        """The next link from ``pos``, past filler and cues of the kinds in ``extra``, within ``limit`` words."""
        i, skipped = pos, 0
        while i < len(self.tokens) and skipped <= limit:
            it = self.item_at(i)
            if it:
                return it
            c = self.cue_at(i)
            if c and c.kind in (CueKind.DISTINCT,) + extra:
                i = c.last
                continue
            if not self.skippable(i):
                return None
            i += 1
            skipped += 1
        return None

    def prev_item(self, pos: int, limit: int = 4, kinds: tuple[str, ...] = ("column",)) -> Item | None:
        """The link of one of ``kinds`` ending before ``pos``, past copulas, filler, "and" and "not"."""
        i, skipped = pos - 1, 0
        while i >= 0 and skipped <= limit:
            it = self.item_ending(i + 1)
            if it and it.link.kind in kinds:
                return it
            if it:
                return None
            t = self.tokens[i]
            cue = next((c for c in self.cues if c.first <= i < c.last), None)
            if cue is not None:
                if cue.kind not in (CueKind.AND, CueKind.NEG, CueKind.OR_NOISE):
                    return None
            elif not (t.lower in COPULA or t.stem in FILLER_STEMS):
                return None
            i -= 1
            skipped += 1
        return None

    def profile(self, table: str) -> TableProfile:
        """The catalog profile of ``table``."""
        return self.catalog.tables[table]

    def colprof(self, col: Col) -> ColumnProfile | None:
        """The catalog profile of ``col``."""
        return self.catalog.tables[col.table].column(col.name)

    def col_of(self, it: Item) -> Col | None:
        """The column a column or value link names."""
        if it.link.kind in ("column", "value") and it.link.column:
            return Col(it.link.table, it.link.column)
        return None

    def use(self, it: Item | None, role: str) -> None:
        """Give ``it`` its role in the spec; its words are explained."""
        if it is not None:
            it.role = role
            self.used.update(range(it.first, it.last))

    def use_cue(self, c: Cue) -> None:
        """The words of ``c`` are explained."""
        self.used.update(range(c.first, c.last))

    def neg_before(self, pos: int, window: int = 4) -> bool:
        """A negation within ``window`` words before ``pos`` (used up when found)."""
        for c in self.cues:
            if c.kind == CueKind.NEG and pos - window <= c.first < pos:
                self.use_cue(c)
                return True
        return False

    def number_at(self, i: int) -> tuple[float | int, int] | None:
        """The number at token ``i`` and the position after it."""
        t = self.tok(i)
        if t is None:
            return None
        v = parse_number(t)
        return (v, i + 1) if v is not None else None

    def add_filter(self, f: Filter, first: int) -> None:
        """Add a WHERE filter and remember where the question said it (set operations split by position)."""
        self.spec.filters.append(f)
        self.filter_first[id(f)] = first

    def use_cue_at(self, i: int) -> None:
        """Use the cue that starts at token ``i``, if any."""
        for c in self.cues:
            if c.first == i:
                self.use_cue(c)

    def consumed(self, c: Cue) -> bool:
        """Some word of ``c`` is already explained: another binder used the cue."""
        return any(k in self.used for k in range(c.first, c.last))

    def where_first(self, f: Filter) -> int | None:
        """The token where the question stated filter ``f``, when known."""
        if id(f) in self.filter_first:
            return self.filter_first[id(f)]
        return next((a for g, a, _ in self.filter_spans if g is f), None)


def toks_lower(tokens: list[Token], first: int, last: int) -> str:
    """The lower-case words of tokens [first, last), joined by spaces."""
    return " ".join(t.lower for t in tokens[first:last])
