"""Benchmark of the text models against real, third-party labelled data (reads ../shared/data; not a test).

    python benchmarks/text_models.py [--data ../shared/data] [--only sentiment,banking,throughput] [--naive-rows 2000]

1. Sentiment accuracy, binary (positive vs negative; the model's neutral is ignored by comparing
   P(positive) with P(negative)), of the shipped default on amazon_alexa.tsv and on the held-out UCI
   sentences (never trained on), next to VADER and TextBlob (compound / polarity >= 0 -> positive).
2. Learned intent classification on BANKING77 (77 intents): 5-fold cross-validated accuracy and
   macro-F1 of the project's learned classifier, of its fine-tuned one (``--fine-tune``: MiniLM's top
   layers re-tuned per fold, blended with the learned one) and of plain logistic regression on frozen
   MiniLM embeddings, all on the same folds, with the seconds each cross-validation took.
3. Throughput in rows/s on 10,000 texts: the sentiment tool cold (batched, length-sorted) and cached
   (second run: no inference), against the naive way, a transformers text-classification pipeline of
   the same size (MiniLM-L6 with a classification head) called once per row. Reported as a ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("INSIGHTCHAT_PROGRESS", "0")


def table(rows: list[dict[str, object]]) -> str:
    """A Markdown table from dicts (floats as percentages when they look like rates)."""
    cols = list(rows[0])
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in rows:
        cells = []
        for c in cols:
            v = row[c]
            cells.append(
                f"{v:.1%}"
                if isinstance(v, float) and 0 <= v <= 1 and not c.endswith("/s")
                else (f"{v:,.1f}" if isinstance(v, float) else str(v))
            )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def binary_metrics(pred_pos: np.ndarray, gold_pos: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import balanced_accuracy_score, f1_score

    return {
        "accuracy": float((pred_pos == gold_pos).mean()),
        "balanced": float(balanced_accuracy_score(gold_pos, pred_pos)),
        "macro_f1": float(f1_score(gold_pos, pred_pos, average="macro")),
    }


def sentiment_benchmark(data: Path) -> list[dict[str, object]]:
    from textblob import TextBlob
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from insightchat.models.sentiment import load_sentiment_model

    alexa = pd.read_csv(data / "sentiment" / "amazon_alexa.tsv", sep="\t", encoding="utf-8-sig")
    alexa = alexa[alexa["verified_reviews"].fillna("").astype(str).str.strip().ne("")]
    uci = pd.read_csv(data / "sentiment" / "uci_sentences.csv")
    sets = {"alexa": (alexa["verified_reviews"].fillna("").astype(str).tolist(), alexa["feedback"].to_numpy() == 1)}
    sets["uci (held out)"] = (uci["sentence"].fillna("").astype(str).tolist(), uci["label"].to_numpy() == 1)
    for source, part in uci.groupby("source"):
        sets[f"uci {source}"] = (part["sentence"].fillna("").astype(str).tolist(), part["label"].to_numpy() == 1)

    model = load_sentiment_model("default")
    vader = SentimentIntensityAnalyzer()
    scorers = {
        "insightchat default": lambda texts: (lambda p: p[:, 2] > p[:, 0])(model.predict_proba(texts)),
        "VADER": lambda texts: np.array([vader.polarity_scores(t)["compound"] >= 0 for t in texts]),
        "TextBlob": lambda texts: np.array([TextBlob(t).sentiment.polarity >= 0 for t in texts]),
    }
    rows = []
    for name, scorer in scorers.items():
        row: dict[str, object] = {"model": name}
        speed = []
        for set_name, (texts, gold) in sets.items():
            started = time.perf_counter()
            pred = scorer(texts)
            speed.append(len(texts) / (time.perf_counter() - started))
            m = binary_metrics(pred, gold)
            row[f"{set_name} acc"] = m["accuracy"]
            if set_name in ("alexa", "uci (held out)"):
                row[f"{set_name} macro-F1"] = m["macro_f1"]
        row["rows/s"] = float(np.median(speed))
        rows.append(row)
    print(
        f"\nSentiment, binary (alexa: {len(alexa):,} rows, {sets['alexa'][1].mean():.0%} positive; UCI: {len(uci):,} rows, balanced)"
    )
    print(table(rows))
    return rows


def banking_benchmark(data: Path, folds: int = 5) -> list[dict[str, object]]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    from insightchat.models.embeddings import default_embedder
    from insightchat.models.finetuned import FineTunedTextClassifier, FineTuneSettings
    from insightchat.models.learned import LearnedTextClassifier

    df = pd.read_csv(data / "triage" / "banking77_train.csv")
    texts, labels = df["text"].fillna("").astype(str).tolist(), df["category"].fillna("").astype(str).to_numpy()
    embedder = default_embedder()
    started = time.perf_counter()
    vecs = embedder.encode(texts)
    embed_s = time.perf_counter() - started
    rows = []
    started = time.perf_counter()
    pred = cross_val_predict(
        LogisticRegression(C=10.0, max_iter=2000), vecs, labels, cv=StratifiedKFold(folds, shuffle=True, random_state=0)
    )
    rows.append(
        {
            "classifier": "logistic regression on frozen MiniLM",
            "accuracy": float(accuracy_score(labels, pred)),
            "macro-F1": float(f1_score(labels, pred, average="macro")),
            "seconds": time.perf_counter() - started,
        }
    )
    started = time.perf_counter()
    report = LearnedTextClassifier(embedder.model_id).cross_validate(texts, vecs, labels, folds=folds)
    rows.append(
        {
            "classifier": "insightchat learned (MiniLM + word/char TF-IDF, logistic regression)",
            "accuracy": report.accuracy,
            "macro-F1": report.macro_f1,
            "seconds": time.perf_counter() - started,
        }
    )
    settings = FineTuneSettings()
    started = time.perf_counter()
    tuned = FineTunedTextClassifier(embedder.model_id, settings).cross_validate(texts, vecs, labels, folds=folds)
    rows.append(
        {
            "classifier": f"insightchat fine-tuned (--fine-tune: top {settings.tune_layers} MiniLM layers, {settings.epochs} epochs, "
            f"blended {settings.blend:.0%} with the learned one)",
            "accuracy": tuned.accuracy,
            "macro-F1": tuned.macro_f1,
            "seconds": time.perf_counter() - started,
        }
    )
    if "fine-tuned network" in tuned.parts:
        rows.append(
            {
                "classifier": "  its fine-tuned network alone (same run)",
                "accuracy": tuned.parts["fine-tuned network"],
                "macro-F1": "",
                "seconds": "",
            }
        )
    print(
        f"\nBANKING77 train ({len(df):,} queries, {len(set(labels))} intents), {folds}-fold CV; embedding took {embed_s:.0f} s"
    )
    print(table(rows))
    return rows


def throughput_texts(data: Path, n: int = 10_000) -> list[str]:
    alexa = (
        pd.read_csv(data / "sentiment" / "amazon_alexa.tsv", sep="\t", encoding="utf-8-sig")["verified_reviews"]
        .fillna("")
        .astype(str)
    )
    uci = pd.read_csv(data / "sentiment" / "uci_sentences.csv")["sentence"].fillna("").astype(str)
    bank = pd.read_csv(data / "triage" / "banking77_train.csv")["text"].fillna("").astype(str)
    texts = [t for t in pd.concat([alexa, uci, bank]).tolist() if t.strip()]
    return texts[:n]


def throughput_benchmark(data: Path, naive_rows: int) -> list[dict[str, object]]:
    import torch
    from transformers import AutoTokenizer, BertForSequenceClassification, pipeline

    from insightchat.models.loading import default_embedding_path
    from insightchat.models.sentiment import load_sentiment_model
    from insightchat.tools.text_tools import add_sentiment
    from insightchat.tools.workspace import Workspace

    texts = throughput_texts(data)
    frame = pd.DataFrame({"text": texts})
    model = load_sentiment_model("default")
    model.predict_proba(["warm up"])  # loading is not throughput
    ws = Workspace()
    ws.add_dataframe(frame, "t")
    started = time.perf_counter()
    cold = add_sentiment(ws, "t", "text")
    cold_s = time.perf_counter() - started
    started = time.perf_counter()
    cached = add_sentiment(ws, "t", "text")
    cached_s = time.perf_counter() - started
    assert cached.scored == 0

    base = default_embedding_path()
    tokenizer = AutoTokenizer.from_pretrained(base)
    clf = BertForSequenceClassification.from_pretrained(base, num_labels=3).eval()
    pipe = pipeline("text-classification", model=clf, tokenizer=tokenizer, device=-1, truncation=True, max_length=256)
    sample = texts[:naive_rows]
    pipe(sample[0])
    started = time.perf_counter()
    with torch.inference_mode():
        for t in sample:
            pipe(t)
    naive_s = time.perf_counter() - started
    naive_rate = len(sample) / naive_s
    rows = [
        {
            "method": f"naive: transformers pipeline, one call per row ({len(sample):,} rows)",
            "rows/s": naive_rate,
            "vs naive": "1.0x",
        },
        {
            "method": f"insightchat sentiment tool, cold ({len(texts):,} rows, {cold.scored:,} distinct)",
            "rows/s": len(texts) / cold_s,
            "vs naive": f"{len(texts) / cold_s / naive_rate:.1f}x",
        },
        {
            "method": f"insightchat sentiment tool, cached ({len(texts):,} rows)",
            "rows/s": len(texts) / cached_s,
            "vs naive": f"{len(texts) / cached_s / naive_rate:.0f}x",
        },
    ]
    print(f"\nThroughput on {len(texts):,} texts (torch threads: {torch.get_num_threads()})")
    print(table(rows))
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--only", default="sentiment,banking,throughput")
    parser.add_argument(
        "--naive-rows", type=int, default=10_000, help="rows for the per-row pipeline (rows/s is a rate)"
    )
    parser.add_argument("--json-out", type=Path, default=None)
    args = parser.parse_args(argv)
    wanted = set(args.only.split(","))
    results: dict[str, object] = {}
    if "sentiment" in wanted:
        results["sentiment"] = sentiment_benchmark(args.data)
    if "banking" in wanted:
        results["banking77"] = banking_benchmark(args.data)
    if "throughput" in wanted:
        results["throughput"] = throughput_benchmark(args.data, args.naive_rows)
    if args.json_out:
        args.json_out.write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
