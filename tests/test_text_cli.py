"""`insightchat sentiment / classify / topics / similar`: new columns, row order kept, inputs never modified."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from insightchat.cli import app

runner = CliRunner()

REVIEWS = pd.DataFrame(
    {
        "id": [3, 1, 2, 5, 4, 6],
        "product": ["a", "b", "a", "c", "b", "c"],
        "review": [
            "I love it, it works perfectly.",
            "Terrible quality, it broke in a day.",
            "Great value for the money!",
            "My parcel never arrived and nobody answers.",
            "Horrible, I want a refund.",
            "The invoice charged me twice.",
        ],
    }
)


@pytest.fixture()
def reviews_csv(tmp_path) -> Path:
    path = tmp_path / "reviews.csv"
    REVIEWS.to_csv(path, index=False)
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_sentiment_out_adds_columns_in_input_order(reviews_csv, tmp_path):
    before = digest(reviews_csv)
    out = tmp_path / "scored.csv"
    result = runner.invoke(app, ["sentiment", str(reviews_csv), "--column", "review", "--out", str(out)])
    assert result.exit_code == 0, result.output
    df = pd.read_csv(out)
    assert list(df.columns) == ["id", "product", "review", "sentiment", "sentiment_score"]
    assert df["id"].tolist() == REVIEWS["id"].tolist()
    assert df["sentiment"].tolist()[:3] == ["positive", "negative", "positive"]
    assert df["sentiment_score"].between(-1, 1).all()
    assert digest(reviews_csv) == before


def test_sentiment_json_and_errors(reviews_csv):
    result = runner.invoke(app, ["sentiment", str(reviews_csv), "--column", "review", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["new_columns"] == ["sentiment", "sentiment_score"]
    assert sum(r["rows"] for r in payload["summary"]) == 6
    bad = runner.invoke(app, ["sentiment", str(reviews_csv), "--column", "id"])
    assert bad.exit_code == 1 and "not text" in bad.output
    same = runner.invoke(app, ["sentiment", str(reviews_csv), "--column", "review", "--out", str(reviews_csv)])
    assert same.exit_code == 1 and "input" in same.output


def test_classify_zero_shot(reviews_csv, tmp_path):
    out = tmp_path / "labelled.parquet"
    result = runner.invoke(
        app,
        [
            "classify",
            str(reviews_csv),
            "--column",
            "review",
            "--labels",
            "product quality, delivery, billing",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    df = pd.read_parquet(out)
    assert df["id"].tolist() == REVIEWS["id"].tolist()
    assert df["label"].tolist()[3:] == ["delivery", "product quality", "billing"] or df["label"].iloc[5] == "billing"
    assert df["label_score"].between(0, 1).all()


@pytest.fixture
def train(tmp_path: Path) -> Path:
    """Labelled rows in another file (column ``tag``), for the learned classifiers."""
    path = tmp_path / "train.csv"
    pd.DataFrame(
        {
            "text": [
                "love it",
                "works great",
                "really happy",
                "excellent",
                "awful",
                "broke at once",
                "waste of money",
                "hate it",
            ],
            "tag": ["good"] * 4 + ["bad"] * 4,
        }
    ).to_csv(path, index=False)
    return path


def test_classify_learned_from_another_file(reviews_csv, train, tmp_path):
    out = tmp_path / "learned.csv"
    result = runner.invoke(
        app,
        [
            "classify",
            str(reviews_csv),
            "--column",
            "review",
            "--train",
            str(train),
            "--label-column",
            "tag",
            "--train-column",
            "text",
            "--out",
            str(out),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["method"] == "learned" and payload["cross_validation"]["folds"] == 4
    assert payload["confusion"]["labels"] == ["bad", "good"]
    df = pd.read_csv(out)
    assert df["id"].tolist() == REVIEWS["id"].tolist()
    assert set(df["label"]) <= {"good", "bad"}
    missing = runner.invoke(app, ["classify", str(reviews_csv), "--column", "review", "--train", str(train)])
    assert missing.exit_code == 1 and "--label-column" in missing.output


def test_classify_fine_tuned_saves_and_reuses(reviews_csv, train, tmp_path):
    folder = tmp_path / "tuned"
    args = [
        "classify",
        str(reviews_csv),
        "--column",
        "review",
        "--train",
        str(train),
        "--label-column",
        "tag",
        "--train-column",
        "text",
    ]
    result = runner.invoke(
        app, args + ["--fine-tune", "--epochs", "1", "--folds", "2", "--save-model", str(folder), "--json"]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["method"] == "fine-tuned" and payload["cross_validation"]["folds"] == 2
    assert (
        payload["saved_to"] == str(folder) and json.loads((folder / "meta.json").read_text())["settings"]["epochs"] == 1
    )
    labelled = [row["label"] for row in payload["rows"]]
    again = runner.invoke(
        app, ["classify", str(reviews_csv), "--column", "review", "--model-path", str(folder), "--json"]
    )
    assert again.exit_code == 0, again.output
    reused = json.loads(again.stdout)
    assert reused["method"] == "fine-tuned" and [row["label"] for row in reused["rows"]] == labelled


def test_classify_fine_tune_flags_are_checked(reviews_csv, tmp_path):
    train = tmp_path / "train.csv"
    pd.DataFrame({"text": ["a", "b"], "tag": ["x", "y"]}).to_csv(train, index=False)
    base = ["classify", str(reviews_csv), "--column", "review"]
    no_train = runner.invoke(app, base + ["--labels", "a, b", "--fine-tune"])
    assert no_train.exit_code == 1 and "--train" in no_train.output
    no_flag = runner.invoke(app, base + ["--train", str(train), "--label-column", "tag", "--epochs", "3"])
    assert no_flag.exit_code == 1 and "--fine-tune" in no_flag.output
    helped = runner.invoke(app, ["classify", "--help"])
    assert "--fine-tune" in helped.output and "--epochs" in helped.output and "--folds" in helped.output


def test_topics_and_similar(reviews_csv):
    result = runner.invoke(app, ["topics", str(reviews_csv), "--column", "review", "--topics", "2", "--json"])
    assert result.exit_code == 0, result.output
    topics = json.loads(result.stdout)["topics"]
    assert len(topics) == 2 and sum(t["rows"] for t in topics) == 6
    sim = runner.invoke(
        app,
        ["similar", str(reviews_csv), "--column", "review", "--query", "package did not arrive", "--k", "1", "--json"],
    )
    assert sim.exit_code == 0, sim.output
    assert json.loads(sim.stdout)["rows"][0]["id"] == 5


@pytest.mark.slow
def test_cli_in_a_subprocess(reviews_csv, tmp_path):
    out = tmp_path / "s.csv"
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from insightchat.cli import app; app()",
            "sentiment",
            str(reviews_csv),
            "-c",
            "review",
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**__import__("os").environ, "INSIGHTCHAT_PROGRESS": "0"},
    )
    assert proc.returncode == 0, proc.stderr
    assert pd.read_csv(out)["sentiment"].notna().all()
