"""Tokens, stems and word lists shared by every step of the offline planner.

Everything downstream (schema linking, value linking, intent cues) compares *stems*, so that
"students", "student's" and "Student" meet. Quoted strings stay one token: a person who quotes a
value means that exact value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

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


IRREGULAR = {
    "people": "person",
    "children": "child",
    "men": "man",
    "women": "woman",
    "feet": "foot",
    "mice": "mouse",
    "teeth": "tooth",
    "indices": "index",
    "data": "datum",
    "criteria": "criterion",
    "oldest": "old",
    "youngest": "young",
    "older": "old",
    "younger": "young",
}


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


# Abbreviations common in column names everywhere (not tied to any data set).
ABBREVIATIONS: dict[str, list[str]] = {
    "fname": ["first", "name"],
    "lname": ["last", "name"],
    "mname": ["middle", "name"],
    "dob": ["date", "of", "birth"],
    "num": ["number"],
    "no": ["number"],
    "nbr": ["number"],
    "qty": ["quantity"],
    "amt": ["amount"],
    "desc": ["description"],
    "descr": ["description"],
    "dept": ["department"],
    "addr": ["address"],
    "yr": ["year"],
    "emp": ["employee"],
    "stu": ["student"],
    "prof": ["professor"],
    "cust": ["customer"],
    "prod": ["product"],
    "cnt": ["count"],
    "pct": ["percent"],
    "info": ["information"],
    "tel": ["telephone"],
    "dt": ["date"],
    "ts": ["timestamp"],
    "avg": ["average"],
    "max": ["maximum"],
    "min": ["minimum"],
    "mgr": ["manager"],
    "sal": ["salary"],
    "cat": ["category"],
    "pos": ["position"],
    "loc": ["location"],
    "lat": ["latitude"],
    "long": ["longitude"],
    "lng": ["longitude"],
    "pop": ["population"],
    "temp": ["temperature"],
    "hrs": ["hours"],
    "mins": ["minutes"],
    "dname": ["department", "name"],
    "pname": ["product", "name"],
    "cname": ["name"],
    "sname": ["name"],
    "gpa": ["gpa"],
    "crs": ["course"],
    "ssn": ["ssn"],
    "hp": ["horsepower"],
    "mpg": ["mpg"],
    "accel": ["acceleration"],
    "cyl": ["cylinders"],
    "std": ["student"],
}


def expand_identifier(name: str) -> list[str]:
    """Identifier words with common abbreviations spelled out (``stu_fname`` -> student first name)."""
    whole = re.sub(r"[^0-9A-Za-z]+", "", name).lower()
    if whole in ABBREVIATIONS:  # "LName", "FName": the camel-case split would lose the abbreviation
        return list(ABBREVIATIONS[whole])
    out: list[str] = []
    for part in split_identifier(name):
        out.extend(ABBREVIATIONS.get(part, [part]))
    return out


# Words that carry no content of their own: when every other word of a question is understood,
# these may remain without making the planner doubt its reading.
FILLER = set(
    ["a", "an", "the", "of", "to", "in", "on", "at", "for", "by", "from", "with", "without", "and", "or", "is", "are", "was", "were", "be", "been", "being", "am", "what", "which", "who", "whom", "whose", "where", "when", "how", "that", "this", "these", "those", "there", "their", "them", "they", "it", "its", "do", "does", "did", "done", "doing", "have", "has", "had", "having", "can", "could", "would", "should", "will", "shall", "may", "might", "must", "me", "my", "we", "our", "us", "you", "your", "i", "please", "tell", "show", "list", "give", "find", "return", "display", "get", "see", "let", "want", "need", "know", "all", "every", "each", "any", "some", "also", "just", "only", "both", "either", "neither", "than", "then", "as", "into", "per", "one", "ones", "thing", "things", "value", "values", "entry", "entries", "record", "records", "row", "rows", "item", "items", "kind", "information", "info", "data", "table", "dataset", "database", "listed", "list", "given", "corresponding", "respective", "respectively", "along", "together", "whole", "entire", "overall", "currently", "current", "exist", "exists", "existing", "available", "registered", "recorded", "stored", "known", "out", "up", "about", "so", "such", "other", "others", "else", "same", "here", "way", "ways", "via", "among", "amongst", "within", "live", "lives", "living", "lived", "work", "works", "working", "worked", "teach", "teaches", "taught", "located", "based", "belong", "belongs", "belonging", "currently", "presently", "also", "too", "again", "now", "instead", "okay", "ok", "full", "made", "offered", "report", "compute", "calculate", "provide", "identify", "enumerate", "retrieve", "fetch", "select", "manner", "sort"]
)
FILLER_STEMS = {stem(w) for w in FILLER}

# Function words: never linked to a column on their own (filler content words like "located" may be).
STOPWORDS = set(
    ["a", "an", "the", "of", "to", "in", "on", "at", "for", "by", "from", "with", "and", "or", "is", "are", "was", "were", "be", "been", "am", "what", "which", "who", "whom", "whose", "where", "when", "how", "that", "this", "these", "those", "there", "their", "them", "they", "it", "its", "do", "does", "did", "have", "has", "had", "me", "my", "we", "our", "us", "you", "your", "i", "all", "each", "every", "any", "some", "than", "then", "as", "into", "per"]
)
STOP_STEMS = {stem(w) for w in STOPWORDS}

NUMBER_WORDS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "hundred": 100,
    "thousand": 1000,
    "once": 1,
    "twice": 2,
    "single": 1,
    "dozen": 12,
}
