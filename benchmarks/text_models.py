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


def three_class_metrics(pred: np.ndarray, gold: np.ndarray) -> dict[str, float]:
    """Accuracy, macro-F1 and macro-averaged recall (TweetEval's metric) over negative / neutral / positive."""
    from sklearn.metrics import f1_score, recall_score

    labels = [0, 1, 2]
    return {
        "accuracy": float((pred == gold).mean()),
        "macro_f1": float(f1_score(gold, pred, labels=labels, average="macro", zero_division=0)),
        "macro_recall": float(recall_score(gold, pred, labels=labels, average="macro", zero_division=0)),
    }


PRED_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "insightchat-bench" / "sentiment"


class CachedProba:
    """A sentiment model's P(neg, neu, pos) per text, kept in a JSON-lines file per model id (outside the repo),
    so a rerun of the benchmark scores only texts it has not seen."""

    def __init__(self, model, cache_dir: Path = PRED_CACHE) -> None:
        import hashlib

        self.model = model
        self.key = lambda t: hashlib.sha1(t.encode()).hexdigest()
        cache_dir.mkdir(parents=True, exist_ok=True)
        self.path = cache_dir / (model.model_id.replace("/", "_").replace(":", "_") + ".jsonl")
        self.known: dict[str, list[float]] = {}
        if self.path.exists():
            for line in self.path.read_text().splitlines():
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    continue
                self.known[row["k"]] = row["p"]

    def share_short_texts(self, other: CachedProba, texts: list[str]) -> int:
        """Copy ``other``'s cached answers for texts that fit one token window, when the two models differ only
        in how they window long texts (same weights, same bias): for such texts their outputs are identical."""
        same = (
            getattr(self.model, "logit_bias", None) is not None
            and getattr(other.model, "logit_bias", None) is not None
            and bool((self.model.logit_bias == other.model.logit_bias).all())
            and self.model.model_id.split("-len")[0] == other.model.model_id.split("-len")[0]
            and self.model.max_length == other.model.max_length
            and self.model.quantized == other.model.quantized
        )
        if not same:
            return 0
        body = self.model.max_length - 2
        ids = self.model.tokenizer(texts, add_special_tokens=False, truncation=False, verbose=False)["input_ids"]
        shared = 0
        for text, row in zip(texts, ids, strict=True):
            k = self.key(text)
            if len(row) <= body and k in other.known and k not in self.known:
                self.known[k] = other.known[k]
                shared += 1
        return shared

    def __call__(self, texts: list[str]) -> np.ndarray:
        todo = sorted({t for t in texts if self.key(t) not in self.known})
        if todo:
            probs = self.model.predict_proba(todo)
            with self.path.open("a") as out:
                for text, p in zip(todo, probs, strict=True):
                    self.known[self.key(text)] = [round(float(x), 5) for x in p]
                    out.write(json.dumps({"k": self.key(text), "p": self.known[self.key(text)]}) + "\n")
        return np.array([self.known[self.key(t)] for t in texts], dtype=np.float32)


def proba_scorer(proba) -> object:
    """(score in [-1, 1], 3-class label) from probabilities: positive beats negative for the binary score."""

    def score(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        p = proba(texts)
        return p[:, 2] - p[:, 0], p.argmax(1)

    return score


def lexicon_scorers() -> dict[str, object]:
    """VADER (compound; +-0.05 are its authors' neutral bounds) and TextBlob (polarity; 0 is neutral)."""
    from textblob import TextBlob
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    vader = SentimentIntensityAnalyzer()

    def vader_score(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        c = np.array([vader.polarity_scores(t)["compound"] for t in texts])
        return c + 1e-9, np.where(c >= 0.05, 2, np.where(c <= -0.05, 0, 1))

    def textblob_score(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        c = np.array([TextBlob(t).sentiment.polarity for t in texts])
        return c + 1e-9, np.where(c > 0, 2, np.where(c < 0, 0, 1))

    return {"VADER": vader_score, "TextBlob": textblob_score}


def llm_scorer(cache: Path):
    """The local LLM's cached answers (benchmarks/sentiment_llm.py); texts it has not labelled are left out."""
    from benchmarks.sentiment_llm import cache_key, read_cache

    answers = read_cache(cache)

    def covered(texts: list[str]) -> np.ndarray:
        return np.array([cache_key(t) in answers for t in texts], dtype=bool)

    def score(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        p = np.array([answers[cache_key(t)] for t in texts], dtype=np.float32).reshape(-1, 3)
        return p[:, 2] - p[:, 0], p.argmax(1)

    return score, covered, len(answers)


def neutral_shift_upper_bound(proba: np.ndarray, gold: np.ndarray) -> dict[str, object]:
    """Macro recall as shipped and with the best neutral-logit shift for these very rows (an upper bound)."""
    from sklearn.metrics import recall_score

    logp = np.log(np.clip(proba, 1e-7, 1.0))

    def recall(shift: float) -> float:
        pred = (logp + np.array([0.0, shift, 0.0])).argmax(1)
        return float(recall_score(gold, pred, labels=[0, 1, 2], average="macro", zero_division=0))

    shifts = np.round(np.arange(-3.0, 3.01, 0.25), 2)
    best = max(shifts, key=recall)
    return {"recall as shipped": recall(0.0), "best shift": f"{best:+.2f}", "recall at best shift": recall(best)}


def trained_domains(config: dict) -> set[str]:
    """The benchmark domains whose file the shipped model was trained on (their scores are not leave-one-out)."""
    from benchmarks.sentiment_domains import DOMAINS

    files = {d["file"] for d in config.get("training", {}).get("data", [])}
    return {d.name for d in DOMAINS if d.path in files}


def score_domain(scorer, texts: list[str], gold: np.ndarray, three_class: bool) -> dict[str, float]:
    score, label = scorer(texts)
    out: dict[str, float] = {}
    polar = gold != 1
    if polar.any():
        b = binary_metrics(score[polar] > 0, gold[polar] == 2)
        out["bin_acc"], out["bin_f1"] = b["accuracy"], b["macro_f1"]
    if three_class:
        t = three_class_metrics(label, gold)
        out["acc3"], out["f1_3"], out["recall3"] = t["accuracy"], t["macro_f1"], t["macro_recall"]
    return out


def sentiment_benchmark(
    data: Path, per_domain: int = 400, llm_cache: Path | None = None, old_model: Path | None = None
) -> dict[str, object]:
    """Every domain of ../shared/data/sentiment scored by the old and new default, VADER, TextBlob and the LLM."""
    from benchmarks.sentiment_domains import DOMAINS, LABELS, sample_domain
    from insightchat.models.sentiment import ShippedSentimentModel, load_sentiment_model

    new = load_sentiment_model("default")
    old = (
        ShippedSentimentModel(folder=old_model)
        if old_model
        else ShippedSentimentModel(chunk_long=False, logit_bias=[0.0, 0.0, 0.0])
    )
    seen = {"old default": trained_domains(old.config), "new default": trained_domains(new.config)}
    old_proba, new_proba = CachedProba(old), CachedProba(new)
    scorers = {"old default": proba_scorer(old_proba), "new default": proba_scorer(new_proba)}
    scorers.update(lexicon_scorers())
    llm = llm_scorer(llm_cache) if llm_cache and llm_cache.exists() else None
    label_id = {label: i for i, label in enumerate(LABELS)}
    results: dict[str, dict[str, dict[str, float]]] = {}
    llm_rows: list[dict[str, object]] = []
    oracle_rows: list[dict[str, object]] = []
    for domain in DOMAINS:
        sample = sample_domain(data / "sentiment", domain, per_domain)
        texts, gold = sample["text"].tolist(), sample["label"].map(label_id).to_numpy()
        old_proba(texts)
        new_proba.share_short_texts(old_proba, texts)
        if domain.three_class:
            oracle_rows.append({"domain": domain.name, **neutral_shift_upper_bound(new_proba(texts), gold)})
        results[domain.name] = {
            name: score_domain(scorer, texts, gold, domain.three_class) for name, scorer in scorers.items()
        }
        if llm is not None:
            llm_score, covered, _ = llm
            mask = covered(texts[:300])
            if mask.sum() >= 20:
                sub = [t for t, m in zip(texts[:300], mask, strict=True) if m]
                sub_gold = gold[:300][mask]
                row: dict[str, object] = {"domain": domain.name, "LLM rows": int(mask.sum())}
                for name, scorer in (("LLM", llm_score), ("new default", scorers["new default"])):
                    m = score_domain(scorer, sub, sub_gold, domain.three_class)
                    row[f"{name} bin acc"] = m.get("bin_acc", "")
                    row[f"{name} 3-class recall"] = m.get("recall3", "")
                llm_rows.append(row)
    names = list(scorers)

    def cell(domain: str, name: str, *keys: str) -> str:
        m = results[domain][name]
        if keys[0] not in m:
            return ""
        star = "*" if domain in seen.get(name, set()) else ""
        return " / ".join(f"{100 * m[k]:.1f}" for k in keys) + star

    def loo_mean(name: str, key: str, domains: list[str]) -> str:
        vals = [results[d][name][key] for d in domains if key in results[d][name] and d not in seen.get(name, set())]
        return f"{100 * np.mean(vals):.1f} (n={len(vals)})" if vals else ""

    kinds = {d.name: d.kind for d in DOMAINS}
    binary_rows = [
        {"domain": d.name, "kind": d.kind, **{n: cell(d.name, n, "bin_acc", "bin_f1") for n in names}} for d in DOMAINS
    ]
    three_rows = [
        {"domain": d.name, "kind": d.kind, **{n: cell(d.name, n, "acc3", "f1_3", "recall3") for n in names}}
        for d in DOMAINS
        if d.three_class
    ]
    for label, members in (
        ("mean, unseen domains", list(results)),
        ("mean, unseen tweets", [d for d in results if kinds[d] == "tweets"]),
        ("mean, unseen long reviews", [d for d in results if kinds[d] == "long reviews"]),
    ):
        binary_rows.append({"domain": label, "kind": "", **{n: loo_mean(n, "bin_acc", members) for n in names}})
        three_rows.append({"domain": label, "kind": "", **{n: loo_mean(n, "recall3", members) for n in names}})
    print(
        f"\nSentiment, binary (neutral rows left out; positive when P(pos) > P(neg), VADER/TextBlob score >= 0): "
        f"accuracy / macro-F1, up to {per_domain} seeded rows per domain. * = the model was trained on that file "
        "(not leave-one-out; left out of the means)"
    )
    print(table(binary_rows))
    print("\nSentiment, 3-class (domains annotated with neutral): accuracy / macro-F1 / macro recall")
    print(table(three_rows))
    print(
        "\nThe neutral-class lever, an upper bound: the shift of the new default's neutral logit that would be best "
        "for each domain, fitted on that domain itself (not a held-out score; the shipped shift is fitted on "
        "licensed tweets only)"
    )
    print(table(oracle_rows))
    if llm_rows:
        print(
            "\nThe local LLM (Qwen2.5-Coder-1.5B, one word) on its labelled rows, with the new default on the same rows"
        )
        print(table(llm_rows))
    return {"per_domain": results, "llm": llm_rows, "seen": {k: sorted(v) for k, v in seen.items()}}


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
            "classifier": f"insightchat fine-tuned (--fine-tune: top {settings.tune_layers} MiniLM layers, "
            f"{settings.epochs} epochs, blended {settings.blend:.0%} with the learned one)",
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
        f"\nBANKING77 train ({len(df):,} queries, {len(set(labels))} intents), {folds}-fold CV; "
        f"embedding took {embed_s:.0f} s"
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
    parser.add_argument("--per-domain", type=int, default=400, help="seeded rows per sentiment domain")
    parser.add_argument("--llm-cache", type=Path, default=None, help="the LLM answers (benchmarks/sentiment_llm.py)")
    parser.add_argument("--old-model", type=Path, default=None, help="a shipped-model folder to compare with")
    parser.add_argument("--json-out", type=Path, default=None)
    args = parser.parse_args(argv)
    wanted = set(args.only.split(","))
    results: dict[str, object] = {}
    if "sentiment" in wanted:
        from benchmarks.sentiment_llm import DEFAULT_CACHE

        results["sentiment"] = sentiment_benchmark(
            args.data, args.per_domain, args.llm_cache or DEFAULT_CACHE, args.old_model
        )
    if "banking" in wanted:
        results["banking77"] = banking_benchmark(args.data)
    if "throughput" in wanted:
        results["throughput"] = throughput_benchmark(args.data, args.naive_rows)
    if args.json_out:
        args.json_out.write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
