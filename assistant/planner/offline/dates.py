"""Numbers and dates in questions: "at least 3", "$1,200", "in 2023", "last month", "between two dates".

Relative dates ("last month", "this year") are anchored to ``today`` (a parameter, so tests and
reruns are reproducible) and always become an explicit half-open range ``[start, end)`` that the
planner restates to the user, so nobody has to guess what "last month" meant.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from insightchat.planner.lexicon import MONTHS, NUMBER_WORDS
from insightchat.planner.lexicon import TIME_UNITS as _UNITS
from insightchat.planner.offline.text import Token


@dataclass(frozen=True)
class DateRange:
    """A half-open range of dates; either end may be open. ``label`` restates it for people."""

    start: dt.date | None
    end: dt.date | None  # exclusive
    label: str
    year_only: int | None = None  # set for "in 2023": a plain year column can compare with it


@dataclass(frozen=True)
class DateMention:
    first: int  # token span [first, last) the mention covers
    last: int
    range: DateRange


def parse_number(tok: Token) -> float | int | None:
    """A token's numeric value: ``1,200`` ``$5`` ``3.5`` ``40%`` ``twelve``; None if it is not one."""
    if tok.kind == "num":
        text = tok.text.lstrip("$€£").rstrip("%").replace(",", "")
        try:
            value = float(text)
        except ValueError:
            return None
        return int(value) if value.is_integer() and "." not in text else value
    if tok.kind == "word" and tok.lower in NUMBER_WORDS:
        return NUMBER_WORDS[tok.lower]
    return None


def as_year(tok: Token) -> int | None:
    if tok.kind == "num" and tok.text.isdigit() and len(tok.text) == 4 and 1800 <= int(tok.text) <= 2200:
        return int(tok.text)
    return None


def _add_months(d: dt.date, months: int) -> dt.date:
    m = d.month - 1 + months
    return dt.date(d.year + m // 12, m % 12 + 1, 1)


def _iso(tok: Token) -> dt.date | None:
    if tok.kind != "date":
        return None
    try:
        y, m, d = (int(p) for p in tok.text.split("-"))
        return dt.date(y, m, d)
    except ValueError:
        return None


def _point(tokens: list[Token], i: int) -> tuple[DateRange, int] | None:
    """A date-like expression starting at token i: ISO date, month [day] [year], year. Returns range and next index."""
    if i >= len(tokens):
        return None
    tok = tokens[i]
    iso = _iso(tok)
    if iso:
        return DateRange(iso, iso + dt.timedelta(days=1), iso.isoformat()), i + 1
    if tok.lower in MONTHS and (tok.lower != "may" or (i + 1 < len(tokens) and as_year(tokens[i + 1]))):
        month = MONTHS[tok.lower]
        j = i + 1
        day = None
        if (
            j < len(tokens)
            and tokens[j].kind == "num"
            and tokens[j].text.isdigit()
            and 1 <= int(tokens[j].text) <= 31
            and not as_year(tokens[j])
        ):
            day = int(tokens[j].text)
            j += 1
        year = as_year(tokens[j]) if j < len(tokens) else None
        if year is None:
            return None
        j += 1
        if day:
            d = dt.date(year, month, day)
            return DateRange(d, d + dt.timedelta(days=1), d.isoformat()), j
        start = dt.date(year, month, 1)
        return DateRange(start, _add_months(start, 1), start.strftime("%B %Y")), j
    year = as_year(tok)
    if year:
        return DateRange(dt.date(year, 1, 1), dt.date(year + 1, 1, 1), str(year), year_only=year), i + 1
    return None


def _relative(tokens: list[Token], i: int, today: dt.date) -> tuple[DateRange, int] | None:
    words = [t.lower for t in tokens[i : i + 4]]
    if not words:
        return None
    if words[0] == "today":
        return DateRange(today, today + dt.timedelta(days=1), f"today ({today})"), i + 1
    if words[0] == "yesterday":
        y = today - dt.timedelta(days=1)
        return DateRange(y, today, f"yesterday ({y})"), i + 1
    if len(words) >= 2 and words[0] in ("last", "previous", "past", "this", "current") and words[1] in _UNITS:
        unit = _UNITS[words[1]]
        if words[0] in ("this", "current"):
            start, end = _unit_start(today, unit), None
            end = _shift(start, unit, 1)
        else:
            this_start = _unit_start(today, unit)
            start, end = _shift(this_start, unit, -1), this_start
        return DateRange(start, end, f"{words[0]} {unit} ({start} to {end - dt.timedelta(days=1)})"), i + 2
    if len(words) >= 3 and words[0] in ("last", "past", "previous") and words[2] in _UNITS:
        n = parse_number(tokens[i + 1])
        if isinstance(n, int) and n > 0:
            unit = _UNITS[words[2]]
            days = {"day": 1, "week": 7, "month": 30, "quarter": 91, "year": 365}[unit] * n
            start = today - dt.timedelta(days=days)
            return DateRange(start, today + dt.timedelta(days=1), f"the last {n} {unit}s (since {start})"), i + 3
    return None


def _unit_start(d: dt.date, unit: str) -> dt.date:
    if unit == "day":
        return d
    if unit == "week":
        return d - dt.timedelta(days=d.weekday())
    if unit == "month":
        return d.replace(day=1)
    if unit == "quarter":
        return dt.date(d.year, (d.month - 1) // 3 * 3 + 1, 1)
    return dt.date(d.year, 1, 1)


def _shift(d: dt.date, unit: str, n: int) -> dt.date:
    if unit == "day":
        return d + dt.timedelta(days=n)
    if unit == "week":
        return d + dt.timedelta(days=7 * n)
    if unit == "month":
        return _add_months(d, n)
    if unit == "quarter":
        return _add_months(d, 3 * n)
    return dt.date(d.year + n, 1, 1)


def find_dates(tokens: list[Token], today: dt.date | None = None) -> list[DateMention]:
    """Every date expression in the question, longest first at each position, non-overlapping.

    A bare year only counts as a date after "in/during/since/before/after/from/between" or next to
    a month, so "more than 2000 students" stays a number.
    """
    today = today or dt.date.today()
    out: list[DateMention] = []
    i = 0
    while i < len(tokens):
        word = tokens[i].lower
        if word in ("between", "from") and i + 1 < len(tokens):
            a = _point(tokens, i + 1)
            if a and a[1] < len(tokens) and tokens[a[1]].lower in ("and", "to", "until", "till", "through"):
                b = _point(tokens, a[1] + 1)
                if b:
                    end = b[0].end
                    rng = DateRange(a[0].start, end, f"{a[0].label} to {b[0].label}")
                    out.append(DateMention(i, b[1], rng))
                    i = b[1]
                    continue
        if word in ("since", "after", "before", "until", "from") and i + 1 < len(tokens):
            j = i + 1
            if word != "from" and tokens[j].lower == "the" and j + 1 < len(tokens) and tokens[j + 1].lower == "year":
                j += 1
            if word != "from" and tokens[j].lower == "year" and j + 1 < len(tokens) and tokens[j + 1].kind == "num":
                j += 1  # "after the year 1989", "before year 2000"
            p = _point(tokens, j)
            if p:
                r = p[0]
                rng = (
                    DateRange(r.start, None, f"since {r.label}")
                    if word in ("since", "from")
                    else DateRange(r.end, None, f"after {r.label}")
                    if word == "after"
                    else DateRange(None, r.start, f"before {r.label}")
                )
                out.append(DateMention(i, p[1], rng))
                i = p[1]
                continue
        rel = _relative(tokens, i, today)
        if rel:
            out.append(DateMention(i, rel[1], rel[0]))
            i = rel[1]
            continue
        if word in ("in", "during", "of", "for") and i + 1 < len(tokens):
            p = _point(tokens, i + 1)
            if p:
                out.append(DateMention(i, p[1], p[0]))
                i = p[1]
                continue
        p = _point(tokens, i)
        if p and (tokens[i].kind == "date" or tokens[i].lower in MONTHS):
            out.append(DateMention(i, p[1], p[0]))
            i = p[1]
            continue
        i += 1
    return out
