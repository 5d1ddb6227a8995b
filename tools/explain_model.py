"""Why a model labelled a text as it did: word and phrase attributions by occlusion (captum).

Each word is one feature of a presence mask; captum's ``FeatureAblation`` drops it (and, for
phrases, each pair of neighbouring words) and measures how much the probability of the predicted
label falls. Why occlusion rather than gradients: it treats every model alike (the shipped
sentiment transformer, a learned logistic regression over embeddings and TF-IDF, a fine-tuned
encoder), it needs no access to embeddings, and its numbers mean something plain: "without
'broken', P(negative) drops by 0.41".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from insightchat.tools import derived
from insightchat.tools.errors import InsightError
from insightchat.tools.registry import tool
from insightchat.tools.results import ChartSpec, ToolResult
from insightchat.tools.workspace import Workspace

if TYPE_CHECKING:
    import torch

_WORD = re.compile(r"\w+(?:['’]\w+)?", re.UNICODE)
MAX_WORDS = 120
AGGREGATE_TEXTS = 40

Predict = Callable[[Sequence[str]], np.ndarray]  # texts -> (n, classes) probabilities


@dataclass
class TextModel:
    name: str
    classes: list[str]
    predict: Predict


def sentiment_model(spec: str | None = None) -> TextModel:
    from insightchat.models.sentiment import load_sentiment_model
    from insightchat.models.sentiment_net import SENTIMENT_LABELS

    model = load_sentiment_model(spec)
    return TextModel(model.model_id, list(SENTIMENT_LABELS), lambda texts: model.predict_proba(list(texts)))


def classifier_model(path: str) -> TextModel:
    """A classifier saved by ``train_text_classifier`` (either kind), with its embedding model."""
    from insightchat.models.embeddings import shared_embedder
    from insightchat.models.learned import encoder_spec
    from insightchat.models.saved import load_classifier

    clf = load_classifier(path)
    embedder = shared_embedder(encoder_spec(clf.embedding_model))

    def predict(texts: Sequence[str]) -> np.ndarray:
        vecs = embedder.encode(list(texts), desc="explaining")
        return clf.predict_proba(list(texts), vecs)

    return TextModel(f"classifier:{path}", list(clf.classes), predict)


@dataclass
class Attribution:
    text: str
    label: str
    probability: float
    words: pd.DataFrame  # word, start, end, attribution (drop in P(label) without it)
    phrases: pd.DataFrame  # phrase, attribution
    model: str
    notes: list[str] = field(default_factory=list)

    def top(self, k: int = 8) -> pd.DataFrame:
        return self.words.reindex(self.words["attribution"].abs().sort_values(ascending=False).index).head(k)


def _spans(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _WORD.finditer(text)]


def _without(text: str, spans: list[tuple[int, int]], keep: np.ndarray) -> str:
    out, last = [], 0
    for (start, end), k in zip(spans, keep, strict=True):
        out.append(text[last:start])
        if k:
            out.append(text[start:end])
        last = end
    out.append(text[last:])
    return re.sub(r"\s{2,}", " ", "".join(out)).strip()


def attribute(text: str, model: TextModel, label: str | None = None) -> Attribution:
    """Attributions of each word (and each pair of neighbouring words) to ``label`` (default: the predicted one)."""
    import torch  # here, not at import: the registry loads this module for every first question
    from captum.attr import FeatureAblation

    if not text or not text.strip():
        raise InsightError("The text is empty", "pick a row whose text is not empty")
    spans = _spans(text)
    notes = []
    if len(spans) > MAX_WORDS:
        notes.append(f"Only the first {MAX_WORDS} of {len(spans)} words were tested one by one.")
        spans = spans[:MAX_WORDS]
    full = model.predict([text])[0]
    index = int(np.argmax(full)) if label is None else _class_index(model, label)
    if not spans:
        empty = pd.DataFrame(columns=["word", "start", "end", "attribution"])
        return Attribution(
            text,
            model.classes[index],
            float(full[index]),
            empty,
            empty.rename(columns={"word": "phrase"}),
            model.name,
            notes,
        )

    def forward(mask: torch.Tensor) -> torch.Tensor:
        texts = [_without(text, spans, row.numpy() > 0.5) for row in mask]
        return torch.tensor(model.predict(texts)[:, index], dtype=torch.float32)

    ablation = FeatureAblation(forward)
    ones = torch.ones(1, len(spans))
    per_word = ablation.attribute(ones, baselines=0.0, perturbations_per_eval=32)[0].numpy()
    words = pd.DataFrame(
        {
            "word": [text[a:b] for a, b in spans],
            "start": [a for a, _ in spans],
            "end": [b for _, b in spans],
            "attribution": np.round(per_word.astype(float), 4),
        }
    )
    phrases = []
    for offset in (0, 1):
        groups = [(i - offset) // 2 if i >= offset else -1 for i in range(len(spans))]
        mask = torch.tensor([[g + 1 for g in groups]])  # group 0: the lone first word at offset 1
        if len(set(groups)) < 2:
            continue
        per_pair = ablation.attribute(ones, baselines=0.0, feature_mask=mask, perturbations_per_eval=32)[0].numpy()
        for g in sorted(set(groups)):
            members = [i for i, x in enumerate(groups) if x == g]
            if len(members) == 2 and not re.search(r"[.!?;,:]", text[spans[members[0]][1] : spans[members[1]][0]]):
                a, b = spans[members[0]][0], spans[members[1]][1]
                phrases.append({"phrase": text[a:b], "attribution": round(float(per_pair[members[0]]), 4)})
    phrase_frame = pd.DataFrame(phrases, columns=["phrase", "attribution"])
    phrase_frame = phrase_frame.sort_values("attribution", key=abs, ascending=False).reset_index(drop=True)
    return Attribution(text, model.classes[index], float(full[index]), words, phrase_frame, model.name, notes)


def _class_index(model: TextModel, label: str) -> int:
    lowered = [c.lower() for c in model.classes]
    if label.lower() not in lowered:
        raise InsightError(f"The model has no label {label!r}", f"labels: {', '.join(model.classes)}")
    return lowered.index(label.lower())


def load_model(classifier: str | None = None, sentiment: str | None = None) -> TextModel:
    return classifier_model(classifier) if classifier else sentiment_model(sentiment)


def row_text(ws: Workspace, table: str | None, column: str, row: int) -> tuple[str, str, str]:
    """(table, column, text) of row ``row`` (0-based, in table order)."""
    name = derived.resolve_table(ws, table)
    col = derived.resolve_text_column(ws, name, column)
    texts = derived.read_texts(ws, name, col)
    if not 0 <= row < len(texts):
        raise InsightError(f"Row {row} does not exist", f"rows are numbered 0 to {len(texts) - 1}")
    text = texts.iloc[row]
    if not derived.usable(text):
        raise InsightError(f"Row {row} has no text in {col}", "pick a row with text")
    return name, col, str(text)


def highlight_html(att: Attribution) -> str:
    """The text with each word shaded by its attribution (red pushes towards the label's opposite)."""
    import html

    scale = float(att.words["attribution"].abs().max() or 1.0) if len(att.words) else 1.0
    out, last = [], 0
    for _, w in att.words.iterrows():
        out.append(html.escape(att.text[last : int(w["start"])]))
        a = float(w["attribution"]) / scale
        colour = f"rgba(0,168,107,{abs(a):.2f})" if a > 0 else f"rgba(239,85,59,{abs(a):.2f})"
        title = f"{w['attribution']:+.3f}"
        out.append(
            f'<span style="background:{colour};border-radius:3px" title="{title}">{html.escape(str(w["word"]))}</span>'
        )
        last = int(w["end"])
    out.append(html.escape(att.text[last:]))
    return (
        f"<div><b>{html.escape(att.label)}</b> ({att.probability:.0%}) — green words push towards it, red against it."
        f'<p style="line-height:1.8">{"".join(out)}</p></div>'
    )


def narrate_attribution(att: Attribution, k: int = 5) -> str:
    top = att.words.sort_values("attribution", ascending=False)
    push = [f"'{r.word}' ({r.attribution:+.3f})" for r in top.head(k).itertuples() if r.attribution > 0]
    against = [f"'{r.word}' ({r.attribution:+.3f})" for r in top.tail(k).itertuples() if r.attribution < 0][::-1]
    text = f"The model ({att.model}) labels this text {att.label} with probability {att.probability:.3f}."
    if push:
        text += (
            f" Words that push it towards {att.label} (the drop in that probability without them): "
            + ", ".join(push)
            + "."
        )
    if against:
        text += " Words that pull against it: " + ", ".join(against[:3]) + "."
    if len(att.phrases) and att.phrases["attribution"].iloc[0] > 0:
        p = att.phrases.iloc[0]
        text += f" The strongest phrase is '{p['phrase']}' ({p['attribution']:+.3f})."
    return text


# ---------------------------------------------------------------------------------------------- over a column
def label_words(
    ws: Workspace,
    table: str | None,
    column: str,
    label: str,
    where_column: str | None = None,
    where_value: str | None = None,
    classifier: str | None = None,
    max_texts: int = AGGREGATE_TEXTS,
) -> tuple[pd.DataFrame, int, str]:
    """Words that most push the model towards ``label`` across the column's texts (optionally one segment).

    Reads the texts the model gives ``label`` (up to ``max_texts``, the most confident first), sums
    each word's attribution over them and counts in how many texts it appears.
    """
    from insightchat.tools.report.scope import lit, q

    name = derived.resolve_table(ws, table)
    col = derived.resolve_text_column(ws, name, column)
    where = f"trim(CAST({q(col)} AS VARCHAR)) <> ''"
    if where_column:
        cols = {c.lower(): c for c, _ in ws.columns(name)}
        if where_column.lower() not in cols:
            raise InsightError(f"Unknown column {where_column!r} in {name}", f"columns: {', '.join(cols.values())}")
        where += f" AND CAST({q(cols[where_column.lower()])} AS VARCHAR) = {lit(str(where_value))}"
    texts = ws.query_df(f"SELECT DISTINCT CAST({q(col)} AS VARCHAR) AS t FROM {q(name)} WHERE {where} LIMIT 2000")[
        "t"
    ].tolist()
    if not texts:
        raise InsightError("No texts match", "check the column and the filter value")
    model = load_model(classifier)
    index = _class_index(model, label)
    probs = model.predict(texts)
    chosen = [texts[i] for i in np.argsort(-probs[:, index]) if int(np.argmax(probs[i])) == index][:max_texts]
    if not chosen:
        raise InsightError(f"The model labels none of these texts {label}", f"labels: {', '.join(model.classes)}")
    totals: dict[str, list[float]] = {}
    for text in chosen:
        att = attribute(text, model, label)
        seen: dict[str, float] = {}
        for w, a in zip(att.words["word"].str.lower(), att.words["attribution"], strict=True):
            seen[w] = seen.get(w, 0.0) + float(a)
        for w, a in seen.items():
            totals.setdefault(w, []).append(a)
    frame = pd.DataFrame(
        [
            {
                "word": w,
                "texts": len(v),
                "total_attribution": round(sum(v), 4),
                "mean_attribution": round(float(np.mean(v)), 4),
            }
            for w, v in totals.items()
        ]
    )
    frame = (
        frame[frame["total_attribution"] > 0].sort_values("total_attribution", ascending=False).reset_index(drop=True)
    )
    return frame, len(chosen), model.name


@tool("explain_text_label", paths=("classifier_path",))
def explain_text_label(
    ws: Workspace, table: str, column: str, row: int, classifier_path: str | None = None
) -> ToolResult:
    """Explain why the sentiment model (or a saved classifier) labelled one row's text as it did.

    ``row`` is the 0-based row number. Returns each word's attribution: how much the probability of
    the predicted label drops when the word is removed (positive: the word pushes towards the label).

    Args:
        table: The table that holds the text.
        column: The text column.
        row: The 0-based row number of the text to explain.
        classifier_path: A saved classifier's folder; default: the sentiment model.
    """
    name, col, text = row_text(ws, table, column, row)
    att = attribute(text, load_model(classifier_path))
    narration = narrate_attribution(att)
    data = att.top(15)[["word", "attribution"]].reset_index(drop=True)
    return ToolResult(
        tool="explain_text_label",
        for_model=narration + "\n" + data.to_csv(index=False),
        data=data,
        chart=ChartSpec("bar", "word", "attribution", title=f"Why row {row} is {att.label}"),
        title=f"Explained the {att.label} label of {name}.{col} row {row}",
        details=f"occlusion (captum FeatureAblation) with {att.model}; text: {text[:300]}",
        total_rows=len(data),
        warnings=att.notes,
        meta={"narration": narration, "highlight_html": highlight_html(att), "label": att.label},
    )


@tool("words_for_label", paths=("classifier_path",))
def words_for_label(
    ws: Workspace,
    table: str,
    column: str,
    label: str = "negative",
    where_column: str | None = None,
    where_value: str | None = None,
    classifier_path: str | None = None,
) -> ToolResult:
    """Which words push a text column towards a label, e.g. "which words push reviews of product X negative?".

    ``label`` is a sentiment (negative / neutral / positive) or a saved classifier's label; the texts
    can be limited to rows where ``where_column`` equals ``where_value``. Sums word attributions
    (occlusion) over up to 40 of the texts the model gives that label.

    Args:
        table: The table that holds the texts.
        column: The text column.
        label: A sentiment (negative, neutral, positive) or a saved classifier's label.
        where_column: Only texts of rows where this column equals where_value.
        where_value: The value where_column must have.
        classifier_path: A saved classifier's folder; default: the sentiment model.
    """
    frame, n, model_name = label_words(ws, table, column, label, where_column, where_value, classifier_path)
    top = frame.head(15)
    scope = f" where {where_column} = {where_value}" if where_column else ""
    words_text = ", ".join(
        f"'{r.word}' ({r.total_attribution:+.3f} over {r.texts} texts)" for r in top.head(8).itertuples()
    )
    narration = (
        f"Over {n} {column} texts labelled {label}{scope}, the words that push most towards {label} are: {words_text}."
    )
    return ToolResult(
        tool="words_for_label",
        for_model=narration + "\n" + top.to_csv(index=False),
        data=top,
        chart=ChartSpec("bar", "word", "total_attribution", title=f"Words pushing {column} towards {label}{scope}"),
        title=f"Found the words that push {n} {column} texts towards {label}",
        details=f"occlusion (captum FeatureAblation) with {model_name}, summed over {n} texts",
        total_rows=len(top),
        meta={"narration": narration},
    )
