"""The text-column section: sentiment (overall, by group, extreme examples), topics and keywords.

Models run on a repeatable sample of the column (``max_texts``), because a report on a million
reviews should take seconds, not hours; the section says how many texts it read. Scoring every row
(for SQL over ``sentiment``) is the ``score_sentiment`` tool's job, not the report's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

from insightchat.tools.report.model import TextSection
from insightchat.tools.report.scope import Scope, q

MAX_GROUP_VALUES = 12
EXAMPLES = 3
KEYWORDS = 8


def text_sections(scope: Scope, max_texts: int, max_columns: int = 2) -> list[TextSection]:
    return [text_section(scope, col, max_texts) for col in scope.roles.texts[:max_columns]]


def text_section(scope: Scope, column: str, max_texts: int) -> TextSection:
    from insightchat.models.embeddings import default_embedder
    from insightchat.models.sentiment import labels_and_scores, load_sentiment_model
    from insightchat.models.topics import find_topics

    dims = [
        d
        for d in scope.roles.dimensions
        if (scope.profile.column(d) and scope.profile.column(d).distinct <= MAX_GROUP_VALUES)  # type: ignore[union-attr]
    ][:3]
    cols = ", ".join([q(column)] + [q(d) for d in dims])
    count_sql = f"SELECT count(*) AS n FROM {scope.source} WHERE trim(CAST({q(column)} AS VARCHAR)) <> ''"
    total = int(scope.query(count_sql)["n"].iloc[0])
    sampled = total > max_texts
    inner = f"SELECT {cols} FROM {scope.source} WHERE trim(CAST({q(column)} AS VARCHAR)) <> ''"
    sql = f"SELECT * FROM ({inner}) USING SAMPLE {max_texts} ROWS (reservoir, 42)" if sampled else inner
    frame = scope.query(sql)
    section = TextSection(column, len(frame), sampled, sql=sql)
    if sampled:
        section.notes.append(f"Text models read a repeatable sample of {len(frame):,} of the {total:,} texts.")
    if frame.empty:
        return section
    texts = frame[column].astype(str).tolist()
    unique = list(dict.fromkeys(texts))  # repeated texts (templates, "ok") go through the model once
    labels_u, scores_u = labels_and_scores(load_sentiment_model().predict_proba(unique))
    by_text = {t: (lab, float(sc)) for t, lab, sc in zip(unique, labels_u, scores_u, strict=True)}
    labels = [by_text[t][0] for t in texts]
    frame["sentiment"], frame["sentiment_score"] = labels, [by_text[t][1] for t in texts]
    shares = frame.groupby("sentiment").size().rename("rows").reset_index()
    shares["share_pct"] = (100 * shares["rows"] / shares["rows"].sum()).round(1)
    order = {"negative": 0, "neutral": 1, "positive": 2}
    section.sentiment = shares.sort_values("sentiment", key=lambda s: s.map(order)).reset_index(drop=True)
    for d in dims:
        g = frame.groupby(d, dropna=True)
        by = pd.DataFrame(
            {
                "texts": g.size(),
                "negative_pct": (100 * g["sentiment"].apply(lambda s: (s == "negative").mean())).round(1),
                "positive_pct": (100 * g["sentiment"].apply(lambda s: (s == "positive").mean())).round(1),
                "avg_sentiment_score": g["sentiment_score"].mean().round(3),
            }
        ).reset_index()
        section.sentiment_by[d] = by.sort_values("negative_pct", ascending=False).reset_index(drop=True)
    ranked = frame.sort_values("sentiment_score")
    section.negative_examples = _distinct(ranked[ranked["sentiment"] == "negative"][column])
    section.positive_examples = _distinct(ranked[ranked["sentiment"] == "positive"][column][::-1])
    if len(texts) >= 10:
        index = {t: i for i, t in enumerate(unique)}
        vecs = default_embedder().encode(unique, desc="topics")[[index[t] for t in texts]]
        model = find_topics(texts, vecs, k_max=8)
        section.topics = pd.DataFrame(
            [
                {
                    "topic": t.name,
                    "rows": t.count,
                    "share_pct": round(100 * t.count / len(texts), 1),
                    "words": ", ".join(t.words),
                    "examples": " | ".join(t.examples[:2]),
                }
                for t in model.topics
            ]
        )
    section.keywords = distinctive_words(texts, labels)
    return section


def _distinct(series: pd.Series) -> list[str]:
    seen: list[str] = []
    for text in series.astype(str):
        if text not in seen:
            seen.append(text[:300])
        if len(seen) >= EXAMPLES:
            break
    return seen


def distinctive_words(texts: list[str], labels: list[str]) -> pd.DataFrame | None:
    """Words most over-represented in negative and in positive texts (smoothed log-odds ratio)."""
    y = np.asarray(labels)
    if (y == "negative").sum() < 3 or (y == "positive").sum() < 3:
        return None
    stop = sorted(ENGLISH_STOP_WORDS | {"just", "really", "im", "ive", "dont"})
    vec = CountVectorizer(stop_words=stop, token_pattern=r"(?u)\b[^\W\d_]{3,}\b", min_df=2, binary=True)
    try:
        counts = vec.fit_transform(texts)
    except ValueError:  # no word survives
        return None
    words = np.asarray(vec.get_feature_names_out())
    rows = []
    for label, other in (("negative", "positive"), ("positive", "negative")):
        a = np.asarray(counts[y == label].sum(0)).ravel() + 0.5
        b = np.asarray(counts[y == other].sum(0)).ravel() + 0.5
        lift = np.log(a / a.sum()) - np.log(b / b.sum())
        for i in np.argsort(-lift)[:KEYWORDS]:
            if lift[i] <= 0:
                break
            rows.append(
                {"sentiment": label, "word": words[i], "texts": int(a[i] - 0.5), "log_odds": round(float(lift[i]), 2)}
            )
    return pd.DataFrame(rows) if rows else None
