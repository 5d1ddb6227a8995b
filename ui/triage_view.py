"""The Triage tab: run a triage, filter the queue, look at one ticket, correct a label.

Plain functions of a :class:`TriageState` (the last triage of one browser session, kept in a ``gr.State``),
so the app's handlers stay thin and the tests can call the same code.

Where corrections go: for a file named on the command line, the CLI's default file beside the data
(``tickets.corrections.csv``), so ``insightchat triage FILE`` uses them too. For uploads and the example
data, a file in the session's private folder (uploads must stay private to their session, and the example
data belongs to the checkout); the tab offers it as a download and takes an earlier one back as an upload.
Every triage reads the file: a correction is the answer for its text and, when intents or priorities are
learned, a labelled row of the next training.
"""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr
import pandas as pd

from insightchat.tools.errors import InsightError
from insightchat.tools.triage import TriageResult, add_correction, load_corrections
from insightchat.tools.triage.config import load_config
from insightchat.tools.triage.learning import CORRECTION_COLUMNS, CORRECTION_FIELDS, default_corrections_path
from insightchat.tools.workspace import Workspace
from insightchat.ui.uploads import move_into

log = logging.getLogger(__name__)
Progress = Callable[[float, str], None]
ALL = "(all)"
FILTERS = ("triage_queue", "urgency", "intent", "language")  # the queue table's filters, in the UI's order
QUEUE_COLUMNS = [
    "ticket",
    "text",
    "triage_queue",
    "urgency",
    "urgency_score",
    "intent",
    "language",
    "sentiment",
    "triage_confidence",
    "needs_review",
    "duplicate_of",
]
URGENCY_ORDER = {"high": 0, "medium": 1, "low": 2}
_WEIGHT = re.compile(r"^(?P<signal>.+?) (?P<weight>[+-]\d+(?:\.\d+)?)$")


@dataclass
class TriageState:
    """One session's last triage: the result, the corrections file and what was corrected since."""

    result: TriageResult
    corrections: Path
    corrected: int = 0


# ---------------------------------------------------------------------------- choosing the inputs
def text_columns(ws: Workspace, table: str | None) -> list[str]:
    """The table's own text columns (not the derived ones a triage adds)."""
    from insightchat.tools import derived

    if not table or table not in ws.table_names():
        return []
    return derived.text_columns(ws, table)


def all_columns(ws: Workspace, table: str | None) -> list[str]:
    from insightchat.tools import derived

    if not table or table not in ws.table_names():
        return []
    return [c for c, _ in derived.base_columns(ws, table)]


def default_text_column(ws: Workspace, table: str | None) -> str | None:
    """The table's free-text column (the longest prose), as the text tools choose it; None without one."""
    from insightchat.tools.text_tools import pick_text_column

    if not table or table not in ws.table_names():
        return None
    try:
        return pick_text_column(ws, table)[1]
    except InsightError:
        return None


def corrections_path(ws: Workspace, table: str, session_dir: Path, own_files: Sequence[str | Path]) -> Path:
    """Beside the data for a command-line file (the person serving owns it), else in the session's folder."""
    source = ws.sources.get(table)
    path = Path(source.path).resolve() if source is not None and source.path else None
    if path is not None and str(path) in {str(Path(f).resolve()) for f in own_files}:
        return default_corrections_path(path, table)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", table) or "table"
    return session_dir / "corrections" / f"{safe}.corrections.csv"


def parse_labels(text: str | None) -> list[str] | None:
    labels = [s.strip() for s in (text or "").replace("\n", ",").split(",") if s.strip()]
    return labels or None


def run_triage(
    assistant: Any,
    table: str,
    text_column: str,
    corrections: Path,
    labels: str | None = None,
    label_column: str | None = None,
    priority_column: str | None = None,
    rules: str | Path | None = None,
    progress: Progress | None = None,
) -> TriageState:
    """Triage ``table`` with the session's Assistant; InsightError (bad column, bad rules file) goes to the caller."""
    if not table:
        raise InsightError("Choose a table to triage", "load a ticket file first")
    if not text_column:
        raise InsightError(f"Choose the column of {table} that holds the ticket text", "pick it under 'Text column'")
    result = assistant.triage(
        table,
        text_column,
        progress=progress,
        labels=parse_labels(labels),
        label_column=label_column or None,
        priority_column=priority_column or None,
        rules=rules or None,
        corrections=corrections,
    )
    return TriageState(result, corrections)


# ---------------------------------------------------------------------------- showing it
def summary_markdown(state: TriageState) -> str:
    """The grounded summary, how intents and urgency were decided, what it learned, and the warnings."""
    r = state.result
    lines = [
        f"### Triaged {len(r.tickets):,} tickets of {r.table}.{r.text_column}",
        r.summary.text,
        "",
        f"*Intents:* {r.intent_method} ({r.intent_detail}). *Urgency:* {r.urgency_method}."
        if r.intent_detail
        else f"*Intents:* {r.intent_method}. *Urgency:* {r.urgency_method}.",
    ]
    for ev in r.evaluations.values():
        lines.append(f"- {ev.summary()}")
    lines += [f"- **Warning:** {w}" for w in r.warnings]
    lines += [f"- {n}" for n in r.notes]
    lines.append(
        f"- Corrections file: `{state.corrections}`" + (f" ({r.corrections_used} used)" if r.corrections_used else "")
    )
    return "\n".join(lines) + "\n"


def filter_choices(tickets: pd.DataFrame) -> dict[str, list[str]]:
    """Per filter column, ALL then its values (most common first)."""
    out: dict[str, list[str]] = {}
    for col in FILTERS:
        values = tickets[col].dropna().astype(str) if col in tickets.columns else pd.Series([], dtype=str)
        out[col] = [ALL, *values.value_counts().index.tolist()]
    return out


def queue_frame(
    tickets: pd.DataFrame,
    queue: str | None = ALL,
    urgency: str | None = ALL,
    intent: str | None = ALL,
    language: str | None = ALL,
) -> pd.DataFrame:
    """The filtered queue, most urgent first (urgency level, then its score)."""
    df = tickets
    for col, want in zip(FILTERS, (queue, urgency, intent, language), strict=True):
        if want and want != ALL and col in df.columns:
            df = df[df[col].astype(str) == str(want)]
    order = df["urgency"].map(lambda v: URGENCY_ORDER.get(str(v).lower(), 3))
    df = df.assign(_order=order).sort_values(["_order", "urgency_score"], ascending=[True, False], kind="stable")
    shown = df[[c for c in QUEUE_COLUMNS if c in df.columns]].copy()
    shown["ticket"] = shown["ticket"].astype(str)
    for col in ("urgency_score", "triage_confidence"):
        if col in shown.columns:
            shown[col] = pd.to_numeric(shown[col], errors="coerce").round(2)
    return shown.reset_index(drop=True)


def parse_reasons(text: str | None) -> pd.DataFrame:
    """``urgency_reasons`` as rows of (signal, weight); a learned model's own line has no weight."""
    rows = []
    for part in (text or "").split("; "):
        part = part.strip()
        if part.startswith("signals: "):
            part = part[len("signals: ") :]
        if not part:
            continue
        m = _WEIGHT.match(part)
        rows.append({"signal": m["signal"], "weight": float(m["weight"])} if m else {"signal": part, "weight": None})
    return pd.DataFrame(rows, columns=["signal", "weight"])


def _value(v: Any) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return "–"
    if isinstance(v, float):
        return f"{v:.2f}"
    return str(v)


def ticket_details(state: TriageState, ticket: str | None) -> tuple[str, pd.DataFrame, pd.DataFrame]:
    """One ticket: its fields (Markdown), the signals that raised its urgency, its similar earlier tickets."""
    if not ticket:
        return "*Pick a ticket in the queue.*", parse_reasons(None), pd.DataFrame()
    rec = state.result.ticket(str(ticket))
    text = str(rec.get("text") or "").replace("\n", " ")
    lines = [
        f"#### Ticket {rec['ticket']}",
        f"> {text}",
        "",
        f"**Queue:** {_value(rec.get('triage_queue'))} (suggested {_value(rec.get('suggested_queue'))}, rule: "
        f"`{_value(rec.get('routing_rule')).replace('`', '')}`; confidence {_value(rec.get('triage_confidence'))}"
        + ("; **needs review**" if rec.get("needs_review") else "")
        + ")  ",
        f"**Intent:** {_value(rec.get('intent'))} (score {_value(rec.get('intent_score'))})  ",
        f"**Urgency:** {_value(rec.get('urgency'))} (score {_value(rec.get('urgency_score'))})  ",
        f"**Sentiment:** {_value(rec.get('sentiment'))} ({_value(rec.get('sentiment_score'))})  ",
        f"**Language:** {_value(rec.get('language'))}",
    ]
    if rec.get("duplicate_of") is not None and not pd.isna(rec.get("duplicate_of")):
        lines.append(f"\n**Duplicate of** {rec['duplicate_of']}: {_value(rec.get('duplicate_reason'))}")
    similar = pd.DataFrame(rec["similar"])
    if not similar.empty and "similarity" in similar.columns:
        similar["similarity"] = pd.to_numeric(similar["similarity"], errors="coerce").round(3)
        similar["similar_ticket"] = similar["similar_ticket"].astype(str)
    return "\n".join(lines) + "\n", parse_reasons(rec.get("urgency_reasons")), similar


def label_choices(state: TriageState, field_name: str) -> list[str]:
    """Labels already in use for ``field_name`` (a new one can still be typed)."""
    if field_name == "urgency":
        known = ["high", "medium", "low"]
        seen = state.result.tickets["urgency"].dropna().astype(str).unique().tolist()
        return list(dict.fromkeys(known + seen))
    return sorted(state.result.tickets["intent"].dropna().astype(str).unique().tolist())


def correct(state: TriageState, ticket: str | None, field_name: str, value: str | None) -> str:
    """Append a correction to the user's file and show it in this view; the routing changes at the next run."""
    if not ticket:
        raise InsightError("Pick a ticket first", "click a row of the queue")
    if field_name not in CORRECTION_FIELDS:
        raise InsightError(f"Cannot correct {field_name!r}", f"corrections are for: {', '.join(CORRECTION_FIELDS)}")
    rec = state.result.ticket(str(ticket))
    path = add_correction(state.corrections, field_name, str(rec.get("text") or ""), str(value or ""))
    tickets = state.result.tickets
    mask = tickets["ticket"].astype(str) == str(ticket)
    tickets.loc[mask, field_name] = str(value).strip()
    if field_name == "urgency":
        tickets.loc[mask, "urgency_reasons"] = "corrected by a person; " + tickets.loc[mask, "urgency_reasons"].astype(
            str
        )
    state.corrected += 1
    return (
        f"Saved: ticket {ticket} {field_name} = **{str(value).strip()}** in `{path}`. The next triage uses it as the "
        "answer for this text and, when it learns intents or priorities, as a labelled example."
    )


def corrections_download(state: TriageState, session_dir: Path) -> Any:
    """The corrections file as a download: a copy in the session's folder (Gradio serves only files it may
    reach, and the file beside a command-line data set may be anywhere); hidden while there is none."""
    if not state.corrections.exists():
        return gr.DownloadButton(value=None, visible=False)
    folder = session_dir / "downloads" / "corrections"
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / state.corrections.name
    shutil.copyfile(state.corrections, copy)
    return gr.DownloadButton(value=str(copy), visible=True)


def merge_corrections(upload: str | Path, target: Path) -> int:
    """Add an earlier corrections file's rows to ``target`` (never replacing it); returns how many were read.

    The file is checked first, so a wrong file is a clear message and leaves the user's corrections as they were.
    """
    found = load_corrections(upload)
    if not len(found):
        raise InsightError(f"{Path(upload).name} holds no corrections", "upload a file this tab offered for download")
    target.parent.mkdir(parents=True, exist_ok=True)
    new = not target.exists() or target.stat().st_size == 0
    found.rows[list(CORRECTION_COLUMNS)].to_csv(target, mode="a", header=new, index=False)
    return len(found)


# ---------------------------------------------------------------------------- the tab
@dataclass
class TriageTab:
    """The Triage tab's components the app wires to the rest of the page."""

    table: Any  # gr.Dropdown, refreshed with the data panel


def _message(exc: InsightError) -> str:
    return exc.message + (f" ({exc.hint})" if exc.hint else "")


def triage_tab(session: Callable[[Any], Any], own_files: Sequence[str | Path]) -> TriageTab:
    """Lay out the Triage tab (inside an open ``gr.Tab``) and wire it; ``session(request)`` finds the UISession,
    ``own_files`` are the command-line files (their corrections go beside them)."""
    state = gr.State(None)  # TriageState of this browser session
    rules_path = gr.State(None)  # the uploaded rules file, moved into the session's folder
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=260):
            table = gr.Dropdown(
                label="Ticket table", choices=[], allow_custom_value=True, elem_id="insight-triage-table"
            )
            text_col = gr.Dropdown(
                label="Text column", choices=[], allow_custom_value=True, elem_id="insight-triage-text"
            )
            labels = gr.Textbox(
                label="Intent labels (optional, zero-shot)",
                placeholder="billing, delivery, technical, account, other",
                elem_id="insight-triage-labels",
            )
            label_col = gr.Dropdown(
                label="Learn intents from column (optional)",
                choices=[("(none)", "")],
                value="",
                allow_custom_value=True,
            )
            priority_col = gr.Dropdown(
                label="Learn urgency from priority column (optional)",
                choices=[("(none)", "")],
                value="",
                allow_custom_value=True,
                elem_id="insight-triage-priority",
            )
            rules = gr.File(label="Routing rules (TOML, optional)", file_types=[".toml"], type="filepath", height=90)
            earlier = gr.File(
                label="Earlier corrections (CSV, optional)", file_types=[".csv"], type="filepath", height=90
            )
            run_btn = gr.Button("Run triage", variant="primary", elem_id="insight-triage-run")
        with gr.Column(scale=3):
            status = gr.Markdown(
                "Choose the ticket table and its text column, then run the triage.", elem_id="insight-triage-status"
            )
            summary = gr.Markdown("", elem_id="insight-triage-summary")
            with gr.Row():
                f_queue, f_urgency, f_intent, f_language = (
                    gr.Dropdown(
                        label=label,
                        choices=[ALL],
                        value=ALL,
                        allow_custom_value=True,
                        elem_id=f"insight-triage-f-{key}",
                    )
                    for label, key in (
                        ("Queue", "queue"),
                        ("Urgency", "urgency"),
                        ("Intent", "intent"),
                        ("Language", "language"),
                    )
                )
            queue = gr.Dataframe(
                label="Queue (most urgent first; click a row for its details)",
                interactive=False,
                visible=False,
                wrap=True,
                max_height=420,
                elem_id="insight-triage-queue",
            )
            ticket = gr.Dropdown(label="Ticket", choices=[], allow_custom_value=True, elem_id="insight-triage-ticket")
            details = gr.Markdown("", elem_id="insight-triage-details")
            with gr.Row():
                reasons = gr.Dataframe(label="Why this urgency (signals and weights)", interactive=False, visible=False)
                similar = gr.Dataframe(
                    label="Similar earlier tickets", interactive=False, visible=False, wrap=True, max_height=300
                )
            with gr.Row():
                fix_field = gr.Radio(list(CORRECTION_FIELDS), value="intent", label="Correct", scale=1)
                fix_value = gr.Dropdown(
                    label="Right label",
                    choices=[],
                    allow_custom_value=True,
                    scale=2,
                    elem_id="insight-triage-fix-value",
                )
                fix_btn = gr.Button("Save correction", scale=1, elem_id="insight-triage-fix")
            fix_msg = gr.Markdown("", elem_id="insight-triage-fix-msg")
            corr_btn = gr.DownloadButton(
                "Your corrections (CSV)", visible=False, size="sm", elem_id="insight-triage-corr"
            )
    filters = [f_queue, f_urgency, f_intent, f_language]

    def on_table(name: str | None, request: gr.Request) -> list[Any]:
        try:
            ws = session(request).workspace
            texts, cols = text_columns(ws, name), all_columns(ws, name)
            default = default_text_column(ws, name)
        except InsightError as exc:
            return [gr.skip()] * 3 + [f"**{_message(exc)}**"]
        optional = [("(none)", ""), *[(c, c) for c in cols]]
        return [
            gr.Dropdown(choices=texts, value=default if default in texts else (texts[0] if texts else None)),
            gr.Dropdown(choices=optional, value=""),
            gr.Dropdown(choices=optional, value=""),
            "" if texts or not name else f"**{name} has no text column to triage.**",
        ]

    def on_rules(path: str | None, request: gr.Request) -> tuple[Any, str]:
        """Move the rules file out of Gradio's cache and check it now, so a bad file is a message before a run."""
        if not path:
            return None, ""
        try:
            target = move_into(session(request).upload_dir / "rules", path)
            config = load_config(target)
        except InsightError as exc:
            return None, f"**The rules file cannot be used:** {_message(exc)}"
        return str(target), f"Rules from {Path(path).name}: {len(config.rules)} routing rule(s)."

    def queue_updates(st: TriageState, *wanted: str | None) -> list[Any]:
        frame = queue_frame(st.result.tickets, *wanted)
        ids = frame["ticket"].tolist()
        return [gr.Dataframe(value=frame, visible=True), gr.Dropdown(choices=ids, value=ids[0] if ids else None)]

    triage_outputs = [state, status, summary, *filters, queue, ticket, corr_btn, fix_value]

    def on_run(
        name: str | None,
        text: str | None,
        labels_: str | None,
        label_col_: str | None,
        priority_: str | None,
        rules_: str | None,
        earlier_: str | None,
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),
    ) -> list[Any]:
        keep = [gr.skip()] * (len(triage_outputs) - 2)
        try:
            sess = session(request)
        except InsightError as exc:
            return [gr.skip(), f"**Could not open the data:** {exc.message}", *keep]
        if not sess.busy.acquire(blocking=False):
            gr.Warning("Still answering a question or building a report; try again when it is done.")
            return [gr.skip(), "Busy with another request in this session; try again when it is done.", *keep]
        try:
            if not name:
                raise InsightError("Choose a table to triage", "load a ticket file in the Chat tab first")
            target = corrections_path(sess.workspace, name, sess.upload_dir, own_files)
            merged = merge_corrections(earlier_, target) if earlier_ else 0
            st = run_triage(
                sess.assistant,
                name,
                text or "",
                target,
                labels_,
                label_col_,
                priority_,
                rules_,
                lambda f, m: progress(f, desc=m),
            )
        except InsightError as exc:
            gr.Warning(_message(exc))
            return [gr.skip(), f"**Could not triage:** {_message(exc)}", *keep]
        except Exception as exc:  # a model or engine failure must not break the session
            log.warning("triage failed", exc_info=True)
            return [gr.skip(), f"**Could not triage** ({type(exc).__name__}); the chat still works.", *keep]
        finally:
            sess.busy.release()
        choices = filter_choices(st.result.tickets)
        cols = ", ".join(sorted(set(st.result.columns.values()))[:6])
        line = (
            f"Triaged **{len(st.result.tickets):,}** tickets. The triage columns ({cols}, ...) are now part of "
            f"**{st.result.table}**: ask about them in the Chat tab, e.g. 'tickets by triage_queue'."
            + (f" {merged} earlier correction(s) added to your file." if merged else "")
        )
        return [
            st,
            line,
            summary_markdown(st),
            *[gr.Dropdown(choices=choices[c], value=ALL) for c in FILTERS],
            *queue_updates(st, ALL, ALL, ALL, ALL),
            corrections_download(st, sess.upload_dir),
            gr.Dropdown(choices=label_choices(st, "intent")),
        ]

    def on_filter(st: TriageState | None, *wanted: str | None) -> list[Any]:
        if st is None:
            return [gr.skip(), gr.skip()]
        return queue_updates(st, *wanted)

    def on_ticket(st: TriageState | None, ticket_id: str | None) -> list[Any]:
        if st is None:
            return [gr.skip()] * 3
        try:
            md, why, sim = ticket_details(st, ticket_id)
        except InsightError as exc:
            return [f"**{_message(exc)}**", gr.Dataframe(visible=False), gr.Dataframe(visible=False)]
        return [md, gr.Dataframe(value=why, visible=not why.empty), gr.Dataframe(value=sim, visible=not sim.empty)]

    def on_select_row(st: TriageState | None, evt: gr.SelectData) -> Any:
        row = evt.row_value or []
        return str(row[0]) if row else gr.skip()

    def on_field(st: TriageState | None, field_name: str) -> Any:
        return gr.Dropdown(choices=label_choices(st, field_name) if st is not None else [], value=None)

    def on_correct(
        st: TriageState | None,
        ticket_id: str | None,
        field_name: str,
        value: str | None,
        q: str | None,
        u: str | None,
        i: str | None,
        lang: str | None,
        request: gr.Request,
    ) -> list[Any]:
        wanted = (q, u, i, lang)
        if st is None:
            return ["**Run the triage first.**", *[gr.skip()] * 3]
        try:
            msg = correct(st, ticket_id, field_name, value)
        except InsightError as exc:
            return [f"**Could not save the correction:** {_message(exc)}", *[gr.skip()] * 3]
        except OSError as exc:
            return [f"**Could not write the corrections file** {st.corrections}: {exc.strerror}", *[gr.skip()] * 3]
        frame = queue_frame(st.result.tickets, *wanted)
        md, _, _ = ticket_details(st, ticket_id)
        try:
            download = corrections_download(st, session(request).upload_dir)
        except (InsightError, OSError):
            download = gr.skip()
        return [msg, gr.Dataframe(value=frame), md, download]

    table.change(on_table, [table], [text_col, label_col, priority_col, status], api_name="triage_columns")
    rules.upload(on_rules, [rules], [rules_path, status], api_name=False)
    rules.clear(lambda: None, None, [rules_path], api_name=False)
    run_btn.click(
        on_run,
        [table, text_col, labels, label_col, priority_col, rules_path, earlier],
        triage_outputs,
        api_name="triage",
        show_progress="full",
    )
    for i, f in enumerate(filters):
        f.input(on_filter, [state, *filters], [queue, ticket], api_name=False if i else "triage_filter")
    ticket.change(on_ticket, [state, ticket], [details, reasons, similar], api_name="triage_ticket")
    queue.select(on_select_row, [state], [ticket], api_name=False)
    fix_field.change(on_field, [state, fix_field], [fix_value], api_name=False)
    fix_btn.click(
        on_correct,
        [state, ticket, fix_field, fix_value, *filters],
        [fix_msg, queue, details, corr_btn],
        api_name="triage_correct",
    )
    return TriageTab(table)
