"""Intent cues: the fixed words and phrases that say *what to compute* rather than *over what*.

Each cue is a phrase (sequence of lower-case words) with a kind and a payload. They are matched
before schema linking, longest first, so "number of" is a count and "at least" a comparison even
when a column happens to contain one of those words.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from insightchat.planner.lexicon import EXCLUSIONS, NEGATIONS, TIME_UNITS
from insightchat.planner.offline.text import Token


class CueKind(Enum):
    """What a cue phrase says to compute (``Cue.arg`` carries the detail)."""

    COUNT = "count"  # a count of rows or values ("how many", "number of")
    AGG = "agg"  # an aggregate; arg: avg, sum or median ("average", "total")
    TOTAL_NOISE = "total_noise"  # "in total": a count or sum is over everything
    SUPER = "super"  # a superlative; arg: max or min ("highest", "most")
    TOP = "top"  # "top"/"bottom", before a number of rows; arg: max or min
    COMMON = "common"  # the most/least frequent value; arg: max or min ("most common")
    CONCEPT_SUPER = "concept_super"  # a superlative that implies a column; arg: (concept, max|min) ("oldest")
    DISTINCT = "distinct"  # different values ("distinct", "unique")
    GROUP = "group"  # one answer per group ("per", "for each", "by")
    ORDER = "order"  # sort by what follows ("ordered by", "sorted by")
    OR_NOISE = "or_noise"  # words with no meaning of their own here ("either", "sort them")
    DIR = "dir"  # a sort direction; arg: asc or desc ("descending")
    ALPHA = "alpha"  # alphabetical order
    ACCORDING = "according"  # "according to": a sort key after a sort verb
    CMP = "cmp"  # a comparison before its number; arg: the operator ("more than")
    CMP_CONCEPT = "cmp_concept"  # a comparison that implies a column; arg: (concept, operator) ("older than")
    CMP_POST = "cmp_post"  # a comparison after its number; arg: the operator ("or more")
    BETWEEN = "between"  # "between A and B"
    LIKE = "like"  # a text match; arg: contains, starts or ends
    LIKE_NOISE = "like_noise"  # "word", "letter": what a text match looks for
    NEG = "neg"  # a negation or exclusion ("not", "except")
    OR = "or"  # "or" between values or conditions
    BOTH = "both"  # "both": rows of each of two values (INTERSECT)
    AND = "and"  # "and" between columns, aggregates or conditions
    TREND = "trend"  # change over time ("trend", "over time")
    GRAIN = "grain"  # a time grain; arg: day, week, month, quarter or year ("monthly")
    DIST = "dist"  # a distribution ("histogram", "spread")
    SHARE = "share"  # a share of the total ("percentage", "proportion")
    COMPARE = "compare"  # values side by side ("versus", "compared to")
    CHART = "chart"  # a chart is asked for
    WHO = "who"  # "who": rows named by their name columns


@dataclass(frozen=True)
class Cue:
    first: int
    last: int
    kind: CueKind
    arg: Any = None


def _p(text: str) -> tuple[str, ...]:
    return tuple(text.split())


K = CueKind
_RAW: list[tuple[str, CueKind, Any]] = [
    # counting
    ("how many", K.COUNT, None),
    ("number of", K.COUNT, None),
    ("count of", K.COUNT, None),
    ("count", K.COUNT, None),
    ("counts", K.COUNT, None),
    ("total number of", K.COUNT, None),
    ("total count of", K.COUNT, None),
    ("frequency of", K.COUNT, None),
    ("how much", K.AGG, "sum"),
    ("in total", K.TOTAL_NOISE, None),
    # aggregates
    ("average", K.AGG, "avg"),
    ("mean", K.AGG, "avg"),
    ("avg", K.AGG, "avg"),
    ("total", K.AGG, "sum"),
    ("sum of", K.AGG, "sum"),
    ("sum", K.AGG, "sum"),
    ("combined", K.AGG, "sum"),
    ("median", K.AGG, "median"),
    ("typical", K.AGG, "median"),
    ("maximum", K.SUPER, "max"),
    ("max", K.SUPER, "max"),
    ("highest", K.SUPER, "max"),
    ("largest", K.SUPER, "max"),
    ("biggest", K.SUPER, "max"),
    ("greatest", K.SUPER, "max"),
    ("most", K.SUPER, "max"),
    ("top", K.TOP, "max"),
    ("minimum", K.SUPER, "min"),
    ("min", K.SUPER, "min"),
    ("lowest", K.SUPER, "min"),
    ("smallest", K.SUPER, "min"),
    ("least", K.SUPER, "min"),
    ("fewest", K.SUPER, "min"),
    ("bottom", K.TOP, "min"),
    ("most common", K.COMMON, "max"),
    ("most popular", K.COMMON, "max"),
    ("most frequent", K.COMMON, "max"),
    ("most often", K.COMMON, "max"),
    ("most frequently", K.COMMON, "max"),
    ("the most often", K.COMMON, "max"),
    ("least often", K.COMMON, "min"),
    ("least frequently", K.COMMON, "min"),
    ("the least often", K.COMMON, "min"),
    ("least common", K.COMMON, "min"),
    ("least popular", K.COMMON, "min"),
    ("least frequent", K.COMMON, "min"),
    # superlatives that imply a concept
    ("oldest", K.CONCEPT_SUPER, ("age", "max")),
    ("youngest", K.CONCEPT_SUPER, ("age", "min")),
    ("earliest", K.CONCEPT_SUPER, ("date", "min")),
    ("latest", K.CONCEPT_SUPER, ("date", "max")),
    ("newest", K.CONCEPT_SUPER, ("date", "max")),
    ("most recent", K.CONCEPT_SUPER, ("date", "max")),
    ("most recently", K.CONCEPT_SUPER, ("date", "max")),
    ("least recently", K.CONCEPT_SUPER, ("date", "min")),
    ("cheapest", K.CONCEPT_SUPER, ("price", "min")),
    ("most expensive", K.CONCEPT_SUPER, ("price", "max")),
    ("heaviest", K.CONCEPT_SUPER, ("weight", "max")),
    ("lightest", K.CONCEPT_SUPER, ("weight", "min")),
    ("tallest", K.CONCEPT_SUPER, ("height", "max")),
    ("shortest", K.CONCEPT_SUPER, ("short", "min")),
    ("longest", K.CONCEPT_SUPER, ("length", "max")),
    ("paid the least", K.CONCEPT_SUPER, ("salary", "min")),
    ("paid the most", K.CONCEPT_SUPER, ("salary", "max")),
    ("highest paid", K.CONCEPT_SUPER, ("salary", "max")),
    ("lowest paid", K.CONCEPT_SUPER, ("salary", "min")),
    ("best paid", K.CONCEPT_SUPER, ("salary", "max")),
    ("worst paid", K.CONCEPT_SUPER, ("salary", "min")),
    # distinct
    ("distinct", K.DISTINCT, None),
    ("different", K.DISTINCT, None),
    ("unique", K.DISTINCT, None),
    # grouping
    ("for each", K.GROUP, None),
    ("for every", K.GROUP, None),
    ("in each", K.GROUP, None),
    ("of each", K.GROUP, None),
    ("per", K.GROUP, None),
    ("each", K.GROUP, None),
    ("by", K.GROUP, None),
    ("grouped by", K.GROUP, None),
    ("group by", K.GROUP, None),
    ("broken down by", K.GROUP, None),
    ("breakdown by", K.GROUP, None),
    ("for different", K.GROUP, None),
    ("across", K.GROUP, None),
    ("by each", K.GROUP, None),
    ("split by", K.GROUP, None),
    ("sort them by", K.ORDER, None),
    ("sort it by", K.ORDER, None),
    ("sort the results by", K.ORDER, None),
    ("sort the result by", K.ORDER, None),
    ("sort them", K.OR_NOISE, None),
    ("sort the results", K.OR_NOISE, None),
    # ordering
    ("order by", K.ORDER, None),
    ("ordered by", K.ORDER, None),
    ("sorted by", K.ORDER, None),
    ("sort by", K.ORDER, None),
    ("in order of", K.ORDER, None),
    ("order of", K.ORDER, None),
    ("ranked by", K.ORDER, None),
    ("rank by", K.ORDER, None),
    ("sorted", K.ORDER, None),
    ("ordered", K.ORDER, None),
    ("arranged by", K.ORDER, None),
    ("in the order of", K.ORDER, None),
    ("ascending", K.DIR, "asc"),
    ("asc", K.DIR, "asc"),
    ("increasing", K.DIR, "asc"),
    ("descending", K.DIR, "desc"),
    ("desc", K.DIR, "desc"),
    ("decreasing", K.DIR, "desc"),
    ("reverse", K.DIR, "desc"),
    ("alphabetical", K.ALPHA, None),
    ("alphabetic", K.ALPHA, None),
    ("alphabetically", K.ALPHA, None),
    ("lexicographically", K.ALPHA, None),
    ("from highest to lowest", K.DIR, "desc"),
    ("from largest to smallest", K.DIR, "desc"),
    ("from the highest to the lowest", K.DIR, "desc"),
    ("from the largest to the smallest", K.DIR, "desc"),
    ("from the lowest to the highest", K.DIR, "asc"),
    ("from the smallest to the largest", K.DIR, "asc"),
    ("from lowest to highest", K.DIR, "asc"),
    ("from smallest to largest", K.DIR, "asc"),
    ("from high to low", K.DIR, "desc"),
    ("from low to high", K.DIR, "asc"),
    ("from oldest to youngest", K.DIR, "desc"),
    ("from youngest to oldest", K.DIR, "asc"),
    ("from old to young", K.DIR, "desc"),
    ("from young to old", K.DIR, "asc"),
    ("according to", K.ACCORDING, None),
    ("from most to least", K.DIR, "desc"),
    ("from least to most", K.DIR, "asc"),
    ("highest first", K.DIR, "desc"),
    ("largest first", K.DIR, "desc"),
    ("lowest first", K.DIR, "asc"),
    # "in the order of their dates starting from the most recent one": a direction, not "the one most recent"
    ("most recent first", K.DIR, "desc"),
    ("latest first", K.DIR, "desc"),
    ("newest first", K.DIR, "desc"),
    ("earliest first", K.DIR, "asc"),
    *(
        (f"{start} the {word}{one}", K.DIR, way)
        for start in ("starting from", "starting with", "beginning with", "beginning from")
        for word, way in (
            ("most recent", "desc"),
            ("latest", "desc"),
            ("newest", "desc"),
            ("earliest", "asc"),
            ("highest", "desc"),
            ("largest", "desc"),
            ("lowest", "asc"),
            ("smallest", "asc"),
        )
        for one in ("", " one")
    ),
    # comparisons (followed by a number)
    ("more than", K.CMP, ">"),
    ("greater than", K.CMP, ">"),
    ("larger than", K.CMP, ">"),
    ("bigger than", K.CMP, ">"),
    ("higher than", K.CMP, ">"),
    ("above", K.CMP, ">"),
    ("over", K.CMP, ">"),
    ("exceeds", K.CMP, ">"),
    ("exceeding", K.CMP, ">"),
    ("exceed", K.CMP, ">"),
    ("longer than", K.CMP_CONCEPT, ("length", ">")),
    ("later than", K.CMP, ">"),
    ("older than", K.CMP_CONCEPT, ("age", ">")),
    ("younger than", K.CMP_CONCEPT, ("age", "<")),
    ("heavier than", K.CMP_CONCEPT, ("weight", ">")),
    ("lighter than", K.CMP_CONCEPT, ("weight", "<")),
    ("taller than", K.CMP_CONCEPT, ("height", ">")),
    ("cheaper than", K.CMP_CONCEPT, ("price", "<")),
    ("more expensive than", K.CMP_CONCEPT, ("price", ">")),
    ("cost more than", K.CMP_CONCEPT, ("price", ">")),
    ("costs more than", K.CMP_CONCEPT, ("price", ">")),
    ("cost less than", K.CMP_CONCEPT, ("price", "<")),
    ("costs less than", K.CMP_CONCEPT, ("price", "<")),
    ("earn more than", K.CMP_CONCEPT, ("salary", ">")),
    ("earns more than", K.CMP_CONCEPT, ("salary", ">")),
    ("earning more than", K.CMP_CONCEPT, ("salary", ">")),
    ("earn less than", K.CMP_CONCEPT, ("salary", "<")),
    ("earns less than", K.CMP_CONCEPT, ("salary", "<")),
    ("earning less than", K.CMP_CONCEPT, ("salary", "<")),
    ("paid more than", K.CMP_CONCEPT, ("salary", ">")),
    ("paid less than", K.CMP_CONCEPT, ("salary", "<")),
    ("earn above", K.CMP_CONCEPT, ("salary", ">")),
    ("earn over", K.CMP_CONCEPT, ("salary", ">")),
    ("earn below", K.CMP_CONCEPT, ("salary", "<")),
    ("earn under", K.CMP_CONCEPT, ("salary", "<")),
    ("earning above", K.CMP_CONCEPT, ("salary", ">")),
    ("earning below", K.CMP_CONCEPT, ("salary", "<")),
    ("larger than or equal to", K.CMP, ">="),
    ("bigger than or equal to", K.CMP, ">="),
    ("higher than or equal to", K.CMP, ">="),
    ("smaller than or equal to", K.CMP, "<="),
    ("lower than or equal to", K.CMP, "<="),
    ("at least", K.CMP, ">="),
    ("no less than", K.CMP, ">="),
    ("not less than", K.CMP, ">="),
    ("minimum of", K.CMP, ">="),
    ("greater than or equal to", K.CMP, ">="),
    ("more than or equal to", K.CMP, ">="),
    ("or more", K.CMP_POST, ">="),
    ("or greater", K.CMP_POST, ">="),
    ("or higher", K.CMP_POST, ">="),
    ("or above", K.CMP_POST, ">="),
    ("or older", K.CMP_POST, ">="),
    ("less than", K.CMP, "<"),
    ("fewer than", K.CMP, "<"),
    ("smaller than", K.CMP, "<"),
    ("lower than", K.CMP, "<"),
    ("below", K.CMP, "<"),
    ("under", K.CMP, "<"),
    ("shorter than", K.CMP_CONCEPT, ("length", "<")),
    ("earlier than", K.CMP, "<"),
    ("at most", K.CMP, "<="),
    ("no more than", K.CMP, "<="),
    ("not more than", K.CMP, "<="),
    ("up to", K.CMP, "<="),
    ("less than or equal to", K.CMP, "<="),
    ("or less", K.CMP_POST, "<="),
    ("or fewer", K.CMP_POST, "<="),
    ("or lower", K.CMP_POST, "<="),
    ("or below", K.CMP_POST, "<="),
    ("or younger", K.CMP_POST, "<="),
    ("or later", K.CMP_POST, ">="),
    ("or after", K.CMP_POST, ">="),
    ("or earlier", K.CMP_POST, "<="),
    ("or before", K.CMP_POST, "<="),
    ("equal to", K.CMP, "="),
    ("equals", K.CMP, "="),
    ("exactly", K.CMP, "="),
    ("not equal to", K.CMP, "<>"),
    ("=", K.CMP, "="),
    (">", K.CMP, ">"),
    ("<", K.CMP, "<"),
    (">=", K.CMP, ">="),
    ("<=", K.CMP, "<="),
    ("!=", K.CMP, "<>"),
    ("<>", K.CMP, "<>"),
    ("between", K.BETWEEN, None),
    # text matching
    ("contain", K.LIKE, "contains"),
    ("contains", K.LIKE, "contains"),
    ("containing", K.LIKE, "contains"),
    ("include", K.LIKE, "contains"),
    ("includes", K.LIKE, "contains"),
    ("including", K.LIKE, "contains"),
    ("start with", K.LIKE, "starts"),
    ("starts with", K.LIKE, "starts"),
    ("starting with", K.LIKE, "starts"),
    ("begin with", K.LIKE, "starts"),
    ("begins with", K.LIKE, "starts"),
    ("beginning with", K.LIKE, "starts"),
    ("end with", K.LIKE, "ends"),
    ("ends with", K.LIKE, "ends"),
    ("ending with", K.LIKE, "ends"),
    ("like", K.LIKE, "contains"),
    ("substring", K.LIKE, "contains"),
    ("word", K.LIKE_NOISE, None),
    ("letter", K.LIKE_NOISE, None),
    # logic
    *((word, K.NEG, None) for word in (*NEGATIONS, *EXCLUSIONS)),
    ("or", K.OR, None),
    ("either", K.OR_NOISE, None),
    ("both", K.BOTH, None),
    ("and", K.AND, None),
    # shapes
    ("trend", K.TREND, None),
    ("trends", K.TREND, None),
    ("over time", K.TREND, None),
    ("evolution", K.TREND, None),
    ("change over time", K.TREND, None),
    ("changed over time", K.TREND, None),
    ("timeline", K.TREND, None),
    ("daily", K.GRAIN, "day"),
    ("weekly", K.GRAIN, "week"),
    ("monthly", K.GRAIN, "month"),
    ("quarterly", K.GRAIN, "quarter"),
    ("yearly", K.GRAIN, "year"),
    ("annually", K.GRAIN, "year"),
    ("annual", K.GRAIN, "year"),
    ("distribution", K.DIST, None),
    ("histogram", K.DIST, None),
    ("spread", K.DIST, None),
    ("share", K.SHARE, None),
    ("percentage", K.SHARE, None),
    ("percent", K.SHARE, None),
    ("proportion", K.SHARE, None),
    ("fraction", K.SHARE, None),
    ("%", K.SHARE, None),
    ("ratio", K.SHARE, None),
    ("compare", K.COMPARE, None),
    ("comparison", K.COMPARE, None),
    ("versus", K.COMPARE, None),
    ("vs", K.COMPARE, None),
    ("vs.", K.COMPARE, None),
    ("compared to", K.COMPARE, None),
    ("compared with", K.COMPARE, None),
    ("chart", K.CHART, None),
    ("plot", K.CHART, None),
    ("graph", K.CHART, None),
    ("visualize", K.CHART, None),
    ("visualise", K.CHART, None),
    ("as a chart", K.CHART, None),
    ("bar chart", K.CHART, None),
    ("line chart", K.CHART, None),
    ("who", K.WHO, None),
    ("whom", K.WHO, None),
]

CUES: dict[tuple[str, ...], tuple[CueKind, Any]] = {_p(text): (kind, arg) for text, kind, arg in _RAW}
_MAX = max(len(k) for k in CUES)


def find_cues(tokens: list[Token], skip: set[int]) -> list[Cue]:
    """Longest-first, non-overlapping cue phrases among tokens not in ``skip``."""
    out: list[Cue] = []
    i = 0
    words = [
        t.lower if t.kind in ("word", "sym") else (t.text if t.kind == "num" and t.text == "%" else "\0")
        for t in tokens
    ]
    while i < len(tokens):
        if i in skip:
            i += 1
            continue
        hit = None
        for n in range(min(_MAX, len(tokens) - i), 0, -1):
            key = tuple(words[i : i + n])
            if key in CUES and not any(k in skip for k in range(i, i + n)):
                if CUES[key][0] == CueKind.CMP_POST and i + n < len(tokens) and words[i + n] == "than":
                    continue  # "... or higher than 900": "or", then a comparison
                hit = (n, CUES[key])
                break
        if hit:
            n, (kind, arg) = hit
            if kind in (CueKind.DIR, CueKind.ALPHA):
                # "in descending order", "in ascending alphabetical order": the word order belongs to the cue
                nxt_word = words[i + n + 1] if i + n + 1 < len(tokens) else ""
                if (
                    i + n < len(tokens)
                    and words[i + n] in ("order", "ordering")
                    and i + n not in skip
                    and nxt_word not in ("of", "by")
                ):
                    n += 1
            out.append(Cue(i, i + n, kind, arg))
            i += n
        else:
            i += 1
    return out


def grain_of(word: str) -> str | None:
    return TIME_UNITS.get(word.lower())
