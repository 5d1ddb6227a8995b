"""Text-model tools over a text column: sentiment, zero-shot and learned classification, topics, similarity.

Each capability is a plain typed function (used by the CLI and by tests) plus a registered tool that
wraps it in a :class:`ToolResult` for planners. Every tool that scores rows writes derived columns
into DuckDB (see :mod:`insightchat.tools.derived`), so a planner can follow up with SQL such as
``SELECT product, count(*) FROM reviews WHERE sentiment = 'negative' GROUP BY product``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from insightchat.models.zero_shot import DEFAULT_THRESHOLD, ZeroShotClassifier, parse_labels
from insightchat.tools import derived
from insightchat.tools.derived import LABELS, SENTIMENT, TOPICS, quote
from insightchat.tools.errors import InsightError
from insightchat.tools.registry import Writes, tool
from insightchat.tools.results import ChartSpec, ToolResult
from insightchat.tools.workspace import Workspace

if TYPE_CHECKING:  # the model modules import torch / sklearn: loaded on first use, not with the registry
    from insightchat.models.embeddings import Embedder
    from insightchat.models.finetuned import FineTunedTextClassifier, FineTuneSettings
    from insightchat.models.learned import CVReport, LearnedTextClassifier

    TextClassifier = LearnedTextClassifier | FineTunedTextClassifier


def _embedder(spec: str | None = None) -> Embedder:
    from insightchat.models.embeddings import default_embedder, shared_embedder

    return shared_embedder(spec) if spec else default_embedder()


def _digest(*parts: Any) -> str:
    return hashlib.sha1(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:12]


@dataclass
class TextColumn:
    """A resolved text column: table, column, values in row order, and the md5 of each usable value."""

    table: str
    column: str
    texts: pd.Series
    hashes: list[str | None]

    @property
    def usable_rows(self) -> int:
        return sum(h is not None for h in self.hashes)

    @property
    def skipped_rows(self) -> int:
        return len(self.hashes) - self.usable_rows

    def distinct(self, only: set[str] | None = None) -> tuple[list[str], list[str]]:
        """Distinct usable (hash, text) pairs, optionally only those whose hash is in ``only``."""
        seen: dict[str, str] = {}
        for h, t in zip(self.hashes, self.texts, strict=True):
            if h is not None and h not in seen and (only is None or h in only):
                seen[h] = t
        return list(seen), list(seen.values())

    def warnings(self) -> list[str]:
        out = []
        if self.skipped_rows:
            out.append(f"{self.skipped_rows:,} row(s) with empty or NULL {self.column} were left without a value")
        return out


def load_text_column(ws: Workspace, table: str | None, column: str) -> TextColumn:
    name = derived.resolve_table(ws, table)
    col = derived.resolve_text_column(ws, name, column)
    texts = derived.read_texts(ws, name, col)
    return TextColumn(name, col, texts, derived.hashes_of(texts))


def _embed(ws: Workspace, texts: list[str], embedding_model: str | None = None) -> tuple[np.ndarray, str]:
    """Unit vectors for ``texts`` through the DuckDB embedding cache; returns (vectors, model id)."""
    from insightchat.models.embeddings import EmbeddingStore, embed_cached

    embedder = _embedder(embedding_model)
    vecs = embed_cached(texts, embedder, EmbeddingStore(ws))
    return vecs, embedder.model_id


# ============================================================================ sentiment
@dataclass
class SentimentRun:
    table: str
    column: str
    columns: dict[str, str]  # sentiment / sentiment_score -> names in the table
    model_id: str
    scored: int  # distinct texts that went through the model this time
    cached: int  # distinct texts whose value was already stored
    summary: pd.DataFrame
    warnings: list[str] = field(default_factory=list)


def add_sentiment(ws: Workspace, table: str | None, column: str, model: str | None = None) -> SentimentRun:
    """Score ``column`` negative / neutral / positive and add ``sentiment`` and ``sentiment_score`` to the table."""
    from insightchat.models.sentiment import labels_and_scores, load_sentiment_model

    col = load_text_column(ws, table, column)
    scorer = load_sentiment_model(model)
    all_hashes = [h for h in col.hashes if h is not None]
    todo = derived.missing_hashes(ws, SENTIMENT, scorer.model_id, all_hashes)
    hashes, texts = col.distinct(todo)
    if texts:
        labels, scores = labels_and_scores(scorer.predict_proba(texts))
        derived.store_values(
            ws,
            SENTIMENT,
            scorer.model_id,
            pd.DataFrame({"text_hash": hashes, "sentiment": labels, "sentiment_score": scores}),
        )
    names = derived.attach(ws, col.table, SENTIMENT, col.column, scorer.model_id)
    s, sc = quote(names["sentiment"]), quote(names["sentiment_score"])
    summary = ws.query_df(
        f"SELECT {s} AS sentiment, count(*) AS rows, round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS share_pct, "
        f"round(avg({sc}), 3) AS avg_score FROM {quote(col.table)} WHERE {s} IS NOT NULL GROUP BY 1 "
        f"ORDER BY CASE {s} WHEN 'negative' THEN 0 WHEN 'neutral' THEN 1 ELSE 2 END"
    )
    n_distinct = len(set(all_hashes))
    return SentimentRun(
        col.table, col.column, names, scorer.model_id, len(texts), n_distinct - len(texts), summary, col.warnings()
    )


def add_sentiment_parts(
    ws: Workspace,
    table: str | None,
    column: str,
    per: str,
    aspects: str | list[str] | None = None,
    model: str | None = None,
) -> tuple[str, pd.DataFrame]:
    """One row per sentence (``per="sentence"``) or aspect mention (``per="aspect"``) of ``column``, as a new
    table ``<table>_<column>_<per>s`` (row = the text's position in the table, from 1); returns (name, summary)."""
    from insightchat.models.sentiment import load_sentiment_model
    from insightchat.models.sentiment_parts import analyse_texts

    col = load_text_column(ws, table, column)
    results = analyse_texts(col.texts.tolist(), per, aspects, load_sentiment_model(model))  # type: ignore[arg-type]
    rows = [
        {
            "row": i + 1,
            "part_no": j + 1,
            "aspect": p.aspect,
            "part": p.text,
            "sentiment": p.label,
            "sentiment_score": p.score,
        }
        for i, r in enumerate(results)
        for j, p in enumerate(r.parts)
    ]
    frame = pd.DataFrame(rows, columns=["row", "part_no", "aspect", "part", "sentiment", "sentiment_score"])
    if per != "aspect":
        frame = frame.drop(columns="aspect")
    name = ws.add_dataframe(frame, f"{col.table}_{col.column}_{per}s")  # a rerun gets a fresh name (..._2)
    key = "aspect" if per == "aspect" else "sentiment"
    summary = ws.query_df(
        f"SELECT {key}, count(*) AS parts, round(avg(sentiment_score), 3) AS avg_score, "
        "count(*) FILTER (WHERE sentiment = 'negative') AS negative, "
        "count(*) FILTER (WHERE sentiment = 'neutral') AS neutral, "
        f"count(*) FILTER (WHERE sentiment = 'positive') AS positive FROM {quote(name)} GROUP BY 1 ORDER BY 2 DESC"
    )
    return name, summary


@tool("score_sentiment", writes=Writes.DERIVED)
def score_sentiment(
    ws: Workspace,
    table: str,
    column: str,
    model: str | None = None,
    per: str = "text",
    aspects: str | None = None,
) -> ToolResult:
    """Score the sentiment (negative / neutral / positive) of a text column, e.g. reviews or tickets.

    Adds two columns to the table: ``sentiment`` (the label) and ``sentiment_score`` (P(positive) minus
    P(negative), from -1 to 1), so later SQL can GROUP BY sentiment or average sentiment_score.
    Values are cached by text and model: asking again is instant. ``model`` is optional: a folder or
    hub id of a transformers sentiment model instead of the built-in default. Long texts are judged
    as a whole; ``per="sentence"`` also adds a table with one row per sentence, and ``per="aspect"`` with
    ``aspects="battery,screen"`` one row per mention of each aspect, summarised per aspect.

    Args:
        table: The table that holds the texts.
        column: The text column to score.
        model: A transformers sentiment model folder or hub id; default: the built-in model.
        per: 'text' (each text whole), 'sentence' or 'aspect' (also one scored row per part).
        aspects: With per='aspect': the aspects to look for, comma-separated, e.g. 'battery,screen'.
    """
    if per != "text":
        add_sentiment(ws, table, column, model)
        name, summary = add_sentiment_parts(ws, table, column, per, aspects, model)
        what = "aspect mentions" if per == "aspect" else "sentences"
        return ToolResult(
            tool="score_sentiment",
            for_model=f"Scored {what} of {column!r} into table {name!r}.\n" + summary.to_csv(index=False),
            data=summary,
            chart=ChartSpec("bar", "aspect" if per == "aspect" else "sentiment", "parts", title=f"Sentiment of {what}"),
            title=f"Scored sentiment of {int(summary['parts'].sum()) if len(summary) else 0:,} {what} of {column}",
            details=f"new table: {name} (row, part_no, part, sentiment, sentiment_score)",
            total_rows=len(summary),
            meta={"table": name, "per": per},
        )
    run = add_sentiment(ws, table, column, model)
    cols = run.columns
    total = int(run.summary["rows"].sum()) if len(run.summary) else 0
    return ToolResult(
        tool="score_sentiment",
        for_model=(
            f"Added columns {cols['sentiment']!r} and {cols['sentiment_score']!r} (-1..1) to table {run.table!r} "
            f"from column {run.column!r}.\n" + run.summary.to_csv(index=False)
        ),
        data=run.summary,
        chart=ChartSpec("bar", "sentiment", "rows", title=f"Sentiment of {run.column}"),
        title=f"Scored sentiment of {total:,} {run.column} values",
        details=f"model: {run.model_id}; newly scored {run.scored:,} distinct texts, {run.cached:,} from cache; "
        f"new columns: {cols['sentiment']}, {cols['sentiment_score']}",
        total_rows=len(run.summary),
        warnings=run.warnings,
        meta={"table": run.table, "columns": cols, "model": run.model_id, "scored": run.scored, "cached": run.cached},
    )


# ============================================================================ classification
@dataclass
class LabelRun:
    table: str
    column: str
    columns: dict[str, str]  # label / label_score -> names in the table
    method: str  # "zero-shot", "learned" or "fine-tuned"
    key: str
    counts: pd.DataFrame
    report: CVReport | None = None
    saved_to: str | None = None
    warnings: list[str] = field(default_factory=list)


def _label_counts(ws: Workspace, table: str, names: dict[str, str]) -> pd.DataFrame:
    lab, score = quote(names["label"]), quote(names["label_score"])
    return ws.query_df(
        f"SELECT {lab} AS label, count(*) AS rows, round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS share_pct, "
        f"round(avg({score}), 3) AS avg_confidence FROM {quote(table)} WHERE {lab} IS NOT NULL "
        "GROUP BY 1 ORDER BY rows DESC, label"
    )


def add_zero_shot_labels(
    ws: Workspace,
    table: str | None,
    column: str,
    labels: str | list[str],
    descriptions: dict[str, str] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    embedding_model: str | None = None,
) -> LabelRun:
    """Label each row with one of ``labels`` by embedding similarity; ``other`` when unsure."""
    real, fallback = parse_labels(labels)
    descriptions = {k: v for k, v in (descriptions or {}).items() if v}
    from insightchat.models.embeddings import EmbeddingStore, embed_cached

    col = load_text_column(ws, table, column)
    embedder = _embedder(embedding_model)
    key = "zs:" + _digest(embedder.model_id, real, fallback, descriptions, threshold)
    todo = derived.missing_hashes(ws, LABELS, key, [h for h in col.hashes if h is not None])
    hashes, texts = col.distinct(todo)
    if texts:
        store = EmbeddingStore(ws)
        clf = ZeroShotClassifier(
            real,
            lambda t: embed_cached(list(t), embedder, store),
            descriptions,
            threshold,
            other_label=fallback or "other",
        )
        vecs = embed_cached(texts, embedder, store)
        predicted, conf = clf.predict_vectors(vecs)
        derived.store_values(
            ws, LABELS, key, pd.DataFrame({"text_hash": hashes, "label": predicted, "label_score": conf})
        )
    names = derived.attach(ws, col.table, LABELS, col.column, key)
    return LabelRun(
        col.table, col.column, names, "zero-shot", key, _label_counts(ws, col.table, names), warnings=col.warnings()
    )


def _labelled_rows(
    ws: Workspace, table: str | None, column: str, label_column: str
) -> tuple[list[str], list[str], str]:
    name = derived.resolve_table(ws, table)
    col = derived.resolve_text_column(ws, name, column)
    cols = {c.lower(): c for c, _ in derived.base_columns(ws, name)}
    if label_column.lower() not in cols:
        raise InsightError(
            f"Table {name!r} has no label column {label_column!r}", f"columns: {', '.join(cols.values())}"
        )
    lab = cols[label_column.lower()]
    df = ws.query_df(
        f"SELECT CAST({quote(col)} AS VARCHAR) AS t, CAST({quote(lab)} AS VARCHAR) AS y FROM {quote(name)} "
        f"WHERE {quote(lab)} IS NOT NULL AND trim(CAST({quote(lab)} AS VARCHAR)) <> ''"
    )
    df = df[df["t"].map(derived.usable)]
    if df.empty:
        raise InsightError(
            f"No labelled rows in {name}.{lab}", "the label column is empty; use zero-shot labels instead"
        )
    return df["t"].tolist(), df["y"].str.strip().tolist(), name


def train_text_classifier_run(
    ws: Workspace,
    table: str | None,
    column: str,
    label_column: str,
    target_table: str | None = None,
    target_column: str | None = None,
    folds: int = 5,
    save_to: str | None = None,
    embedding_model: str | None = None,
    fine_tune: FineTuneSettings | None = None,
) -> LabelRun:
    """Learn from labelled rows, report cross-validated metrics, then label every row of the target table.

    ``fine_tune`` switches from the fast linear classifier on frozen embeddings (seconds) to re-tuning the
    encoder's top layers on the labelled rows (minutes on a CPU; more accurate on many-label data).
    """
    texts, y, source_table = _labelled_rows(ws, table, column, label_column)
    vecs, model_id = _embed(ws, texts, embedding_model)
    clf = _new_classifier(model_id, fine_tune)
    report = clf.cross_validate(texts, vecs, y, folds=folds)
    clf.fit(texts, vecs, y)
    settings = None if fine_tune is None else dataclasses.asdict(fine_tune)
    key = "learned:" + _digest(model_id, [derived.text_hash(t) for t in texts], y, *([settings] if settings else []))
    saved = str(clf.save(save_to)) if save_to else None
    run = _apply(ws, clf, target_table or source_table, target_column or column, key, embedding_model)
    run.report, run.saved_to = report, saved
    run.warnings = report.warnings + run.warnings
    return run


def _new_classifier(model_id: str, fine_tune: FineTuneSettings | None) -> TextClassifier:
    from insightchat.models.learned import LearnedTextClassifier

    if fine_tune is None:
        return LearnedTextClassifier(model_id)
    from insightchat.models.finetuned import FineTunedTextClassifier

    return FineTunedTextClassifier(model_id, fine_tune)


def _method(clf: TextClassifier) -> str:
    from insightchat.models.learned import LearnedTextClassifier

    return "learned" if isinstance(clf, LearnedTextClassifier) else "fine-tuned"


def _folder_digest(folder: Path) -> str:
    """A digest of every file of a saved classifier: the cache key of the labels it produced."""
    h = hashlib.sha1()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(folder)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:12]


def apply_text_classifier_run(ws: Workspace, table: str | None, column: str, path: str) -> LabelRun:
    """Label a text column with a classifier saved earlier by ``train_text_classifier`` (either kind)."""
    from insightchat.models.learned import encoder_spec
    from insightchat.models.saved import load_classifier

    clf = load_classifier(path)
    return _apply(ws, clf, table, column, f"learned:{_folder_digest(Path(path))}", encoder_spec(clf.embedding_model))


def _apply(
    ws: Workspace, clf: TextClassifier, table: str | None, column: str, key: str, embedding_model: str | None
) -> LabelRun:
    """Label the distinct texts not labelled under ``key`` yet; ``embedding_model`` is the spec the
    classifier was trained with."""
    col = load_text_column(ws, table, column)
    todo = derived.missing_hashes(ws, LABELS, key, [h for h in col.hashes if h is not None])
    hashes, texts = col.distinct(todo)
    if texts:
        vecs, _ = _embed(ws, texts, embedding_model)
        predicted, conf = clf.predict(texts, vecs)
        derived.store_values(
            ws, LABELS, key, pd.DataFrame({"text_hash": hashes, "label": predicted, "label_score": conf})
        )
    names = derived.attach(ws, col.table, LABELS, col.column, key)
    method = _method(clf)
    return LabelRun(
        col.table, col.column, names, method, key, _label_counts(ws, col.table, names), warnings=col.warnings()
    )


def _label_result(run: LabelRun, tool_name: str) -> ToolResult:
    cols = run.columns
    lines = [
        f"Added columns {cols['label']!r} and {cols['label_score']!r} to table {run.table!r} "
        f"({run.method} from {run.column!r})."
    ]
    details = [f"method: {run.method}; new columns: {cols['label']}, {cols['label_score']}"]
    meta: dict[str, Any] = {"table": run.table, "columns": cols, "method": run.method}
    if run.report is not None:
        lines.append(run.report.summary())
        details.append(run.report.summary())
        meta["cv"] = run.report.to_dict()
        meta["confusion"] = run.report.confusion
    if run.saved_to:
        details.append(f"classifier saved to {run.saved_to}")
        meta["saved_to"] = run.saved_to
    return ToolResult(
        tool=tool_name,
        for_model="\n".join(lines) + "\n" + run.counts.to_csv(index=False),
        data=run.counts,
        chart=ChartSpec("bar", "label", "rows", title=f"{run.column} by label"),
        title=(
            f"Labelled {int(run.counts['rows'].sum()) if len(run.counts) else 0:,} {run.column} values ({run.method})"
        ),
        details="\n".join(details),
        total_rows=len(run.counts),
        warnings=run.warnings,
        meta=meta,
    )


@tool("classify_text", writes=Writes.DERIVED)
def classify_text(
    ws: Workspace,
    table: str,
    column: str,
    labels: list[str],
    descriptions: dict | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> ToolResult:
    """Classify a text column into the user's categories from their names alone (zero-shot).

    ``labels`` are the category names, e.g. ["billing", "delivery", "other"]; ``descriptions`` optionally
    maps a label to a sentence describing it. Rows that fit no category well get "other" (or the
    user's own fallback label such as "other" / "unsure"). Adds ``label`` and ``label_score``
    (confidence 0..1) columns to the table for later SQL.

    Args:
        table: The table that holds the texts.
        column: The text column to classify.
        labels: The category names, e.g. ['billing', 'delivery', 'other'].
        descriptions: Optional: a sentence describing each label, keyed by label.
        threshold: Below this confidence (0..1) a row gets the fallback label.
    """
    return _label_result(add_zero_shot_labels(ws, table, column, labels, descriptions, threshold), "classify_text")


@tool("train_text_classifier", writes=Writes.DERIVED, paths=("save_to",))
def train_text_classifier(
    ws: Workspace,
    table: str,
    column: str,
    label_column: str,
    target_table: str | None = None,
    target_column: str | None = None,
    save_to: str | None = None,
    fine_tune: bool = False,
) -> ToolResult:
    """Learn a text classifier from rows that already have a label, then label all rows.

    ``label_column`` holds the known labels (rows where it is empty are the ones to label). Reports
    5-fold cross-validated accuracy, macro precision / recall / F1 and a confusion matrix. Labels the
    text column of ``target_table`` (default: the same table), adding ``label`` and ``label_score``.
    ``save_to`` keeps the trained classifier in a folder for reuse. ``fine_tune`` re-tunes the encoder
    on the labelled rows: more accurate with many labels, but minutes instead of seconds on a CPU;
    use it only when the user asks for the most accurate model.

    Args:
        table: The table with the labelled examples.
        column: Its text column.
        label_column: The column holding the known labels; empty rows are the ones to label.
        target_table: The table to label; default: the same table.
        target_column: The text column of the target table; default: column.
        save_to: A new folder to keep the trained classifier in.
        fine_tune: Re-tune the encoder on the labelled rows (slower, more accurate with many labels).
    """
    from insightchat.models.finetuned import FineTuneSettings

    settings = FineTuneSettings() if fine_tune else None
    return _label_result(
        train_text_classifier_run(
            ws, table, column, label_column, target_table, target_column, save_to=save_to, fine_tune=settings
        ),
        "train_text_classifier",
    )


@tool("apply_text_classifier", writes=Writes.DERIVED, paths=("classifier_path",))
def apply_text_classifier(ws: Workspace, table: str, column: str, classifier_path: str) -> ToolResult:
    """Label a text column with a classifier saved earlier (a folder written by train_text_classifier).

    Args:
        table: The table that holds the texts.
        column: The text column to label.
        classifier_path: The folder a classifier was saved to by train_text_classifier.
    """
    return _label_result(apply_text_classifier_run(ws, table, column, classifier_path), "apply_text_classifier")


# ============================================================================ topics
@dataclass
class TopicRun:
    table: str
    column: str
    columns: dict[str, str]
    topics: pd.DataFrame  # topic_id, topic, rows, share_pct, words, examples
    silhouette: float | None
    warnings: list[str] = field(default_factory=list)


def add_topics(
    ws: Workspace, table: str | None, column: str, n_topics: int | None = None, max_topics: int = 10
) -> TopicRun:
    """Cluster the column into topics (their number chosen by silhouette unless ``n_topics``) and name them."""
    from insightchat.models.topics import find_topics

    col = load_text_column(ws, table, column)
    rows = [(h, t) for h, t in zip(col.hashes, col.texts, strict=True) if h is not None]
    if len(rows) < 3:
        raise InsightError(
            f"Too few texts in {col.table}.{col.column} to find topics ({len(rows)})",
            "topics need at least 3 non-empty texts",
        )
    texts = [t for _, t in rows]
    vecs, model_id = _embed(ws, texts)
    model = find_topics(texts, vecs, k=n_topics, k_max=max_topics)
    key = "topics:" + _digest(model_id, n_topics, max_topics, sorted({h for h, _ in rows}))
    names = [model.topics[a].name for a in model.assignments]
    values = pd.DataFrame(
        {"text_hash": [h for h, _ in rows], "topic": names, "topic_id": model.assignments.astype(int)}
    )
    derived.store_values(ws, TOPICS, key, values)
    cols = derived.attach(ws, col.table, TOPICS, col.column, key)
    frame = pd.DataFrame(
        [
            {
                "topic_id": t.topic_id,
                "topic": t.name,
                "rows": t.count,
                "share_pct": round(100.0 * t.count / len(rows), 1),
                "words": ", ".join(t.words),
                "examples": " | ".join(t.examples),
            }
            for t in model.topics
        ]
    )
    return TopicRun(col.table, col.column, cols, frame, model.silhouette, col.warnings())


@tool("find_topics", writes=Writes.DERIVED)
def find_topics_tool(ws: Workspace, table: str, column: str, n_topics: int | None = None) -> ToolResult:
    """Find what people are talking about in a text column: clusters of similar texts, named by their words.

    The number of topics is chosen automatically unless ``n_topics`` is given. Returns each topic's
    name, size, share, distinctive words and example texts, and adds ``topic`` and ``topic_id`` columns
    to the table for later SQL (e.g. topics of negative reviews).

    Args:
        table: The table that holds the texts.
        column: The text column to find topics in.
        n_topics: How many topics; default: chosen from the data.
    """
    run = add_topics(ws, table, column, n_topics)
    return ToolResult(
        tool="find_topics",
        for_model=f"Added columns {run.columns['topic']!r} and {run.columns['topic_id']!r} to {run.table!r}.\n"
        + run.topics.drop(columns=["examples"]).to_csv(index=False),
        data=run.topics,
        chart=ChartSpec("bar", "topic", "rows", title=f"Topics in {run.column}"),
        title=f"Found {len(run.topics)} topics in {run.column}",
        details=f"k-means on sentence embeddings, k chosen by silhouette ({run.silhouette:.3f})"
        if run.silhouette is not None
        else "k-means on sentence embeddings",
        total_rows=len(run.topics),
        warnings=run.warnings,
        meta={"table": run.table, "columns": run.columns},
    )


# ============================================================================ similarity
def similar_rows(
    ws: Workspace, table: str | None, column: str, query: str | None = None, row: int | None = None, k: int = 5
) -> pd.DataFrame:
    """The ``k`` rows whose text is most similar to ``query`` or to row number ``row`` (0-based, table order)."""
    if (query is None or not str(query).strip()) == (row is None):
        raise InsightError(
            "Give either a query text or a row number", 'e.g. similar to "package arrived broken", or row 12'
        )
    if k < 1:
        raise InsightError("k must be at least 1", "ask for the 5 most similar rows, for example")
    col = load_text_column(ws, table, column)
    idx = [i for i, h in enumerate(col.hashes) if h is not None]
    if not idx:
        raise InsightError(f"{col.table}.{col.column} has no text to compare with", "the column is empty")
    vecs, _ = _embed(ws, [col.texts[i] for i in idx])
    if row is not None:
        if not 0 <= row < len(col.hashes):
            raise InsightError(f"Row {row} does not exist", f"rows are numbered 0 to {len(col.hashes) - 1}")
        if col.hashes[row] is None:
            raise InsightError(f"Row {row} has no text in {col.column}", "pick a row with text")
        target = vecs[idx.index(row)]
    else:
        target, _ = _embed(ws, [str(query)])
        target = target[0]
    sims = vecs @ target
    order = [j for j in np.argsort(-sims) if idx[j] != row][:k]
    picked = {idx[j]: float(sims[j]) for j in order}
    rn = derived.ROW_NUMBER
    ids = ", ".join(str(i) for i in picked) or "-1"
    df = ws.query_df(
        f"SELECT * FROM (SELECT *, row_number() OVER () - 1 AS {quote(rn)} FROM {quote(col.table)}) "
        f"WHERE {quote(rn)} IN ({ids})"
    )
    df.insert(0, "similarity", df[rn].map(picked).round(4))
    df.insert(0, "row", df.pop(rn))
    return df.sort_values("similarity", ascending=False).reset_index(drop=True)


@tool("similar_texts")
def similar_texts(
    ws: Workspace, table: str, column: str, query: str | None = None, row: int | None = None, k: int = 5
) -> ToolResult:
    """Find the k rows whose text is most similar in meaning to a query text or to a given row.

    Give ``query`` (e.g. "package arrived damaged") or ``row`` (0-based row number), not both.
    Returns the rows with a ``similarity`` (cosine, -1..1) and their ``row`` number.

    Args:
        table: The table that holds the texts.
        column: The text column to compare.
        query: A text to find similar rows to.
        row: A 0-based row number to find similar rows to (instead of query).
        k: How many rows to return.
    """
    df = similar_rows(ws, table, column, query, row, k)
    target = f'"{query}"' if query else f"row {row}"
    return ToolResult(
        tool="similar_texts",
        for_model=f"{len(df)} rows most similar to {target}:\n" + df.head(20).to_csv(index=False),
        data=df,
        title=f"Found {len(df)} texts similar to {target}",
        details="cosine similarity of sentence embeddings",
        total_rows=len(df),
    )


# ============================================================================ helpers for planners
TEXT_COLUMN_HINTS = (
    "review",
    "text",
    "comment",
    "feedback",
    "message",
    "body",
    "description",
    "ticket",
    "content",
    "note",
    "summary",
    "title",
)


def pick_text_column(ws: Workspace, table: str | None = None) -> tuple[str, str]:
    """The (table, column) a question about "the reviews" most likely means: the longest free-text column.

    Prefers columns the catalog calls free text, then names such as review/text/comment; raises when
    no opened table has a text column.
    """
    catalog = ws.catalog()
    tables = [derived.resolve_table(ws, table)] if table else ws.table_names()
    best: tuple[float, str, str] | None = None
    for name in tables:
        prof = catalog.table(name)
        if prof is None:
            continue
        texts = set(derived.text_columns(ws, name))
        for col in prof.columns:
            if col.name not in texts:
                continue
            score = (
                (col.avg_length or 0)
                + (100 if col.is_free_text else 0)
                + (50 if any(h in col.name.lower() for h in TEXT_COLUMN_HINTS) else 0)
            )
            score -= 200 if col.is_categorical else 0
            if best is None or score > best[0]:
                best = (score, name, col.name)
    if best is None:
        raise InsightError(
            "No text column to analyse", "open a table with a text column such as reviews or ticket messages"
        )
    return best[1], best[2]


def sentiment_args(ws: Workspace, table: str | None = None, column: str | None = None) -> dict[str, Any]:
    """Arguments for ``score_sentiment``, filling the table / text column a question left implicit."""
    t, c = (derived.resolve_table(ws, table), column) if column else pick_text_column(ws, table)
    return {"table": t, "column": c}


def classify_args(
    ws: Workspace, labels: list[str], table: str | None = None, column: str | None = None
) -> dict[str, Any]:
    """Arguments for ``classify_text`` (zero-shot) from the category names a question lists."""
    return {**sentiment_args(ws, table, column), "labels": labels}


def topics_args(
    ws: Workspace, table: str | None = None, column: str | None = None, n_topics: int | None = None
) -> dict[str, Any]:
    """Arguments for ``find_topics``."""
    return {**sentiment_args(ws, table, column), "n_topics": n_topics}


def similar_args(
    ws: Workspace,
    query: str | None = None,
    row: int | None = None,
    table: str | None = None,
    column: str | None = None,
    k: int = 5,
) -> dict[str, Any]:
    """Arguments for ``similar_texts``."""
    return {**sentiment_args(ws, table, column), "query": query, "row": row, "k": k}


@tool("sentiment_breakdown", writes=Writes.DERIVED)
def sentiment_breakdown(ws: Workspace, table: str, column: str, by: str | None = None) -> ToolResult:
    """Score the sentiment of a text column, then compare it across the groups of another column.

    For "sentiment of reviews by product": one row per value of ``by`` with the row count, the
    average sentiment_score and the share of positive and negative texts (through the safe SQL tool,
    so the SQL is shown). Without ``by`` it returns the overall split, like ``score_sentiment``.

    Args:
        table: The table that holds the texts.
        column: The text column to score.
        by: The column whose groups to compare; default: the overall split.
    """
    from insightchat.tools.sql import run_query

    run = add_sentiment(ws, table, column)
    if not by:
        return score_sentiment(ws, run.table, run.column)
    cols = {c for c, _ in ws.columns(run.table)}
    if by not in cols:
        raise InsightError(f"Unknown column {by!r} in {run.table}", f"columns: {', '.join(sorted(cols))}")
    s, sc, g = quote(run.columns["sentiment"]), quote(run.columns["sentiment_score"]), quote(by)
    sql = (
        f"SELECT {g}, count(*) AS texts, round(avg({sc}), 3) AS avg_sentiment_score, "
        f"round(100.0 * count(*) FILTER (WHERE {s} = 'positive') / count(*), 1) AS positive_pct, "
        f"round(100.0 * count(*) FILTER (WHERE {s} = 'negative') / count(*), 1) AS negative_pct "
        f"FROM {quote(run.table)} WHERE {s} IS NOT NULL GROUP BY {g} ORDER BY avg_sentiment_score DESC"
    )
    result = run_query(ws, sql)
    return ToolResult(
        tool="sentiment_breakdown",
        for_model=f"Sentiment of {run.column} by {by} (model {run.model_id}):\n" + result.df.to_csv(index=False),
        data=result.df,
        sql=result.sql,
        chart=ChartSpec("bar", by, "avg_sentiment_score", title=f"Average sentiment of {run.column} by {by}"),
        title=f"Scored sentiment of {int(run.summary['rows'].sum()):,} {run.column} values, grouped by {by}",
        details=f"model: {run.model_id}; newly scored {run.scored:,}, {run.cached:,} from cache\n{result.sql}",
        total_rows=result.total_rows,
        warnings=run.warnings,
        meta={"table": run.table, "columns": run.columns, "by": by},
    )
