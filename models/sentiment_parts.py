"""Sentiment of a long text as a whole, per sentence, or per aspect mention ("battery: negative, screen: positive").

Why a module of its own: reports and triage need more than one label for a 2,000-word review, and the three
readings must come from the same model in the same way. The whole text is scored by the model itself (the
shipped default scores long texts window by window, models/sentiment.py); sentences come from pysbd (rule-based,
offline, keeps abbreviations and decimals together); an aspect mention is scored on its clause, the part of the
sentence between contrast words ("the battery is awful but the screen is great" gives each aspect its own half),
and an aspect's label averages the probabilities of all its mentions. Every sentence or clause of every text goes
to the model in one batched call.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

import numpy as np

from insightchat.models.sentiment import SentimentModel, load_sentiment_model
from insightchat.models.sentiment_net import SENTIMENT_LABELS
from insightchat.tools.errors import InsightError

Granularity = Literal["text", "sentence", "aspect"]
GRANULARITIES: tuple[str, ...] = ("text", "sentence", "aspect")
# conjunctions that join clauses of opposite polarity; an aspect's clause stops at them ("however" is left out:
# it mostly sits inside a clause, "the screen, however, is great")
_CONTRAST = re.compile(r";|,?\s+(?:but|although|though|whereas|while|yet)\b", re.I)
_LEADING_CONTRAST = re.compile(r"^[\s,;]*(?:(?:but|although|though|whereas|while|yet)\b)?[\s,]*", re.I)


@dataclass(frozen=True)
class SentimentPart:
    """One scored piece of a text: a sentence, or the clause around one aspect mention."""

    text: str
    start: int  # character offsets in the original text
    end: int
    label: str
    score: float  # P(positive) - P(negative)
    aspect: str | None = None


@dataclass(frozen=True)
class TextSentiment:
    """The whole text's sentiment plus, on request, its parts and (for aspects) one verdict per aspect."""

    label: str
    score: float
    parts: list[SentimentPart] = field(default_factory=list)
    aspects: dict[str, tuple[str, float, int]] = field(default_factory=dict)  # aspect -> (label, score, mentions)

    def aspect_summary(self) -> str:
        """'battery: negative, screen: positive' (aspects in the order given; unmentioned ones left out)."""
        return ", ".join(f"{a}: {label}" for a, (label, _, _) in self.aspects.items())


@lru_cache(maxsize=1)
def _segmenter():
    import pysbd

    return pysbd.Segmenter(language="en", clean=False, char_span=True)


def split_sentences(text: str) -> list[tuple[str, int, int]]:
    """(sentence, start, end) for every non-blank sentence, offsets into ``text``."""
    if not text.strip():
        return []
    out = []
    for span in _segmenter().segment(text):
        stripped = span.sent.strip()
        if stripped:
            lead = span.sent.index(stripped[0])
            out.append((stripped, span.start + lead, span.start + lead + len(stripped)))
    return out


def _aspect_pattern(aspect: str) -> re.Pattern[str]:
    """The aspect as whole words, its plural too (battery -> batteries, screen -> screens)."""
    words = [re.escape(w) for w in aspect.strip().split()]
    last = words[-1]
    plural = f"(?:{last}(?:s|es)?|{last[:-1]}ies)" if last.endswith("y") else f"{last}(?:s|es)?"
    return re.compile(r"\b" + r"\s+".join([*words[:-1], plural]) + r"\b", re.I)


def aspect_mentions(text: str, aspects: Sequence[str]) -> list[tuple[str, str, int, int]]:
    """(aspect, clause, start, end) for each mention: the clause is the sentence cut at contrast words."""
    patterns = {a: _aspect_pattern(a) for a in aspects}
    out = []
    for sentence, s_start, _ in split_sentences(text):
        cuts = [0, *[m.start() for m in _CONTRAST.finditer(sentence)], len(sentence)]
        for aspect, pattern in patterns.items():
            for m in pattern.finditer(sentence):
                lo = max(c for c in cuts if c <= m.start())
                hi = min(c for c in cuts if c >= m.end())
                piece = sentence[lo:hi]
                lead = _LEADING_CONTRAST.match(piece).end() if lo > 0 else 0
                lead = min(lead, m.start() - lo)  # never cut into the mention itself
                clause = piece[lead:].rstrip(" ,;")
                offset = s_start + lo + lead
                out.append((aspect, clause, offset, offset + len(clause)))
    return out


def parse_aspects(aspects: str | Sequence[str] | None) -> list[str]:
    """'battery, screen' or a list -> ['battery', 'screen'] (blank and repeated names dropped)."""
    items = aspects.split(",") if isinstance(aspects, str) else list(aspects or [])
    seen: dict[str, None] = {}
    for item in items:
        name = str(item).strip()
        if name and name.lower() not in {s.lower() for s in seen}:
            seen[name] = None
    return list(seen)


def analyse_texts(
    texts: Sequence[str | None],
    per: Granularity = "text",
    aspects: str | Sequence[str] | None = None,
    model: SentimentModel | None = None,
) -> list[TextSentiment]:
    """Each text's overall sentiment and, with ``per`` = sentence / aspect, its scored parts."""
    if per not in GRANULARITIES:
        raise InsightError(f"Unknown sentiment granularity {per!r}", f"use one of: {', '.join(GRANULARITIES)}")
    names = parse_aspects(aspects)
    if per == "aspect" and not names:
        raise InsightError("Per-aspect sentiment needs the aspects to look for", "name them, e.g. battery,screen")
    model = model or load_sentiment_model()
    clean = [t if isinstance(t, str) else "" for t in texts]
    pieces: list[list[tuple[str | None, str, int, int]]] = []
    for text in clean:
        if per == "sentence":
            pieces.append([(None, s, a, b) for s, a, b in split_sentences(text)])
        elif per == "aspect":
            pieces.append(list(aspect_mentions(text, names)))
        else:
            pieces.append([])
    flat = [p[1] for row in pieces for p in row]
    proba = model.predict_proba(clean + flat) if clean or flat else np.zeros((0, 3))
    whole, part_proba = proba[: len(clean)], proba[len(clean) :]
    out, k = [], 0
    for i, row in enumerate(pieces):
        parts, by_aspect = [], {}
        for aspect, text, start, end in row:
            p = part_proba[k]
            k += 1
            parts.append(SentimentPart(text, start, end, _label(p), _score(p), aspect))
            if aspect is not None:
                by_aspect.setdefault(aspect, []).append(p)
        verdicts = {}
        for name in names:
            if name in by_aspect:
                mean = np.mean(by_aspect[name], axis=0)
                verdicts[name] = (_label(mean), _score(mean), len(by_aspect[name]))
        empty = not clean[i].strip()
        out.append(
            TextSentiment("" if empty else _label(whole[i]), 0.0 if empty else _score(whole[i]), parts, verdicts)
        )
    return out


def analyse_text(
    text: str,
    per: Granularity = "text",
    aspects: str | Sequence[str] | None = None,
    model: SentimentModel | None = None,
) -> TextSentiment:
    """One text's sentiment: overall, and per sentence or per aspect mention on request."""
    return analyse_texts([text], per, aspects, model)[0]


def _label(p: np.ndarray) -> str:
    return SENTIMENT_LABELS[int(np.argmax(p))]


def _score(p: np.ndarray) -> float:
    return round(float(p[2] - p[0]), 4)
