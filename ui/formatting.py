"""Turn answers, steps, errors and the catalog into what the Gradio components show.

Chat messages are plain dicts in Gradio's messages format (``role``, ``content``, ``metadata``).
A tool step is a message with ``metadata={"title": ...}``, which the Chatbot draws as a collapsible
block whose body holds the SQL or the details. The final message's content is a list of blocks: the
narrated text, a ``gr.Dataframe`` with the first rows, and a ``gr.Plot`` when a chart fits.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import gradio as gr
import pandas as pd

from insightchat.contracts import Answer, Step
from insightchat.tools.charts import plotly_figure
from insightchat.tools.errors import InsightError
from insightchat.tools.workspace import Workspace

TABLE_PREVIEW_ROWS = 50  # rows of a result shown in the chat; the CSV download has them all
SIDE_PREVIEW_ROWS = 20
DISPLAY_DECIMALS = 4

Message = dict[str, Any]

# Markdown punctuation that starts an inline construct (emphasis, code, links, images, tables, strike);
# a backslash before it makes it literal (CommonMark "backslash escapes"). HTML goes as entities.
_MD_INLINE = re.compile(r"([\\`*_\[\]|~])")
_MD_LINE_START = re.compile(r"^(\s*)(#|\+|-|=|\d+(?=[.)]))")
# An inline code span on one line, not opened by an escaped backtick. Missing a span only over-escapes;
# never taking for code what Markdown does not is what keeps the text outside the spans safe.
_CODE_SPAN = re.compile(r"(?<![`\\])(`+)(?!`)([^\n]+?)(?<!`)\1(?!`)")


def _entities(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_markdown(text: object) -> str:
    """Data (a cell, a column or table name, an error) as literal chat text: no markup, link, image or HTML.

    The Chatbot and the side panel render Markdown with HTML, so a cell holding ``![x](http://host/?q)``
    would load a remote image and ``<img src=x onerror=...>`` would be a tag; escaped, both read as typed.
    """
    value = ("" if text is None else str(text)).replace("\r", " ").replace("\n", " ")
    value = _MD_INLINE.sub(r"\\\1", value)
    value = _MD_LINE_START.sub(
        lambda m: m.group(1) + (m.group(2) + "\\" if m.group(2)[0].isdigit() else "\\" + m.group(2)), value
    )
    return _entities(value)


def safe_markdown(text: object) -> str:
    """Narration or step text with its code spans and emphasis kept, but no link, image or HTML tag.

    The narrator quotes cell values and an LLM may echo them (or an injected instruction), so outside code
    spans ``[``, ``]``, ``<`` and ``&`` are escaped; inside code spans Markdown is literal already.
    """
    value = "" if text is None else str(text)
    parts: list[str] = []
    last = 0
    for m in _CODE_SPAN.finditer(value):
        parts.append(_neutralise(value[last : m.start()]))
        parts.append(m.group(0))
        last = m.end()
    parts.append(_neutralise(value[last:]))
    return "".join(parts)


def _neutralise(text: str) -> str:
    return _entities(re.sub(r"([\\\[\]])", r"\\\1", text))


def code_span(text: object) -> str:
    """``text`` as one inline code span, whatever backticks it holds (the fence is longer than any run)."""
    value = ("" if text is None else str(text)).replace("\n", " ")
    longest = max((len(run) for run in re.findall(r"`+", value)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") or not value.strip() else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def code_block(text: str, language: str = "") -> str:
    """A fenced block that no backtick run inside ``text`` can close early."""
    longest = max((len(run) for run in re.findall(r"`{3,}", text)), default=2)
    fence = "`" * (longest + 1)
    return f"{fence}{language}\n{text}\n{fence}"


def user_message(text: str) -> Message:
    return {"role": "user", "content": text}


def pending_message(title: str, log: str = "") -> Message:
    """A collapsible 'working' block with a spinner; replaced as soon as the step finishes."""
    meta: dict[str, Any] = {"title": title, "status": "pending"}
    if log:
        meta["log"] = log
    return {"role": "assistant", "content": "", "metadata": meta}


def _looks_like_sql(text: str) -> bool:
    head = text.lstrip().upper()
    return head.startswith(("SELECT", "WITH", "FROM"))


def step_message(step: Step, duration_s: float | None = None) -> Message:
    """One finished tool step: the title stays visible, the SQL or details fold away."""
    details = step.details.strip()
    if details and _looks_like_sql(details):
        body = code_block(details, "sql")
    else:
        body = safe_markdown(details) if details else "(no details)"
    meta: dict[str, Any] = {"title": safe_markdown(step.title or step.tool or "Step"), "status": "done"}
    if duration_s is not None:
        meta["duration"] = round(duration_s, 2)
    return {"role": "assistant", "content": body, "metadata": meta}


def error_text(exc: BaseException) -> str:
    """A clear chat message for an error: the user's mistake with its hint, or a short apology."""
    if isinstance(exc, InsightError):
        hint = f"\n\n*Hint:* {escape_markdown(exc.hint)}" if exc.hint else ""
        return f"**Could not answer:** {escape_markdown(exc.message)}{hint}"
    return (
        f"**Something went wrong inside insightchat** ({type(exc).__name__}). "
        "The details are in the server log; try rephrasing the question or reloading the data."
    )


def error_message(exc: BaseException) -> Message:
    return {"role": "assistant", "content": error_text(exc)}


def _plain_decimal(series: pd.Series) -> pd.Series:
    """DuckDB sums and HUGEINTs arrive as ``Decimal`` objects, which Gradio would show as text."""
    if series.dtype != object:
        return series
    values = series.dropna()
    if values.empty or not all(isinstance(v, Decimal) for v in values):
        return series
    if all(v == v.to_integral_value() and abs(v) < 2**53 for v in values):
        return series.map(lambda v: None if v is None else int(v)).astype("Int64")
    return series.map(lambda v: None if v is None else float(v)).astype("float64")


def format_cell_frame(df: pd.DataFrame, max_rows: int) -> pd.DataFrame:
    """The first rows, with string headers (the Dataframe component needs them) and numbers as numbers."""
    head = df.head(max_rows).copy()
    head.columns = [str(c) for c in head.columns]
    for col in head.columns:
        head[col] = _plain_decimal(head[col])
        if pd.api.types.is_float_dtype(head[col]):
            head[col] = head[col].round(DISPLAY_DECIMALS)  # for reading; the CSV keeps every digit
    return head


def table_html(df: pd.DataFrame) -> str:
    """The result's first rows as an HTML table in a scrolling box.

    Gradio 6.31's Chatbot cannot draw a ``gr.Dataframe`` inside a message (its frontend fails on a
    missing ``i18n_store``), so the chat shows this table and the sortable ``gr.Dataframe`` of the
    same rows sits under the chat as the current result.
    """
    body = df.to_html(index=False, border=0, classes="insight-table", na_rep="", escape=True, max_cols=40)
    return f'<div class="insight-table-wrap" style="max-height:320px;overflow:auto">{body}</div>'


def answer_caption(answer: Answer) -> str:
    """'Showing 50 of 1,204 rows' under the table, and who answered."""
    bits: list[str] = []
    if answer.table is not None:
        total = answer.total_rows if answer.total_rows is not None else len(answer.table)
        shown = min(len(answer.table), TABLE_PREVIEW_ROWS)
        bits.append(
            f"{total:,} row{'s' if total != 1 else ''}"
            if shown >= total
            else f"showing the first {shown:,} of {total:,} rows"
        )
    bits.append(f"answered by the {answer.planner} planner")
    return "*" + "; ".join(bits) + "*"


def answer_text(answer: Answer, narrated: str | None = None, failed: bool = False) -> str:
    """The message's text: the narration (cell values in it made inert), warnings, suggestions, caption."""
    text = safe_markdown((narrated if narrated is not None else answer.text).strip()) or "Done."
    if failed:  # the Assistant already put the error and its hint in the text; say it plainly, once
        return f"**Could not answer:** {text}\n\n" + answer_caption(answer)
    for warning in answer.warnings:
        text += f"\n\n> ⚠️ {escape_markdown(warning)}"
    if answer.suggestions and answer.table is None:
        text += "\n\nYou could ask:\n" + "\n".join(f"- {escape_markdown(s)}" for s in answer.suggestions[:5])
    return text + "\n\n" + answer_caption(answer)


def answer_message(answer: Answer, narrated: str | None = None, chart: bool = True, failed: bool = False) -> Message:
    """The final message: text, then the table, then the chart (each a block in one message).

    ``failed`` marks an answer that only reports an error (the Assistant sent an ``error`` event).
    """
    content: list[Any] = [answer_text(answer, narrated, failed)]
    if answer.table is not None and len(answer.table.columns):
        head = format_cell_frame(answer.table, TABLE_PREVIEW_ROWS)
        content.append(gr.HTML(value=table_html(head), render=False))
    if chart and answer.chart is not None and answer.table is not None and len(answer.table):
        try:
            fig = plotly_figure(answer.table, answer.chart)
        except Exception:  # a chart that cannot be drawn must not cost the answer
            fig = None
        if fig is not None:
            content.append(gr.Plot(value=fig, label="Chart", render=False))
    return {"role": "assistant", "content": content}


def _short_source(source: str) -> str:
    """A file name rather than a server path (a session folder's path is nobody's business)."""
    return Path(source).name if ("/" in source or "\\" in source) else source


MAX_PANEL_NOTES = 6


def tables_markdown(ws: Workspace) -> str:
    """The side panel's list: each table with its row count and its columns with types."""
    catalog = ws.catalog()
    names = [n for n in catalog.tables if not n.startswith("_")]
    if not names:
        return "*No data yet.* Upload CSV, TSV, Parquet, JSON, Excel, SQLite or DuckDB files."
    lines: list[str] = []
    for name in names:
        prof = catalog.tables[name]
        src = _short_source(prof.source)
        lines.append(
            f"**{escape_markdown(name)}** — {prof.row_count:,} rows, {len(prof.columns)} columns"
            + (f" · {code_span(src)}" if src else "")
        )
        cols = ", ".join(
            f"{code_span(c.name)} {escape_markdown(c.dtype.lower())}"
            + (f" (from {code_span(c.typed_from)})" if c.typed_from else "")
            for c in prof.columns
        )
        lines.append(f"<small>{cols}</small>")
        for note in prof.notes[:MAX_PANEL_NOTES]:  # how the file was read and cleaned
            lines.append(f"<small>· {escape_markdown(note)}</small>")
        lines.append("")
    return "\n".join(lines)


def preview_frame(ws: Workspace, table: str | None) -> pd.DataFrame:
    """The first rows of one table for the side panel (empty when there is no such table)."""
    if not table or table not in ws.table_names():
        return pd.DataFrame()
    quoted = '"' + table.replace('"', '""') + '"'
    return format_cell_frame(ws.query_df(f"SELECT * FROM {quoted} LIMIT {SIDE_PREVIEW_ROWS}"), SIDE_PREVIEW_ROWS)
