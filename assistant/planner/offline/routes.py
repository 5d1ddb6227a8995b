"""Routes from whole question families to the registered analysis tools, for the offline planner.

The SQL parser reads a question word by word against the schema, so "give me a summary report of the
reviews" or "why is the average rating lower in the South?" end in "I don't know which column ... means".
These families are recognised here by their shape and mapped to one tool call, with the table, columns,
segment value and periods chosen from the catalog:

* a report: "give me a summary report of the reviews", "summarise this data" -> ``summary_report``;
* why a number changed or differs: "why did revenue drop in March?", "what drove the change in average
  rating between 2023 and 2024?", "why is the average rating lower in the South?" -> ``explain_change``;
* why a model labelled a text: "why is row 12 negative?", "why is this review negative?" (the review the
  last answer showed) -> ``explain_text_label``; "which words push reviews of Vista Monitor negative?"
  -> ``words_for_label``;
* triage: "triage the open tickets", "triage tickets into billing, delivery, other" -> ``triage_tickets``.

Anything else returns None and the SQL planner goes on, so ordinary questions are read as before.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from insightchat.contracts import Plan, ToolCall
from insightchat.session import Session
from insightchat.tools.catalog import Catalog, ColumnProfile, TableProfile

MONTHS = {
    name: i + 1
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ]
    )
    for name in names
}
POSITION_COLUMNS = ("row_position",)  # the 1-based row number cleaning adds (tools/cleaning.py)
SENTIMENTS = ("negative", "positive", "neutral")
DERIVED_TEXT = ("urgency_reasons", "similar_tickets", "intent")  # written by triage_tickets
OWN_COLUMNS = ("triage_queue", "triage_confidence")  # what triage_tickets adds: a rerun is still a triage

_REPORT = re.compile(
    r"^\s*(?:please\s+|can you\s+|could you\s+|i want\s+|i'd like\s+|i would like\s+)?"
    r"(?:(?:give|show|get|make|build|create|generate|produce|write|run|prepare)\s+(?:me\s+|us\s+)?"
    r"(?:a\s+|an\s+|the\s+)?(?:full\s+|quick\s+|short\s+)?(?:summary\s+|overview\s+|data\s+)?report\b"
    r"|(?:a\s+)?(?:summary\s+)?report\s+(?:on|of|about|for)\b"
    r"|summari[sz]e\b|(?:give|show)\s+(?:me\s+)?(?:a\s+|an\s+)?(?:summary|overview)\s+of\b"
    r"|what(?:'s|\s+is)\s+interesting\s+(?:in|about)\b)",
    re.I,
)
_QUICK = re.compile(r"\b(?:quick|fast|rough|sampled?)\b", re.I)
_WHY = re.compile(
    r"^\s*(?:why\b|what\s+(?:drove|drives|caused|causes|explains|explained|is\s+behind|was\s+behind|"
    r"is\s+driving|was\s+driving)\b)",
    re.I,
)
_LABEL_WHY = re.compile(r"^\s*why\s+(?:is|was|did|does|has)\b.*?\b(?P<label>negative|positive|neutral)\b", re.I)
_LABEL_WORDS = re.compile(
    r"\b(?:which|what)\s+words\b.*?\b(?P<label>negative|positive|neutral)\b"
    r"|\bwords\s+(?:most\s+)?(?:associated\s+with|behind|that\s+make)\b.*?\b(?P<label2>negative|positive|neutral)\b",
    re.I,
)
_ROW = re.compile(r"\brow\s+(?:number\s+|#\s*)?(?P<n>\d+)\b", re.I)
_THIS = re.compile(r"\b(?:this|that|it)\b", re.I)
_OF_VALUE = re.compile(
    r"\b(?:of|for|about|on|in|from)\s+(?P<what>.+?)\s+(?:towards?\s+|to\s+)?(?:negative|positive|neutral)\b", re.I
)
_AVERAGE = re.compile(r"\b(?:average|avg|mean|typical)\b", re.I)
_TOTAL = re.compile(r"\b(?:total|sum)\b", re.I)
_COUNT = re.compile(r"\b(?:number of|how many|count|volume|fewer|more)\b", re.I)
_TRIAGE = re.compile(r"\btriag(?:e|ed|ing)\b", re.I)
_EXPLAIN_SQL = re.compile(
    r"^\s*(?:what\s+does\s+(?:this|that|the|your|the\s+last)\s+(?:query|sql)\s+do"
    r"|explain\s+(?:this|that|the|your|the\s+last)\s+(?:query|sql)\b"
    r"|explain\s+(?P<sql>(?:select|with)\b.+)$)",
    re.I | re.S,
)
_INTO = re.compile(r"\binto\s+(?P<labels>.+?)\s*(?:\bsince\b.*)?[?.!]*$", re.I)
_SINCE = re.compile(r"\bsince\s+(?P<date>\d{4}-\d{2}-\d{2})\b", re.I)
_LABEL_SPLIT = re.compile(r"\s*(?:,|;|/|\bor\b|\band\b)\s*", re.I)
_WORD = re.compile(r"[a-z0-9]+")


def plan_route(question: str, catalog: Catalog, session: Session, planner: str = "offline") -> Plan | None:
    """A plan with one analysis-tool call for a report, why or triage question, or None for anything else."""
    if not catalog.tables:
        return None
    if _EXPLAIN_SQL.search(question):
        return _explain_sql(question, session, planner)
    if _TRIAGE.search(question) and not _names_a_column(catalog, ("triage",)):
        return _triage(question, catalog, session, planner)
    if _REPORT.search(question) and not _names_a_column(catalog, ("report", "summary", "overview")):
        return _report(question, catalog, session, planner)
    if (_LABEL_WHY.search(question) or _LABEL_WORDS.search(question)) and not _names_a_column(catalog, SENTIMENTS):
        return _text_label(question, catalog, session, planner)
    if _WHY.search(question):
        return _why(question, catalog, session, planner)
    return None


# ---------------------------------------------------------------------------------------------- schema
def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def _names_a_column(catalog: Catalog, words: tuple[str, ...]) -> bool:
    """True when a family's own word is a table or column of the data, so the question may be about it."""
    names = [t.name.lower() for t in catalog.tables.values()]
    names += [c.name.lower() for t in catalog.tables.values() for c in t.columns if c.name.lower() not in OWN_COLUMNS]
    return any(w in _words(name.replace("_", " ")) for name in names for w in words)


def _is_texty(col: ColumnProfile) -> bool:
    """Prose a text model reads; the reasons and neighbours triage wrote are its output, not tickets."""
    if col.name.lower() in DERIVED_TEXT:
        return False
    return col.is_free_text or (col.kind == "text" and (col.avg_length or 0) >= 25)


def _table(question: str, catalog: Catalog, session: Session) -> TableProfile:
    """The table the question names ("the reviews"), else the current one, else the first opened."""
    stems = {_stem(w) for w in _words(question)}
    named = [t for t in catalog.tables.values() if {_stem(w) for w in _words(t.name.replace("_", " "))} <= stems]
    if named:
        return max(named, key=lambda t: len(t.name))
    current = catalog.table(session.current_table) if session.current_table else None
    return current or next(iter(catalog.tables.values()))


def _named(question: str, table: TableProfile) -> bool:
    return {_stem(w) for w in _words(table.name.replace("_", " "))} <= {_stem(w) for w in _words(question)}


def _text_column(table: TableProfile, question: str) -> ColumnProfile | None:
    """The prose column: one the question names, else the longest."""
    texty = [c for c in table.columns if _is_texty(c)]
    if not texty:
        return None
    stems = {_stem(w) for w in _words(question)}
    named = [c for c in texty if {_stem(w) for w in _words(c.name.replace("_", " "))} & stems]
    return max(named or texty, key=lambda c: c.avg_length or 0.0)


def _measure(question: str, table: TableProfile) -> ColumnProfile | None:
    """The numeric column the question names, by its name's words ("average rating" -> rating)."""
    words = [_stem(w) for w in _words(question)]
    best: tuple[float, int, ColumnProfile] | None = None
    for col in table.columns:
        if col.kind != "number" or col.is_id_like or col.name.lower() in POSITION_COLUMNS:
            continue
        parts = [_stem(w) for w in _words(col.name.replace("_", " "))]
        if not parts:
            continue
        phrase = " ".join(parts)
        score = max(
            (fuzz.ratio(phrase, " ".join(words[i : i + len(parts)])) for i in range(len(words) - len(parts) + 1)),
            default=0.0,
        )
        if score >= 85 and (best is None or (score, len(phrase)) > (best[0], best[1])):
            best = (score, len(phrase), col)
    return best[2] if best else None


def _segment(question: str, table: TableProfile, exclude: set[str]) -> tuple[ColumnProfile, str] | None:
    """A value of a categorical column named in the question ("in the South" -> region = 'South')."""
    lowered = f" {' '.join(_words(question))} "
    found: list[tuple[int, ColumnProfile, str]] = []
    for col in table.columns:
        if not col.is_categorical or col.name in exclude or _is_texty(col) or col.kind == "bool":
            continue
        for value in col.values or []:
            v = " ".join(_words(str(value)))
            if len(v) < 2 or v in MONTHS or v.isdigit():
                continue
            if f" {v} " in lowered:
                found.append((len(v), col, str(value)))
    if not found:
        return None
    _, col, value = max(found, key=lambda f: f[0])
    return col, value


# ---------------------------------------------------------------------------------------------- periods
@dataclass(frozen=True)
class _Mention:
    start: int
    year: int | None
    month: int | None = None
    quarter: int | None = None


_PERIOD = re.compile(
    r"\b(?:(?P<q>q[1-4])(?:\s+(?:of\s+)?(?P<qy>(?:19|20)\d{2}))?"
    r"|(?P<y1>(?:19|20)\d{2})[-\s]?(?P<q2>q[1-4])"
    r"|(?P<iso>(?:19|20)\d{2}-(?:0?[1-9]|1[0-2]))\b"
    r"|(?P<m>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")(?:\s+(?P<my>(?:19|20)\d{2}))?"
    r"|(?P<y>(?:19|20)\d{2}))\b",
    re.I,
)
# "may" and "mar" are ordinary words too: a month without a year counts only after a preposition.
_MONTH_CONTEXT = re.compile(r"\b(?:in|during|of|for|since|from|to|between|and|vs|versus|than|after|before)\s*$", re.I)


def _mentions(question: str) -> list[_Mention]:
    out: list[_Mention] = []
    for m in _PERIOD.finditer(question):
        if m.group("q"):
            out.append(_Mention(m.start(), int(m.group("qy")) if m.group("qy") else None, quarter=int(m.group("q")[1])))
        elif m.group("q2"):
            out.append(_Mention(m.start(), int(m.group("y1")), quarter=int(m.group("q2")[1])))
        elif m.group("iso"):
            y, mo = m.group("iso").split("-")
            out.append(_Mention(m.start(), int(y), month=int(mo)))
        elif m.group("m"):
            year = int(m.group("my")) if m.group("my") else None
            if year is None and not _MONTH_CONTEXT.search(question[: m.start()]):
                continue
            out.append(_Mention(m.start(), year, month=MONTHS[m.group("m").lower()]))
        else:
            out.append(_Mention(m.start(), int(m.group("y"))))
    return out


def _as_date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _period(m: _Mention, latest: dt.date | None) -> str:
    """The tool's period text; a month or quarter without a year is its latest one in the data."""
    year = m.year
    if year is None:
        year = latest.year if latest else dt.date.today().year
        first_month = m.month or 3 * (m.quarter or 1) - 2
        if latest is not None and dt.date(year, first_month, 1) > latest:
            year -= 1
    if m.quarter:
        return f"{year}-Q{m.quarter}"
    if m.month:
        return f"{year}-{m.month:02d}"
    return str(year)


def _date_column(question: str, table: TableProfile) -> ColumnProfile | None:
    dates = [c for c in table.columns if c.kind == "date"]
    stems = {_stem(w) for w in _words(question)}
    named = [c for c in dates if {_stem(w) for w in _words(c.name.replace("_", " "))} & stems]
    return (named or dates or [None])[0]


# ---------------------------------------------------------------------------------------------- families
def _explain_sql(question: str, session: Session, planner: str) -> Plan:
    """ "What does this query do?": the last answer's SQL (or the one quoted) in plain words."""
    match = _EXPLAIN_SQL.search(question)
    sql = (match.group("sql") if match else None) or (session.last_turn.answer.sql if session.last_turn else None)
    if not sql:
        return Plan(planner=planner, message="There is no query to explain yet: ask a question first, or quote one.")
    return Plan(
        calls=[ToolCall("explain_sql", {"sql": sql.strip()})],
        understood="what the query does",
        planner=planner,
        intent="explain",
    )


def _report(question: str, catalog: Catalog, session: Session, planner: str) -> Plan:
    table = _table(question, catalog, session)
    session.current_table = table.name
    args: dict[str, object] = {"table": table.name}
    if _QUICK.search(question):
        args["quick"] = True
    return Plan(
        calls=[ToolCall("summary_report", args)],
        understood=f"a summary report on {table.name}",
        planner=planner,
        intent="report",
    )


def _triage(question: str, catalog: Catalog, session: Session, planner: str) -> Plan:
    texty = [t for t in catalog.tables.values() if _text_column(t, question) is not None]
    if not texty:
        return Plan(planner=planner, message="Triage needs a table with a ticket text column; none is open.")
    table = _table(question, catalog, session)
    if _text_column(table, question) is None:
        table = texty[0]
    column = _text_column(table, question)
    assert column is not None
    session.current_table = table.name
    args: dict[str, object] = {"table": table.name, "column": column.name}
    into = _INTO.search(question)
    if into:
        labels = [lk.strip(" '\"") for lk in _LABEL_SPLIT.split(into.group("labels")) if lk.strip(" '\"")]
        if len(labels) >= 2:
            args["labels"] = labels
    since = _SINCE.search(question)
    if since:
        args["since"] = since.group("date")
    what = f"a triage of {table.name}.{column.name}" + (
        f" into {', '.join(args['labels'])}" if "labels" in args else ""
    )
    return Plan(calls=[ToolCall("triage_tickets", args)], understood=what, planner=planner, intent="triage")


def _text_label(question: str, catalog: Catalog, session: Session, planner: str) -> Plan | None:
    table = _table(question, catalog, session)
    column = _text_column(table, question)
    if column is None:
        return None  # "why is the rating negative" about a number: not a text model's label
    words = _LABEL_WORDS.search(question)
    if words:
        label = (words.group("label") or words.group("label2")).lower()
        args: dict[str, object] = {"table": table.name, "column": column.name, "label": label}
        scope = _OF_VALUE.search(question)
        seg = _segment(scope.group("what"), table, {column.name}) if scope else None
        if seg is not None:
            args["where_column"], args["where_value"] = seg[0].name, seg[1]
        session.current_table = table.name
        where = f" where {seg[0].name} = {seg[1]}" if seg else ""
        return Plan(
            calls=[ToolCall("words_for_label", args)],
            understood=f"the words that push {table.name}.{column.name} towards {label}{where}",
            planner=planner,
            intent="explain",
        )
    label = _LABEL_WHY.search(question).group("label").lower()
    row = _row(question, table, session)
    if row is None:
        return Plan(
            planner=planner,
            intent="explain",
            message=(
                f"Which {table.name} row do you mean? Say 'why is row 12 negative?' (rows counted from 0), or first "
                f"ask for the row so I can see its {POSITION_COLUMNS[0]}."
            ),
            suggestions=[f"why is row 0 {label}?", f"which words push {table.name} {label}?"],
        )
    session.current_table = table.name
    return Plan(
        calls=[ToolCall("explain_text_label", {"table": table.name, "column": column.name, "row": row})],
        understood=f"why the sentiment model labels row {row} of {table.name}.{column.name} as it does",
        planner=planner,
        intent="explain",
    )


def _row(question: str, table: TableProfile, session: Session) -> int | None:
    """The 0-based row: 'row N' as said, or 'this review' = the one row the last answer showed."""
    said = _ROW.search(question)
    if said:
        return int(said.group("n"))
    if not _THIS.search(question):
        return None
    last = session.last_result
    data = getattr(last, "data", None)
    if data is None or len(data) == 0:
        return None
    position = next((c for c in data.columns if str(c).lower() in POSITION_COLUMNS), None)
    if position is None or data[position].nunique() != 1:
        return None
    return int(data[position].iloc[0]) - 1


def _why(question: str, catalog: Catalog, session: Session, planner: str) -> Plan | None:
    table = _table(question, catalog, session)
    measure = _measure(question, table)
    if measure is None and not _named(question, table):  # "why did revenue drop": the table that has revenue
        held = [(t, m) for t in catalog.tables.values() if (m := _measure(question, t)) is not None]
        if held:
            table, measure = held[0]
    periods = _mentions(question)
    args: dict[str, object] = {"table": table.name}
    if measure is not None:
        args["measure"] = measure.name
        args["aggregate"] = "avg" if _AVERAGE.search(question) and not _TOTAL.search(question) else "sum"
    segment = _segment(question, table, {measure.name} if measure else set())
    if periods:
        dcol = _date_column(question, table)
        if dcol is None:
            return None
        if measure is None:
            if not (_COUNT.search(question) or {_stem(w) for w in _words(table.name)} & set(_words(question))):
                return None
            args["measure"], args["aggregate"] = "*", "count"
        latest = _as_date(dcol.max)
        labels = [_period(m, latest) for m in sorted(periods, key=lambda m: m.start)[:2]]
        args["date_column"] = dcol.name
        if len(labels) == 2:
            args["before"], args["after"] = labels
        else:
            args["after"] = labels[0]
        what = f"{args['aggregate']}({args['measure']}) in {labels[-1]}" + (
            f" against {labels[0]}" if len(labels) == 2 else " against the period before"
        )
    elif segment is not None and measure is not None:
        args["segment_column"], args["segment_value"] = segment[0].name, segment[1]
        what = f"average {measure.name} for {segment[0].name} = {segment[1]} against all other rows"
    elif segment is not None:
        return Plan(
            planner=planner,
            intent="explain",
            message=(
                f"I can compare {segment[0].name} = {segment[1]} with the other rows, but which number? "
                f"Name a numeric column of {table.name}."
            ),
            suggestions=[
                f"why is the average {c.name} different for {segment[1]}?"
                for c in table.columns
                if c.kind == "number" and not c.is_id_like and c.name.lower() not in POSITION_COLUMNS
            ][:3],
        )
    else:
        return None  # "why?" after an answer, or a why question this module cannot place: the planner goes on
    session.current_table = table.name
    return Plan(
        calls=[ToolCall("explain_change", args)],
        understood=f"what drove {what} in {table.name}",
        planner=planner,
        intent="explain",
    )
