"""Cleaning and typing: a typed column beside each text column that holds numbers, dates or times.

Exports from spreadsheets and web pages store numbers as text ("1,234", "$1.2 million", "12 %",
"1st"), dates in many spellings ("January 26, 1995", "9/9/67"), race times ("3:45.2"), seasons
("1990–91"), with footnote marks ("Italy [a]", "12*") and markers for nothing ("—", "n/a"). No
planner can compare, sort or add those, so each such column gets a typed twin computed from it; the
original column stays as it was, and what could not be converted is counted and listed, never
dropped silently.

Every rule is one row of :data:`RULES`: a pattern over the prepared text (trimmed, footnote marks
removed) and the SQL that converts a match. The rules run inside DuckDB, so a large table is typed
in a stream and the Python side only decides, per column, which family of rules fits best (most
values converted, at least ``MIN_SHARE`` of the non-empty ones). Each file table also gets its row
order as a 1-based column (:data:`POSITION_COLUMN`), so "the previous one" and "the last listed"
have something to order by.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

    from insightchat.tools.workspace import Workspace

POSITION_COLUMN = "row_position"
MIN_SHARE = 0.8  # a family is applied when it converts at least this share of the non-empty values
SHOWN_FAILURES = 10

# Cell text that means "no value": a dash, n/a, a question mark, an ellipsis, tbd.
EMPTY_MARKERS = ("", "-", "—", "–", "−", "--", "---", "n/a", "na", "n.a.", "?", "…", "...", "tbd", "tba", "null")
# Footnote marks at the end of a cell: [a], [12], [note 3], *, †, ‡, §, ¶, superscript digits.
FOOTNOTE = r"(\s*(\[[^\]]{0,20}\]|[*†‡§¶¹²³⁴⁵⁶⁷⁸⁹⁰]))+$"

# No leading zeros ('007', '01234' are codes, not numbers), thousands in groups of three.
_NUM = r"[+-]?(?:[1-9]\d{0,2}(?:,\d{3})+|[1-9]\d*|0)(?:\.\d+)?"
_NUM_EU = r"[+-]?(?:[1-9]\d{0,2}(?:\.\d{3})+|[1-9]\d*|0)(?:,\d+)?"
_SCALE = r"(?:\s?(million|billion|thousand|mn|bn|m|k))?"
_CURRENCY = r"(?:US|A|C|NZ|HK|R)?[$€£¥₹]"


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def prepared(column_sql: str) -> str:
    """The text the rules read: trimmed, inner spaces collapsed, a Unicode minus made ASCII and
    footnote marks at the end removed."""
    text = f"replace(CAST({column_sql} AS VARCHAR), '−', '-')"
    text = f"regexp_replace({text}, {_lit(FOOTNOTE)}, '')"
    return f"trim(regexp_replace({text}, '\\s+', ' ', 'g'))"


def is_empty_marker(text_sql: str) -> str:
    return f"(lower({text_sql}) IN ({', '.join(_lit(m) for m in EMPTY_MARKERS)}))"


def _number(expr: str) -> str:
    return f"TRY_CAST(replace({expr}, ',', '') AS DOUBLE)"


def _number_eu(expr: str) -> str:
    return f"TRY_CAST(replace(replace({expr}, '.', ''), ',', '.') AS DOUBLE)"


def _scaled(number_sql: str, scale_sql: str) -> str:
    return (
        f"({number_sql} * CASE lower({scale_sql}) WHEN 'thousand' THEN 1e3 WHEN 'k' THEN 1e3 "
        "WHEN 'million' THEN 1e6 WHEN 'mn' THEN 1e6 WHEN 'm' THEN 1e6 WHEN 'billion' THEN 1e9 "
        "WHEN 'bn' THEN 1e9 ELSE 1 END)"
    )


def _group(p: str, pattern: str, n: int) -> str:
    return f"regexp_extract({p}, {_lit(pattern)}, {n})"


def _date_text(p: str) -> str:
    """Month names read by strptime: no ordinal suffix on the day, no dot after an abbreviation."""
    text = f"regexp_replace({p}, '(\\d)(st|nd|rd|th)\\b', '\\1', 'g')"
    text = f"regexp_replace({text}, '\\b(Sept)\\b', 'Sep', 'gi')"
    return f"regexp_replace({text}, '\\b([A-Za-z]{{3}})\\.', '\\1', 'g')"


def _strptime(p: str, formats: Sequence[str]) -> str:
    return f"CAST(try_strptime({p}, [{', '.join(_lit(f) for f in formats)}]) AS DATE)"


def _two_digit_year(date_sql: str) -> str:
    """strptime reads '67' as 2067; a two-digit year past this year is the previous century."""
    return (
        f"(CASE WHEN {date_sql} > current_date THEN CAST({date_sql} - INTERVAL 100 YEAR AS DATE) ELSE {date_sql} END)"
    )


@dataclass(frozen=True)
class Rule:
    """One way text becomes a value: ``pattern`` must match the whole prepared text."""

    name: str  # what the notes call it, with an example
    pattern: str  # RE2, matched against the prepared text
    convert: Any  # (prepared_sql) -> SQL of the value


@dataclass(frozen=True)
class Family:
    """Rules that make one kind of typed column (their values share a type and a name suffix)."""

    name: str
    dtype: str
    suffix: str
    rules: tuple[Rule, ...]

    def value_sql(self, p: str) -> str:
        """CASE over the rules: the first whose pattern matches converts the text."""
        whens = " ".join(
            f"WHEN regexp_full_match({p}, {_lit(r.pattern)}) THEN CAST({r.convert(p)} AS {self.dtype})"
            for r in self.rules
        )
        return f"(CASE {whens} ELSE NULL END)"

    def rule_index_sql(self, p: str) -> str:
        whens = " ".join(f"WHEN regexp_full_match({p}, {_lit(r.pattern)}) THEN {i}" for i, r in enumerate(self.rules))
        return f"(CASE {whens} ELSE NULL END)"


_MONTH_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%B %d %Y", "%b %d %Y", "%d %B, %Y")
_DATE_WORDS = r"(?:\d{1,2}(?:st|nd|rd|th)? [A-Za-z]{3,9}\.?,? \d{4}|[A-Za-z]{3,9}\.? \d{1,2}(?:st|nd|rd|th)?,? \d{4})"
_MONTH_YEAR = r"[A-Za-z]{3,9}\.? \d{4}"


def _month_names(p: str) -> str:
    return _strptime(_date_text(p), _MONTH_FORMATS)


def _month_year(p: str) -> str:
    return _strptime(_date_text(p), ("%B %Y", "%b %Y"))


def _iso(p: str) -> str:
    return _strptime(p, ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"))


def _duration(p: str) -> str:
    pattern = r"^(?:(\d+):)?(\d{1,2}):(\d{2}(?:\.\d+)?)$"
    hours = f"coalesce(TRY_CAST(nullif({_group(p, pattern, 1)}, '') AS DOUBLE), 0)"
    minutes = f"CAST({_group(p, pattern, 2)} AS DOUBLE)"
    seconds = f"CAST({_group(p, pattern, 3)} AS DOUBLE)"
    return f"({hours} * 3600 + {minutes} * 60 + {seconds})"


NUMBER = Family(
    "number",
    "DOUBLE",
    "num",
    (
        Rule("number ('1,234')", f"{_NUM}", _number),
        Rule("percentage ('12 %')", rf"({_NUM})\s?%", lambda p: _number(_group(p, rf"^({_NUM})", 1))),
        Rule(
            "money ('$1.2 million')",
            rf"{_CURRENCY}\s?({_NUM}){_SCALE}",
            lambda p: _scaled(_number(_group(p, rf"({_NUM})", 1)), _group(p, rf"{_CURRENCY}\s?{_NUM}{_SCALE}$", 1)),
        ),
        Rule(
            "money ('12 €', '5 USD')",
            rf"({_NUM}){_SCALE}\s?(?:[$€£¥₹]|USD|EUR|GBP)",
            lambda p: _scaled(_number(_group(p, rf"^({_NUM})", 1)), _group(p, rf"^{_NUM}{_SCALE}", 1)),
        ),
        Rule(
            "number with a scale word ('1.2 million')",
            rf"({_NUM})\s(million|billion|thousand)",
            lambda p: _scaled(_number(_group(p, rf"^({_NUM})", 1)), _group(p, r"(million|billion|thousand)$", 1)),
        ),
        Rule("ordinal ('1st')", r"(\d+)(?:st|nd|rd|th)", lambda p: _group(p, r"^(\d+)", 1)),
    ),
)
NUMBER_DECIMAL_COMMA = Family(
    "number (decimal comma)",
    "DOUBLE",
    "num",
    (
        Rule("number with a decimal comma ('1.234,5')", _NUM_EU, _number_eu),
        Rule(
            "percentage with a decimal comma ('12,5 %')",
            rf"({_NUM_EU})\s?%",
            lambda p: _number_eu(_group(p, rf"^({_NUM_EU})", 1)),
        ),
    ),
)


def _date_family(name: str, numeric_formats: tuple[str, ...], two_digit_formats: tuple[str, ...]) -> Family:
    return Family(
        name,
        "DATE",
        "date",
        (
            Rule("date ('January 26, 1995')", _DATE_WORDS, _month_names),
            Rule("month and year, read as its first day ('January 1995')", _MONTH_YEAR, _month_year),
            Rule("date ('1995-01-26')", r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}", _iso),
            Rule(
                f"date ('{numeric_formats[0]}')",
                r"\d{1,2}[/.-]\d{1,2}[/.-]\d{4}",
                lambda p: _strptime(p, numeric_formats),
            ),
            Rule(
                "date with a two-digit year ('9/9/67')",
                r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2}",
                lambda p: _two_digit_year(_strptime(p, two_digit_formats)),
            ),
        ),
    )


DATE_MONTH_FIRST = _date_family("date (month first)", ("%m/%d/%Y", "%m-%d-%Y", "%m.%d.%Y"), ("%m/%d/%y", "%m-%d-%y"))
DATE_DAY_FIRST = _date_family(
    "date (day first)", ("%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y"), ("%d/%m/%y", "%d.%m.%y", "%d-%m-%y")
)
DURATION = Family(
    "duration in seconds",
    "DOUBLE",
    "seconds",
    (
        Rule("time ('3:45.2', '1:02:03')", r"(?:\d+:)?\d{1,2}:\d{2}(?:\.\d+)?", _duration),
        Rule("seconds ('59.9')", r"(?:[1-9]\d*|0)(?:\.\d+)?", lambda p: p),
    ),
)
YEAR = Family(
    "year",
    "INTEGER",
    "year",
    (
        Rule("year ('1995')", r"\d{4}", lambda p: p),
        Rule(
            "season or year range, its first year ('1990–91')",
            r"(\d{4})\s?[–—/-]\s?(\d{2}|\d{4})",
            lambda p: _group(p, r"^(\d{4})", 1),
        ),
    ),
)
TEXT = Family(
    "text without footnote marks",
    "VARCHAR",
    "clean",
    (Rule("footnote marks removed ('Italy [a]')", r".+", lambda p: p),),
)

# In order of preference when two families convert as many values (a plain '1995' is a number).
FAMILIES: tuple[Family, ...] = (NUMBER, NUMBER_DECIMAL_COMMA, DATE_MONTH_FIRST, DATE_DAY_FIRST, DURATION, YEAR)


def cell_reads(con: duckdb.DuckDBPyConnection, cells: Sequence[str]) -> dict[str, tuple[bool, ...] | None]:
    """For each cell text, whether each family of :data:`FAMILIES` converts it (None: the cell is empty
    or an empty marker). The loader asks this of a few rows of a file before it is a table, to tell a
    header row from data ('Took office' is no date; 'March 4, 1789' is one)."""
    distinct = sorted(set(cells))
    if not distinct:
        return {}
    p = prepared("v")
    reads = ", ".join(f"({fam.value_sql(p)}) IS NOT NULL" for fam in FAMILIES)
    sql = (
        f"SELECT v, (({p}) IS NULL OR {is_empty_marker(p)}), [{reads}] FROM (SELECT unnest(CAST(? AS VARCHAR[])) AS v)"
    )
    out: dict[str, tuple[bool, ...] | None] = {}
    for v, empty, flags in con.execute(sql, [distinct]).fetchall():
        out[str(v)] = None if empty else tuple(bool(f) for f in flags)
    return out


# ------------------------------------------------------------------------------------------ reports
@dataclass
class ColumnCleaning:
    """What happened to one text column."""

    column: str
    typed_column: str
    family: str
    dtype: str
    rules: list[tuple[str, int]]  # (rule, values it converted)
    converted: int
    empty: int  # cells that were empty or an empty marker ('—', 'n/a')
    failed: int  # non-empty cells no rule of the family converted
    failed_values: list[tuple[str, int]] = field(default_factory=list)  # the most frequent of them

    def note(self) -> str:
        rules = "; ".join(f"{name}: {n:,}" for name, n in self.rules if n)
        text = f"{self.typed_column!r} ({self.dtype}) holds {self.column!r} as a {self.family} ({rules})"
        if self.empty:
            text += f"; {self.empty:,} empty or marked as no value"
        if self.failed:
            shown = ", ".join(f"{v!r}" + (f" ×{n}" if n > 1 else "") for v, n in self.failed_values)
            text += f"; {self.failed:,} could not be converted and are empty there: {shown}"
        return text + "."


@dataclass
class CleaningReport:
    """Everything the cleaning step added to one table, for the catalog notes, the CLI and the UI."""

    table: str
    columns: list[ColumnCleaning] = field(default_factory=list)
    position_column: str | None = None
    spellings: list[tuple[str, list[str]]] = field(default_factory=list)  # (column, spellings of one value)

    @property
    def typed(self) -> dict[str, str]:
        """typed column -> the text column it was made from."""
        return {c.typed_column: c.column for c in self.columns}

    def notes(self) -> list[str]:
        notes = [c.note() for c in self.columns]
        if self.position_column:
            notes.append(
                f"{self.position_column!r} is each row's position in the file (1 = first), for 'previous' or 'last'."
            )
        for column, values in self.spellings:
            shown = ", ".join(repr(v) for v in values[:4])
            notes.append(f"In {column!r}, {shown} differ only in case or spacing (kept as written).")
        return notes

    @property
    def changed(self) -> bool:
        return bool(self.columns or self.position_column)


# ------------------------------------------------------------------------------------------ deciding
def _text_columns(ws: Workspace, table: str) -> list[str]:
    return [c for c, t in ws.columns(table) if t.upper().startswith("VARCHAR")]


def _short_text_columns(ws: Workspace, table: str, columns: list[str]) -> list[str]:
    """The columns whose cells average at most ``MAX_TYPED_LENGTH`` characters: prose (comments,
    ticket bodies) holds no typed values or spelling variants, and reading its every distinct value
    would cost memory in proportion to the file."""
    if not columns:
        return []
    lengths = ", ".join(f"avg(coalesce(length({_quote(c)}), 0))" for c in columns)
    row = ws.query_rows(f"SELECT {lengths} FROM {_quote(table)}")[0]
    return [c for c, n in zip(columns, row, strict=True) if n is None or n <= MAX_TYPED_LENGTH]


def typed_name(column: str, family: Family, taken: set[str]) -> str:
    """``Passengers`` -> ``Passengers_num`` (``_date``, ``_seconds``, ``_year``, ``_clean``), numbered on a clash."""
    name = f"{column}_{family.suffix}"
    n = 2
    while name.lower() in taken:
        name = f"{column}_{family.suffix}_{n}"
        n += 1
    return name


_WHOLE_CHECKED = ("DOUBLE",)
ALL_FAMILIES: tuple[Family, ...] = (*FAMILIES, TEXT)


@dataclass
class _Combo:
    """Cells of one column that every family reads the same way (the same rule, or none)."""

    empty: bool
    marked: bool  # carries a footnote mark
    rules: tuple[int | None, ...]  # per family in ALL_FAMILIES: the rule that converts, or None
    whole: tuple[bool | None, ...]  # per family: every converted value is a whole number
    cells: int
    length: int  # total characters
    top: list[tuple[str, int]]  # its most frequent values


def _stats_sql(table: str, columns: list[str]) -> str:
    """One scan: the distinct values of every text column in long form, read by every family, grouped
    by how each family reads them, with their counts and most frequent values."""
    cols = ", ".join(_quote(c) for c in columns)
    cells = (
        f"SELECT col, v, {prepared('v')} AS p, count(*) AS n FROM "
        f"(SELECT {cols} FROM {_quote(table)}) UNPIVOT INCLUDE NULLS (v FOR col IN ({cols})) GROUP BY col, v"
    )
    reads = ", ".join(
        f"{fam.rule_index_sql('p')} AS ri{j}, {fam.value_sql('p')} AS x{j}" for j, fam in enumerate(ALL_FAMILIES)
    )
    # a rule counts only where it converted: '31/1/99' matches the month-first pattern but is no date
    rules = ", ".join(f"CASE WHEN x{j} IS NOT NULL THEN ri{j} END AS r{j}" for j in range(len(ALL_FAMILIES)))
    whole = ", ".join(
        f"bool_and(x{j} = trunc(x{j}) AND abs(x{j}) < 9e15) FILTER (WHERE x{j} IS NOT NULL AND isfinite(x{j}))"
        if fam.dtype in _WHOLE_CHECKED
        else "NULL"
        for j, fam in enumerate(ALL_FAMILIES)
    )
    keys = ", ".join(f"r{j}" for j in range(len(ALL_FAMILIES)))
    return (
        f"SELECT col, empty, marked, {keys}, [{whole}], sum(n), sum(coalesce(length(v), 0) * n), "
        f"arg_min(struct_pack(v, n), (-n, v), {SHOWN_FAILURES}) "
        f"FROM (SELECT *, {rules} FROM (SELECT col, v, n, (p IS NULL OR {is_empty_marker('p')}) AS empty, "
        f"coalesce(regexp_matches(v, {_lit(FOOTNOTE)}), false) AS marked, {reads} FROM ({cells}))) GROUP BY ALL"
    )


def read_stats(ws: Workspace, table: str, columns: list[str]) -> dict[str, list[_Combo]]:
    out: dict[str, list[_Combo]] = {c: [] for c in columns}
    if not columns:
        return out
    k = len(ALL_FAMILIES)
    for row in ws.query_rows(_stats_sql(table, columns)):
        col, empty, marked = row[0], bool(row[1]), bool(row[2])
        rules = tuple(None if r is None else int(r) for r in row[3 : 3 + k])
        whole, cells, length, most = row[3 + k : 7 + k]
        top = [(str(pair["v"]), int(pair["n"])) for pair in most or []]
        out[col].append(_Combo(empty, marked, rules, tuple(whole), int(cells), int(length or 0), top))
    return out


def choose_family(combos: list[_Combo]) -> int | None:
    """The index in ALL_FAMILIES of the family that types a column: the one converting the most
    non-empty cells, when that is at least ``MIN_SHARE`` of them and two cells (one in a one-cell
    column); else the footnote-mark remover when some cells carry marks; else None. Prose (values
    averaging over ``MAX_TYPED_LENGTH`` characters) is left alone."""
    non_empty = sum(c.cells for c in combos if not c.empty)
    total = sum(c.cells for c in combos)
    if not non_empty or sum(c.length for c in combos) / max(total, 1) > MAX_TYPED_LENGTH:
        return None
    converted = [sum(c.cells for c in combos if not c.empty and c.rules[j] is not None) for j in range(len(FAMILIES))]
    best = max(range(len(FAMILIES)), key=lambda j: (converted[j], -j))
    if converted[best] >= max(min(2, non_empty), MIN_SHARE * non_empty):
        return best
    if any(c.marked and not c.empty for c in combos):
        return len(ALL_FAMILIES) - 1
    return None


MAX_TYPED_LENGTH = 60


def describe_column(column: str, typed: str, j: int, combos: list[_Combo]) -> ColumnCleaning:
    fam = ALL_FAMILIES[j]
    per_rule = [0] * len(fam.rules)
    failed_values: Counter[str] = Counter()
    empty = failed = 0
    for c in combos:
        if c.empty:
            empty += c.cells
        elif c.rules[j] is None:
            failed += c.cells
            failed_values.update(dict(c.top))
        else:
            per_rule[c.rules[j]] += c.cells
    whole = fam.dtype == "DOUBLE" and all(c.whole[j] is not False for c in combos if c.rules[j] is not None)
    return ColumnCleaning(
        column,
        typed,
        fam.name,
        "BIGINT" if whole else fam.dtype,
        [(r.name, n) for r, n in zip(fam.rules, per_rule, strict=True)],
        sum(per_rule),
        empty,
        failed,
        failed_values.most_common(SHOWN_FAILURES),
    )


def find_spellings(ws: Workspace, table: str, columns: list[str]) -> list[tuple[str, list[str]]]:
    """Values of a text column that differ only in case or spacing ('EU', 'eu ', 'e u' is another)."""
    if not columns:
        return []
    cols = ", ".join(_quote(c) for c in columns)
    key = "lower(trim(regexp_replace(v, '\\s+', ' ', 'g')))"
    rows = ws.query_rows(
        f"SELECT col, list(DISTINCT v ORDER BY v) FROM "
        f"(UNPIVOT (SELECT {cols} FROM {_quote(table)}) ON {cols} INTO NAME col VALUE v) "
        f"GROUP BY col, {key} HAVING count(DISTINCT v) > 1 "
        f"QUALIFY row_number() OVER (PARTITION BY col ORDER BY {key}) <= 3 ORDER BY col, {key}"
    )
    return [(str(col), [str(v) for v in values]) for col, values in rows]


# ------------------------------------------------------------------------------------------ applying
def plan_cleaning(ws: Workspace, table: str, position: bool = True) -> tuple[CleaningReport, str | None]:
    """What cleaning ``table`` would add, and the SELECT that adds it (None: nothing to add)."""
    report = CleaningReport(table)
    texts = _short_text_columns(ws, table, _text_columns(ws, table))
    stats = read_stats(ws, table, texts)
    taken = {c.lower() for c, _ in ws.columns(table)}
    values: list[str] = []
    categorical: list[str] = []
    for col in texts:
        j = choose_family(stats[col])
        if j is None or ALL_FAMILIES[j] is TEXT:
            categorical.append(col)
        if j is None:
            continue
        fam = ALL_FAMILIES[j]
        typed = typed_name(col, fam, taken)
        taken.add(typed.lower())
        cleaning = describe_column(col, typed, j, stats[col])
        report.columns.append(cleaning)
        values.append(f"CAST({fam.value_sql(prepared(_quote(col)))} AS {cleaning.dtype}) AS {_quote(typed)}")
    if position:
        name, n = POSITION_COLUMN, 2
        while name.lower() in taken:
            name, n = f"{POSITION_COLUMN}_{n}", n + 1
        report.position_column = name
    is_table = _table_type(ws, table) == "BASE TABLE"
    if report.position_column:  # a table's rowid is its insertion order; a view has only its scan order
        number = "rowid + 1" if is_table else "row_number() OVER ()"
        values.append(f"CAST({number} AS INTEGER) AS {_quote(report.position_column)}")
    report.spellings = find_spellings(ws, table, categorical)
    if not values:
        return report, None
    order = " ORDER BY rowid" if is_table else ""
    return report, f"SELECT *, {', '.join(values)} FROM {_quote(table)}{order}"


def _table_type(ws: Workspace, table: str) -> str:
    kind = ws.query_rows(
        "SELECT table_type FROM information_schema.tables WHERE table_schema = 'main' AND table_name = ?", [table]
    )
    return str(kind[0][0]) if kind else ""


def clean_table(ws: Workspace, table: str, position: bool = True) -> CleaningReport:
    """Add the typed columns (and the row position) to ``table`` in place; the original columns, their
    values and the row order stay as they were. The table is rebuilt once, so later derived columns
    (sentiment, labels) are added over the cleaned table rather than replacing it."""
    report, select = plan_cleaning(ws, table, position)
    if select is None:
        return report
    staging = f"_ic_cleaning_{table}"
    ws.execute(f"DROP TABLE IF EXISTS {_quote(staging)}")
    ws.execute(f"CREATE TABLE {_quote(staging)} AS {select}")
    ws.execute(f"DROP {'VIEW' if _table_type(ws, table) == 'VIEW' else 'TABLE'} {_quote(table)}")
    ws.execute(f"ALTER TABLE {_quote(staging)} RENAME TO {_quote(table)}")
    ws.invalidate(table)
    return report


# Kinds of source whose rows have a meaningful order of their own (a file as written); database tables
# (SQLite, DuckDB) get typed columns too, but no position.
FILE_KINDS = frozenset({"csv", "json", "excel", "parquet"})


def reports(ws: Workspace) -> dict[str, CleaningReport]:
    """The cleaning reports of a workspace's tables, by table name (empty until cleaned)."""
    store = ws.__dict__.setdefault("cleaning", {})
    assert isinstance(store, dict)
    return store


def clean_workspace(ws: Workspace, tables: Sequence[str] | None = None) -> dict[str, CleaningReport]:
    """Clean every table not cleaned yet (or the ``tables`` named); returns the new reports."""
    done = reports(ws)
    new: dict[str, CleaningReport] = {}
    for table in tables if tables is not None else ws.table_names():
        if table in done:
            continue
        source = ws.sources.get(table)
        kind = source.kind if source is not None else ""
        report = new[table] = done[table] = clean_table(ws, table, position=kind in FILE_KINDS)
        if source is not None:  # the catalog's notes and column profiles read these
            source.notes.extend(report.notes())
            source.typed_columns.update(report.typed)
            ws.invalidate(table)
    return new
