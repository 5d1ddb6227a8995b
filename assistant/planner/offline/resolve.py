"""Resolution, before the binders: the links of a question (schema, looked-up values, spelling and
meaning matches), its main table, and one reading per linked span.
"""

from __future__ import annotations

from insightchat.planner.lexicon import VERBS
from insightchat.planner.offline.columns import key_to
from insightchat.planner.offline.cues import CueKind
from insightchat.planner.offline.linking import Link
from insightchat.planner.offline.state import Item, ParseState
from insightchat.planner.offline.text import FILLER_STEMS


def looked_up_values(st: ParseState, links: list[Link], blocked: set[int]) -> list[Link]:
    """Quoted or capitalised phrases found in text columns the value index does not cover."""
    find = st.catalog.find_value
    if find is None:
        return []
    covered = {k for lk in links for k in range(lk.first, lk.last)} | blocked
    toks = st.tokens
    out: list[Link] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        if i in covered or not (t.kind == "quote" or (t.is_capitalised and (i > 0 or t.stem not in FILLER_STEMS))):
            i += 1
            continue
        j = i + 1
        if t.kind != "quote":
            while (
                j < len(toks)
                and j not in covered
                and (
                    toks[j].is_capitalised
                    or toks[j].kind == "num"
                    or (
                        toks[j].lower in ("of", "and", "the", "de", "&")
                        and j + 1 < len(toks)
                        and toks[j + 1].is_capitalised
                    )
                )
            ):
                j += 1
        # longest prefix of the run that is a stored value
        for end in range(j, i, -1):
            text = t.text if t.kind == "quote" else " ".join(x.text for x in toks[i:end])
            hits = find(text)
            if hits:
                out.extend(Link(i, end, "value", tb, c, v, 1.0, "lookup") for tb, c, v in hits)
                j = end
                break
        i = j
    return out


def fallback_links(st: ParseState, links: list[Link], blocked: set[int]) -> list[Link]:
    """Spelling and meaning matches for content words that exact linking left alone."""
    covered = {k for lk in links for k in range(lk.first, lk.last)} | blocked
    out: list[Link] = []
    for i, t in enumerate(st.tokens):
        if i in covered or t.kind != "word" or t.stem in FILLER_STEMS or len(t.lower) < 2:
            continue
        found = st.index.abbrev_links(st.tokens, i, covered)
        if not found and len(t.lower) < 3:
            continue
        if found:
            longest = max(lk.last for lk in found)
            found = [lk for lk in found if lk.last == longest]
            covered |= set(range(i, longest))
            out.extend(found)
            continue
        found = st.index.agent_links(st.tokens, i) or st.index.fuzzy_link(st.tokens, i)
        if not found and not t.is_capitalised:
            found = st.index.embedding_links(t.lower, i, i + 1)
        out.extend(found)
    return out


def main_table(st: ParseState, links: list[Link]) -> str | None:
    """The table most of the question's links point into; mentioned tables weigh more."""
    scores: dict[str, float] = {}
    spans: dict[tuple[int, int], list[Link]] = {}
    for lk in links:
        spans.setdefault((lk.first, lk.last), []).append(lk)
    for group in spans.values():
        best: dict[str, float] = {}
        counted = any(
            c.kind == CueKind.COUNT
            and (
                c.last == l0.first
                or (
                    c.last + 1 == l0.first
                    and st.tokens[c.last].lower in ("the", "different", "distinct", "unique", "all")
                )
            )
            for c in st.cues
            for l0 in group[:1]
        )
        for lk in group:
            w = lk.score * (1.6 if lk.kind == "table" else 1.0 if lk.kind == "column" else 0.8)
            if counted and lk.kind == "table":
                w *= 1.5  # "how many products ...": the counted rows are the main table's
            best[lk.table] = max(best.get(lk.table, 0.0), w)
        for t, w in best.items():
            scores[t] = scores.get(t, 0.0) + w
    if not scores:
        if len(st.catalog.tables) == 1:
            return next(iter(st.catalog.tables))
        return st.default_table if st.default_table in st.catalog.tables else None
    if st.default_table in scores:
        scores[st.default_table] += 0.3
    return max(scores, key=lambda t: (scores[t], -len(st.catalog.tables[t].columns)))


def counted_owner(st: ParseState, links: list[Link], table: str) -> str | None:
    """ "How many customers have an account?", "the number of departments which offer courses":
    rows of X counted by whether a row of Y refers to them, where Y is the question's last word
    and refers to X by one key. The count is over Y's distinct references (Y is the main table)."""
    toks = st.tokens
    x = None
    for count in st.cues:
        if count.kind != CueKind.COUNT:
            continue
        k = count.last
        while k < len(toks) and toks[k].lower in ("the", "distinct", "different", "unique", "all"):
            k += 1
        x = next((lk for lk in links if lk.first == k and lk.kind == "table" and lk.table == table), None)
        if x is not None:
            break
    if x is None:
        return None
    k = x.last
    if k < len(toks) and toks[k].lower in ("who", "that", "which"):
        k += 1
    if (
        k >= len(toks)
        or toks[k].kind != "word"
        or not (toks[k].lower in ("have", "has", "had") or toks[k].lower in VERBS or toks[k].lower.endswith("ed"))
    ):
        return None
    k += 1
    while k < len(toks) and toks[k].lower in ("a", "an", "any", "some", "the", "in", "on", "for", "to", "at"):
        k += 1
    ys = [lk for lk in links if lk.first == k and lk.kind == "table" and lk.table != table]
    if len(ys) != 1 or any(t.kind not in ("punct", "sym") for t in toks[ys[0].last :]):
        return None
    y = ys[0].table
    saved, st.table = st.table, y  # key_to looks from the main table: from y, for now
    key = key_to(st, table)
    st.table = saved
    return y if key is not None else None


def resolve(st: ParseState, links: list[Link], table: str) -> list[Item]:
    """One reading per span: the main table's, else a table joinable to it, else the best."""
    from insightchat.planner.offline.sqlbuild import shortest_path

    spans: dict[tuple[int, int], list[Link]] = {}
    for lk in links:
        spans.setdefault((lk.first, lk.last), []).append(lk)
    items: list[Item] = []
    for _span, group in sorted(spans.items()):
        group.sort(key=lambda lk: -lk.score)
        own = [lk for lk in group if lk.table == table]
        joinable = [
            lk for lk in group if lk.table != table and _hops(shortest_path(st.catalog, [table], lk.table)) <= MAX_HOPS
        ]
        best_own = max(own, key=lambda lk: (lk.score, lk.kind == "column")) if own else None
        if best_own is not None and (not joinable or best_own.score >= joinable[0].score - 0.25):
            pick = best_own
        elif joinable:
            pick = joinable[0]
        else:
            pick = group[0]
        alts = [
            lk
            for lk in group
            if lk is not pick and lk.table == pick.table and lk.kind == pick.kind and lk.score >= pick.score - 1e-9
        ]
        items.append(Item(pick, alts=alts))
    return items


MAX_HOPS = 1  # columns of directly related tables only: two-hop guesses were wrong half the time on Spider


def _hops(path: list | None) -> int:
    """The number of joins a path takes (99 when there is none)."""
    return len(path) if path is not None else 99
