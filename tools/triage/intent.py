"""Intent (or topic) of each ticket: learned from labelled history, zero-shot from label names, or discovered.

The three ways share one output (a label and a confidence per distinct text) so routing and the summary do
not care which one ran; which one did is recorded as the run's ``method``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from insightchat.tools.triage.learning import TriageModel


@dataclass
class IntentPrediction:
    labels: list[str]
    confidence: np.ndarray  # NaN for discovered topics (no probability behind a cluster)
    method: str  # "learned", "zero-shot" or "topics"
    detail: str  # what a person reads: the labels used, the model, the number of topics


def learned_intents(model: TriageModel, texts: list[str], vecs: np.ndarray) -> IntentPrediction:
    assert model.intent is not None
    labels, conf = model.intent.predict(texts, vecs)
    n = model.meta.get("intent_rows", "?")
    return IntentPrediction(
        labels, conf, "learned", f"learned from {n} labelled tickets ({len(model.intent.classes)} intents)"
    )


def zero_shot_intents(
    labels: str | Sequence[str],
    descriptions: dict[str, str] | None,
    vecs: np.ndarray,
    embed: Callable[[Sequence[str]], np.ndarray],
    threshold: float,
) -> IntentPrediction:
    from insightchat.models.zero_shot import ZeroShotClassifier, parse_labels

    real, fallback = parse_labels(labels)
    clf = ZeroShotClassifier(
        real, embed, {k: v for k, v in (descriptions or {}).items() if v}, threshold, other_label=fallback or "other"
    )
    predicted, conf = clf.predict_vectors(vecs)
    return IntentPrediction(predicted, conf, "zero-shot", f"zero-shot from the label names {', '.join(real)}")


def discovered_topics(texts: list[str], vecs: np.ndarray, max_topics: int = 10) -> IntentPrediction:
    from insightchat.models.topics import find_topics

    if len(texts) < 3:
        return IntentPrediction(
            ["(too few tickets)"] * len(texts), np.full(len(texts), np.nan), "topics", "too few tickets"
        )
    model = find_topics(texts, vecs, k_max=max_topics)
    names = [model.topics[a].name for a in model.assignments]
    return IntentPrediction(
        names,
        np.full(len(texts), np.nan, dtype=np.float32),
        "topics",
        f"{len(model.topics)} topics discovered by clustering (no labels given)",
    )
