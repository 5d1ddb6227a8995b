"""Device choice, the offline loading path (package / folder / hub id) and batching, with tiny local models."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch
from text_model_helpers import build_tiny_encoder, build_tiny_sentiment

from insightchat.models import batching
from insightchat.models.device import pick_device, pick_dtype
from insightchat.models.loading import load_sentence_transformer, load_sequence_classifier, resolve
from insightchat.models.sentiment import TransformersSentimentModel, map_labels
from insightchat.tools.errors import ModelUnavailableError


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    monkeypatch.delenv("INSIGHTCHAT_ALLOW_DOWNLOADS", raising=False)


def test_device_auto_is_cpu_here_and_can_be_forced(monkeypatch):
    expected = "cuda" if torch.cuda.is_available() else ("mps" if torch.backends.mps.is_available() else "cpu")
    assert pick_device().type == expected
    monkeypatch.setenv("INSIGHTCHAT_DEVICE", "cpu")
    assert pick_device().type == "cpu"
    assert pick_dtype(torch.device("cpu")) == torch.float32


def test_unavailable_device_is_a_clear_error(monkeypatch):
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(ModelUnavailableError, match="CUDA is not available"):
        pick_device("cuda")
    with pytest.raises(ModelUnavailableError, match="Unknown device"):
        pick_device("tpu")


def test_resolve_kinds(tmp_path):
    assert resolve(None).kind == "package"
    assert resolve("default").kind == "package"
    assert resolve(str(tmp_path)).kind == "folder"
    assert resolve("someorg/some-model").kind == "hub"
    with pytest.raises(ModelUnavailableError, match="does not exist"):
        resolve("./no/such/folder")


def test_hub_id_offline_fails_fast_naming_the_model():
    from transformers import AutoModelForSequenceClassification, AutoTokenizer  # noqa: F401  (import time is not the point)

    started = time.time()
    with pytest.raises(ModelUnavailableError) as info:
        load_sequence_classifier("insightchat-tests/not-a-real-model")
    assert time.time() - started < 30  # no retries against an unreachable hub
    assert "insightchat-tests/not-a-real-model" in info.value.message
    assert "INSIGHTCHAT_ALLOW_DOWNLOADS" in info.value.hint


def test_embedding_model_from_a_local_folder(tmp_path):
    folder = build_tiny_encoder(tmp_path / "tiny-encoder")
    model = load_sentence_transformer(str(folder))
    vecs = model.encode(["good product", "bad service"], normalize_embeddings=True)
    assert vecs.shape == (2, 16)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)


def test_folder_sentiment_model_maps_labels_and_batches(tmp_path):
    folder = build_tiny_sentiment(tmp_path / "tiny-sst2", {0: "NEGATIVE", 1: "POSITIVE"}, favour=1)
    model = TransformersSentimentModel(str(folder))
    texts = ["good"] * 3 + ["the product was broken and late " * 20] + [""]
    proba = model.predict_proba(texts)
    assert proba.shape == (5, 3)
    assert np.allclose(proba.sum(1), 1.0, atol=1e-5)
    assert (proba.argmax(1) == 2).all()  # POSITIVE -> index 2; nothing lands on neutral
    assert np.allclose(proba[:, 1], 0.0)
    assert model.texts_scored == 5


def test_label_mapping_conventions():
    assert map_labels({0: "NEGATIVE", 1: "POSITIVE"}) == [0, 2]
    assert map_labels({0: "negative", 1: "neutral", 2: "positive"}) == [0, 1, 2]
    assert map_labels({0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}) == [0, 1, 2]
    assert map_labels({i: f"{i + 1} star{'s' if i else ''}" for i in range(5)}) == [0, 0, 1, 2, 2]
    with pytest.raises(ModelUnavailableError):
        map_labels({0: "joy", 1: "anger", 2: "fear", 3: "surprise"})


def test_run_batched_keeps_order_and_sorts_by_length():
    seen: list[list[str]] = []

    def fn(chunk):
        seen.append(chunk)
        return [len(t) for t in chunk]

    items = ["ccc", "a", "bbbb", "", "dd"]
    assert batching.run_batched(items, fn, batch_size=2) == [3, 1, 4, 0, 2]
    assert seen[0] == ["", "a"]  # shortest first: little padding per batch


def test_run_batched_halves_the_batch_on_out_of_memory():
    sizes: list[int] = []

    def fn(chunk):
        sizes.append(len(chunk))
        if len(chunk) > 4:
            raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return chunk

    items = [str(i) for i in range(20)]
    assert batching.run_batched(items, fn, batch_size=16) == items
    assert sizes[:3] == [16, 8, 4]


def test_run_batched_reraises_other_errors():
    def fn(chunk):
        raise RuntimeError("shape mismatch")

    with pytest.raises(RuntimeError, match="shape mismatch"):
        batching.run_batched(["a", "b"], fn, batch_size=2)
