"""Schema and value linking: which words of a question name which tables, columns and values.

Matching runs from strong to weak evidence, and each link carries its score and how it was found,
so the planner can restate what it understood and abstain when the evidence is thin:

1. exact / stemmed phrases of table and column names (``stu_fname`` is also "student first name";
   ``dorm_name`` in table ``dorm`` is also just "name");
2. parts of names ("capacity" -> ``student_capacity``), scored lower;
3. values from the catalog's value index ("Berlin" -> ``city = 'Berlin'``), quoted strings;
4. fuzzy spelling (rapidfuzz) and, last, embedding similarity for words nothing else explained.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from rapidfuzz import fuzz, process

from insightchat.planner.lexicon import SYNONYMS
from insightchat.planner.offline import embed
from insightchat.planner.offline.text import FILLER_STEMS, STOP_STEMS, Token, expand_identifier, split_identifier, stem
from insightchat.tools.catalog import Catalog, ColumnProfile

LinkKind = Literal["table", "column", "value"]
MAX_SPAN = 5
EMBED_MIN = 0.62
FUZZY_MIN = 87


@dataclass
class Link:
    """One reading of the token span ``[first, last)``."""

    first: int
    last: int
    kind: LinkKind
    table: str
    column: str | None = None
    value: Any = None
    score: float = 1.0
    how: str = "exact"

    @property
    def key(self) -> float:
        return self.score + 0.12 * (self.last - self.first - 1)


@dataclass
class _Entry:
    kind: LinkKind
    table: str
    column: str | None
    score: float
    how: str


@dataclass
class SchemaIndex:
    """Everything linking needs about a catalog, built once per catalog (see :func:`index_for`)."""

    catalog: Catalog
    phrases: dict[tuple[str, ...], list[_Entry]] = field(default_factory=dict)
    values: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)
    vocabulary: dict[str, str] = field(default_factory=dict)  # lower word -> its stem, for fuzzy spelling
    column_text: list[tuple[str, str, str]] = field(default_factory=list)  # (phrase, table, column) for embeddings
    _column_vecs: np.ndarray | None = None

    def __post_init__(self) -> None:
        for tname, prof in self.catalog.tables.items():
            t_words = expand_identifier(tname)
            t_stems = tuple(stem(w) for w in t_words)
            self._add(t_stems, _Entry("table", tname, None, 1.0, "exact"))
            for sub, _pos in _subphrases(t_stems):
                self._add(sub, _Entry("table", tname, None, 0.75, "part"))
            for w in t_words:
                self.vocabulary.setdefault(w, stem(w))
            for col in prof.columns:
                self._add_column(tname, t_stems, col)
            key = _fused_key(prof.columns[0].name) if prof.columns else None
            if key is not None:
                self._add(
                    ("id",), _Entry("column", tname, key, 0.9, "suffix")
                )  # "the id of ..." for a key named aid / StuID

    def _add(self, stems: tuple[str, ...], entry: _Entry) -> None:
        if not stems:
            return
        bucket = self.phrases.setdefault(stems, [])
        for i, e in enumerate(bucket):
            if (e.kind, e.table, e.column) == (entry.kind, entry.table, entry.column):
                if entry.score > e.score:
                    bucket[i] = entry
                return
        bucket.append(entry)

    def _add_column(self, tname: str, t_stems: tuple[str, ...], col: ColumnProfile) -> None:
        words = expand_identifier(col.name)
        stems = tuple(stem(w) for w in words)
        raw = tuple(stem(w) for w in split_identifier(col.name))
        fused = _fused_key(col.name)
        variants = {stems, raw} | (
            {(stem(fused[:-2].lower()), "id")} if fused else set()
        )  # partitionid: "partition id"
        for variant in variants:
            self._add(variant, _Entry("column", tname, col.name, 1.0, "exact"))
            rest = _strip_affix(variant, t_stems)
            if rest:
                self._add(rest, _Entry("column", tname, col.name, 0.95, "exact"))
            for sub, pos in _subphrases(variant):
                self._add(
                    sub,
                    _Entry(
                        "column",
                        tname,
                        col.name,
                        0.8 if pos == "suffix" else 0.7,
                        "suffix" if pos == "suffix" else "part",
                    ),
                )
        for k, w in enumerate(words):
            for other in SYNONYMS.get(w, ()):  # a column "sex" is what "gender" asks about
                syn = stems[:k] + tuple(stem(x) for x in other.split()) + stems[k + 1 :]
                self._add(syn, _Entry("column", tname, col.name, 0.9, "synonym"))
                rest = _strip_affix(syn, t_stems)
                if rest:
                    self._add(rest, _Entry("column", tname, col.name, 0.88, "synonym"))
        for w in words:
            self.vocabulary.setdefault(w, stem(w))
        self.column_text.append((" ".join(words), tname, col.name))
        if col.values:
            for v in col.values:
                key = v.strip().lower()
                if key:
                    self.values.setdefault(key, []).append((tname, col.name, v))
        for word, v in (col.value_words or {}).items():  # "urgent" -> urgency = 'high'
            self.values.setdefault(word.lower(), []).append((tname, col.name, v))

    # ------------------------------------------------------------------ linking
    def link(self, tokens: list[Token], blocked: set[int]) -> list[Link]:
        """Non-overlapping links over the tokens not in ``blocked``, strongest readings first."""
        cands: list[Link] = []
        n = len(tokens)
        for i in range(n):
            if i in blocked:
                continue
            tok = tokens[i]
            if tok.kind == "quote":
                cands.extend(self._value_links(tok.text, i, i + 1, quoted=True))
                continue
            for j in range(i + 1, min(n, i + MAX_SPAN) + 1):
                span = tokens[i:j]
                if any(k in blocked for k in range(i, j)) or any(t.kind not in ("word", "num") for t in span):
                    break
                stems = tuple(t.stem for t in span)
                if stems[0] in STOP_STEMS or stems[-1] in STOP_STEMS:
                    continue
                for e in self.phrases.get(stems, []):
                    cands.append(Link(i, j, e.kind, e.table, e.column, None, e.score, e.how))
                text = " ".join(t.text for t in span)
                capital = all(t.is_capitalised or t.kind == "num" for t in span)
                cands.extend(self._value_links(text, i, j, quoted=False, capital=capital))
        return _select(cands)

    def _value_links(self, text: str, i: int, j: int, quoted: bool, capital: bool = False) -> list[Link]:
        key = text.strip().lower()
        hits = self.values.get(key, [])
        if not hits:
            return []
        if not quoted and (len(key) < 2 or stem(key) in FILLER_STEMS):
            return []
        score = 1.05 if quoted else 1.0 if capital else 0.85
        return [Link(i, j, "value", t, c, v, score, "value") for t, c, v in hits]

    def fuzzy_link(self, tokens: list[Token], i: int) -> list[Link]:
        """Readings of one unexplained word by spelling (rapidfuzz), e.g. "adress" -> address."""
        word = tokens[i].lower
        if len(word) < 4 or not self.vocabulary:
            return []
        best = process.extractOne(word, list(self.vocabulary), scorer=fuzz.ratio, score_cutoff=FUZZY_MIN)
        if not best:
            return []
        return [
            Link(i, i + 1, e.kind, e.table, e.column, None, e.score * 0.85, "fuzzy")
            for e in self.phrases.get((self.vocabulary[best[0]],), [])
        ]

    def agent_links(self, tokens: list[Token], i: int) -> list[Link]:
        """A participle before "by" naming the column of its doer: "directed by" -> director,
        "produced by" -> producer, "composed by" -> composer, "managed by" -> manager."""
        w = tokens[i].lower
        if not w.endswith("ed") or len(w) < 6 or i + 1 >= len(tokens) or tokens[i + 1].lower != "by":
            return []  # only "directed by ...": the doer follows
        out: list[Link] = []
        for noun in {w[:-2] + "or", w[:-1] + "r", w[:-2] + "er"}:
            for e in self.phrases.get((stem(noun),), []):
                if e.kind == "column" and e.how in ("exact", "suffix"):  # "managed by" -> building_manager
                    out.append(Link(i, i + 1, "column", e.table, e.column, None, 0.85, "agent"))
        return out

    def abbrev_links(self, tokens: list[Token], i: int, blocked: set[int]) -> list[Link]:
        """Columns whose name is an abbreviation of the words at ``i``: each short part of the name
        begins a word ("enr" -> enrollment, ``acc_bal`` -> "account balance", ``dept`` -> department)."""
        out: list[Link] = []
        word = tokens[i].lower
        if (
            tokens[i].kind == "word"
            and 2 <= len(word) <= 3
            and word.isalpha()
            and stem(word) not in FILLER_STEMS | STOP_STEMS
        ):
            # "os" -> operating_system: the initials of a column's words
            for tname, prof in self.catalog.tables.items():
                for col in prof.columns:
                    words = [w for w in split_identifier(col.name) if w.isalpha()]
                    if len(words) == len(word) and "".join(w[0] for w in words) == word:
                        out.append(Link(i, i + 1, "column", tname, col.name, None, 0.8, "abbrev"))
            if out:
                return out
        for tname, prof in self.catalog.tables.items():
            for col in prof.columns:
                parts = [w.lower() for w in split_identifier(col.name)]
                k = len(parts)
                if (
                    not parts
                    or k > 3
                    or i + k > len(tokens)
                    or any(not w.isalpha() or not 3 <= len(w) <= 4 for w in parts)
                ):
                    continue
                span = tokens[i : i + k]
                if any(x in blocked for x in range(i, i + k)) or any(t.kind != "word" for t in span):
                    continue
                fits = [
                    t.lower.startswith(w) and (len(t.lower) >= len(w) + 2 or t.stem == stem(w))
                    for t, w in zip(span, parts, strict=False)
                ]
                short = [len(t.lower) >= len(w) + 2 and t.stem != stem(w) for t, w in zip(span, parts, strict=False)]
                if all(fits) and any(short):
                    out.append(Link(i, i + k, "column", tname, col.name, None, 0.8, "abbrev"))
        return out

    def embedding_links(self, phrase: str, i: int, j: int, limit: int = 3) -> list[Link]:
        """Columns whose names mean something close to ``phrase`` (cosine >= EMBED_MIN)."""
        sims = self.similar_columns(phrase, limit)
        return [Link(i, j, "column", t, c, None, min(0.8, s), "embedding") for s, t, c in sims if s >= EMBED_MIN]

    def similar_columns(self, phrase: str, limit: int = 3) -> list[tuple[float, str, str]]:
        """The ``limit`` columns closest in meaning to ``phrase``: (cosine, table, column)."""
        if not self.column_text or not embed.available():
            return []
        if self._column_vecs is None:
            self._column_vecs = embed.encode([p for p, _, _ in self.column_text])
        q = embed.encode([phrase])
        if q is None or self._column_vecs is None:
            return []
        sims = self._column_vecs @ q[0]
        order = np.argsort(-sims)[:limit]
        return [(float(sims[k]), self.column_text[k][1], self.column_text[k][2]) for k in order]

    def closest_names(self, word: str, limit: int = 3) -> list[str]:
        """Column names to offer when ``word`` could not be linked (spelling, then meaning)."""
        names = [c for _, _, c in self.column_text]
        out = [m[0] for m in process.extract(word, names, scorer=fuzz.WRatio, limit=limit, score_cutoff=70)]
        for s, _, c in self.similar_columns(word, limit):
            if c not in out and s > 0.3:
                out.append(c)
        return out[:limit]


def _fused_key(name: str) -> str | None:
    """A table's first column when it is a key whose "id" is fused to a prefix (``aid``, ``eid``):
    splitting the name does not reveal the "id", so the word "id" would link nowhere."""
    words = split_identifier(name)
    if name.lower().endswith("id") and len(name) > 2 and words[-1:] != ["id"] and len(words) == 1:
        return name
    return None


def _strip_affix(stems: tuple[str, ...], t_stems: tuple[str, ...]) -> tuple[str, ...]:
    """A column's words without its table's name: ``dorm_name`` in ``dorm`` -> (name,)."""
    k = len(t_stems)
    if len(stems) > k and stems[:k] == t_stems:
        return stems[k:]
    if len(stems) > k and stems[-k:] == t_stems:
        return stems[:-k]
    if len(stems) > 1 and len(t_stems) and stems[0] == t_stems[-1]:
        return stems[1:]
    return ()


def _subphrases(stems: tuple[str, ...]) -> list[tuple[tuple[str, ...], str]]:
    out = []
    n = len(stems)
    for a in range(n):
        for b in range(a + 1, n + 1):
            if (a, b) == (0, n):
                continue
            sub = stems[a:b]
            if sub[0] in STOP_STEMS or sub[-1] in STOP_STEMS or sub[0] in FILLER_STEMS and len(sub) == 1:
                continue
            if b == n - 1 and stems[-1] == "id":
                continue  # "branch" is not branch_id: an id column is named by its "id"
            out.append((sub, "suffix" if b == n else "part"))
    return out


def _select(cands: list[Link]) -> list[Link]:
    """Greedy non-overlapping choice: longest/strongest span first; all equally good readings of a
    chosen span are kept (they are resolved later against the chosen table)."""
    cands.sort(key=lambda lk: (-lk.key, lk.first))
    taken: set[int] = set()
    chosen: list[Link] = []
    spans: dict[tuple[int, int], float] = {}
    for link in cands:
        span = (link.first, link.last)
        if span in spans:
            chosen.append(link)  # every reading of a chosen span: the main table decides later
            continue
        if any(k in taken for k in range(link.first, link.last)):
            continue
        spans[span] = link.key
        taken.update(range(link.first, link.last))
        chosen.append(link)
    chosen.sort(key=lambda lk: (lk.first, -lk.score))
    return chosen


_INDEX_CACHE: dict[tuple[int, ...], tuple[list[Any], SchemaIndex]] = {}


def index_for(catalog: Catalog) -> SchemaIndex:
    """The schema index of ``catalog``, cached per set of table profiles.

    ``Workspace.catalog()`` builds a new Catalog object per call but reuses each table's profile
    until the table changes, so the profiles' identities are the right cache key.
    """
    profiles = list(catalog.tables.values())
    key = tuple(id(p) for p in profiles)
    hit = _INDEX_CACHE.get(key)
    if hit is not None and all(a is b for a, b in zip(hit[0], profiles, strict=False)):
        hit[1].catalog = catalog
        return hit[1]
    idx = SchemaIndex(catalog)
    if len(_INDEX_CACHE) > 64:
        _INDEX_CACHE.clear()
    _INDEX_CACHE[key] = (profiles, idx)
    return idx
