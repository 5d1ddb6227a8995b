"""Follow-up questions: edit the previous query instead of starting over.

"now by month" swaps the grouping for a monthly one, "only for 2023" / "only East" adds or replaces
a filter, "what about the lowest" flips the direction, "show that as a chart" reruns it with a chart.
The previous query lives in ``Session.state`` as a :class:`QuerySpec`.
"""

from __future__ import annotations

import re

from insightchat.planner.lexicon import FLIP_WORDS, MIN_WORDS
from insightchat.planner.offline.cues import CueKind
from insightchat.planner.offline.parser import Reading
from insightchat.planner.offline.spec import Col, Filter, Measure, OrderKey, QuerySpec

FOLLOW_START = re.compile(
    r"^\s*(now|and|also|what about|how about|only|just|same|instead|then|but|ok|okay|show (that|it|this)|"
    r"make (that|it)|as a|by|per|break (it|that) down|split (it|that)|what if|for|without|excluding|except|"
    r"limit (it|that)|why)\b",
    re.I,
)
FLIP = {"max": "min", "min": "max"}


def is_followup(question: str, reading: Reading, previous: QuerySpec | None) -> bool:
    """Whether ``question`` reads as an edit of the previous query rather than a new question."""
    if previous is None:
        return False
    if FOLLOW_START.match(question):
        return True
    mentions_table = any(lk.kind == "table" for lk in reading.links)
    return reading.spec is None and not mentions_table and len(reading.tokens) <= 6


def wants_chart_only(reading: Reading) -> bool:
    content = [c for c in reading.cues if c.kind not in (CueKind.CHART, CueKind.AND)]
    return reading.chart and not content and not reading.links and not reading.dates


def is_why(question: str) -> bool:
    return bool(re.match(r"^\s*why\b", question, re.I))


def apply_followup(previous: QuerySpec, reading: Reading) -> QuerySpec | None:
    """The previous spec edited by what the follow-up says, or None if it says nothing usable."""
    new = reading.partial
    spec = previous.copy()
    changed = False
    words = {t.lower for t in reading.tokens}
    if new is not None:
        # filters: a filter on a column replaces the old one on that column
        for f in new.filters:
            col = f.col if isinstance(f.col, Col) else None
            spec.filters = [
                g
                for g in spec.filters
                if not (isinstance(g.col, Col) and col and g.col.name == col.name and g.col.table == col.table)
            ]
            spec.filters.append(f)
            changed = True
        if new.any_of:
            spec.any_of.extend(new.any_of)
            changed = True
        if new.group_by:
            grains = [g for g in new.group_by if g.grain]
            spec.order_by = [o for o in spec.order_by if not (isinstance(o.target, Col) and o.target.grain)]
            spec.group_by = list(new.group_by)
            for g in grains:
                spec.order_by.append(OrderKey(g))
            if not spec.measures:
                spec.measures = [Measure("count")]
            spec.intent = "trend" if grains else "group"
            spec.columns = [c for c in spec.columns if c not in spec.group_by]
            spec.limit = None if grains else spec.limit
            changed = True
        if (
            new.measures
            and previous.measures != new.measures
            and (new.measures[0].col is not None or new.group_by == [])
            and any(m.col is not None for m in new.measures)
        ):
            spec.measures = list(new.measures)
            changed = True
        if new.limit and new.limit != spec.limit:
            spec.limit = new.limit
            changed = True
    if words & FLIP_WORDS:
        flipped = _flip(spec, words)
        changed = changed or flipped
    return spec if changed else None


def _flip(spec: QuerySpec, words: set[str]) -> bool:
    """ "what about the lowest": reverse the ranking or swap max/min."""
    want_min = bool(words & MIN_WORDS)
    did = False
    if spec.order_by:
        spec.order_by = [OrderKey(o.target, desc=not want_min) if i == 0 else o for i, o in enumerate(spec.order_by)]
        did = True
    new_measures = []
    for m in spec.measures:
        if m.agg in FLIP:
            new_measures.append(Measure("min" if want_min else "max", m.col))
            did = True
        else:
            new_measures.append(m)
    spec.measures = new_measures
    if not did and spec.group_by and spec.measures:
        # "average rating by region" -> "what about the lowest": the lowest group
        spec.order_by = [OrderKey(spec.measures[0], desc=not want_min)]
        spec.limit = 1
        did = True
    return did


def filter_label(f: Filter) -> str:
    return f.describe()
