"""Binder for the order a file lists its rows in: "who is listed last", "the first name on the list".

A file table keeps each row's 1-based position as a column (tools/cleaning.POSITION_COLUMN), so
"last listed" is the row with the highest position, not the latest date or the largest value.
Only read when a list word ("listed", "list", "table") stands near the end word, so
"the last election" or "first place" keep their meaning.
"""

from __future__ import annotations

from insightchat.planner.lexicon import LIST_END_WORDS, LIST_WORDS
from insightchat.planner.offline.spec import Col, OrderKey
from insightchat.planner.offline.state import ParseState
from insightchat.tools.cleaning import POSITION_COLUMN

WINDOW = 4  # words between the end word ("last") and the list word ("listed")


def bind_position(st: ParseState) -> None:
    """ "listed last" / "the first ... listed": order by the row position, one row."""
    table = st.catalog.tables.get(st.table)
    if table is None or not any(c.name == POSITION_COLUMN for c in table.columns):
        return
    words = [t.lower for t in st.tokens]
    for i, word in enumerate(words):
        if word not in LIST_END_WORDS or i in st.used:
            continue
        if i + 1 < len(words) and st.tokens[i + 1].kind == "num":  # "the first 3": a count, not a position
            continue
        near = [j for j in range(max(0, i - WINDOW), min(len(words), i + WINDOW + 1)) if words[j] in LIST_WORDS]
        if not near or any(j in st.used for j in near):
            continue
        st.used |= {i, *near}
        st.spec.order_by.insert(0, OrderKey(Col(st.table, POSITION_COLUMN), desc=LIST_END_WORDS[word] == "last"))
        st.limit = 1
        return
