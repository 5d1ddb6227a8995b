"""OfflinePlanner: plain-language questions to safe SQL with no model server, network or key.

question -> tokens, cues, dates -> schema/value links -> QuerySpec -> sqlglot tree -> run_sql.
When the reading is incomplete it abstains with what it understood, what it could not map (with
the closest column names) and questions it can answer, and runs nothing.
"""

from __future__ import annotations

import copy
import datetime as dt

from insightchat.contracts import Plan, PlanReading, ToolCall
from insightchat.planner.base import Planner
from insightchat.planner.offline import trust
from insightchat.planner.offline.cues import CueKind
from insightchat.planner.offline.describe import describe, suggestions
from insightchat.planner.offline.followups import apply_followup, is_followup, is_why, wants_chart_only
from insightchat.planner.offline.linking import index_for
from insightchat.planner.offline.parser import Parser, Reading
from insightchat.planner.offline.result_check import Expectation, unmet
from insightchat.planner.offline.routes import plan_route
from insightchat.planner.offline.spec import QuerySpec
from insightchat.planner.offline.sqlbuild import JoinError, build_sql
from insightchat.planner.offline.table_reader import read_table_question
from insightchat.planner.offline.table_words import is_file_table
from insightchat.planner.offline.textintents import plan_text_question
from insightchat.planner.sql_passthrough import looks_like_sql
from insightchat.session import Session
from insightchat.tools.catalog import Catalog
from insightchat.tools.errors import InsightError
from insightchat.tools.sql_gate import check_sql
from insightchat.tools.workspace import Workspace

STATE_KEY = "offline_spec"
MIN_CONFIDENCE = 0.6
CHECKED_ROWS = 50  # rows of a table reading's result that its check looks at


class OfflinePlanner(Planner):
    """The default planner (see module docstring). ``today`` anchors "last month" and friends."""

    name = "offline"

    def __init__(self, today: dt.date | None = None, min_confidence: float = MIN_CONFIDENCE, gate: bool = True) -> None:
        self.today = today
        self.min_confidence = min_confidence
        self.gate = gate  # abstain on risky readings (see trust.BLOCKING); off only to measure the gates
        self.workspace: Workspace | None = None

    def bind(self, workspace: Workspace) -> OfflinePlanner:
        """A copy of this planner that may run its readings' checks on ``workspace`` (one planner
        can serve many Assistants)."""
        bound = copy.copy(self)
        bound.workspace = workspace
        return bound

    def plan(self, question: str, catalog: Catalog, session: Session) -> Plan:
        if looks_like_sql(question) and _parses_as_sql(question):
            return Plan(
                calls=[ToolCall("run_sql", {"sql": question.strip().rstrip(";")})],
                understood="SQL query",
                planner=self.name,
                intent="sql",
            )
        if not catalog.tables:
            return Plan(planner=self.name, message="No data is open yet; open a file first.")
        routed = plan_route(question, catalog, session, self.name)  # report, why, triage: the analysis tools
        if routed is not None:
            return routed
        text_plan = plan_text_question(question, catalog, session, self.name)
        if text_plan is not None:
            return text_plan
        index = index_for(catalog)
        previous: QuerySpec | None = session.state.get(STATE_KEY)
        default_table = previous.table if previous else session.current_table
        reading = Parser(question, index, self.today, default_table).parse()
        if reading.schema:
            return self._schema_plan(reading, catalog)
        if previous is not None and is_why(question):
            return self._why(previous, catalog)
        if previous is not None and wants_chart_only(reading):
            return self._sql_plan(previous, catalog, session, chart=True, followup=True)
        if (
            reading.spec is not None
            and reading.confidence >= self.min_confidence
            and not (previous is not None and is_followup(question, reading, previous) and _is_fragment(reading))
        ):
            risk = trust.flags(question, reading, reading.spec, catalog)
            stop = trust.blocking(risk) if self.gate else []
            if stop:
                return self._table_reading(question, catalog) or self._risky(reading, catalog, risk, stop)
            plan = self._sql_plan(reading.spec, catalog, session, chart=reading.chart)
            plan.reading.flags = risk
            spec = reading.spec
            why = self._unmet(plan, catalog, Expectation(single=spec.limit == 1 and bool(spec.order_by), found=False))
            if why is not None:
                return self._table_reading(question, catalog) or self._checked_abstain(plan.understood, why, catalog)
            return plan
        if previous is not None and is_followup(question, reading, previous) and not reading.unknown:
            edited = apply_followup(previous, reading)
            if edited is not None:
                return self._sql_plan(edited, catalog, session, chart=reading.chart, followup=True)
        return self._table_reading(question, catalog) or self._abstain(question, reading, catalog, index)

    # ------------------------------------------------------------------ plans
    def _sql_plan(
        self, spec: QuerySpec, catalog: Catalog, session: Session, chart: bool = False, followup: bool = False
    ) -> Plan:
        try:
            sql = build_sql(catalog, spec)
        except JoinError as exc:
            return Plan(
                planner=self.name,
                message=f"I understood {describe(spec)}, but {exc}.",
                suggestions=suggestions(catalog, spec.table),
            )
        session.state[STATE_KEY] = spec
        session.current_table = spec.table
        understood = describe(spec)
        return Plan(
            calls=[ToolCall("run_sql", {"sql": sql})],
            understood=("Follow-up: " if followup else "") + understood,
            planner=self.name,
            intent=spec.intent,
            chart_requested=chart,
            reading=PlanReading(spec=spec, notes=list(spec.notes)),
        )

    def _table_reading(self, question: str, catalog: Catalog) -> Plan | None:
        """The question read against the only table by its cells and headers (table_reader.py), for
        questions the compositional reading could not take. With a workspace bound, its result is
        checked first (result_check.py): a reading whose result does not fit the question abstains."""
        looked_up = read_table_question(question, catalog)
        if looked_up is None:
            return None
        plan = Plan(
            calls=[ToolCall("run_sql", {"sql": looked_up.sql})],
            understood=looked_up.understood,
            planner=self.name,
            intent="lookup",
        )
        why = self._unmet(plan, catalog, looked_up.expect)
        return plan if why is None else self._checked_abstain(looked_up.understood, why, catalog)

    def _unmet(self, plan: Plan, catalog: Catalog, expect: Expectation) -> str | None:
        """Why the plan's result cannot be the answer (result_check.py), for a bound planner over one
        file table (an export, where loose readings are tried); None when it may be, or is not checked."""
        if (
            self.workspace is None
            or len(catalog.tables) != 1
            or len(plan.calls) != 1
            or plan.calls[0].name != "run_sql"
        ):
            return None
        if not is_file_table(next(iter(catalog.tables.values()))):
            return None
        try:
            sql = check_sql(plan.calls[0].args["sql"], set(catalog.tables)).sql(
                dialect="duckdb"
            )  # the gate, as for run_sql
            rows = self.workspace.query_rows(f"SELECT * FROM ({sql}) AS reading LIMIT {CHECKED_ROWS}")
        except InsightError:
            return None  # running the plan itself reports the error, with the SQL
        return unmet(rows, expect)

    def _checked_abstain(self, understood: str, why: str, catalog: Catalog) -> Plan:
        return Plan(
            planner=self.name,
            intent="abstain",
            understood=understood,
            message=f"I read this as {understood}, but {why}. Try naming the column to use.",
            suggestions=suggestions(catalog, next(iter(catalog.tables))),
        )

    def _risky(self, reading: Reading, catalog: Catalog, risk: list[str], stop: list[str]) -> Plan:
        spec = reading.spec
        assert spec is not None
        why = "; ".join(dict.fromkeys(trust.REASONS.get(f.split(":")[0], trust.REASONS.get(f, f)) for f in stop))
        return Plan(
            planner=self.name,
            intent="abstain",
            understood=describe(spec),
            message=f"I read this as {describe(spec)}, but I am not sure enough to run it: {why}. I ran nothing.",
            suggestions=suggestions(catalog, spec.table),
            reading=PlanReading(flags=risk, blocked=stop),
        )

    def _schema_plan(self, reading: Reading, catalog: Catalog) -> Plan:
        if reading.schema == "tables" or not reading.schema_table:
            return Plan(
                calls=[ToolCall("list_tables", {})],
                understood="the tables in this data",
                planner=self.name,
                intent="schema",
            )
        return Plan(
            calls=[ToolCall("describe_table", {"table": reading.schema_table})],
            understood=f"the columns of {reading.schema_table}",
            planner=self.name,
            intent="schema",
        )

    def _why(self, previous: QuerySpec, catalog: Catalog) -> Plan:
        """A bare "why?" does not say which difference to explain: offer the why-questions the
        why-analysis answers (a segment against the rest, two periods), built from the last query."""
        table = catalog.tables[previous.table]
        measure = next((m for m in previous.measures if m.col is not None and m.agg in ("sum", "avg")), None)
        label = measure.label() if measure else "number of rows"
        asks: list[str] = []
        group = previous.group_by[0] if previous.group_by else None
        profile = next((c for c in table.columns if group is not None and c.name == group.name), None)
        if profile is not None and profile.values:
            asks.append(f"Why is the {label} different where {profile.name} is {profile.values[0]}?")
        dates = [c for c in table.columns if c.kind == "date" and c.min is not None and c.max is not None]
        if dates and str(dates[0].min)[:4] != str(dates[0].max)[:4]:
            first, last = str(dates[0].min)[:4], str(dates[0].max)[:4]
            asks.append(f"What drove the change in {label} between {first} and {last}?")
        by = [c.name for c in table.columns if c.is_categorical and c not in previous.group_by][:2]
        tips = asks + [f"Break that down by {b}" for b in by]
        return Plan(
            planner=self.name,
            intent="explain",
            message="Which difference should I explain? Name a segment or two periods, for example: "
            + (asks[0] if asks else "why is the average rating lower in the South?"),
            suggestions=tips or suggestions(catalog, previous.table),
        )

    def _abstain(self, question: str, reading: Reading, catalog: Catalog, index) -> Plan:  # type: ignore[no-untyped-def]
        parts: list[str] = []
        partial = reading.partial
        if partial is not None and (partial.measures or partial.filters or partial.group_by or partial.columns):
            parts.append(f"I understood {describe(partial)}.")
        unknown_msgs = []
        for word in reading.unknown[:3]:
            close = index.closest_names(word)
            if close:
                unknown_msgs.append(f"I don't know which column '{word}' means: closest are {', '.join(close)}")
            elif partial is not None:
                cols = [c.name for c in catalog.tables[partial.table].columns][:6]
                unknown_msgs.append(f"I don't know which column '{word}' means; {partial.table} has {', '.join(cols)}")
            else:
                unknown_msgs.append(f"I don't know what '{word}' refers to in this data")
        if unknown_msgs:
            parts.append("; ".join(unknown_msgs) + ".")
        if reading.problems:
            parts.append("; ".join(dict.fromkeys(reading.problems)) + ".")
        if not reading.unknown and not reading.problems:
            parts.append("I am not confident enough in how I linked the question to the data to run a query.")
        table = partial.table if partial else None
        return Plan(
            planner=self.name,
            intent="abstain",
            understood=describe(partial) if partial else "",
            message=" ".join(parts) + " I ran nothing.",
            suggestions=suggestions(catalog, table),
            reading=PlanReading(unknown=reading.unknown, problems=reading.problems),
        )


def _is_fragment(reading: Reading) -> bool:
    """A follow-up such as "only East" parses alone too; it still edits the last query."""
    return not any(link.kind == "table" for link in reading.links) and not any(
        c.kind in (CueKind.COUNT, CueKind.AGG) for c in reading.cues
    )


def _parses_as_sql(question: str) -> bool:
    """ "Select the code of ..." and "From which towns ..." start like SQL but are questions."""
    import sqlglot

    try:
        sqlglot.parse_one(question.strip().rstrip(";"), read="duckdb")
    except (sqlglot.errors.SqlglotError, ValueError):
        return False
    return True
