"""Questions about one table, read the way a person reads a web table or an export.

The compositional parser reads questions whose every word maps to the schema. Questions about a
single table are often looser ("which film came out in 2002 and also had the role of vindici?"),
so this reader asks three things only: which rows the question names (cells it contains), which
column it asks for, and what to do with them: look up, count, add up, rank, compare two named rows,
subtract one from the other, or step to the previous or next row in the file's order. Ranking,
comparing and adding use a column's typed twin (tools/cleaning.py) when the column is text. Rows
whose cell says "Total" are left out of counts and rankings. The SQL returns the asked-for value
first and the cells it was found by after it, so the answer names its rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from insightchat.planner.offline.result_check import Expectation, stated_count
from insightchat.planner.offline.table_words import (
    PERSON_HEADERS,
    PLACE_HEADERS,
    TIME_HEADERS,
    Mention,
    TableWords,
    not_summary,
    read_table_words,
)
from insightchat.planner.offline.text import stem
from insightchat.tools.catalog import Catalog, ColumnProfile
from insightchat.tools.cleaning import POSITION_COLUMN

MAX_UNCOVERED = 2  # content words the reading may leave unexplained before it abstains

MORE = {
    "most",
    "highest",
    "largest",
    "biggest",
    "greatest",
    "maximum",
    "max",
    "longest",
    "tallest",
    "heaviest",
    "more",
    "higher",
    "larger",
    "greater",
    "bigger",
    "longer",
    "taller",
    "top",
}
LESS = {
    "least",
    "lowest",
    "smallest",
    "fewest",
    "minimum",
    "min",
    "shortest",
    "less",
    "lower",
    "smaller",
    "fewer",
    "shorter",
}
LATER = {"latest", "newest", "recent", "later", "last"}
EARLIER = {"earliest", "oldest", "earlier", "first", "older"}
BETTER = {"best", "better", "top"}
WORSE = {"worst", "worse"}
LOWER_IS_BETTER = {
    stem(w) for w in ["rank", "position", "place", "pos", "time", "finish", "result", "seed", "standing"]
}
BEFORE = {"before", "previous", "preceding", "prior", "above", "preceded"}
AFTER = {"after", "next", "following", "below", "succeeding", "followed", "later"}
SELF_REFERENCE = {"share", "shares", "shared", "same"}  # rows matched on another row's value
NEGATION = {"not", "never", "besides", "except", "without", "other", "nt", "didn", "doesn", "isn", "wasn", "weren"}
YES_NO = {"is", "was", "are", "were", "did", "does", "do", "has", "have", "had", "can", "could", "will", "would"}
SUM_WORDS = {"total", "sum", "combined", "altogether", "overall"}
AVG_WORDS = {"average", "mean"}
COMPARATIVES = {
    "more",
    "less",
    "fewer",
    "higher",
    "lower",
    "larger",
    "smaller",
    "greater",
    "bigger",
    "longer",
    "shorter",
    "taller",
    "older",
    "younger",
}
HIGHER = {"higher", "highest", "top", "best", "better"}  # on a rank, the smaller number
LOWER = {"lower", "lowest", "worst", "worse"}
OPERATION_WORDS = (MORE | LESS | BETTER | WORSE | COMPARATIVES | SUM_WORDS | AVG_WORDS | BEFORE | AFTER) | {
    "than",
    "percentage",
    "percent",
    "difference",
    "times",
    "number",
    "since",
    "until",
}
ROWS = '"number of rows"'  # the alias of a count of rows, as the narration reads it
TIME_UNITS = {"years", "months", "weeks", "days", "hours", "minutes", "seconds", "seasons", "decades"}


@dataclass
class TableAnswer:
    """A reading: the SQL to run, a restatement, and the question words it accounts for. A
    ``strict`` reading names no row, so every word of the question must be read; ``expect`` is what
    its result must look like to be believed (result_check.py)."""

    sql: str
    understood: str
    explained: set[int] = field(default_factory=set)
    strict: bool = False
    expect: Expectation = field(default_factory=Expectation)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class _Reader:
    def __init__(self, tw: TableWords, catalog: Catalog) -> None:
        self.tw = tw
        self.catalog = catalog
        self.table = _q(tw.table.name)
        self.words = tw.words
        self.wordset = set(tw.words)
        self.said: list[str] = []  # the conditions of filters(), in words, for the restatement

    # ------------------------------------------------------------------ pieces
    def has(self, words: set[str]) -> list[int]:
        return [i for i, w in enumerate(self.words) if w in words]

    def match(self, group: list[Mention], loose: bool = False) -> str:
        """The condition that a row holds the mentioned cell (in any of the columns it was found in).
        ``loose``: or a cell that contains it as whole words ("Eddie Murphy" in "Eddie Murphy, Nick
        Nolte", "Herself" in "Herself (voice)"), as a count of the rows about a value wants."""
        parts = []
        for m in group:
            col = self.tw.table.column(m.column)
            text = col is not None and col.dtype.upper().startswith("VARCHAR")
            ref = _q(m.column) if text else f"CAST({_q(m.column)} AS VARCHAR)"
            same = f"{ref} = {_lit(m.value)}"
            if loose and text:
                same = f"({same} OR regexp_matches({ref}, {_lit(_word_pattern(m.value))}))"
            parts.append(same)
        return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"

    def not_total(self, *columns: str) -> list[str]:
        """Conditions leaving out summary rows ("Total", "Total for Danish part:") in the first text
        column and in ``columns``: they are no row of their own to count or rank. Only a file table
        (an export) has them; a database table's "Total" is a value like any other."""
        if not self.tw.has_position():
            return []
        first = next((c.name for c in self.tw.columns() if c.kind == "text"), None)
        labels = dict.fromkeys(
            c for c in (first, *columns) if c and (p := self.tw.table.column(c)) and p.kind == "text"
        )
        return [not_summary(_q(c)) for c in labels]

    def rows_said(self) -> str:
        return (" where " + " and ".join(self.said)) if self.said else ""

    def where(self, conds: list[str]) -> str:
        return (" WHERE " + " AND ".join(conds)) if conds else ""

    def key_column(self, exclude: set[str]) -> ColumnProfile | None:
        """The column that names the rows: the first mostly-distinct column of words (not numbers or
        dates written as text, which have a typed twin)."""
        cols = [c for c in self.tw.columns() if c.name not in exclude]
        words = [c for c in cols if c.kind == "text" and self.tw.typed(c.name) is None]
        rows = max(self.tw.table.row_count, 1)
        for c in words:
            if c.distinct >= 0.7 * rows:
                return c
        return next(iter(words), cols[0] if cols else None)

    def headed(self, heads: set[str], exclude: set[str]) -> ColumnProfile | None:
        """A column whose header has one of ``heads``, preferring one the question names."""
        cands = [c for c in self.tw.columns() if c.name not in exclude and set(self.tw.header_stems(c.name)) & heads]
        named = [c for c in cands if c.name in self.tw.named]
        return (named or cands or [None])[0]

    def ranking_column(self, exclude: set[str]) -> tuple[str, ColumnProfile] | None:
        """A named column with numbers or dates (itself or its typed twin): what "most" ranks by."""
        ranked = [
            (name, typed)
            for name in self.tw.named
            if name not in exclude and (typed := self.tw.typed(name)) and self.tw.header_stems(name)[-1:] != ["id"]
        ]  # an identifier ("order_id" for "the most orders") ranks nothing
        ranked.sort(key=lambda pair: -len(self.tw.named[pair[0]]))
        if len(ranked) > 1 and self.tw.named[ranked[0][0]] == self.tw.named[ranked[1][0]]:
            return None  # "the highest peak chart position" of several chart columns: which one is a guess
        return ranked[0] if ranked else None

    # ------------------------------------------------------------------ the asked-for column
    def target(self, default: ColumnProfile | None = None) -> tuple[ColumnProfile, str] | None:
        """The column the question asks for, and the wh word that asked (None: no wh word read).
        When "which X" names no column, X is the rows' name: ``default``, else the key column."""
        words = self.words
        filters = {m.column for g in self.tw.mentions for m in g}
        for i, w in enumerate(words):
            if w in ("which", "what") or (w in ("name", "list") and i == 0):
                j = i + 1
                while j < len(words) and words[j] in ("is", "was", "were", "are", "the", "a", "an"):
                    j += 1
                group = self.tw.mention_at(j, 1)
                if group is not None:  # "what auryn album": a cell before the noun
                    j = group[0].last
                named = self.tw.named_near(j, 3)
                if named is not None:
                    self.tw.explained |= set(self.tw.named[named]) | {i}
                    return self.tw.table.column(named), w  # type: ignore[return-value]
                key = default or self.key_column(filters)
                if key is not None and j < len(words) and words[j] not in OPERATION_WORDS:
                    self.tw.explained |= {i, j}
                    return key, w
                return None
            if w in ("who", "whom", "whose"):
                verb = self.tw.named_near(i + 1, 2)  # "who directed": the "Directed by" column
                col = self.tw.table.column(verb) if verb and verb not in filters else None
                col = col or self.headed(PERSON_HEADERS, filters) or self.key_column(filters)
                self.tw.explained.add(i)
                return (col, w) if col is not None else None
            if w == "when":
                col = self.headed(TIME_HEADERS, set()) or next((c for c in self.tw.columns() if c.kind == "date"), None)
                self.tw.explained.add(i)
                return (col, w) if col is not None else None
            if w == "where":
                col = self.headed(PLACE_HEADERS, filters)
                self.tw.explained.add(i)
                return (col, w) if col is not None else None
        return None

    # ------------------------------------------------------------------ readings
    def read(self) -> TableAnswer | None:
        words = self.words
        if not words or words[0] in YES_NO and not (self.wordset & {"which", "what", "who", "how", "or"}):
            return None  # a yes/no question ("did A or B ..." asks to choose)
        if self.wordset & (NEGATION | SELF_REFERENCE) or self.conjoined():
            return None
        for reading in (self.difference, self.how_many, self.either, self.neighbour, self.asked):
            kept = set(self.tw.explained)
            answer = reading()
            if answer is not None:
                return answer
            self.tw.explained = kept  # a reading that failed explains nothing
        return None

    def conjoined(self) -> bool:
        """ "in county Lake and in county Hill": two cells of one column, each in the same frame, ask
        for rows holding both, which no row does (a list of values does not repeat its frame)."""
        groups = sorted((g for g in self.tw.mentions if len(g) == 1), key=lambda g: g[0].first)
        for a, b in zip(groups, groups[1:], strict=False):
            if a[0].column != b[0].column:
                continue
            between = self.words[a[0].last : b[0].first]
            frame = between[1:]
            if between[:1] == ["and"] and frame and self.words[max(0, a[0].first - len(frame)) : a[0].first] == frame:
                return True
        return False

    def asked(self) -> TableAnswer | None:
        """A question for one column's value: the total, the largest, the first listed, or a lookup."""
        asked = self.target()
        if asked is None:
            return None
        col, _ = asked
        for reading in (self.total, self.superlative, self.listed, self.lookup):
            kept = set(self.tw.explained)
            answer = reading(col)
            if answer is not None:
                return answer
            self.tw.explained = kept
        return None

    def filters(self, loose: bool = False) -> tuple[list[str], list[str]]:
        """Conditions for the mentioned cells, and the columns they use. Cells of one column are
        alternatives ("in 1967 or 1968", "from A and B"), or a range when they are numbers ("from
        1941-1949", "between 1990 and 2004")."""
        conds, cols = [], []
        self.said = []
        by_column: dict[str, list[list[Mention]]] = {}
        for g in self.tw.mentions:
            self.tw.explained |= set(range(g[0].first, g[0].last))
            cols.extend(m.column for m in g)
            by_column.setdefault(g[0].column if len(g) == 1 else "", []).append(g)
        for groups in by_column.values():
            for g in [g for g in groups if self.relative(g)]:
                conds.append(self.relative(g))  # type: ignore[arg-type]
                self.said.append(f"{self.words[self.relative_word(g)]} {g[0].value}")
                groups.remove(g)
        for column, groups in by_column.items():
            if not groups:
                continue
            if not column or len(groups) == 1:
                conds.extend(self.match(g, loose) for g in groups)
                self.said.extend(f"{g[0].column} is {g[0].value}" for g in groups)
                continue
            numbers = [_number(g[0].value) for g in groups]
            typed = self.tw.typed(column)
            if len(groups) == 2 and typed is not None and None not in numbers:
                low, high = sorted(numbers)  # type: ignore[type-var]
                conds.append(f"{_q(typed.name)} BETWEEN {low:g} AND {high:g}")
                self.said.append(f"{column} from {low:g} to {high:g}")
                self.tw.explained |= set(self.has({"between", "from", "to", "through", "and"}))
            else:
                conds.append("(" + " OR ".join(self.match(g, loose) for g in groups) + ")")
                self.said.append(f"{column} is " + " or ".join(g[0].value for g in groups))
        return conds, list(dict.fromkeys(cols))

    def relative_word(self, group: list[Mention]) -> int:
        """Where "after" / "before" / "since" stands before the cell (past "the" and a header word), or -1."""
        i = group[0].first - 1
        while i >= 0 and (self.words[i] in ("the", "a", "an", "to") or any(i in at for at in self.tw.named.values())):
            i -= 1
        return i if i >= 0 and self.words[i] in BEFORE | AFTER | {"since", "until"} else -1

    def relative(self, group: list[Mention]) -> str | None:
        """ "after the film X", "before 1990", "since 2004": rows after or before the named one in
        the file's order, or past the named number (None: the cell is not read that way)."""
        i = self.relative_word(group)
        if i < 0:
            return None
        later = self.words[i] in AFTER | {"since"}
        op = (">=" if self.words[i] == "since" else ">") if later else "<"
        self.tw.explained |= set(range(i, group[0].first))
        number = _number(group[0].value)
        typed = self.tw.typed(group[0].column)
        if number is not None and typed is not None and typed.kind == "number":
            return f"{_q(typed.name)} {op} {number:g}"
        if not self.tw.has_position() or number is not None:
            return None
        pos = _q(POSITION_COLUMN)
        fn = "max" if later else "min"
        return f"{pos} {op} (SELECT {fn}({pos}) FROM {self.table} WHERE {self.match(group)})"

    def difference(self) -> TableAnswer | None:
        """ "how many more X did A have than B", "the difference in X between A and B"."""
        w = self.words
        if not (
            ("how" in w and self.wordset & COMPARATIVES and self.wordset & {"than", "compared"})
            or "difference" in w
            or ("by" in w and "much" in w)
        ):
            return None
        if len(self.tw.mentions) != 2:
            return None
        a, b = self.tw.mentions
        if not {m.column for m in a} & {m.column for m in b}:
            return None
        used = {m.column for m in a + b}
        rank = self.ranking_column(used)
        self.tw.explained |= set(
            self.has(COMPARATIVES | {"how", "many", "much", "than", "compared", "difference", "by", "between"})
        )
        self.tw.explained |= set(range(a[0].first, a[0].last)) | set(range(b[0].first, b[0].last))
        if rank is None:
            return None
        name, typed = rank
        self.tw.explained |= set(self.tw.named[name])
        if typed.kind != "number":
            return None
        val = _q(typed.name)
        sql = (
            f"SELECT abs((SELECT sum({val}) FROM {self.table} WHERE {self.match(a)}) - "
            f"(SELECT sum({val}) FROM {self.table} WHERE {self.match(b)})) AS difference"
        )
        return TableAnswer(sql, f"the difference in {name} between {a[0].value} and {b[0].value}")

    def either(self) -> TableAnswer | None:
        """ "A or B": two cells of one column joined by "or"; which one has more, less, comes first."""
        w = self.words
        if "or" not in w:
            return None
        at = w.index("or")
        before = [g for g in self.tw.mentions if g[0].last <= at]
        after = [g for g in self.tw.mentions if g[0].first > at]
        if not before or not after:
            return None
        a, b = before[-1], after[0]
        if a[0].last < at - 1 or b[0].first > at + 2:
            return None
        shared = [m.column for m in a if any(n.column == m.column for n in b)]
        if not shared:
            return None
        column = shared[0]
        va = next(m.value for m in a if m.column == column)
        vb = next(m.value for m in b if m.column == column)
        self.tw.explained |= set(range(a[0].first, a[0].last)) | set(range(b[0].first, b[0].last)) | {at}
        pick = _Pair(self, column, va, vb)
        rest = [g for g in self.tw.mentions if g is not a and g is not b]
        conds = [self.match(g) for g in rest]
        for g in rest:
            self.tw.explained |= set(range(g[0].first, g[0].last))
        return pick.choose(conds, " and ".join(f"{g[0].column} is {g[0].value}" for g in rest))

    def neighbour(self) -> TableAnswer | None:
        """ "which team came after X", "who was listed before X": one row up or down the file."""
        if not self.tw.has_position():
            return None
        for i, word in enumerate(self.words):
            step = -1 if word in BEFORE else 1 if word in AFTER else 0
            if not step:
                continue
            j = i + 1
            while j < len(self.words) and self.words[j] in ("to", "the", "a", "an"):
                j += 1
            group = self.tw.mention_at(i + 1, j - i)  # "before the glass key": the cell may begin with "the"
            if group is None or any(self.tw.typed(m.column) is not None for m in group):
                continue  # "after 1990" compares years; it steps to no row
            self.tw.explained |= {i} | set(range(i, j)) | set(range(group[0].first, group[0].last))
            asked = self.target(default=self.tw.table.column(group[0].column))
            if asked is None:
                return None
            col, _ = asked
            pos = _q(POSITION_COLUMN)
            sql = (
                f"SELECT {_q(col.name)}, {pos} FROM {self.table} WHERE {pos} IN "
                f"(SELECT {pos} {'-' if step < 0 else '+'} 1 FROM {self.table} WHERE {self.match(group)})"
            )
            where = "before" if step < 0 else "after"
            return TableAnswer(sql, f"the {col.name} of the row listed just {where} {group[0].value}")
        return None

    def how_many(self) -> TableAnswer | None:
        """ "how many X ...": a count of the named rows, or a number the question's row holds."""
        w = self.words
        at = next((i for i in range(len(w) - 1) if w[i] == "how" and w[i + 1] in ("many", "much")), None)
        if at is None:
            return None
        self.tw.explained |= {at, at + 1} | set(self.has({"total", "combined", "altogether", "overall"}))
        if at + 2 < len(w) and not self.tw.mention_at(at + 2, 1) and w[at + 2] not in OPERATION_WORDS:
            self.tw.explained.add(at + 2)  # the counted noun: "how many films" counts rows ("how many more": no noun)
        loose, _ = self.filters(loose=True)  # counted rows are those about the cell
        conds, used = self.filters()
        named = self.tw.named_near(at + 2, 3)
        if at + 2 < len(w) and w[at + 2] in TIME_UNITS and named is None:
            return None  # "how many years was she mayor": a span of time, not a count of rows
        if "times" in w[at + 2 : at + 4]:
            self.tw.explained |= {at + 2 + w[at + 2 : at + 4].index("times")}
            named = None
        if named is not None and named not in used:
            if set(self.tw.header_stems(named)) & TIME_HEADERS:
                return None  # "how many years did it run": a span of time, not a count or a sum
            self.tw.explained |= set(self.tw.named[named])
            typed = self.tw.typed(named)
            if typed is not None and typed.kind == "number" and conds:
                sql = f"SELECT sum({_q(typed.name)}) AS {_q(named)} FROM {self.table}{self.where(conds)}"
                return TableAnswer(sql, f"the {named}" + self.rows_said())
            if typed is None:
                sql = (
                    f"SELECT count(DISTINCT {_q(named)}) AS {_q('number of ' + named)} "
                    f"FROM {self.table}{self.where(loose + self.not_total())}"
                )
                return TableAnswer(
                    sql,
                    f"the number of different {named}" + self.rows_said(),
                    strict=not conds,
                )
        if not conds:
            return None
        value = self.ranking_column(set(used))
        if value is not None and self.tw.mention_at(at + 2, 1) and value[1].kind == "number":
            # "how many russian-lipovans were there in 1966": the named row's number in that column
            name, typed = value
            self.tw.explained |= set(self.tw.named[name])
            sql = f"SELECT sum({_q(typed.name)}) AS {_q(name)} FROM {self.table}{self.where(conds)}"
            return TableAnswer(sql, f"the {name}" + self.rows_said())
        sql = f"SELECT count(*) AS {ROWS} FROM {self.table}{self.where(loose + self.not_total())}"
        return TableAnswer(sql, "the number of rows" + self.rows_said())

    def total(self, col: ColumnProfile) -> TableAnswer | None:
        """ "what is the total X" / "the average X" of the named rows."""
        agg = "sum" if self.wordset & SUM_WORDS else "avg" if self.wordset & AVG_WORDS else None
        if agg is None:
            return None
        typed = self.tw.typed(col.name)
        if typed is None or typed.kind != "number":
            return None
        self.tw.explained |= set(self.has(SUM_WORDS | AVG_WORDS))
        conds, _ = self.filters()
        alias = _q(f"{agg} {col.name}")
        sql = f"SELECT {agg}({_q(typed.name)}) AS {alias} FROM {self.table}{self.where(conds + self.not_total())}"
        return TableAnswer(sql, f"the {'total' if agg == 'sum' else 'average'} {col.name}" + self.rows_said())

    def superlative(self, col: ColumnProfile) -> TableAnswer | None:
        """ "which X has the most Y": the rows with the largest (smallest) Y; without a Y column, the
        value of X found in the most rows."""
        ws = self.wordset
        words = (MORE | LESS | LATER | EARLIER | BETTER | WORSE) & ws
        if not words:
            return None
        at = self.has(words)
        if any(b - a > 1 for a, b in zip(at, at[1:], strict=False)):
            return None  # "the highest age and the lowest rank": two extremes, no one row has both
        conds, used = self.filters()
        rank = self.ranking_column({*used, col.name})
        self.tw.explained |= set(at)
        if rank is None:
            if (
                not (ws & {"most", "least", "fewest"})
                or col.kind != "text"
                or col.distinct >= 0.9 * self.tw.table.row_count
            ):
                return None  # a count per value needs a column whose values repeat
            order = "DESC" if "most" in ws else "ASC"
            self.tw.explained |= set(self.has({"times", "often"}))
            sql = (
                f"SELECT {_q(col.name)}, count(*) AS {ROWS} FROM {self.table}"
                f"{self.where([*conds, f'{_q(col.name)} IS NOT NULL', *self.not_total(col.name)])} "
                f"GROUP BY {_q(col.name)} QUALIFY rank() OVER (ORDER BY count(*) {order}) = 1"
            )
            understood = f"the {col.name} found in the {'most' if order == 'DESC' else 'fewest'} rows"
            return TableAnswer(sql, understood + self.rows_said(), expect=Expectation(single=True))
        name, typed = rank
        self.tw.explained |= set(self.tw.named[name])
        header = set(self.tw.header_stems(name))
        if header & LOWER_IS_BETTER and ws & (HIGHER | LOWER):  # "ranked highest": rank 1
            fn = "min" if ws & HIGHER else "max"
        elif ws & (MORE | LATER):
            fn = "max"
        elif ws & (LESS | EARLIER):
            fn = "min"
        else:  # "best" is the smallest rank or time and the largest score
            fn = "min" if bool(ws & BETTER) == bool(header & LOWER_IS_BETTER) else "max"
        val = _q(typed.name)
        where = conds + self.not_total(col.name)
        sql = (
            f"SELECT {_q(col.name)}, {_q(name)} FROM {self.table} WHERE {val} = "
            f"(SELECT {fn}({val}) FROM {self.table}{self.where(where)})" + "".join(f" AND {c}" for c in where)
        )
        understood = f"the {col.name} with the {'largest' if fn == 'max' else 'smallest'} {name}"
        return TableAnswer(sql, understood + self.rows_said(), expect=Expectation(single=True))

    def listed(self, col: ColumnProfile) -> TableAnswer | None:
        """ "the last title sid marcus directed": the first or last of the named rows in the file's order."""
        first, last = "first" in self.wordset, "last" in self.wordset
        if first == last or not self.tw.has_position():
            return None
        conds, _ = self.filters()
        self.tw.explained |= set(self.has({"first", "last"}))
        pos = _q(POSITION_COLUMN)
        fn = "min" if first else "max"
        where = conds + self.not_total()
        sql = (
            f"SELECT {_q(col.name)}, {pos} FROM {self.table} WHERE {pos} = "
            f"(SELECT {fn}({pos}) FROM {self.table}{self.where(where)})"
        )
        return TableAnswer(sql, f"the {col.name} listed {'first' if first else 'last'}" + self.rows_said())

    def lookup(self, col: ColumnProfile) -> TableAnswer | None:
        """ "what is the X of Y": X of the rows the question names; "the year he played A and B": the
        X that rows of both share."""
        groups = self.tw.mentions
        same = len(groups) == 2 and len(groups[0]) == len(groups[1]) == 1 and groups[0][0].column == groups[1][0].column
        if same and col.name != groups[0][0].column and _number(groups[0][0].value) is None:
            self.tw.explained |= {i for g in groups for i in range(g[0].first, g[0].last)}
            sql = " INTERSECT ".join(f"SELECT {_q(col.name)} FROM {self.table} WHERE {self.match(g)}" for g in groups)
            return TableAnswer(sql, f"the {col.name} of both {groups[0][0].value} and {groups[1][0].value}")
        conds, used = self.filters()
        if not conds or used == [col.name]:
            return None
        shown = [col.name] + [c for c in used if c != col.name]
        sql = "SELECT DISTINCT " + ", ".join(_q(c) for c in shown) + f" FROM {self.table}{self.where(conds)}"
        return TableAnswer(sql, f"the {col.name}" + self.rows_said())


@dataclass
class _Pair:
    """Two named cells of one column ("1967 or 1968"): which one the question picks."""

    reader: _Reader
    column: str
    a: str
    b: str

    def choose(self, conds: list[str], said: str = "") -> TableAnswer | None:
        r = self.reader
        ws = r.wordset
        col = _q(self.column)
        pair = f"CAST({col} AS VARCHAR) IN ({_lit(self.a)}, {_lit(self.b)})"
        where = " AND ".join([pair] + conds)
        rank = r.ranking_column({self.column})
        more = ws & (MORE | LATER | BETTER)
        less = ws & (LESS | EARLIER | WORSE)
        r.tw.explained |= set(r.has(MORE | LESS | LATER | EARLIER | BETTER | WORSE | {"first", "before", "after"}))
        if rank is not None and (more or less):
            name, typed = rank
            r.tw.explained |= set(r.tw.named[name])
            header = set(r.tw.header_stems(name))
            if header & LOWER_IS_BETTER and ws & (HIGHER | LOWER):
                big = not ws & HIGHER
            else:
                big = bool(more) != bool(ws & BETTER and header & LOWER_IS_BETTER)
            order = "DESC" if big else "ASC"
            sql = (
                f"SELECT {col}, sum({_q(typed.name)}) AS {_q(name)} FROM {r.table} WHERE {where} "
                f"GROUP BY {col} ORDER BY 2 {order} LIMIT 1"
            )
            return TableAnswer(sql, f"which of {self.a} and {self.b} has the {'larger' if big else 'smaller'} {name}")
        if (more or less) and not (ws & {"first", "before", "after", "earlier", "later"}):
            order = "DESC" if more else "ASC"
            sql = (
                f"SELECT {col}, count(*) AS {ROWS} FROM {r.table} WHERE {where} "
                f"GROUP BY {col} ORDER BY 2 {order} LIMIT 1"
            )
            return TableAnswer(sql, f"which of {self.a} and {self.b} is in {'more' if more else 'fewer'} rows")
        if r.tw.has_position() and ws & {"first", "before", "earlier", "after", "later", "last"}:
            order = "ASC" if ws & {"first", "before", "earlier"} else "DESC"
            pos = _q(POSITION_COLUMN)
            sql = (
                f"SELECT {col}, min({pos}) AS {pos} FROM {r.table} WHERE {where} "
                f"GROUP BY {col} ORDER BY 2 {order} LIMIT 1"
            )
            return TableAnswer(sql, f"which of {self.a} and {self.b} is listed {'first' if order == 'ASC' else 'last'}")
        if conds and not (more or less):  # "which is a civil parish, A or B?": the one the other cells describe
            sql = f"SELECT DISTINCT {col} FROM {r.table} WHERE {where}"
            return TableAnswer(sql, f"which of {self.a} and {self.b} has {said}")
        return None


def _word_pattern(value: str) -> str:
    """An RE2 pattern for ``value`` as whole words of a longer cell, ignoring case."""
    escaped = "".join("\\" + ch if ch.isascii() and not ch.isalnum() and ch != " " else ch for ch in value)
    return rf"(?i)(^|[^\pL\pN]){escaped}($|[^\pL\pN])"


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def read_table_question(question: str, catalog: Catalog) -> TableAnswer | None:
    """A reading of a question over the catalog's only table, or None (it abstains)."""
    if len(catalog.tables) != 1:
        return None
    table = next(iter(catalog.tables.values()))
    tw = read_table_words(question, catalog, table)
    answer = _Reader(tw, catalog).read()
    if answer is None or len(tw.uncovered()) > (0 if answer.strict else MAX_UNCOVERED):
        return None
    if any(w in OPERATION_WORDS and i not in tw.explained for i, w in enumerate(tw.words)):
        return None  # "who was sunk the most": a ranking the reading did not do
    answer.explained = set(tw.explained)
    if "how" not in tw.words and (count := stated_count(tw.words)) is not None:
        answer.expect = replace(answer.expect, count=count)
    return answer
