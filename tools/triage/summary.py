"""The narrated triage summary: counts by queue, urgency and intent, this period against the one before.

Every number in the text is read from the tables it returns (``counts``, ``period``), so the narration
can be checked against them: nothing is stated that was not counted here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from insightchat.tools.triage.config import TriageConfig

DEFAULT_PERIOD_DAYS = 7
MIN_GROWTH = 2  # a topic must have grown by at least this many tickets to be called the fastest-growing


@dataclass
class TriageSummary:
    text: str
    by_queue: pd.DataFrame
    by_urgency: pd.DataFrame
    by_intent: pd.DataFrame
    period: pd.DataFrame | None = None  # intent, current, previous, change (when the tickets have dates)
    facts: dict[str, object] = field(default_factory=dict)  # the numbers the text states, by name


def _counts(tickets: pd.DataFrame, column: str) -> pd.DataFrame:
    values = tickets[column].dropna()
    if values.empty:
        return pd.DataFrame(columns=[column, "tickets", "share_pct"])
    counts = values.value_counts().rename_axis(column).reset_index(name="tickets")
    counts["share_pct"] = (100.0 * counts["tickets"] / counts["tickets"].sum()).round(1)
    return counts


def _urgency_order(df: pd.DataFrame) -> pd.DataFrame:
    order = {"high": 0, "medium": 1, "low": 2}
    return df.sort_values("urgency", key=lambda s: s.map(lambda v: order.get(str(v).lower(), 3))).reset_index(drop=True)


def _day(ts: pd.Timestamp) -> str:
    return f"{ts:%a} {ts.day} {ts:%b %Y}"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def summarise(
    tickets: pd.DataFrame, config: TriageConfig, since: str | None = None, intent_method: str = ""
) -> TriageSummary:
    """Counts, the period comparison and the fastest-growing intent, narrated in a few sentences."""
    live = tickets[tickets["text"].notna()]
    by_queue, by_intent = _counts(live, "triage_queue"), _counts(live, "intent")
    by_urgency = _urgency_order(_counts(live, "urgency"))
    facts: dict[str, object] = {"tickets": len(live)}
    kind = "topic" if intent_method == "topics" else "intent"
    urgency = dict(zip(by_urgency["urgency"], by_urgency["tickets"], strict=False))
    parts = [
        f"Triaged {_plural(len(live), 'ticket')}: "
        + ", ".join(f"{int(v):,} {k} urgency" for k, v in urgency.items())
        + "."
    ]
    facts["by_urgency"] = {str(k): int(v) for k, v in urgency.items()}
    period = None
    scope = live
    if "date" in live.columns and live["date"].notna().any():
        dates = pd.to_datetime(live["date"])
        end = dates.max()
        start = (
            pd.Timestamp(since)
            if since
            else (end - pd.Timedelta(days=DEFAULT_PERIOD_DAYS)).normalize() + pd.Timedelta(days=1)
        )
        length = max(pd.Timedelta(days=1), end.normalize() + pd.Timedelta(days=1) - start)
        current = live[dates >= start]
        previous = live[(dates >= start - length) & (dates < start)]
        scope = current
        cur, prev = current["intent"].value_counts(), previous["intent"].value_counts()
        period = (
            pd.DataFrame({"current": cur, "previous": prev}).fillna(0).astype(int).rename_axis("intent").reset_index()
        )
        period["change"] = period["current"] - period["previous"]
        period = period.sort_values(["change", "current"], ascending=False).reset_index(drop=True)
        facts.update(since=str(start.date()), period_tickets=len(current), previous_tickets=len(previous))
        parts.append(
            f"Since {_day(start)}: {_plural(len(current), 'ticket')} "
            f"(the {length.days} days before: {len(previous):,})."
        )
    urgent = scope[scope["urgency"].astype(str).str.lower() == "high"]
    if len(urgent):
        top = urgent["intent"].value_counts()
        top_intent, top_n = str(top.index[0]), int(top.iloc[0])
        group = urgent[urgent["intent"] == top_intent]
        terms = group["urgency_terms"].fillna("").str.split(", ").explode()
        terms = terms[terms != ""].value_counts()
        dups = int(group["duplicate_of"].notna().sum())
        sentence = f"{_plural(len(urgent), 'high-urgency ticket')}, {top_n:,} of them {top_intent}"
        if len(terms):
            m = int(terms.iloc[0])
            sentence += f"; {m:,} of those {'mentions' if m == 1 else 'mention'} '{terms.index[0]}'"
        if dups:
            sentence += ", 1 is a duplicate" if dups == 1 else f", {dups:,} are duplicates"
        parts.append(sentence[0].upper() + sentence[1:] + ".")
        facts.update(high=len(urgent), top_high_intent=top_intent, top_high_count=top_n, top_high_duplicates=dups)
    dup_total = int(scope["duplicate_of"].notna().sum())
    if dup_total:
        parts.append(f"{_plural(dup_total, 'ticket')} duplicate an earlier one.")
        facts["duplicates"] = dup_total
    if len(by_queue):
        parts.append(
            "Queues: "
            + ", ".join(f"{q} {int(c):,}" for q, c in zip(by_queue["triage_queue"], by_queue["tickets"], strict=False))
            + "."
        )
    review = int(live["needs_review"].sum())
    if review:
        parts.append(
            f"{_plural(review, 'ticket')} went to {config.review_queue} (confidence below {config.review_below:g})."
        )
        facts["review"] = review
    if period is not None and len(period):
        best = period.iloc[0]
        if int(best["change"]) >= MIN_GROWTH:
            parts.append(
                f"Fastest-growing {kind}: {best['intent']} ({int(best['current']):,} against {int(best['previous']):,} "
                "in the period before)."
            )
            facts.update(fastest_growing=str(best["intent"]), growth=int(best["change"]))
    non_english = live[live["language_code"].notna() & ~live["language_code"].isin(["en", "unknown"])]
    if len(non_english):
        langs = non_english["language"].value_counts()
        parts.append(
            f"{_plural(len(non_english), 'ticket')} not in English ("
            + ", ".join(f"{k} {int(v):,}" for k, v in langs.items())
            + ")."
        )
        facts["non_english"] = len(non_english)
    return TriageSummary(" ".join(parts), by_queue, by_urgency, by_intent, period, facts)
