"""Saved text classifiers: the one table of formats this version reads, and loading by it.

A classifier saved with ``--save-model`` (or the ``save_to`` of train_text_classifier) is a folder
with a ``meta.json`` whose ``format`` names its kind. :data:`FORMATS` maps each format to the class
that loads it, so adding a kind is one row here; the classes are imported only when their format is
met (the fine-tuned kind needs torch).
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from insightchat.tools.errors import InsightError

LEARNED_FORMAT = "insightchat-learned-classifier/1"
FINETUNED_FORMAT = "insightchat-finetuned-classifier/1"


@dataclass(frozen=True)
class SavedFormat:
    """One kind of saved classifier: its ``meta.json`` format and the class whose ``load(folder)`` reads it."""

    format: str
    module: str
    cls: str
    kind: str  # what people read: "learned" (logistic regression) or "fine-tuned" (a re-tuned encoder)

    def load(self, folder: Path) -> Any:
        return getattr(importlib.import_module(self.module), self.cls).load(folder)


FORMATS: dict[str, SavedFormat] = {
    f.format: f
    for f in (
        SavedFormat(LEARNED_FORMAT, "insightchat.models.learned", "LearnedTextClassifier", "learned"),
        SavedFormat(FINETUNED_FORMAT, "insightchat.models.finetuned", "FineTunedTextClassifier", "fine-tuned"),
    )
}


def read_meta(folder: Path) -> dict[str, Any]:
    """The meta.json of a saved classifier folder, or a clear error when the folder is not one."""
    meta_path = folder / "meta.json"
    if not meta_path.exists():
        raise InsightError(
            f"{folder} is not a saved classifier", "expected a folder written by --save-model (with meta.json)"
        )
    try:
        return json.loads(meta_path.read_text())
    except json.JSONDecodeError as exc:
        raise InsightError(f"{meta_path} is not valid JSON ({exc.msg})", "save the classifier again") from None


def read_meta_of(folder: Path, expected: str) -> dict[str, Any]:
    """``read_meta``, checked to be of the ``expected`` format (a class loading its own kind)."""
    meta = read_meta(folder)
    if meta.get("format") != expected:
        raise InsightError(
            f"{folder} has classifier format {meta.get('format')!r}, not {expected}",
            "load it with insightchat.models.saved.load_classifier",
        )
    return meta


def load_classifier(folder: str | Path) -> Any:
    """Load any saved classifier by the format its meta.json names (see :data:`FORMATS`)."""
    path = Path(folder)
    kind = read_meta(path).get("format")
    saved = FORMATS.get(kind) if isinstance(kind, str) else None
    if saved is None:
        raise InsightError(
            f"{folder} has an unknown classifier format {kind!r}",
            f"expected {' or '.join(FORMATS)}; save it again with this version",
        )
    return saved.load(path)
