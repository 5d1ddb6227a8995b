"""Calibrate the shipped sentiment model's neutral class and write its inference settings into config.json.

    python -m insightchat.models.training.calibrate_sentiment --data ../shared/data/sentiment \
        --model models/shipped/sentiment-minilm

Why: the network was trained on a mix where neutral is rarer than in tweets and news, so it calls too few
texts neutral there (the 3-class macro recall that TweetEval reports suffers most). A single number added to the
neutral logit fixes the prior without touching the binary decision (positive vs negative is unchanged). It is
fitted on licence-allowed 3-class rows the network was never trained on (the rest of the same files), by grid
search for the best macro recall averaged over the sources; fixed seed and grid, so a rerun writes the same value.
The same step records ``long_texts: chunk-mean``: texts longer than the token window are scored window by window.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from insightchat.models.sentiment_net import SENTIMENT_LABELS
from insightchat.models.training.train_sentiment import ALLOWED_SETS, LABEL_TO_ID, load_training_frame

NEUTRAL_GRID = np.round(np.arange(-2.0, 3.01, 0.1), 2)


def calibration_rows(data_dir: Path, config: dict, per_source: int, seed: int) -> pd.DataFrame:
    """Licence-allowed rows with all three labels that the shipped network did not train on, ``per_source`` each."""
    training = config["training"]
    used = load_training_frame(
        data_dir, training["max_financial_neutral"], training["seed"], training["max_per_source"]
    )
    frames = []
    for name, sources, licence in ALLOWED_SETS:
        df = pd.read_csv(data_dir / name, usecols=["text", "label", "source"])
        if sources is not None:
            df = df[df["source"].isin(sources)]
        df = df.dropna(subset=["text"]).assign(text=lambda d: d["text"].astype(str).str.strip(), licence=licence)
        frames.append(df[~df["text"].isin(set(used["text"]))])
    rows = pd.concat(frames).drop_duplicates("text")
    three = rows.groupby("source")["label"].transform("nunique").eq(3)
    rows = rows[three]
    return rows.sample(frac=1.0, random_state=seed).groupby("source").head(per_source).reset_index(drop=True)


def macro_recall(pred: np.ndarray, gold: np.ndarray) -> float:
    return float(np.mean([(pred[gold == c] == c).mean() for c in range(3) if (gold == c).any()]))


def fit_neutral_bias(log_probs: np.ndarray, gold: np.ndarray, groups: np.ndarray) -> tuple[float, dict[str, float]]:
    """The neutral-logit shift with the best macro recall averaged over ``groups`` (ties: the smallest shift)."""
    scores = {}
    for b in NEUTRAL_GRID:
        pred = (log_probs + np.array([0.0, b, 0.0])).argmax(1)
        scores[float(b)] = float(
            np.mean([macro_recall(pred[groups == g], gold[groups == g]) for g in np.unique(groups)])
        )
    best = max(scores, key=lambda b: (round(scores[b], 4), -abs(b)))
    return best, scores


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path("../shared/data/sentiment"))
    parser.add_argument("--model", type=Path, default=Path("models/shipped/sentiment-minilm"))
    parser.add_argument("--per-source", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)

    from insightchat.models.sentiment import INFERENCE_MAX_LENGTH, ShippedSentimentModel

    config_path = args.model / "config.json"
    config = json.loads(config_path.read_text())
    rows = calibration_rows(args.data, config, args.per_source, args.seed)
    print(rows.groupby(["source", "label"]).size().to_string())
    model = ShippedSentimentModel(folder=args.model, chunk_long=True, logit_bias=[0.0, 0.0, 0.0])
    log_probs = np.log(np.clip(model.predict_proba(rows["text"].tolist()), 1e-7, 1.0))
    gold = rows["label"].map(LABEL_TO_ID).to_numpy()
    groups = rows["source"].to_numpy()
    bias, scores = fit_neutral_bias(log_probs, gold, groups)
    print(f"neutral bias {bias:+.2f}: mean macro recall {scores[0.0]:.4f} -> {scores[bias]:.4f}")
    config["inference"] = {
        "max_length": INFERENCE_MAX_LENGTH,
        "long_texts": "chunk-mean",
        "logit_bias": [0.0, bias, 0.0],
        "labels": list(SENTIMENT_LABELS),
        "calibration": {
            "rows": {str(k): int(v) for k, v in rows["source"].value_counts().sort_index().items()},
            "seed": args.seed,
            "macro_recall_before": round(scores[0.0], 4),
            "macro_recall_after": round(scores[bias], 4),
        },
    }
    config_path.write_text(json.dumps(config, indent=2) + "\n")
    print(f"wrote {config_path}")


if __name__ == "__main__":
    main()
