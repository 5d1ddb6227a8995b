"""Questions about free text, answered with the text-model tools instead of plain SQL.

"sentiment of reviews by product", "classify tickets into billing, delivery, other", "what do
customers complain about", "reviews similar to 'battery died'". The table and text column come
from the catalog (the free-text column of the table the question names, or the current one); a
"by X" names a grouping column of that table. Anything not recognised returns None, and the
regular SQL planner takes over.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from insightchat.contracts import Plan, ToolCall
from insightchat.planner.lexicon import TEXT_INTENT_WORDS
from insightchat.session import Session
from insightchat.tools.catalog import Catalog, ColumnProfile, TableProfile

_SENTIMENT = re.compile(
    r"\bsentiments?\b|\bhow (?:do|did|does) (?:the )?(?:customers?|people|users?|guests?) feel\b"
    r"|\bpositive or negative\b",
    re.I,
)
_CLASSIFY = re.compile(r"\b(?:classify|categori[sz]e|label|tag|sort)\b.*?\binto\b\s+(?P<labels>.+?)\s*[?.!]*$", re.I)
_TOPICS = re.compile(r"\b(?:topics?|themes?|talking about|talk about|complain(?:ing|ts?)? about|complaints?)\b", re.I)
_SIMILAR = re.compile(r"\bsimilar to\b\s*(?P<query>.+?)\s*[?.!]*$", re.I)
_BY = re.compile(r"\b(?:by|per|for each|across|for every)\s+(?P<what>[\w ]+?)\s*(?:[?.!,]|$)", re.I)
_LABEL_SPLIT = re.compile(r"\s*(?:,|;|/|\bor\b|\band\b)\s*", re.I)


def plan_text_question(question: str, catalog: Catalog, session: Session, planner: str = "offline") -> Plan | None:
    """A plan with a text-model tool call, or None when the question is not about free text."""
    wants = _intent(question)
    if wants is None or _names_a_column(question, catalog, wants):
        return None
    target = _text_column(question, catalog, session.current_table)
    if target is None:
        return Plan(
            planner=planner, message="This looks like a question about free text, but no open table has a text column."
        )
    table, column = target
    session.current_table = table.name
    if wants == "sentiment":
        by = _group_column(question, table, exclude=column.name)
        args: dict[str, object] = {"table": table.name, "column": column.name}
        if by is not None:
            args["by"] = by.name
        what = f"the sentiment of {table.name}.{column.name}" + (f" by {by.name}" if by else "")
        return Plan(calls=[ToolCall("sentiment_breakdown", args)], understood=what, planner=planner, intent="sentiment")
    if wants == "classify":
        labels = [
            lk.strip(" '\"")
            for lk in _LABEL_SPLIT.split(_CLASSIFY.search(question).group("labels"))
            if lk.strip(" '\"")
        ]
        if len(labels) < 2:
            return Plan(
                planner=planner,
                message="Name at least two categories, e.g. 'classify tickets into billing, delivery, other'.",
            )
        return Plan(
            calls=[ToolCall("classify_text", {"table": table.name, "column": column.name, "labels": labels})],
            understood=f"{table.name}.{column.name} classified into {', '.join(labels)}",
            planner=planner,
            intent="classify",
        )
    if wants == "similar":
        query = _SIMILAR.search(question).group("query").strip(" '\"")
        return Plan(
            calls=[ToolCall("similar_texts", {"table": table.name, "column": column.name, "query": query, "k": 5})],
            understood=f"the 5 {column.name} values most similar to {query!r}",
            planner=planner,
            intent="similar",
        )
    return Plan(
        calls=[ToolCall("find_topics", {"table": table.name, "column": column.name})],
        understood=f"the topics of {table.name}.{column.name}",
        planner=planner,
        intent="topics",
    )


def _intent(question: str) -> str | None:
    if _SIMILAR.search(question):
        return "similar"
    if _CLASSIFY.search(question):
        return "classify"
    if _SENTIMENT.search(question):
        return "sentiment"
    if _TOPICS.search(question):
        return "topics"
    return None


def _names_a_column(question: str, catalog: Catalog, wants: str) -> bool:
    """True when the intent word is really a column of the data ("the theme of each exhibition")."""
    words = [w for w in TEXT_INTENT_WORDS[wants] if w in question.lower()]
    return any(w in col.name.lower() for prof in catalog.tables.values() for col in prof.columns for w in words)


def _is_texty(col: ColumnProfile) -> bool:
    """Prose worth a text model: free text, or a repetitive text column of sentence-length values."""
    return col.is_free_text or (col.kind == "text" and (col.avg_length or 0) >= 25)


def _words(text: str) -> set[str]:
    return {w.rstrip("s") for w in re.findall(r"[a-z0-9]+", text.lower())}


def _text_column(question: str, catalog: Catalog, current: str | None) -> tuple[TableProfile, ColumnProfile] | None:
    """The free-text column the question means: a named table first, then the current table, then any."""
    words = _words(question)
    candidates: list[tuple[int, float, TableProfile, ColumnProfile]] = []
    for prof in catalog.tables.values():
        named = bool(_words(prof.name.replace("_", " ")) & words)
        for col in prof.columns:
            if not _is_texty(col):
                continue
            rank = 2 if _words(col.name.replace("_", " ")) & words else (1 if named else 0)
            if prof.name == current:
                rank = max(rank, 1) if not named else rank
            candidates.append((rank + (1 if named else 0), col.avg_length or 0.0, prof, col))
    if not candidates:
        return None
    _, _, prof, col = max(candidates, key=lambda c: (c[0], c[1]))
    return prof, col


def _group_column(question: str, table: TableProfile, exclude: str) -> ColumnProfile | None:
    """The column after "by"/"per"/"for each", matched to the table's columns by name."""
    match = _BY.search(question)
    if match is None:
        return None
    phrase = match.group("what").strip().lower()
    best: tuple[float, ColumnProfile] | None = None
    for col in table.columns:
        if col.name == exclude or _is_texty(col):
            continue
        score = fuzz.ratio(phrase, col.name.lower().replace("_", " "))
        if best is None or score > best[0]:
            best = (score, col)
    return best[1] if best and best[0] >= 80 else None
