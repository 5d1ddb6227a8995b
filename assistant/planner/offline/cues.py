"""Intent cues: the fixed words and phrases that say *what to compute* rather than *over what*.

Each cue is a phrase (sequence of lower-case words) with a kind and a payload. They are matched
before schema linking, longest first, so "number of" is a count and "at least" a comparison even
when a column happens to contain one of those words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from insightchat.planner.lexicon import EXCLUSIONS, NEGATIONS, TIME_UNITS
from insightchat.planner.offline.text import Token


@dataclass(frozen=True)
class Cue:
    first: int
    last: int
    kind: str
    arg: Any = None


def _p(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_RAW: list[tuple[str, str, Any]] = [
    # counting
    ("how many", "count", None),
    ("number of", "count", None),
    ("count of", "count", None),
    ("count", "count", None),
    ("counts", "count", None),
    ("total number of", "count", None),
    ("total count of", "count", None),
    ("frequency of", "count", None),
    ("how much", "agg", "sum"),
    ("in total", "total_noise", None),
    # aggregates
    ("average", "agg", "avg"),
    ("mean", "agg", "avg"),
    ("avg", "agg", "avg"),
    ("total", "agg", "sum"),
    ("sum of", "agg", "sum"),
    ("sum", "agg", "sum"),
    ("combined", "agg", "sum"),
    ("median", "agg", "median"),
    ("typical", "agg", "median"),
    ("maximum", "super", "max"),
    ("max", "super", "max"),
    ("highest", "super", "max"),
    ("largest", "super", "max"),
    ("biggest", "super", "max"),
    ("greatest", "super", "max"),
    ("most", "super", "max"),
    ("top", "top", "max"),
    ("minimum", "super", "min"),
    ("min", "super", "min"),
    ("lowest", "super", "min"),
    ("smallest", "super", "min"),
    ("least", "super", "min"),
    ("fewest", "super", "min"),
    ("bottom", "top", "min"),
    ("most common", "common", "max"),
    ("most popular", "common", "max"),
    ("most frequent", "common", "max"),
    ("most often", "common", "max"),
    ("most frequently", "common", "max"),
    ("the most often", "common", "max"),
    ("least often", "common", "min"),
    ("least frequently", "common", "min"),
    ("the least often", "common", "min"),
    ("least common", "common", "min"),
    ("least popular", "common", "min"),
    ("least frequent", "common", "min"),
    # superlatives that imply a concept
    ("oldest", "concept_super", ("age", "max")),
    ("youngest", "concept_super", ("age", "min")),
    ("earliest", "concept_super", ("date", "min")),
    ("latest", "concept_super", ("date", "max")),
    ("newest", "concept_super", ("date", "max")),
    ("most recent", "concept_super", ("date", "max")),
    ("most recently", "concept_super", ("date", "max")),
    ("least recently", "concept_super", ("date", "min")),
    ("cheapest", "concept_super", ("price", "min")),
    ("most expensive", "concept_super", ("price", "max")),
    ("heaviest", "concept_super", ("weight", "max")),
    ("lightest", "concept_super", ("weight", "min")),
    ("tallest", "concept_super", ("height", "max")),
    ("shortest", "concept_super", ("short", "min")),
    ("longest", "concept_super", ("length", "max")),
    ("paid the least", "concept_super", ("salary", "min")),
    ("paid the most", "concept_super", ("salary", "max")),
    ("highest paid", "concept_super", ("salary", "max")),
    ("lowest paid", "concept_super", ("salary", "min")),
    ("best paid", "concept_super", ("salary", "max")),
    ("worst paid", "concept_super", ("salary", "min")),
    # distinct
    ("distinct", "distinct", None),
    ("different", "distinct", None),
    ("unique", "distinct", None),
    # grouping
    ("for each", "group", None),
    ("for every", "group", None),
    ("in each", "group", None),
    ("of each", "group", None),
    ("per", "group", None),
    ("each", "group", None),
    ("by", "group", None),
    ("grouped by", "group", None),
    ("group by", "group", None),
    ("broken down by", "group", None),
    ("breakdown by", "group", None),
    ("for different", "group", None),
    ("across", "group", None),
    ("by each", "group", None),
    ("split by", "group", None),
    ("sort them by", "order", None),
    ("sort it by", "order", None),
    ("sort the results by", "order", None),
    ("sort the result by", "order", None),
    ("sort them", "or_noise", None),
    ("sort the results", "or_noise", None),
    # ordering
    ("order by", "order", None),
    ("ordered by", "order", None),
    ("sorted by", "order", None),
    ("sort by", "order", None),
    ("in order of", "order", None),
    ("order of", "order", None),
    ("ranked by", "order", None),
    ("rank by", "order", None),
    ("sorted", "order", None),
    ("ordered", "order", None),
    ("arranged by", "order", None),
    ("in the order of", "order", None),
    ("ascending", "dir", "asc"),
    ("asc", "dir", "asc"),
    ("increasing", "dir", "asc"),
    ("descending", "dir", "desc"),
    ("desc", "dir", "desc"),
    ("decreasing", "dir", "desc"),
    ("reverse", "dir", "desc"),
    ("alphabetical", "alpha", None),
    ("alphabetic", "alpha", None),
    ("alphabetically", "alpha", None),
    ("lexicographically", "alpha", None),
    ("from highest to lowest", "dir", "desc"),
    ("from largest to smallest", "dir", "desc"),
    ("from the highest to the lowest", "dir", "desc"),
    ("from the largest to the smallest", "dir", "desc"),
    ("from the lowest to the highest", "dir", "asc"),
    ("from the smallest to the largest", "dir", "asc"),
    ("from lowest to highest", "dir", "asc"),
    ("from smallest to largest", "dir", "asc"),
    ("from high to low", "dir", "desc"),
    ("from low to high", "dir", "asc"),
    ("from oldest to youngest", "dir", "desc"),
    ("from youngest to oldest", "dir", "asc"),
    ("from old to young", "dir", "desc"),
    ("from young to old", "dir", "asc"),
    ("according to", "according", None),
    ("from most to least", "dir", "desc"),
    ("from least to most", "dir", "asc"),
    ("highest first", "dir", "desc"),
    ("largest first", "dir", "desc"),
    ("lowest first", "dir", "asc"),
    # "in the order of their dates starting from the most recent one": a direction, not "the one most recent"
    ("most recent first", "dir", "desc"),
    ("latest first", "dir", "desc"),
    ("newest first", "dir", "desc"),
    ("earliest first", "dir", "asc"),
    *(
        (f"{start} the {word}{one}", "dir", way)
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
    ("more than", "cmp", ">"),
    ("greater than", "cmp", ">"),
    ("larger than", "cmp", ">"),
    ("bigger than", "cmp", ">"),
    ("higher than", "cmp", ">"),
    ("above", "cmp", ">"),
    ("over", "cmp", ">"),
    ("exceeds", "cmp", ">"),
    ("exceeding", "cmp", ">"),
    ("exceed", "cmp", ">"),
    ("longer than", "cmp_concept", ("length", ">")),
    ("later than", "cmp", ">"),
    ("older than", "cmp_concept", ("age", ">")),
    ("younger than", "cmp_concept", ("age", "<")),
    ("heavier than", "cmp_concept", ("weight", ">")),
    ("lighter than", "cmp_concept", ("weight", "<")),
    ("taller than", "cmp_concept", ("height", ">")),
    ("cheaper than", "cmp_concept", ("price", "<")),
    ("more expensive than", "cmp_concept", ("price", ">")),
    ("cost more than", "cmp_concept", ("price", ">")),
    ("costs more than", "cmp_concept", ("price", ">")),
    ("cost less than", "cmp_concept", ("price", "<")),
    ("costs less than", "cmp_concept", ("price", "<")),
    ("earn more than", "cmp_concept", ("salary", ">")),
    ("earns more than", "cmp_concept", ("salary", ">")),
    ("earning more than", "cmp_concept", ("salary", ">")),
    ("earn less than", "cmp_concept", ("salary", "<")),
    ("earns less than", "cmp_concept", ("salary", "<")),
    ("earning less than", "cmp_concept", ("salary", "<")),
    ("paid more than", "cmp_concept", ("salary", ">")),
    ("paid less than", "cmp_concept", ("salary", "<")),
    ("earn above", "cmp_concept", ("salary", ">")),
    ("earn over", "cmp_concept", ("salary", ">")),
    ("earn below", "cmp_concept", ("salary", "<")),
    ("earn under", "cmp_concept", ("salary", "<")),
    ("earning above", "cmp_concept", ("salary", ">")),
    ("earning below", "cmp_concept", ("salary", "<")),
    ("larger than or equal to", "cmp", ">="),
    ("bigger than or equal to", "cmp", ">="),
    ("higher than or equal to", "cmp", ">="),
    ("smaller than or equal to", "cmp", "<="),
    ("lower than or equal to", "cmp", "<="),
    ("at least", "cmp", ">="),
    ("no less than", "cmp", ">="),
    ("not less than", "cmp", ">="),
    ("minimum of", "cmp", ">="),
    ("greater than or equal to", "cmp", ">="),
    ("more than or equal to", "cmp", ">="),
    ("or more", "cmp_post", ">="),
    ("or greater", "cmp_post", ">="),
    ("or higher", "cmp_post", ">="),
    ("or above", "cmp_post", ">="),
    ("or older", "cmp_post", ">="),
    ("less than", "cmp", "<"),
    ("fewer than", "cmp", "<"),
    ("smaller than", "cmp", "<"),
    ("lower than", "cmp", "<"),
    ("below", "cmp", "<"),
    ("under", "cmp", "<"),
    ("shorter than", "cmp_concept", ("length", "<")),
    ("earlier than", "cmp", "<"),
    ("at most", "cmp", "<="),
    ("no more than", "cmp", "<="),
    ("not more than", "cmp", "<="),
    ("up to", "cmp", "<="),
    ("less than or equal to", "cmp", "<="),
    ("or less", "cmp_post", "<="),
    ("or fewer", "cmp_post", "<="),
    ("or lower", "cmp_post", "<="),
    ("or below", "cmp_post", "<="),
    ("or younger", "cmp_post", "<="),
    ("or later", "cmp_post", ">="),
    ("or after", "cmp_post", ">="),
    ("or earlier", "cmp_post", "<="),
    ("or before", "cmp_post", "<="),
    ("equal to", "cmp", "="),
    ("equals", "cmp", "="),
    ("exactly", "cmp", "="),
    ("not equal to", "cmp", "<>"),
    ("=", "cmp", "="),
    (">", "cmp", ">"),
    ("<", "cmp", "<"),
    (">=", "cmp", ">="),
    ("<=", "cmp", "<="),
    ("!=", "cmp", "<>"),
    ("<>", "cmp", "<>"),
    ("between", "between", None),
    # text matching
    ("contain", "like", "contains"),
    ("contains", "like", "contains"),
    ("containing", "like", "contains"),
    ("include", "like", "contains"),
    ("includes", "like", "contains"),
    ("including", "like", "contains"),
    ("start with", "like", "starts"),
    ("starts with", "like", "starts"),
    ("starting with", "like", "starts"),
    ("begin with", "like", "starts"),
    ("begins with", "like", "starts"),
    ("beginning with", "like", "starts"),
    ("end with", "like", "ends"),
    ("ends with", "like", "ends"),
    ("ending with", "like", "ends"),
    ("like", "like", "contains"),
    ("substring", "like", "contains"),
    ("word", "like_noise", None),
    ("letter", "like_noise", None),
    # logic
    *((word, "neg", None) for word in (*NEGATIONS, *EXCLUSIONS)),
    ("or", "or", None),
    ("either", "or_noise", None),
    ("both", "both", None),
    ("and", "and", None),
    # shapes
    ("trend", "trend", None),
    ("trends", "trend", None),
    ("over time", "trend", None),
    ("evolution", "trend", None),
    ("change over time", "trend", None),
    ("changed over time", "trend", None),
    ("timeline", "trend", None),
    ("daily", "grain", "day"),
    ("weekly", "grain", "week"),
    ("monthly", "grain", "month"),
    ("quarterly", "grain", "quarter"),
    ("yearly", "grain", "year"),
    ("annually", "grain", "year"),
    ("annual", "grain", "year"),
    ("distribution", "dist", None),
    ("histogram", "dist", None),
    ("spread", "dist", None),
    ("share", "share", None),
    ("percentage", "share", None),
    ("percent", "share", None),
    ("proportion", "share", None),
    ("fraction", "share", None),
    ("%", "share", None),
    ("ratio", "share", None),
    ("compare", "compare", None),
    ("comparison", "compare", None),
    ("versus", "compare", None),
    ("vs", "compare", None),
    ("vs.", "compare", None),
    ("compared to", "compare", None),
    ("compared with", "compare", None),
    ("chart", "chart", None),
    ("plot", "chart", None),
    ("graph", "chart", None),
    ("visualize", "chart", None),
    ("visualise", "chart", None),
    ("as a chart", "chart", None),
    ("bar chart", "chart", None),
    ("line chart", "chart", None),
    ("who", "who", None),
    ("whom", "who", None),
]

CUES: dict[tuple[str, ...], tuple[str, Any]] = {_p(text): (kind, arg) for text, kind, arg in _RAW}
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
                if CUES[key][0] == "cmp_post" and i + n < len(tokens) and words[i + n] == "than":
                    continue  # "... or higher than 900": "or", then a comparison
                hit = (n, CUES[key])
                break
        if hit:
            n, (kind, arg) = hit
            if kind in ("dir", "alpha"):
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
