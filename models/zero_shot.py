"""Zero-shot classification into the user's categories from label names (and optional descriptions).

How: each label becomes a prototype vector, the mean embedding of a few phrasings of its name and its
description; each text is scored by cosine similarity to every prototype.

Why calibrate: raw similarities are not comparable across labels (a broad word such as "account" is close
to everything) and are not probabilities. So each label's similarity is first centred on its similarity to
a set of content-free texts (contextual calibration: it removes a label's built-in pull), then turned into
probabilities with a softmax at a fixed temperature. A text whose best probability is below ``threshold``,
or whose best raw similarity is very low, is labelled ``other`` ("unsure") instead of being forced into a
category. Labels such as "other", "misc" or "unsure" given by the user are that fallback, not prototypes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from insightchat.tools.errors import InsightError

FALLBACK_NAMES = {"other", "others", "misc", "miscellaneous", "unsure", "unknown", "none", "n/a", "else", "rest"}
TEMPLATES = ("{label}", "This is about {label}.", "A message about {label}.")
CONTENT_FREE = (
    "",
    "N/A",
    "ok",
    "hello",
    "This is a message.",
    "I have a question.",
    "Please see below.",
    "Thank you.",
    "Some text here.",
    "Regarding my previous message.",
)
DEFAULT_TEMPERATURE = 0.02
DEFAULT_THRESHOLD = 0.4
MIN_SIMILARITY = 0.08


def parse_labels(labels: str | Sequence[str]) -> tuple[list[str], str | None]:
    """Split ``"billing, delivery, other"`` into real labels and the user's fallback name (if any)."""
    items = [s.strip() for s in (labels.split(",") if isinstance(labels, str) else labels)]
    items = [s for s in items if s]
    seen: list[str] = []
    for item in items:
        if item.lower() not in (s.lower() for s in seen):
            seen.append(item)
    fallback = next((s for s in seen if s.lower() in FALLBACK_NAMES), None)
    real = [s for s in seen if s.lower() not in FALLBACK_NAMES]
    if len(real) < 1 or (len(real) < 2 and fallback is None):
        raise InsightError(
            "Zero-shot classification needs at least two categories",
            'give them as a comma-separated list, e.g. --labels "billing, delivery, other"',
        )
    return real, fallback


@dataclass
class ZeroShotClassifier:
    """Prototype classifier over normalised sentence embeddings; ``embed`` maps texts to unit vectors."""

    labels: list[str]
    embed: Callable[[Sequence[str]], np.ndarray]
    descriptions: dict[str, str] = field(default_factory=dict)
    threshold: float = DEFAULT_THRESHOLD
    temperature: float = DEFAULT_TEMPERATURE
    other_label: str = "other"

    def __post_init__(self) -> None:
        phrases: list[str] = []
        owners: list[int] = []
        for i, label in enumerate(self.labels):
            readable = label.replace("_", " ").replace("-", " ")
            texts = [t.format(label=readable) for t in TEMPLATES]
            if self.descriptions.get(label):
                texts += [self.descriptions[label], f"{readable}: {self.descriptions[label]}"]
            phrases += texts
            owners += [i] * len(texts)
        vecs = self.embed(phrases)
        owners_arr = np.asarray(owners)
        protos = np.stack([vecs[owners_arr == i].mean(0) for i in range(len(self.labels))])
        self.prototypes = protos / np.linalg.norm(protos, axis=1, keepdims=True)
        self.bias = (self.embed(list(CONTENT_FREE)) @ self.prototypes.T).mean(0)

    def probabilities(self, vecs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Calibrated probabilities (n, k) and raw cosine similarities (n, k)."""
        sims = vecs @ self.prototypes.T
        logits = (sims - self.bias) / self.temperature
        logits -= logits.max(1, keepdims=True)
        expd = np.exp(logits)
        return expd / expd.sum(1, keepdims=True), sims

    def predict_vectors(self, vecs: np.ndarray) -> tuple[list[str], np.ndarray]:
        """Label and confidence per row; ``other_label`` when unsure."""
        if len(vecs) == 0:
            return [], np.zeros(0, dtype=np.float32)
        probs, sims = self.probabilities(vecs)
        best = probs.argmax(1)
        conf = probs[np.arange(len(best)), best]
        unsure = (conf < self.threshold) | (sims[np.arange(len(best)), best] < MIN_SIMILARITY)
        labels = [self.other_label if u else self.labels[b] for b, u in zip(best, unsure, strict=True)]
        return labels, conf.astype(np.float32)
