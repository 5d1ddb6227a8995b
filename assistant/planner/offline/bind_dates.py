"""Binders for time: a grain word ("monthly") and each date mention, as a filter on a date column."""

from __future__ import annotations

from insightchat.planner.offline.columns import date_col
from insightchat.planner.offline.cues import CueKind
from insightchat.planner.offline.dates import DateMention
from insightchat.planner.offline.spec import Col, Filter
from insightchat.planner.offline.state import ParseState
from insightchat.tools.catalog import ColumnProfile


def bind_grain(st: ParseState) -> None:
    """ "daily", "monthly": the time grain of a trend."""
    for c in st.cues:
        if c.kind == CueKind.GRAIN:
            st.grain = c.arg
            st.use_cue(c)


def bind_dates(st: ParseState) -> None:
    """ "in 2005", "before 1890", "last month": a date-range filter on the column named before it, else
    the main table's date (or year) column."""
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
