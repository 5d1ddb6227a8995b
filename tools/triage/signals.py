"""The transparent urgency score: a sum of named signals, each with its weight from the TOML file.

Why a sum of signals rather than a model when there are no priority labels: a support lead has to trust
and tune it, so every ticket carries the list of what raised it ("outage +2.0, negative sentiment +1.6,
enterprise tier +1.5") and every weight is a line in the rules file.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from insightchat.tools.triage.config import TriageConfig


@dataclass
class TicketFrame:
    """The columns the signals read, one row per ticket in table order (missing roles are ``None``)."""

    texts: list[str | None]
    sentiment_score: np.ndarray  # -1..1, NaN where unknown
    tier: pd.Series | None = None
    value: pd.Series | None = None
    date: pd.Series | None = None  # datetime64
    customer: pd.Series | None = None


@dataclass
class UrgencySignals:
    score: np.ndarray
    level: list[str]
    reasons: list[list[tuple[str, float]]]  # per ticket: (signal, contribution), largest first
    terms: list[list[str]]  # the urgency words found in each ticket, as written there (lower case)

    def reason_text(self, i: int) -> str:
        return "; ".join(f"{name} +{w:.1f}" for name, w in self.reasons[i]) or "no urgency signal"


def word_hits(texts: list[str | None], config: TriageConfig) -> list[list[tuple[str, str]]]:
    """(rule-file phrase, the words that matched it) for each phrase a text contains, each phrase once."""
    pattern = config.word_pattern()
    phrases = list(config.words)
    out: list[list[tuple[str, str]]] = []
    for text in texts:
        if pattern is None or not text:
            out.append([])
            continue
        found: dict[str, str] = {}  # phrase -> the words as written in the ticket (lower case)
        for m in pattern.finditer(text):
            phrase = phrases[int(m.lastgroup[1:])] if m.lastgroup else m.group(0).lower()
            found.setdefault(phrase, " ".join(m.group(0).lower().split()))
        out.append(list(found.items()))
    return out


def _as_of(frame: TicketFrame, config: TriageConfig) -> pd.Timestamp | None:
    if frame.date is None:
        return None
    if config.urgency.as_of:
        return pd.Timestamp(config.urgency.as_of)
    newest = frame.date.max()
    return None if pd.isna(newest) else newest


def repeat_contacts(date: pd.Series | None, customer: pd.Series | None, window_days: float) -> np.ndarray:
    """For each ticket: how many earlier tickets the same customer wrote within the window (any time without dates)."""
    if customer is None:
        return np.zeros(0 if date is None else len(date), dtype=int)
    n = len(customer)
    counts = np.zeros(n, dtype=int)
    frame = pd.DataFrame({"c": customer.to_numpy(), "pos": np.arange(n)})
    if date is not None:
        frame["d"] = pd.to_datetime(date.to_numpy())
    frame = frame[frame["c"].notna()]
    window = pd.Timedelta(days=window_days)
    for _, group in frame.groupby("c", sort=False):
        if len(group) < 2:
            continue
        if date is None:
            counts[group["pos"].to_numpy()] = np.arange(len(group))  # earlier rows of the same customer
            continue
        g = group.sort_values(["d", "pos"], na_position="last")
        days = g["d"].to_numpy()
        pos = g["pos"].to_numpy()
        for j in range(1, len(g)):
            if pd.isna(days[j]):
                continue
            earlier = days[:j]
            counts[pos[j]] = int(((earlier >= days[j] - window) & (earlier <= days[j])).sum())
    return counts


def urgency_signals(frame: TicketFrame, config: TriageConfig) -> UrgencySignals:
    """Score every ticket and keep the contribution of each signal."""
    w = config.urgency
    n = len(frame.texts)
    hits = word_hits(frame.texts, config)
    reasons: list[list[tuple[str, float]]] = [[] for _ in range(n)]
    for i, found in enumerate(hits):
        reasons[i] += [(f"'{words}'", config.words[phrase]) for phrase, words in found]
    sentiment = np.nan_to_num(frame.sentiment_score.astype(float), nan=0.0)
    negative = np.clip(-sentiment, 0.0, 1.0)
    for i in np.flatnonzero(negative * w.negative_sentiment >= 0.05):
        reasons[i].append((f"negative sentiment ({sentiment[i]:+.2f})", float(negative[i] * w.negative_sentiment)))
    if frame.tier is not None and config.tiers:
        for i, tier in enumerate(frame.tier.to_numpy()):
            weight = config.tiers.get(str(tier).strip().lower()) if isinstance(tier, str) else None
            if weight:
                reasons[i].append((f"{tier} tier", weight))
    if frame.value is not None and w.top_value:
        values = pd.to_numeric(frame.value, errors="coerce").to_numpy(dtype=float)
        if np.isfinite(values).sum() >= 10:
            cut = np.nanquantile(values, 1 - w.top_value_share)
            for i in np.flatnonzero(np.nan_to_num(values, nan=-np.inf) >= cut):
                reasons[i].append((f"top {w.top_value_share:.0%} customer value", w.top_value))
    as_of = _as_of(frame, config)
    if as_of is not None and w.per_day_waiting:
        days = ((as_of - pd.to_datetime(frame.date)).dt.total_seconds() / 86400).to_numpy(dtype=float)
        for i in np.flatnonzero(np.nan_to_num(days, nan=0.0) >= 1):
            waited = int(days[i])
            label = f"waiting {waited} day" + ("" if waited == 1 else "s")
            reasons[i].append((label, min(w.max_waiting, days[i] * w.per_day_waiting)))
    if frame.customer is not None and w.repeat_contact:
        repeats = repeat_contacts(frame.date, frame.customer, w.repeat_window_days)
        for i in np.flatnonzero(repeats > 0):
            label = f"repeat contact ({repeats[i]} earlier)"
            reasons[i].append((label, w.repeat_contact))
    score = np.zeros(n, dtype=float)
    for i in range(n):
        reasons[i] = [(name, round(float(v), 2)) for name, v in reasons[i] if v > 0]
        reasons[i].sort(key=lambda r: -r[1])
        score[i] = sum(v for _, v in reasons[i])
    levels = [w.level(s) for s in score]
    return UrgencySignals(score.round(2), levels, reasons, [[words for _, words in found] for found in hits])
