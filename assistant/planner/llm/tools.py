"""LangChain tools generated from the one registry, with a recorder and model-readable errors.

Every registered tool a model may call becomes a ``StructuredTool`` whose arguments (with their
descriptions) come from the registry's JSON schema, so a tool added to ``insightchat.tools.registry``
(sentiment, classification, charts...) reaches the model with no change here. What a model may call
is read from each tool's declaration (``@tool(..., writes=..., paths=...)``), never guessed from names.
Each call is recorded (call, result or error) so the planner can hand the executed calls and their
results to the Assistant instead of running them twice.

What the model reads back is fenced as data: a cell that says "ignore previous instructions" is a
value inside ``<data>`` and nothing more. Errors come back as readable text with the hint and the
suggestions of the :class:`InsightError`, which is how the model corrects itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlglot
from langchain_core.tools import StructuredTool
from sqlglot import exp

from insightchat.contracts import ToolCall
from insightchat.tools.catalog import Catalog, looked_up
from insightchat.tools.errors import InsightError, QueryError
from insightchat.tools.registry import Tool, Writes, all_tools
from insightchat.tools.results import ToolResult
from insightchat.tools.sql import closest
from insightchat.tools.workspace import Workspace

MAX_TOOL_OUTPUT_CHARS = 4_000


def may_offer(t: Tool) -> bool:
    """Whether a registered tool may be offered to a model. Tools that store derived data in the
    workspace may (that is how a model answers "sentiment by region"; the user's files are never
    written); a tool that writes files may not, nor one that needs a path: a model may neither write
    files nor load pickled models from a path it chose."""
    return t.writes is not Writes.FILES and not t.required_paths


def model_schema(t: Tool) -> dict[str, Any]:
    """The tool's JSON schema without its (optional) path parameters."""
    drop = t.paths
    schema = dict(t.parameters)
    schema["properties"] = {k: v for k, v in t.parameters.get("properties", {}).items() if k not in drop}
    schema["required"] = [r for r in t.parameters.get("required", []) if r not in drop]
    return schema


@dataclass
class Attempt:
    """One executed tool call and what came of it."""

    call: ToolCall
    result: ToolResult | None = None
    error: InsightError | None = None
    note: str = ""  # e.g. the empty-result check

    @property
    def ok(self) -> bool:
        return self.error is None and self.result is not None


@dataclass
class Recorder:
    """What happened during one turn, in order, plus callbacks for streaming."""

    attempts: list[Attempt] = field(default_factory=list)
    empty_checked: bool = False
    on_start: Callable[[ToolCall], None] | None = None
    on_done: Callable[[Attempt], None] | None = None

    @property
    def errors(self) -> int:
        return sum(1 for a in self.attempts if a.error is not None)

    @property
    def successes(self) -> list[Attempt]:
        return [a for a in self.attempts if a.ok]


def fence(text: str) -> str:
    """Wrap tool output so the model reads it as data, never as instructions."""
    text = text.replace("</data>", "</ data>")
    if len(text) > MAX_TOOL_OUTPUT_CHARS:
        text = text[:MAX_TOOL_OUTPUT_CHARS] + "\n... (cut)"
    return f"<data>\n{text}\n</data>"


def error_text(exc: InsightError) -> str:
    """The readable error a model gets back, with the hint and the closest valid names."""
    lines = [f"ERROR: {exc.message}"]
    if exc.hint:
        lines.append(f"Hint: {exc.hint}")
    suggestions = getattr(exc, "suggestions", None)
    if suggestions:
        lines.append("Suggestions: " + ", ".join(suggestions))
    lines.append("Fix the call and try again, or say plainly that it cannot be answered.")
    return "\n".join(lines)


def column_help(sql: str, message: str, catalog: Catalog, max_tables: int = 3) -> str:
    """For an unknown-column error: the columns of the tables the query reads, and the tables that
    do have a column of that name. A model told only "did you mean City?" tends to resend the same
    query; told that ``City`` lives in table ``city`` it adds the join."""
    if "column" not in message.lower():
        return ""
    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except sqlglot.errors.ParseError:
        return ""
    lines: list[str] = []
    used: list[str] = []
    for table in tree.find_all(exp.Table):
        prof = catalog.tables.get(table.name) or next(
            (t for n, t in catalog.tables.items() if n.lower() == table.name.lower()), None
        )
        if prof is not None and prof.name not in used:
            used.append(prof.name)
    for name in used[:max_tables]:
        lines.append(f"Columns of {name}: " + ", ".join(catalog.tables[name].column_names))
    for col in {c.name.lower() for c in tree.find_all(exp.Column)}:
        if col in message.lower():
            owners = [t.name for t in catalog.tables.values() if t.column(col) is not None and t.name not in used]
            if owners:
                lines.append(
                    f"A column named {col!r} is in table {', '.join(owners[:3])} (join it on the listed keys)."
                )
    return "\n".join(lines)


def is_empty(result: ToolResult) -> bool:
    """No rows, or the single all-NULL row that an aggregate over no rows returns."""
    if result.total_rows == 0:
        return True
    df = result.data
    return df is not None and len(df) == 1 and bool(df.isna().all(axis=None))


def _string_filters(sql: str) -> list[tuple[str, str]]:
    """(column, literal) pairs compared with = or IN in ``sql`` (what an empty result may hinge on)."""
    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except sqlglot.errors.ParseError:
        return []
    pairs: list[tuple[str, str]] = []
    for node in tree.find_all(exp.EQ, exp.In):
        if isinstance(node, exp.EQ):
            left, right = node.this, node.expression
            if isinstance(right, exp.Column) and isinstance(left, exp.Literal):
                left, right = right, left
            if isinstance(left, exp.Column) and isinstance(right, exp.Literal) and right.is_string:
                pairs.append((left.name, right.this))
        elif isinstance(node.this, exp.Column):
            for item in node.expressions:
                if isinstance(item, exp.Literal) and item.is_string:
                    pairs.append((node.this.name, item.this))
    return pairs


def empty_result_check(sql: str, catalog: Catalog) -> str:
    """Explain a 0-row result: did each filter value exist in its column? Indexed columns are checked
    against their value index; other text columns by a lookup (``catalog.find_value``), so "the course
    whose prerequisite is Differential Geometry" answered with ``prereq_id = 'Differential Geometry'``
    is told that the title is a value of ``course.title``, not that 0 rows may be right."""
    problems: list[str] = []
    for column, value in _string_filters(sql):
        found = _stored_in(value, catalog)
        for prof in catalog.tables.values():
            col = prof.column(column)
            if col is None or (col.values is None and (catalog.find_value is None or not looked_up(prof, col))):
                continue  # neither indexed nor looked up: what it holds is unknown
            here = [stored for table, name, stored in found if (table, name) == (prof.name, col.name)]
            if value in here:
                continue
            if here:
                problems.append(f"{value!r} is stored as {here[0]!r} in {prof.name}.{col.name}")
                continue
            elsewhere = sorted({f"{table}.{name}" for table, name, _ in found})[:3]
            near = closest(value, col.values, limit=3, cutoff=50) if col.values else []
            problems.append(
                f"{value!r} is not a value of {prof.name}.{col.name}"
                + (f" (it is a value of {', '.join(elsewhere)})" if elsewhere else "")
                + (f" (closest: {', '.join(map(repr, near))})" if near else "")
            )
    if problems:
        return "0 rows. Did the filter value exist? " + "; ".join(problems) + ". Fix the value and query again."
    return "0 rows. The filter values exist in the data (or could not be checked), so 0 rows may be the right answer."


def _stored_in(value: str, catalog: Catalog) -> list[tuple[str, str, str]]:
    """(table, column, stored value) for every text column holding ``value``, ignoring case: the value
    index for indexed columns, a lookup for the others."""
    key = value.strip().lower()
    hits = [
        (prof.name, col.name, v)
        for prof in catalog.tables.values()
        for col in prof.columns
        if col.values is not None
        for v in col.values
        if isinstance(v, str) and v.strip().lower() == key
    ]
    if catalog.find_value is not None:
        hits += catalog.find_value(value)
    return hits


def make_tools(
    ws: Workspace,
    recorder: Recorder,
    allowed: Callable[[Tool], bool] = may_offer,
    repair: Callable[[str], str] | None = None,
) -> list[StructuredTool]:
    """One LangChain tool per registered tool a model may call, all bound to ``ws`` and ``recorder``;
    ``repair`` rewrites the model's SQL before ``run_sql`` checks and runs it (see repair.py), or
    refuses it with an InsightError, which the model gets back like any SQL error (see sanity.py)."""
    out: list[StructuredTool] = []
    for t in all_tools():
        if allowed(t):
            out.append(_wrap(t, ws, recorder, repair if t.name == "run_sql" else None))
    return out


def _wrap(t: Tool, ws: Workspace, recorder: Recorder, repair: Callable[[str], str] | None = None) -> StructuredTool:
    schema = model_schema(t)

    def run(**kwargs: Any) -> str:
        kwargs = {k: v for k, v in kwargs.items() if k in schema["properties"]}  # never a file parameter
        refused: InsightError | None = None
        if repair is not None and isinstance(kwargs.get("sql"), str):
            try:
                kwargs["sql"] = repair(kwargs["sql"])  # what runs, and what the Answer shows
            except InsightError as exc:  # a query that runs but cannot mean what was asked (sanity.py)
                refused = exc
        call = ToolCall(t.name, dict(kwargs))
        if recorder.on_start:
            recorder.on_start(call)
        attempt = Attempt(call)
        try:
            if refused is not None:
                raise refused
            attempt.result = t(ws, **kwargs)
        except InsightError as exc:
            attempt.error = exc
        except TypeError as exc:  # wrong arguments from the model: tell it, like any other error
            attempt.error = QueryError(
                f"{t.name} was called with wrong arguments: {exc}", "check the tool's parameters"
            )
        recorder.attempts.append(attempt)
        if attempt.error is not None:
            text = error_text(attempt.error)
            if t.name == "run_sql":
                text += "\n" + column_help(str(kwargs.get("sql", "")), attempt.error.message, ws.catalog())
        else:
            assert attempt.result is not None
            text = fence(attempt.result.for_model)
            if t.name == "run_sql" and is_empty(attempt.result) and not recorder.empty_checked:
                recorder.empty_checked = True
                attempt.note = empty_result_check(attempt.result.sql or kwargs.get("sql", ""), ws.catalog())
                text += "\n" + attempt.note
        if recorder.on_done:
            recorder.on_done(attempt)
        return text

    description = t.description.split("\n\n")[0] if len(t.description) > 600 else t.description
    return StructuredTool.from_function(func=run, name=t.name, description=description, args_schema=schema)
