"""The shipped sentiment model: small, documented, and right on clear-cut sentences."""

from __future__ import annotations

import json

import numpy as np
import pytest

from insightchat.models.sentiment import SHIPPED_DIR, labels_and_scores, load_sentiment_model


@pytest.fixture(scope="module")
def model():
    return load_sentiment_model("default")


def test_shipped_artifact_is_small_and_documented():
    size = sum(p.stat().st_size for p in SHIPPED_DIR.rglob("*") if p.is_file())
    assert size < 20 * 1024 * 1024
    config = json.loads((SHIPPED_DIR / "config.json").read_text())
    assert config["labels"] == ["negative", "neutral", "positive"]
    licences = {d["licence"] for d in config["training"]["data"]}
    assert licences <= {"CC0", "CC BY 4.0", "MIT", "Apache-2.0", "CDLA-Permissive-2.0", "CDLA-Sharing-1.0"}
    assert config["training"]["held_out"] == "uci_sentences.csv"
    assert config["inference"]["long_texts"] == "chunk-mean"
    assert len(config["inference"]["logit_bias"]) == 3


def test_long_texts_are_scored_in_windows(model):
    """Every token of a long text lands in some window of at most max_length tokens; short texts get one."""
    from insightchat.models.sentiment import ShippedSentimentModel

    long_text = "The hotel room was spotless and the staff were kind. " * 200
    windows, owner, weight = model.windows(["Short one.", long_text])
    n_tokens = len(model.tokenizer(long_text, add_special_tokens=False)["input_ids"])
    assert owner.tolist().count(0) == 1
    assert all(len(w) <= model.max_length for w in windows)
    assert weight[owner == 1].sum() == n_tokens
    cut = ShippedSentimentModel(chunk_long=False)
    assert cut.windows([long_text])[1].tolist() == [0]  # the old way: one window, the rest is dropped


def test_neutral_bias_moves_neutral_only():
    """A neutral-logit shift changes how often neutral wins, never whether positive beats negative."""
    from insightchat.models.sentiment import ShippedSentimentModel

    texts = ["It is fine, I guess.", "Not bad.", "Great!", "Meh, it broke.", "The box is blue."]
    plain = ShippedSentimentModel(logit_bias=[0.0, 0.0, 0.0]).predict_proba(texts)
    shifted_model = ShippedSentimentModel(logit_bias=[0.0, 3.0, 0.0])
    shifted = shifted_model.predict_proba(texts)
    assert "bias" in shifted_model.model_id
    assert ((plain[:, 2] > plain[:, 0]) == (shifted[:, 2] > shifted[:, 0])).all()
    assert (shifted[:, 1] >= plain[:, 1]).all() and (shifted.argmax(1) == 1).sum() > (plain.argmax(1) == 1).sum()


def test_clear_cut_examples(model, monkeypatch):
    positive = [
        "I absolutely love this product, it works perfectly!",
        "Fantastic service, the staff were wonderful.",
        "Best purchase I have made this year.",
    ]
    negative = [
        "This is the worst thing I have ever bought.",
        "Terrible support, I am very disappointed and angry.",
        "It broke after one day. Total waste of money.",
    ]
    labels, scores = labels_and_scores(model.predict_proba(positive + negative))
    assert labels[:3] == ["positive"] * 3
    assert labels[3:] == ["negative"] * 3
    assert (scores[:3] > 0.5).all() and (scores[3:] < -0.5).all()


def test_neutral_and_odd_inputs(model, monkeypatch):
    proba = model.predict_proba(
        ["The meeting is scheduled for 3 pm on Tuesday.", "", "x" * 50_000, "C'est vraiment nul, je suis déçu."]
    )
    assert proba.shape == (4, 3)
    assert np.allclose(proba.sum(1), 1.0, atol=1e-4)
    assert proba[0].argmax() == 1  # a plain statement of fact is neutral


def test_cpu_int8_default_agrees_with_fp32(monkeypatch):
    """The int8 CPU default must give the fp32 labels on clear-cut text and be cached under its own key."""
    from insightchat.models.sentiment import ShippedSentimentModel

    texts = [
        "I love it, wonderful and fast.",
        "Awful. It stopped working and support never answered.",
        "The package has two cables.",
    ]
    fp32 = ShippedSentimentModel(device="cpu", quantize=False)
    int8 = ShippedSentimentModel(device="cpu", quantize=True)
    assert int8.quantized and not fp32.quantized
    assert int8.model_id != fp32.model_id and int8.model_id.endswith("-int8")
    p32, p8 = fp32.predict_proba(texts), int8.predict_proba(texts)
    assert (p32.argmax(1) == p8.argmax(1)).all()
    assert np.abs(p32 - p8).max() < 0.15  # int8 moves probabilities a little (most on the neutral sentence), not labels


def test_quantize_can_be_turned_off(monkeypatch):
    import torch

    from insightchat.models.device import cpu_int8_enabled

    monkeypatch.setenv("INSIGHTCHAT_QUANTIZE", "0")
    assert not cpu_int8_enabled(torch.device("cpu"))
    monkeypatch.setenv("INSIGHTCHAT_QUANTIZE", "1")
    assert not cpu_int8_enabled(torch.device("meta"))
