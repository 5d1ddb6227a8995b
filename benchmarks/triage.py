"""Benchmark of support-ticket triage on held-out labelled data (not a test).

    python -m benchmarks.triage [--data ../shared/data/triage] [--limit N] [--seed 0] [--json OUT]

Runs the project's full triage (``insightchat.tools.triage.triage_table``: sentiment, language,
embeddings, learned intent and urgency, duplicates, similar tickets, routing) with the labelled
history in one table and the tickets to triage in another, then scores its columns against the
held-out labels:

* BANKING77 train (77 intents) and Bitext (27 intents): a fixed-seed stratified split, intent
  accuracy and macro-F1;
* ``support_tickets_dev.csv`` (English and German): queue accuracy and macro-F1, priority accuracy
  and macro-F1 (the learned urgency), language detection accuracy; trained once on all languages and
  once on the English training rows only, both scored on the same held-out tickets, so the German
  rows show what English-only training costs.

Every row also has the majority-class baseline of its training split, in the same run, and the
throughput of the triage call (tickets per second, training included; the first run on a data set
is cold, the second reuses the embeddings and sentiment cached in the workspace). ``--limit`` samples
that many rows (stratified) from each data set before splitting, for a quicker run on small machines.
The ticket set is CC BY-NC 4.0: it is scored here and never used to ship a model.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("INSIGHTCHAT_PROGRESS", "0")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "triage"


@dataclass
class Score:
    """One scored field of one run, beside the majority class of the training split."""

    data: str
    run: str
    field: str
    rows: int
    accuracy: float
    macro_f1: float
    majority_accuracy: float
    majority_f1: float
    tickets_per_s: float


@dataclass
class Split:
    name: str
    train: pd.DataFrame  # columns: text and the label columns
    test: pd.DataFrame


def _stratified_sample(frame: pd.DataFrame, label: str, n: int | None, seed: int) -> pd.DataFrame:
    """At most ``n`` rows keeping each label's share (labels too rare to keep two rows are dropped)."""
    counts = frame[label].value_counts()
    frame = frame[frame[label].isin(counts[counts >= 2].index)]
    if n is None or n >= len(frame):
        return frame.reset_index(drop=True)
    kept, _ = train_test_split(frame, train_size=n, stratify=frame[label], random_state=seed)
    counts = kept[label].value_counts()
    return kept[kept[label].isin(counts[counts >= 2].index)].reset_index(drop=True)


def _split(name: str, frame: pd.DataFrame, label: str, test_size: float, seed: int) -> Split:
    train, test = train_test_split(frame, test_size=test_size, stratify=frame[label], random_state=seed)
    return Split(name, train.reset_index(drop=True), test.reset_index(drop=True))


def load_banking(data: Path, limit: int | None, seed: int) -> Split:
    frame = pd.read_csv(data / "banking77_train.csv").rename(columns={"category": "intent"})
    return _split("BANKING77 train", _stratified_sample(frame, "intent", limit, seed), "intent", 0.2, seed)


def load_bitext(data: Path, limit: int | None, seed: int) -> Split:
    frame = pd.read_csv(data / "bitext_support_20k.csv", encoding="utf-8-sig").rename(columns={"utterance": "text"})
    frame = frame[["text", "intent", "category"]]
    return _split("Bitext", _stratified_sample(frame, "intent", limit, seed), "intent", 0.2, seed)


def load_tickets(data: Path, limit: int | None, seed: int) -> Split:
    frame = pd.read_csv(data / "support_tickets_dev.csv")
    frame["text"] = (frame["subject"].fillna("") + "\n" + frame["body"].fillna("")).str.strip()
    frame["strata"] = frame["queue"] + "/" + frame["language"]
    frame = frame[["text", "queue", "priority", "language", "strata"]]
    return _split("support tickets", _stratified_sample(frame, "strata", limit, seed), "strata", 0.3, seed)


def _majority(train: pd.Series, test: pd.Series) -> tuple[float, float]:
    guess = [train.value_counts().idxmax()] * len(test)
    return accuracy_score(test, guess), f1_score(test, guess, average="macro", zero_division=0)


def _score(data: str, run: str, field: str, truth: pd.Series, pred: pd.Series, train: pd.Series, rate: float) -> Score:
    truth, pred = truth.astype(str).reset_index(drop=True), pred.astype(str).reset_index(drop=True)
    base_acc, base_f1 = _majority(train.astype(str), truth)
    return Score(
        data,
        run,
        field,
        len(truth),
        accuracy_score(truth, pred),
        f1_score(truth, pred, average="macro", zero_division=0),
        base_acc,
        base_f1,
        rate,
    )


def triage(ws, train: pd.DataFrame, test: pd.DataFrame, tag: str, label: str, priority: str | None):
    """Triage ``test`` with ``train`` as the labelled history; the per-ticket frame and tickets per second."""
    from insightchat.tools.triage import TriageOptions, triage_table

    ws.add_dataframe(train[["text", label] + ([priority] if priority else [])], f"train_{tag}")
    ws.add_dataframe(test[["text"]], f"test_{tag}")
    opts = TriageOptions(train_table=f"train_{tag}", label_column=label, priority_column=priority, folds=2)
    start = time.perf_counter()
    result = triage_table(ws, f"test_{tag}", "text", opts)
    seconds = time.perf_counter() - start
    return result.tickets.reset_index(drop=True), len(test) / seconds


def _runs(data: Path, limit: int | None, seed: int, which: list[str]) -> Iterator[Score]:
    from insightchat.tools.workspace import Workspace

    for key, loader in (("banking77", load_banking), ("bitext", load_bitext)):
        if key not in which:
            continue
        split = loader(data, limit, seed)
        with_ws = Workspace()
        try:
            out, rate = triage(with_ws, split.train, split.test, key, "intent", None)
            yield _score(
                split.name, "all rows", "intent", split.test["intent"], out["intent"], split.train["intent"], rate
            )
        finally:
            with_ws.close()
    if "tickets" not in which:
        return
    split = load_tickets(data, limit, seed)
    ws = Workspace()
    try:
        english = split.train[split.train["language"] == "en"]
        for run, train in (("train en+de", split.train), ("train en only", english)):
            out, rate = triage(ws, train, split.test, run.split()[-1].replace("+", ""), "queue", "priority")
            for lang, mask in (
                ("all", slice(None)),
                ("en", split.test["language"] == "en"),
                ("de", split.test["language"] == "de"),
            ):
                test, got = split.test[mask], out[mask] if lang != "all" else out
                where = f"{run}, test {lang}"
                yield _score(split.name, where, "queue", test["queue"], got["intent"], train["queue"], rate)
                yield _score(split.name, where, "priority", test["priority"], got["urgency"], train["priority"], rate)
            code = out.get("language_code", out.get("language"))
            yield _score(split.name, run, "language", split.test["language"], code, train["language"], rate)
    finally:
        ws.close()


def _table(scores: list[Score]) -> str:
    lines = [
        "| data | run | field | rows | accuracy | macro-F1 | majority acc | majority F1 | tickets/s |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for s in scores:
        lines.append(
            f"| {s.data} | {s.run} | {s.field} | {s.rows:,} | {s.accuracy:.1%} | {s.macro_f1:.3f} | "
            f"{s.majority_accuracy:.1%} | {s.majority_f1:.3f} | {s.tickets_per_s:.1f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder with the triage data sets")
    parser.add_argument("--limit", type=int, default=None, help="rows sampled (stratified) per data set")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", default="banking77,bitext,tickets", help="comma-separated data sets to run")
    parser.add_argument("--json", type=Path, default=None, help="also write the scores as JSON lines")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        print(f"error: no data folder {args.data}", file=sys.stderr)
        return 2
    which = [w.strip() for w in args.only.split(",") if w.strip()]
    scores: list[Score] = []
    runs = _runs(args.data, args.limit, args.seed, which)
    if sys.stderr.isatty():
        from tqdm import tqdm

        runs = tqdm(runs, unit="score", file=sys.stderr)
    start = time.perf_counter()
    for s in runs:
        scores.append(s)
    print(_table(scores))
    print(f"\n{time.perf_counter() - start:.0f} s in all; limit {args.limit or 'none'}, seed {args.seed}")
    if args.json:
        args.json.write_text("".join(json.dumps(asdict(s)) + "\n" for s in scores))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
