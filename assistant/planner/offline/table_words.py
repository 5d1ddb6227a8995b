"""What a question about one table names: the rows (cells it contains), the columns (header words)
and the column it asks for (the word after "which", "who", "when" ...).

Questions about web tables and exports are often typed in lower case and name rows by their cells
("which film did barton produce?"), so rows are found through ``Catalog.find_mentions`` (every cell
the question contains as whole words), not through capitals or quotes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from insightchat.planner.offline.text import STOP_STEMS, stem
from insightchat.tools.catalog import Catalog, ColumnProfile, TableProfile, mention_words
from insightchat.tools.cleaning import POSITION_COLUMN

WH_WORDS = ("which", "what", "who", "whom", "whose", "when", "where")
PERSON_HEADERS = {
    stem(w)
    for w in [
        "name",
        "player",
        "athlete",
        "driver",
        "rider",
        "artist",
        "winner",
        "candidate",
        "director",
        "coach",
        "manager",
        "member",
        "person",
        "president",
        "actor",
        "actress",
        "author",
        "composer",
        "singer",
        "writer",
        "cyclist",
        "swimmer",
        "runner",
        "boxer",
        "wrestler",
        "skater",
        "champion",
        "owner",
        "leader",
        "chairman",
        "governor",
        "mayor",
        "minister",
        "representative",
        "senator",
        "incumbent",
        "nominee",
        "recipient",
    ]
}
PLACE_HEADERS = {
    stem(w)
    for w in [
        "venue",
        "location",
        "city",
        "place",
        "country",
        "site",
        "stadium",
        "ground",
        "hometown",
        "nation",
        "state",
        "town",
        "arena",
    ]
}
TIME_HEADERS = {stem(w) for w in ["year", "date", "season", "time", "period", "born", "released", "aired"]}
# Words that only frame a question; they need no reading.
FRAME_WORDS = {
    stem(w)
    for w in [
        "how",
        "many",
        "much",
        "which",
        "what",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "is",
        "was",
        "were",
        "are",
        "be",
        "been",
        "the",
        "a",
        "an",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "by",
        "with",
        "and",
        "did",
        "do",
        "does",
        "has",
        "have",
        "had",
        "that",
        "this",
        "there",
        "their",
        "its",
        "his",
        "her",
        "it",
        "they",
        "he",
        "she",
        "them",
        "name",
        "list",
        "tell",
        "me",
        "give",
        "show",
        "listed",
        "list",
        "total",
        "number",
        "amount",
        "one",
        "ones",
        "s",
    ]
}


def is_file_table(table: TableProfile) -> bool:
    """A table loaded from a file (an export, a web table), which keeps its row order as a column:
    its rows are read in the order listed, and some of them may sum up the others ("Total")."""
    return table.column(POSITION_COLUMN) is not None


def summary_label(table: TableProfile) -> str | None:
    """The first text column of a file table (one that keeps its row order), where a summary row
    says "Total" ("Grand total", "Total for Danish part:"): no row of its own to count or rank."""
    if not is_file_table(table):
        return None
    return next((c.name for c in table.columns if c.kind == "text" and c.typed_from is None), None)


# Labels of rows that sum up or qualify the others: "Total", and an election table's tally lines.
SUMMARY_LABELS = (
    r"total|turnout|registered voters|eligible voters|(in)?valid votes|(rejected|blank|spoilt|spoiled) (votes|ballots)"
)


def not_summary(column_sql: str) -> str:
    """The condition that a row's label (``column_sql``, quoted) is no summary row."""
    return f"NOT regexp_matches(coalesce(lower({column_sql}), ''), '{SUMMARY_LABELS}')"


# Ways of asking for a count that say it as a noun: read as "how many".
COUNT_PHRASES = re.compile(r"^(?:what (?:s |is |are |was |were )?|whats )?(?:the )?(?:total )?number of (?!the )")


@dataclass(frozen=True)
class Mention:
    """A cell of ``column`` the question contains, at question words ``first``..``last`` (exclusive)."""

    column: str
    value: str
    first: int
    last: int


@dataclass
class TableWords:
    """One question read against one table: its words and what they name."""

    table: TableProfile
    words: list[str]
    stems: list[str]
    mentions: list[list[Mention]] = field(default_factory=list)  # one group per span: the columns it is in
    named: dict[str, list[int]] = field(default_factory=dict)  # column -> the question words naming it
    explained: set[int] = field(default_factory=set)  # question words a reading accounts for

    # ------------------------------------------------------------------ columns
    def columns(self) -> list[ColumnProfile]:
        """The table's own columns (not typed twins, not the row position)."""
        return [c for c in self.table.columns if c.typed_from is None and c.name != POSITION_COLUMN]

    def typed(self, column: str) -> ColumnProfile | None:
        """The column itself when it is a number or a date, else its typed twin (None: neither)."""
        col = self.table.column(column)
        if col is not None and col.kind in ("number", "date") and col.typed_from is None:
            return col
        return next((c for c in self.table.columns if c.typed_from == column), None)

    def has_position(self) -> bool:
        return is_file_table(self.table)

    def header_stems(self, column: str) -> list[str]:
        return [s for s in (stem(w) for w in mention_words(column).split()) if s not in STOP_STEMS]

    def named_near(self, start: int, width: int = 3) -> str | None:
        """The column named by the words from ``start`` on (the noun after "which")."""
        near = [(min(at), -len(at), name) for name, at in self.named.items() if start <= min(at) < start + width]
        return min(near)[2] if near else None

    def mention_at(self, start: int, width: int = 2) -> list[Mention] | None:
        """The mention group that begins within ``width`` words of ``start``."""
        return next((g for g in self.mentions if start <= g[0].first < start + width), None)

    def uncovered(self) -> list[str]:
        """Content words nothing in the reading accounts for."""
        return [
            w
            for i, (w, s) in enumerate(zip(self.words, self.stems, strict=True))
            if i not in self.explained and s not in FRAME_WORDS and s not in STOP_STEMS
        ]


def read_table_words(question: str, catalog: Catalog, table: TableProfile) -> TableWords:
    """The question's words, the cells it contains and the columns it names."""
    words = COUNT_PHRASES.sub("how many ", mention_words(question)).split()
    tw = TableWords(table, words, [stem(w) for w in words])
    _name_columns(tw)
    _find_mentions(tw, catalog)
    return tw


def _name_columns(tw: TableWords) -> None:
    """A column is named when at least half of its header's content words are in the question."""
    for col in tw.columns():
        header = tw.header_stems(col.name)
        if not header:
            continue
        at = [i for i, s in enumerate(tw.stems) if s in header and s not in FRAME_WORDS]
        matched = {tw.stems[i] for i in at}
        if at and 2 * len(matched) >= len(set(header)):
            tw.named[col.name] = at


def _find_mentions(tw: TableWords, catalog: Catalog) -> None:
    """The longest cells the question contains, each span once (a span in several columns is one group)."""
    if catalog.find_mentions is None:
        return
    header_words = {i for at in tw.named.values() for i in at}
    spans: dict[tuple[int, int], list[Mention]] = {}
    for table, column, value in catalog.find_mentions(" ".join(tw.words)):
        if table != tw.table.name:
            continue
        cell = mention_words(value).split()
        if not cell or all(stem(w) in STOP_STEMS or stem(w) in FRAME_WORDS for w in cell):
            continue
        if len(cell) == 1 and cell[0].isdigit() and len(cell[0]) < 3:
            continue  # "3" is in most tables: only longer numbers (years, scores) name rows
        for first in range(len(tw.words) - len(cell) + 1):
            if tw.words[first : first + len(cell)] == cell:
                span = (first, first + len(cell))
                if set(range(*span)) <= header_words and len(cell) == 1:
                    continue  # the word names a column here ("the year"), not a cell
                group = spans.setdefault(span, [])
                if all(m.column != column for m in group):
                    group.append(Mention(column, value, *span))
    taken: set[int] = set()
    for span in sorted(spans, key=lambda s: (s[0] - s[1], s[0])):  # longest first
        if taken & set(range(*span)):
            continue
        taken |= set(range(*span))
        tw.mentions.append(spans[span])
    tw.mentions.sort(key=lambda g: g[0].first)
    for name in list(tw.named):  # a header word inside a cell ("Best Director") names no column
        tw.named[name] = [i for i in tw.named[name] if i not in taken]
        if not tw.named[name]:
            del tw.named[name]
