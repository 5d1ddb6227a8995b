"""Learning for triage: the saved triage model, its evaluation, and the user's corrections file.

Why a corrections file the user owns (a CSV next to the data, or a path they choose) rather than rows in
DuckDB: corrections are labelled data that must outlive the session, be reviewable and be shared; the next
training reads them as labelled rows (a correction replaces the label of the same text), and every triage
applies them as the answer for those texts.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from insightchat.models.hashing import text_hash
from insightchat.tools.errors import InsightError

if TYPE_CHECKING:
    from insightchat.models.learned import CVReport, LearnedTextClassifier

MODEL_FORMAT = "insightchat-triage-model/1"
CORRECTION_FIELDS = ("intent", "urgency")
CORRECTION_COLUMNS = ("text_hash", "field", "value", "text", "corrected_at")


# ---------------------------------------------------------------------------- evaluation
@dataclass
class Evaluation:
    """Cross-validated quality of one learned triage field (intent or urgency)."""

    field: str
    report: CVReport
    per_class: pd.DataFrame  # label, precision, recall, f1, support
    majority_accuracy: float  # always answering the most common label: the baseline beside the score
    majority_macro_f1: float

    def summary(self) -> str:
        r = self.report
        return (
            f"{self.field}: {r.folds}-fold cross-validation on {r.n_rows:,} labelled tickets: "
            f"accuracy {r.accuracy:.1%} "
            f"(always the most common label: {self.majority_accuracy:.1%}), macro F1 {r.macro_f1:.1%} "
            f"(most common label: {self.majority_macro_f1:.1%}), macro precision {r.macro_precision:.1%}, "
            f"macro recall {r.macro_recall:.1%}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            **self.report.to_dict(),
            "majority_accuracy": self.majority_accuracy,
            "majority_macro_f1": self.majority_macro_f1,
            "per_class": self.per_class.to_dict(orient="records"),
            "confusion": {
                str(k): {str(c): int(v) for c, v in row.items()} for k, row in self.report.confusion.iterrows()
            },
        }


def per_class_table(confusion: pd.DataFrame) -> pd.DataFrame:
    """Precision, recall, F1 and support of each label, from a confusion matrix (rows true, columns predicted)."""
    m = confusion.to_numpy(dtype=float)
    tp = np.diag(m)
    predicted, actual = m.sum(0), m.sum(1)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(predicted > 0, tp / predicted, 0.0)
        r = np.where(actual > 0, tp / actual, 0.0)
        f = np.where(p + r > 0, 2 * p * r / (p + r), 0.0)
    return pd.DataFrame(
        {
            "label": [str(x) for x in confusion.index],
            "precision": p.round(3),
            "recall": r.round(3),
            "f1": f.round(3),
            "support": actual.astype(int),
        }
    )


def majority_baseline(labels: Sequence[str]) -> tuple[float, float]:
    """Accuracy and macro-F1 of always answering the most common label."""
    counts = pd.Series(list(labels)).value_counts()
    acc = float(counts.iloc[0] / counts.sum())
    f1_major = 2 * acc / (1 + acc)  # precision = acc, recall = 1 for that label, 0 for the others
    return acc, f1_major / len(counts)


def evaluate(
    field_name: str, clf: LearnedTextClassifier, texts: list[str], vecs: np.ndarray, y: list[str], folds: int = 5
) -> Evaluation:
    """Cross-validate on the labels that have at least 2 rows; a label seen once (often a fresh correction) is
    still trained on, but cannot be measured, and the report says so."""
    counts = pd.Series(y).value_counts()
    single = sorted(str(label) for label in counts[counts < 2].index)
    keep = [i for i, label in enumerate(y) if label not in set(single)]
    if len(keep) < len(y):
        texts, vecs, y = [texts[i] for i in keep], vecs[keep], [y[i] for i in keep]
    report = clf.cross_validate(texts, vecs, y, folds=folds)
    if single:
        report.warnings.append(
            f"{len(single)} label(s) with a single labelled row are trained on but not measured: "
            f"{', '.join(single[:5])}"
        )
    acc, f1 = majority_baseline(y)
    return Evaluation(field_name, report, per_class_table(report.confusion), acc, f1)


# ---------------------------------------------------------------------------- the saved model
@dataclass
class TriageModel:
    """Learned intent and/or urgency classifiers, plus what they were trained on (languages, rows, metrics)."""

    intent: LearnedTextClassifier | None = None
    urgency: LearnedTextClassifier | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def trained_languages(self) -> dict[str, int]:
        return dict(self.meta.get("languages", {}))

    def save(self, folder: str | Path) -> Path:
        """Write ``triage.json`` plus one folder per classifier. Load only folders you trust (joblib is pickle)."""
        path = Path(folder).expanduser()
        if path.exists() and not path.is_dir():
            raise InsightError(f"--model {folder} is a file", "a triage model is saved as a folder: name a new folder")
        path.mkdir(parents=True, exist_ok=True)
        for name in ("intent", "urgency"):
            clf = getattr(self, name)
            if clf is not None:
                clf.save(path / name)
        meta = {**self.meta, "format": MODEL_FORMAT, "parts": [n for n in ("intent", "urgency") if getattr(self, n)]}
        (path / "triage.json").write_text(json.dumps(meta, indent=2, default=str) + "\n")
        return path

    @classmethod
    def load(cls, folder: str | Path) -> TriageModel:
        from insightchat.models.learned import LearnedTextClassifier

        path = Path(folder).expanduser()
        meta_path = path / "triage.json"
        if not meta_path.exists():
            raise InsightError(
                f"{folder} is not a saved triage model", "train one with --train FILE --label-column L --model FOLDER"
            )
        meta = json.loads(meta_path.read_text())
        if meta.get("format") != MODEL_FORMAT:
            raise InsightError(f"{folder} has format {meta.get('format')!r}, not {MODEL_FORMAT}", "train it again")
        parts = {n: LearnedTextClassifier.load(path / n) for n in meta.get("parts", [])}
        return cls(parts.get("intent"), parts.get("urgency"), meta)


# ---------------------------------------------------------------------------- corrections
@dataclass
class Corrections:
    """The user's corrected labels: (field, text hash) -> value, with the text kept for training."""

    path: Path | None
    rows: pd.DataFrame  # columns CORRECTION_COLUMNS, the latest correction of a (field, text) last

    def for_field(self, name: str) -> dict[str, str]:
        sub = self.rows[self.rows["field"] == name]
        return dict(zip(sub["text_hash"], sub["value"], strict=False))

    def training_rows(self, name: str) -> tuple[list[str], list[str]]:
        sub = self.rows[self.rows["field"] == name].drop_duplicates("text_hash", keep="last")
        return sub["text"].tolist(), sub["value"].tolist()

    def __len__(self) -> int:
        return len(self.rows)


def load_corrections(path: str | Path | None) -> Corrections:
    """Read the corrections CSV (a missing file is no corrections); a malformed one is a clear error."""
    empty = pd.DataFrame(columns=list(CORRECTION_COLUMNS))
    if path is None:
        return Corrections(None, empty)
    p = Path(path).expanduser()
    if not p.exists():
        return Corrections(p, empty)
    try:
        df = pd.read_csv(p, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InsightError(f"Could not read the corrections file {p}: {exc}", "fix or remove the file") from None
    missing = [c for c in ("field", "value", "text") if c not in df.columns]
    if missing:
        raise InsightError(f"{p} is not a corrections file (no {', '.join(missing)} column)", "choose another path")
    df = df[df["field"].isin(CORRECTION_FIELDS) & (df["value"].str.strip() != "") & (df["text"].str.strip() != "")]
    df = df.copy()
    df["text_hash"] = [text_hash(t) for t in df["text"]]
    df["value"] = df["value"].str.strip()
    if "corrected_at" not in df.columns:
        df["corrected_at"] = ""
    df = df.drop_duplicates(["field", "text_hash"], keep="last")
    return Corrections(p, df[list(CORRECTION_COLUMNS)].reset_index(drop=True))


def add_correction(path: str | Path, field_name: str, text: str, value: str) -> Path:
    """Append one correction to the user's file (created with a header when new); the data file is never touched."""
    if field_name not in CORRECTION_FIELDS:
        raise InsightError(f"Cannot correct {field_name!r}", f"corrections are for: {', '.join(CORRECTION_FIELDS)}")
    if not str(value).strip():
        raise InsightError("The corrected label is empty", "type the right label")
    if not str(text).strip():
        raise InsightError("The ticket has no text to correct", "pick a ticket with text")
    p = Path(path).expanduser()
    p.parent.mkdir(parents=True, exist_ok=True)
    new = not p.exists() or p.stat().st_size == 0
    with p.open("a", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        if new:
            writer.writerow(CORRECTION_COLUMNS)
        stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
        writer.writerow([text_hash(text), field_name, str(value).strip(), text, stamp])
    return p


def default_corrections_path(data_path: str | Path | None, table: str) -> Path:
    """Beside the data file (``tickets.corrections.csv``) or, for data without a file, in the home folder."""
    if data_path:
        p = Path(data_path).expanduser().resolve()
        return p.with_name(f"{p.stem}.corrections.csv")
    return Path.home() / "insightchat-corrections" / f"{table}.corrections.csv"
