"""How far to trust a reading: risk flags, and the gate that turns risky readings into abstentions.

A wrong answer costs more trust than no answer. The parser explains every word of a question, but
an explanation can be weak: a column found by spelling or meaning, a lower-case word that happens
to be a stored value, a table reached through a join on a partial name match, or a question whose
shape (a set operation, a comparison with a sub-query) one SELECT cannot express. Each of those is
a flag; :data:`BLOCKING` lists the flags that make the planner abstain. The benchmark records all
flags per question so the cost of each gate (correct answers lost per wrong answer removed) can be
measured.
"""

from __future__ import annotations

import re

from insightchat.planner.lexicon import EACH, KEY_WORDS, LIGHT_VERBS
from insightchat.planner.offline.parser import Reading
from insightchat.planner.offline.spec import Measure, QuerySpec
from insightchat.planner.offline.table_words import is_file_table
from insightchat.tools.catalog import Catalog

# Phrasings of nested queries and set operations: one SELECT with AND-ed filters cannot express them.
_NESTED = [
    (r"\bbut not\b|\bbut (?:do|does|did|are|is|was|were|have|has|had) not\b|\bbut never\b", "set_difference"),
    (r"\b(?:both|and also)\b.*\band\b|\bas well as\b", "set_both"),
    (r"\bthan (?:any|all|every|some)\b", "subquery_compare"),
    (r"\bthan (?:the )?(?:average|mean)\b|\b(?:above|below|over|under) (?:the )?(?:average|mean)\b", "average_compare"),
    (
        r"\b(?:do|does|did|have|has|had|are|is|were|was) not (?:have|has|had|own|take|play|attend|participate"
        r"|appear|contain|include|work|belong|make|get|receive|use|go)\b",
        "anti_join",
    ),
    (
        r"\b(?:have|has|had|with|without) (?:no|never|not any|none)\b|\bnever\b|\bnot (?:any|in any|in the)\b"
        r"|\bnone\b|\bwithout any\b",
        "anti_join",
    ),
    (r"\b(?:or|and) (?:those|the ones|that|who|which) \b", "set_union"),
    (r"\bat least one\b", "exists"),
    (r"\b(?:the )?same\b", "set_same"),
    # "which players share a city with Ann": rows matched on another row's value (was read as Ann's city)
    (r"\bshar(?:e|es|ed|ing)\b(?: (?:a|an|the|their|his|her|its))? \w+ with\b", "set_same"),
]


_EACH = re.compile(rf"\b({'|'.join(EACH)})\b")
_ALL_ASKED = re.compile(
    r"\b(information|info|everything)\b|\ball (?:of )?(?:the )?(?:details|data|columns|fields|attributes)\b"
)


def flags(question: str, reading: Reading, spec: QuerySpec, catalog: Catalog | None = None) -> list[str]:
    """Risk flags of ``spec`` as read from ``question`` (see module docstring)."""
    out: list[str] = []
    q = question.lower()
    vs_average = any(f.values and isinstance(f.values[0], Measure) for f in spec.filters)
    for pattern, name in _NESTED:
        if name in ("average_compare", "subquery_compare") and vs_average:
            continue  # built as a comparison with a sub-query
        if (name, spec.set_op) in (("set_both", "intersect"), ("set_difference", "except"), ("anti_join", "except")):
            continue  # built as INTERSECT / EXCEPT of two SELECTs
        if re.search(pattern, q):
            out.append(f"nested:{name}")
    tables = spec.all_tables()
    if spec.set_op is not None:
        out.append(f"set:{spec.set_op}")
    if len(tables) > 1:
        out.append("join")
    roles = reading.roles
    for link, _role in roles:
        if link.how == "fuzzy":
            out.append("link:fuzzy")
        if link.how == "embedding":
            # a near-synonym ("town" for city) is strong; a loose association is a guess
            out.append("link:synonym" if link.score >= 0.75 else "link:embedding")
        if link.kind == "column" and link.how == "part":
            out.append("link:part")
        if link.kind == "column" and link.how == "abbrev":
            out.append("link:abbrev")
        if link.kind == "column" and link.how == "suffix":
            out.append("link:suffix")
        if link.kind == "value":
            if link.how == "lookup":
                out.append("value:lookup")
            elif link.score < 1.0:
                out.append("value:lowercase")
        if (
            link.table != spec.table
            and link.kind in ("column", "value")
            and (link.how != "exact" and link.how != "value" or link.score < 0.95)
        ):
            out.append("join:inexact")
        if link.table != spec.table and link.kind == "value":
            out.append("join:value")
    if len(spec.columns) >= 2 and any(
        role == "select" and link.kind == "column" and link.how in ("part", "suffix") for link, role in roles
    ):
        out.append("select:weak_multi")  # several shown columns, one named only in part: often a stray column
    if catalog is not None and _shows_foreign_key(reading, spec, catalog):
        # "Linda's advisor": a reference to another table's row, shown as its key. Within one table
        # the key is usually what is asked ("documents of each type" by type code): a flag only.
        if len(tables) > 1:
            out.append("select:foreign_key")
        elif not any(role == "group_key" for _, role in reading.roles):
            out.append("select:key_single")  # ("for each customer" asked for the key: group:key)
    if any(role == "via_key" for _, role in roles):
        out.append("table:via_key")  # another table named, read as the main table's reference to it
    if any(role == "group_key" for _, role in roles):
        out.append("group:key")  # "for each customer" grouped by the main table's customer key
    if any(
        link.kind == "table" and link.table not in tables and role not in ("via_key", "group_key")
        for link, role in roles
    ):
        out.append("table:unused")  # the question names a table the query does not read
    if any(link.kind == "column" and role == "descriptive" and link.table not in tables for link, role in roles):
        out.append("table:unused_column")
    if any(
        link.kind == "column" and role == "descriptive" and link.how == "part" and link.score < 0.75
        for link, role in roles
    ):
        out.append("select:part_dropped")  # a word that partly names a column, left out of the query
    if catalog is not None and _ambiguous_join(spec.table, tables, catalog):
        out.append("join:ambiguous")  # two relations connect the same tables (routes' source and destination airport)
    if len(tables) > 1 and reading.confidence < 1.0:
        out.append("join:weak_link")  # a join, and some word of the question matched a name only in part
    if reading.confidence < 1.0:
        out.append("conf:low")
    if reading.tolerated:
        n = sum(len(w.split()) for w in reading.tolerated)
        out.append("unknown:one" if n == 1 else "unknown:two" if n == 2 else "unknown:many")
        if reading.confidence < 1.0 and not all(w.lower() in LIGHT_VERBS for w in reading.tolerated):
            out.append("unknown:weak")  # a word read past, and another matched a name only in part
    if spec.extra_tables:
        out.append("join:count")
    if any(isinstance(f.col, Measure) for f in spec.filters):
        out.append("having")
    if any(f.op in ("<>", "not in", "not like") for f in spec.filters):
        out.append("neg")
    if not spec.columns and not spec.measures and not spec.group_by:
        # "all the information about X", "list all info": every column is what was asked for
        out.append("select:all_asked" if _ALL_ASKED.search(q) else "select:star")
    # the query's shape, to measure which shapes the reader gets wrong
    out.append(f"shape:cols{min(len(spec.columns), 3)}")
    if len(tables) > 1 and len(spec.columns) >= 2:
        out.append("join:multi_select")  # several shown columns across a join: usually one is a stray link
    if spec.group_by:
        out.append(f"shape:group{min(len(spec.group_by), 2)}")
    if spec.order_by:
        out.append("shape:order" + ("_limit" if spec.limit else ""))
    if spec.distinct:
        out.append("shape:distinct")
    if spec.limit and len(spec.order_by) >= 2:
        # "the highest support, lowest consider rate": two superlatives are two aggregates, not one
        # row sorted two ways (on all of Spider train 0 correct, 5 wrong)
        out.append("order:keys_limit")
    if catalog is not None and spec.limit and any(_ranks_text(o.target, catalog) for o in spec.order_by):
        out.append("order:text")  # "the most leaders" sorted by the leaders' names: a ranking of nothing
    if _echoes_filter(spec):
        out.append("select:echo")  # "when was the benetton b198 chassis used?" shown as the chassis itself
    if len({repr(o.target) for o in spec.order_by}) < len(spec.order_by):
        out.append("order:repeated")  # one column sorted twice: two cues read as one
    if reading.group_guessed:
        out.append("group:guessed")
    if spec.measures:
        out.append("shape:measure_" + spec.measures[0].agg + ("_star" if spec.measures[0].col is None else ""))
    if spec.any_of:
        out.append("shape:or")
    if spec.columns and spec.measures and not spec.group_by:
        out.append("shape:mixed")
    if (spec.measures or spec.limit) and not spec.group_by and _EACH.search(q):
        # "for each dorm, how many amenities": one total would answer another question; "the highest
        # price for each film": one top row would too (on Spider train 0 right, 2 wrong)
        out.append("group:missing")
    if any(isinstance(o.target, Measure) for o in spec.order_by):
        out.append("shape:order_measure")
    if "join:inexact" in out and ("value:lookup" in out or reading.tolerated):
        out.append("join:inexact_weak")  # a partial match across a join, and a word read past or a searched value
    return list(dict.fromkeys(out))


# Flags that make the planner abstain (chosen by measuring each gate's cost on Spider train samples).
BLOCKING: set[str] = {
    "nested",  # set operations and sub-queries: one SELECT would answer a different question
    "join:inexact_weak",  # a joined table's column found only in part, plus a word read past or a searched value
    # not "join:inexact" alone (a joined table's column found by a partial match): 53 correct, 15 wrong on Spider train
    "join:multi_select",
    "link:embedding",  # a column found only by meaning
    "select:star",  # a named table and nothing to show or compute: the question asked something we missed
    "group:guessed",  # shown columns folded into a grouping by two or more columns the question did not ask for
    "shape:measure_count",  # count(column): "number of X" over a column rarely means non-null counts
    # not "join:value" (a value found in another table's column): 66 correct, 15 wrong on all of Spider train
    "select:foreign_key",
    "unknown:two",  # two or more left-over words read past: wrong more often than right
    "unknown:many",
    "select:key_single",  # a reference key shown within one table: 29 correct, 18 wrong on all of Spider train
    "unknown:weak",  # on two 1,500-question samples: 16 correct, 13 wrong
    "table:via_key",  # another table read as the main table's reference: 6 correct, 12 wrong on a sample
    "join:ambiguous",  # two relations link the joined tables (source / destination): 3 correct, 7 wrong on Spider train
    "group:missing",  # "each" asked, one aggregate over all rows built
    "order",  # several sort keys under a LIMIT, one column sorted twice, or a ranking by names
    "select:echo",  # on Spider train it removed 5 wrong answers and no right one
    # not "join:weak_link": on Spider it removed 2.5 correct answers per wrong one
    # not "select:weak_multi": 21 correct per 7 wrong removed on a 1,500-question Spider sample
}


# Flags that keep the offline planner's answer but, in the hybrid, hand the question to the language
# model instead: readings right about as often as the small local model is (55-65%), and wrong more
# often than it is. Alone, the offline planner answers them (an abstention would be no answer at all).
HAND_OVER: set[str] = {
    # "the category and price": 'category' partly named a column, then dropped (24 correct, 20 wrong on Spider train)
    "select:part_dropped",
}


def _shows_foreign_key(reading: Reading, spec: QuerySpec, catalog: Catalog) -> bool:
    """A shown or grouped column refers to another table's key, and the question did not ask for ids or codes."""
    refs = {(r.left, r.left_column) for r in catalog.relations if r.left != r.right}
    shown = {(c.table, c.name) for c in list(spec.columns) + list(spec.group_by)}
    hits = shown & refs
    if not hits:
        return False
    words = {t.lower for t in reading.tokens}
    return not (words & KEY_WORDS)


def _echoes_filter(spec: QuerySpec) -> bool:
    """Every shown column is one the query pins to a single value: the answer repeats the question."""
    if not spec.columns or spec.measures or spec.group_by:
        return False
    pinned = [f.col for f in spec.filters if f.op == "=" and not isinstance(f.col, Measure)]
    return all(c in pinned for c in spec.columns)


def _ranks_text(target: object, catalog: Catalog) -> bool:
    """A sort key that is a text column with no typed twin in a cleaned file table, where cleaning
    would have typed numbers or dates written as text: so names. (A database's text column may
    hold dates nobody cleaned: "ORDER BY emp_dob" is a fine ranking there.)"""
    if isinstance(target, Measure) or not hasattr(target, "table"):
        return False
    prof = catalog.table(target.table)  # type: ignore[attr-defined]
    col = prof.column(target.name) if prof else None  # type: ignore[attr-defined]
    if col is None or col.kind != "text" or not is_file_table(prof):  # type: ignore[arg-type]
        return False
    return not any(c.typed_from == col.name for c in prof.columns)  # type: ignore[union-attr]


def _ambiguous_join(main: str, tables: list[str], catalog: Catalog) -> bool:
    """Some table of the query is reached over a pair of tables that more than one relation links."""
    from insightchat.planner.offline.sqlbuild import shortest_path

    for target in tables[1:]:
        for rel, _ in shortest_path(catalog, [main], target) or []:
            pair = {rel.left, rel.right}
            if sum(1 for r in catalog.relations if {r.left, r.right} == pair) > 1:
                return True
    return False


def blocking(flag_list: list[str], blocked: set[str] | None = None) -> list[str]:
    """The flags among ``flag_list`` that stop the planner (prefix matches: "nested" stops every nested:*)."""
    blocked = BLOCKING if blocked is None else blocked
    return [f for f in flag_list if f in blocked or f.split(":")[0] in blocked]


REASONS = {
    "nested": "the question compares against other rows or combines two sets of rows, which I cannot express yet",
    "join:inexact": "a column of another table only partly matches your words",
    "join:multi_select": "several columns across joined tables, some possibly linked by mistake",
    "join:inexact_weak": "a column of another table only partly matches your words, and another word matched nothing",
    "join": "it needs a join between tables",
    "link:fuzzy": "a word only matched a column by spelling",
    "link:embedding": "a word only matched a column by meaning",
    "link:part": "a word only matched part of a column name",
    "link:abbrev": "a column name only matched as an abbreviation of your words",
    "value:lowercase": "a lower-case word matched a stored value",
    "value:lookup": "a value was found by searching the data",
    "conf:low": "a value was assigned to a column by guess",
    "group:guessed": "I would have to guess which columns to group by",
    "select:weak_multi": "one of the columns to show only partly matches your words",
    "join:weak_link": "it needs a join, and part of the question matched a column name only in part",
    "select:foreign_key": "the answer would show keys that refer to another table's rows rather than their names",
    "select:key_single": "the answer would show keys that refer to another table's rows rather than their names",
    "unknown:weak": "a word of the question matched nothing and another only partly matched a column",
    "unknown:two": "several words of the question matched nothing in this data",
    "unknown:many": "several words of the question matched nothing in this data",
    "table:via_key": "another table is named and I could only guess how it relates",
    "join:value": "a value belongs to another table, and which relation links them is a guess",
    "shape:measure_count": "I would count non-empty values of a column, which is rarely what is meant",
    "select:star": "I found what to look in but not what to show",
    "join:ambiguous": "the tables are linked in more than one way and I cannot tell which link is meant",
    "group:missing": "the question asks about each of something, and I could not tell what to group by",
    "select:part_dropped": "a word of the question partly names a column that the answer would leave out",
    "order:keys_limit": "it asks for several extremes at once, and I can only sort by one",
    "order:repeated": "I read two different orders for the same column",
    "order:text": "it ranks by a column of names, not of numbers or dates",
    "select:echo": "the answer would only repeat a value the question already names",
}
