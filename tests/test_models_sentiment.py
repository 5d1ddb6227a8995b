"""The shipped sentiment model: small, documented, and right on clear-cut sentences."""

from __future__ import annotations

import json

import numpy as np
import pytest

from models.sentiment import SHIPPED_DIR, labels_and_scores, load_sentiment_model


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


def test_clear_cut_examples(model, monkeypatch):
    monkeypatch.setenv("INSIGHTCHAT_PROGRESS", "0")
    positive = ["I absolutely love this product, it works perfectly!", "Fantastic service, the staff were wonderful.", "Best purchase I have made this year."]
    negative = ["This is the worst thing I have ever bought.", "Terrible support, I am very disappointed and angry.", "It broke after one day. Total waste of money."]
    labels, scores = labels_and_scores(model.predict_proba(positive + negative))
    assert labels[:3] == ["positive"] * 3
    assert labels[3:] == ["negative"] * 3
    assert (scores[:3] > 0.5).all() and (scores[3:] < -0.5).all()


def test_neutral_and_odd_inputs(model, monkeypatch):
    monkeypatch.setenv("INSIGHTCHAT_PROGRESS", "0")
    proba = model.predict_proba(["The meeting is scheduled for 3 pm on Tuesday.", "", "x" * 50_000, "C'est vraiment nul, je suis déçu."])
    assert proba.shape == (4, 3)
    assert np.allclose(proba.sum(1), 1.0, atol=1e-4)
    assert proba[0].argmax() == 1  # a plain statement of fact is neutral
