"""Topics: "what are people talking about" as clusters of embeddings, each named by its distinctive words.

How: k-means on the normalised sentence embeddings for each k in a small range, keeping the k with the
best silhouette (measured on a sample, so it stays fast on large columns): the number of topics is
chosen by the data, not by the user. Each cluster is named by class-based TF-IDF (c-TF-IDF, as in
BERTopic): words frequent in this cluster and rare in the others, stop words removed. Each topic comes
with its size and the texts closest to its centre as examples.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer
from sklearn.metrics import silhouette_score

MAX_CHARS = 5_000
EXTRA_STOP_WORDS = {
    "just",
    "really",
    "im",
    "ive",
    "dont",
    "didnt",
    "doesnt",
    "got",
    "get",
    "like",
    "would",
    "could",
    "also",
    "one",
    "us",
    "amp",
}


@dataclass
class Topic:
    """One cluster: id, a short name from its top words, size, and example texts."""

    topic_id: int
    name: str
    words: list[str]
    count: int
    examples: list[str]


@dataclass
class TopicModel:
    assignments: np.ndarray  # topic id per input row
    topics: list[Topic]
    silhouette: float | None


def choose_k(vecs: np.ndarray, k_min: int, k_max: int, seed: int, sample: int = 2000) -> tuple[int, float | None]:
    """The k in [k_min, k_max] with the best silhouette on a sample of rows."""
    n = len(vecs)
    k_max = max(k_min, min(k_max, n - 1))
    if n < 4 or k_max < 2:
        return 1, None
    rng = np.random.default_rng(seed)
    idx = rng.choice(n, size=min(n, sample), replace=False)
    best_k, best_score = k_min, -1.0
    for k in range(max(2, k_min), k_max + 1):
        labels = KMeans(n_clusters=k, n_init=3, random_state=seed).fit_predict(vecs[idx])
        if len(set(labels)) < 2:
            continue
        score = float(silhouette_score(vecs[idx], labels, metric="cosine"))
        if score > best_score + 1e-4:
            best_k, best_score = k, score
    return best_k, (best_score if best_score > -1 else None)


def _tokens_pattern() -> str:
    return r"(?u)\b[^\W\d_][^\W\d_']{2,}\b"


def name_clusters(texts: Sequence[str], assignments: np.ndarray, k: int, n_words: int = 4) -> list[list[str]]:
    """Top c-TF-IDF words (and bigrams) per cluster."""
    docs = [
        " ".join(
            re.sub(r"https?://\S+|@\w+", " ", t[:MAX_CHARS]) for t, a in zip(texts, assignments, strict=True) if a == c
        )
        for c in range(k)
    ]
    stop = list(ENGLISH_STOP_WORDS | EXTRA_STOP_WORDS)
    try:
        vec = CountVectorizer(
            ngram_range=(1, 2), stop_words=stop, token_pattern=_tokens_pattern(), min_df=1, lowercase=True
        )
        counts = vec.fit_transform(docs).toarray().astype(np.float64)
    except ValueError:  # only stop words / no letters at all
        return [[] for _ in range(k)]
    vocab = np.asarray(vec.get_feature_names_out())
    tf = counts / np.maximum(counts.sum(1, keepdims=True), 1)
    avg_words = counts.sum() / max(k, 1)
    idf = np.log(1 + avg_words / np.maximum(counts.sum(0), 1))
    scores = tf * idf
    names = []
    for c in range(k):
        order = np.argsort(-scores[c])
        words: list[str] = []
        for j in order:
            if scores[c, j] <= 0 or len(words) >= n_words:
                break
            w = str(vocab[j])
            if any(w in x or x in w for x in words):  # skip "battery" after "battery life"
                continue
            words.append(w)
        names.append(words)
    return names


def find_topics(
    texts: Sequence[str], vecs: np.ndarray, k: int | None = None, k_max: int = 10, n_examples: int = 3, seed: int = 0
) -> TopicModel:
    """Cluster ``vecs`` (one per text) and describe each cluster; ``k`` fixes the number of topics."""
    n = len(texts)
    if n == 0:
        return TopicModel(np.zeros(0, dtype=int), [], None)
    silhouette = None
    if k is None:
        k, silhouette = choose_k(vecs, 2, min(k_max, max(2, n // 5)), seed)
    k = max(1, min(k, n))
    if k == 1:
        assignments = np.zeros(n, dtype=int)
        centres = vecs.mean(0, keepdims=True)
    else:
        km = KMeans(n_clusters=k, n_init=5, random_state=seed).fit(vecs)
        assignments, centres = km.labels_, km.cluster_centers_
    # biggest topic first, ids 0..k-1 in that order
    sizes = np.bincount(assignments, minlength=k)
    rank = np.argsort(-sizes, kind="stable")
    remap = np.empty(k, dtype=int)
    remap[rank] = np.arange(k)
    assignments = remap[assignments]
    centres = centres[rank]
    words = name_clusters(texts, assignments, k)
    topics = []
    for c in range(k):
        members = np.flatnonzero(assignments == c)
        dist = vecs[members] @ centres[c]
        seen: list[str] = []
        for i in members[np.argsort(-dist)]:
            if texts[i] not in seen:
                seen.append(texts[i])
            if len(seen) >= n_examples:
                break
        name = ", ".join(words[c][:3]) if words[c] else f"topic {c + 1}"
        topics.append(Topic(c, name, words[c], int(len(members)), [t[:300] for t in seen]))
    return TopicModel(assignments, topics, silhouette)
