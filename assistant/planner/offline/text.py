"""Tokens and stems shared by every step of the offline planner (the words themselves: planner/lexicon.py).

Everything downstream (schema linking, value linking, intent cues) compares *stems*, so that
"students", "student's" and "Student" meet. Quoted strings stay one token: a person who quotes a
value means that exact value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

from insightchat.planner.lexicon import ABBREVIATIONS, FILLER, IRREGULAR, STOPWORDS

_STEMMER = snowballstemmer.stemmer("english")

_TOKEN = re.compile(
    r"""(?P<quote>"[^"]+"|'[^']+(?:'s)?'|“[^”]+”|‘[^’]+’)"""
    r"""|(?P<date>\d{4}-\d{1,2}-\d{1,2})"""
    r"""|(?P<num>[$€£]?-?\d[\d,]*(?:\.\d+)?%?)"""
    r"""|(?P<word>[A-Za-z\u00C0-\u024F][\w\u00C0-\u024F]*(?:[-.'&][A-Za-z\u00C0-\u024F0-9]+)*)"""
    r"""|(?P<sym>>=|<=|!=|<>|[<>=])"""
    r"""|(?P<punct>[?.!;,:])"""
)


@dataclass
class Token:
    """One token of the question: its surface text, lower form, stem and kind."""

    text: str
    lower: str
    stem: str
    kind: str  # word | num | quote | date | sym | punct
    start: int
    end: int

    @property
    def is_capitalised(self) -> bool:
        return self.kind == "word" and self.text[:1].isupper()


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """Snowball stem of a lower-case word, with a few irregular plurals folded first."""
    w = word.lower().replace("'s", "").strip("'")
    w = IRREGULAR.get(w, w)
    return _STEMMER.stemWord(w)


def tokenize(question: str) -> list[Token]:
    """Split a question into tokens; possessive 's is dropped, quotes keep their inner text."""
    tokens: list[Token] = []
    for m in _TOKEN.finditer(question):
        kind = m.lastgroup or "word"
        text = m.group(0)
        if kind == "quote":
            inner = text[1:-1]
            if inner.endswith("'s") and text.startswith("'"):
                inner = inner[:-2]
            tokens.append(Token(inner, inner.lower(), inner.lower(), "quote", m.start(), m.end()))
            continue
        if kind == "word" and text.lower().endswith("'s"):
            text = text[:-2]
        if kind == "word" and text.endswith("'"):
            text = text[:-1]
        lower = text.lower()
        tokens.append(Token(text, lower, stem(lower) if kind == "word" else lower, kind, m.start(), m.end()))
    return tokens


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def split_identifier(name: str) -> list[str]:
    """``stu_fname`` -> [stu, fname]; ``CustomerID`` -> [customer, id]; ``Date of Birth`` -> [date, of, birth]."""
    parts = re.split(r"[^0-9A-Za-z]+", _CAMEL.sub(" ", name))
    return [p.lower() for p in parts if p]


def expand_identifier(name: str) -> list[str]:
    """Identifier words with common abbreviations spelled out (``stu_fname`` -> student first name)."""
    whole = re.sub(r"[^0-9A-Za-z]+", "", name).lower()
    if whole in ABBREVIATIONS:  # "LName", "FName": the camel-case split would lose the abbreviation
        return list(ABBREVIATIONS[whole])
    out: list[str] = []
    for part in split_identifier(name):
        out.extend(ABBREVIATIONS.get(part, [part]))
    return out


FILLER_STEMS = {stem(w) for w in FILLER}

STOP_STEMS = {stem(w) for w in STOPWORDS}
