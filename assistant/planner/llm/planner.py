"""LLMPlanner: any LangChain chat model drives the project's tools through ``create_agent``.

The planner runs the agent loop itself (the model must see each result to correct itself), so the
:class:`Plan` it returns is already executed: its :class:`insightchat.contracts.ExecutedTurn` holds the
ToolResults, the steps and the model's narration, which the Assistant uses without running anything
twice. The Plan's ``calls`` are the call whose rows answer, so a harness that re-executes it gets the
same rows. A harness that wants more (every attempt, tokens, the cross-check's verdict) passes a
:class:`insightchat.planner.llm.observer.TurnObserver`.

Failure modes, each ending in one honest line:
- the model is unreachable, times out, or raises: the fallback (offline) planner answers and the
  Plan's ``notice`` says so;
- the model returns no usable tool call (garbage, chit-chat): the same fallback;
- the SQL keeps failing after ``max_retries`` corrections, or the tool-call cap is hit: an honest
  failure naming the last error.
- a small model's answer that a query sampled from the same prompt contradicts: reported as unsure,
  with both queries (crosscheck.py).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from langchain.agents import create_agent
from langchain.agents.middleware import ToolCallLimitMiddleware
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage, SystemMessage

from insightchat.config import LLMSettings, load_settings
from insightchat.contracts import Event, ExecutedTurn, Plan, Step, ToolCall
from insightchat.planner.base import Planner, PlanStream, StreamingPlanner, last_plan
from insightchat.planner.llm.context import Embed, build_context
from insightchat.planner.llm.crosscheck import CrossCheck, confirm, rescue
from insightchat.planner.llm.guard import TurnGuard
from insightchat.planner.llm.observer import TurnObserver, Verdict
from insightchat.planner.llm.prompt import system_prompt, user_message
from insightchat.planner.llm.repair import ANY_MODEL, SMALL_MODEL, repair_sql
from insightchat.planner.llm.sanity import check_query, plain_empty_answer
from insightchat.planner.llm.timeout import ModelCallTimeout
from insightchat.planner.llm.tools import Attempt, Recorder, is_empty, make_tools, may_offer
from insightchat.session import Session
from insightchat.tools.catalog import Catalog
from insightchat.tools.errors import InsightError
from insightchat.tools.registry import Tool
from insightchat.tools.results import ToolResult
from insightchat.tools.workspace import Workspace

log = logging.getLogger(__name__)

LOCAL_MAX_COLUMNS = 40


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:200] if text else type(exc).__name__


def cross_check_step(a: Attempt) -> Step:
    """A cross-check sample's step, titled as one (crosscheck.py), so it is not read as a correction."""
    step = attempt_step(a)
    return Step(f"Cross-check: {step.title[0].lower()}{step.title[1:]}", step.details, step.tool)


def attempt_step(a: Attempt) -> Step:
    """A visible step for one executed tool call (errors included, so corrections show)."""
    if a.error is not None:
        return Step(f"{a.call.name} failed: {a.error.message}", a.error.hint or json.dumps(a.call.args), a.call.name)
    assert a.result is not None
    details = a.result.details or a.result.sql or ""
    preview = a.result.for_model.strip()
    if preview:
        details = (details + "\n\n" if details else "") + "\n".join(preview.splitlines()[:8])
    if a.note:
        details += "\n" + a.note
    return Step(a.result.title or a.call.name, details, a.call.name)


class LLMPlanner(StreamingPlanner):
    """A planner backed by a LangChain chat model (hosted, Ollama, OpenAI-compatible, or local)."""

    name = "llm"

    def __init__(
        self,
        llm: BaseChatModel | str | None = None,
        settings: LLMSettings | None = None,
        fallback: Planner | None | str = "offline",
        workspace: Workspace | None = None,
        embed: Embed | None | str = "default",
        narrate: bool | None = None,
        small: bool | None = None,
        cross_check: bool | None = None,
        observer: TurnObserver | None = None,
    ) -> None:
        """``small``: treat the model as a small one (default: only the in-process local model): run_sql
        as its only tool, a compact focused schema, the small-model repairs and checks (repair.py,
        sanity.py), no narration, and an empty result reported as unsure. Pass True for a small model
        behind Ollama or an OpenAI-compatible server.

        ``cross_check``: test each answer against a query sampled from the same prompt (crosscheck.py);
        default: the settings' ``cross_check``, else only for the in-process local model, whose prompt
        cache makes a sample cost only its own tokens.

        ``fallback``: the planner that answers when the model cannot be used this turn ("offline": the
        offline planner; None: an honest failure instead). ``observer``: see observer.py."""
        self.settings = settings or load_settings()
        spec = llm if llm is not None else self.settings.llm
        if spec is None:
            raise InsightError("No language model is configured", "set INSIGHTCHAT_LLM=provider:model or pass llm=...")
        from insightchat.models.chat import is_local, model_label

        self._spec = spec
        self.local = is_local(spec)
        self.small = self.local if small is None else small
        self.label = model_label(spec)
        self._model: BaseChatModel | None = None if isinstance(spec, str) else spec
        if isinstance(spec, str) and not self.local:
            self._model = self._build(spec)  # fail now on a missing key or package, not mid-conversation
        if fallback == "offline":
            from insightchat.planner.select import offline_planner

            fallback = offline_planner()
        self.fallback: Planner | None = fallback if not isinstance(fallback, str) else None
        self.observer = observer or TurnObserver()
        self.workspace = workspace
        self.embed = embed
        configured = cross_check if cross_check is not None else self.settings.cross_check
        self.cross_check = self.local if configured is None else configured
        self.narrate = (
            (not self.small)
            if narrate is None and self.settings.narrate is None
            else (narrate if narrate is not None else bool(self.settings.narrate))
        )

    def _allowed(self, t: Tool) -> bool:
        """Every tool a model may call (tools.may_offer); a small local model gets run_sql only (the schema
        is in its prompt, and offered more tools a 1.5B model wanders into describe_table and sentiment calls)."""
        return may_offer(t) and (not self.small or t.name == "run_sql")

    def _build(self, spec: str) -> BaseChatModel:
        from insightchat.models.chat import make_chat_model

        return make_chat_model(spec, self.settings)

    @property
    def model(self) -> BaseChatModel:
        """The chat model, built on first use for the local model (loading it takes seconds)."""
        if self._model is None:
            self._model = self._build(str(self._spec))
            self.label = getattr(self._model, "model_name", self.label)
        return self._model

    def bind(self, workspace: Workspace) -> LLMPlanner:
        """The workspace whose tables the tools run on (the Assistant binds its own)."""
        self.workspace = workspace
        return self

    def plan(
        self, question: str, catalog: Catalog, session: Session | None = None, workspace: Workspace | None = None
    ) -> Plan:
        return last_plan(self.plan_stream(question, catalog, session, workspace))

    def plan_stream(
        self, question: str, catalog: Catalog, session: Session | None = None, workspace: Workspace | None = None
    ) -> PlanStream:
        """Events as the agent works (tool calls, results, answer tokens), then the executed Plan."""
        session = session or Session()
        ws = workspace or self.workspace
        if ws is None:
            raise InsightError(
                "The LLM planner has no workspace to run tools on",
                "use it through Assistant, or call planner.bind(workspace)",
            )
        yield Event("plan", text=f"Asking {self.label}")
        try:
            yield from self._run(question, catalog, session, ws)
        except InsightError as exc:
            if not isinstance(exc, _ModelFailure):
                raise
            yield from self._fall_back(question, catalog, session, exc.message)

    # -- the agent turn -------------------------------------------------------------------------

    def _run(self, question: str, catalog: Catalog, session: Session, ws: Workspace) -> PlanStream:
        s = self.settings
        pending: list[Event] = []
        recorder = Recorder(
            on_start=lambda call: pending.append(
                Event(
                    "step", step=Step(f"Calling {call.name}", call.args.get("sql") or json.dumps(call.args), call.name)
                )
            ),
            on_done=lambda a: pending.append(Event("step", step=attempt_step(a))),
        )
        try:
            model = self.model
        except InsightError as exc:
            raise _ModelFailure(exc.message + (f" ({exc.hint})" if exc.hint else "")) from None
        turn = self._prompt(question, catalog, session)
        guard = TurnGuard(recorder, s.max_retries, s.max_turn_tokens, self.narrate)
        agent = create_agent(
            model,
            make_tools(ws, recorder, allowed=self._allowed, repair=turn.prepare),
            system_prompt=turn.system,
            middleware=[
                ToolCallLimitMiddleware(run_limit=s.max_tool_calls, exit_behavior="end"),
                guard,
                # the local adapter keeps its own deadline (a thread cannot stop llama.cpp mid-call)
                *([] if self.local else [ModelCallTimeout(s.timeout_s)]),
            ],
        )
        messages: list[BaseMessage] = []
        streamed: list[str] = []
        try:
            for mode, chunk in agent.stream(
                {"messages": [HumanMessage(turn.asked)]},
                stream_mode=["messages", "values"],
                config={"recursion_limit": 4 * s.max_tool_calls + 10},
            ):
                if mode == "values":
                    messages = chunk.get("messages", messages)
                elif self.narrate:
                    msg, meta = chunk
                    if (
                        isinstance(msg, AIMessageChunk)
                        and not msg.tool_call_chunks
                        and isinstance(msg.content, str)
                        and msg.content
                    ):
                        streamed.append(msg.content)
                        pending.append(Event("token", text=msg.content))
                while pending:
                    yield pending.pop(0)
        except InsightError:
            raise
        except Exception as exc:  # unreachable server, timeout, provider error, malformed output
            log.info("model call failed: %s", exc, exc_info=True)
            raise _ModelFailure(f"the model failed ({_first_line(exc)})") from None
        while pending:
            yield pending.pop(0)
        plan = self._outcome(question, catalog, session, recorder, guard, messages, bool(streamed))
        if self.cross_check and plan.executed is not None and recorder.attempts:
            side = Recorder(on_done=lambda a: pending.append(Event("step", step=cross_check_step(a))))
            check = self._sampler(turn, ws, side)
            answered = bool(plan.calls) and plan.calls[0].name == "run_sql"
            yield Event(
                "plan",
                text="Cross-checking the answer with a second sampled query"
                if answered
                else "Trying two sampled queries",
            )
            plan = self._cross_checked(plan, check, answered)
            while pending:
                yield pending.pop(0)
        yield plan

    def _prompt(self, question: str, catalog: Catalog, session: Session) -> _Prompt:
        """The turn's first prompt and the repair-and-check step every query of the turn goes through."""
        s = self.settings
        # a small local model gets a tighter focus: on a CPU each schema column costs ~0.3 s of prompt
        max_columns = min(s.schema_max_columns, LOCAL_MAX_COLUMNS) if self.small else s.schema_max_columns
        ctx = build_context(
            question, catalog, max_columns, max_values=3 if self.small else 12, embed=self.embed, compact=self.small
        )
        history = [(t.question, t.answer.sql or "") for t in session.turns]
        asked = user_message(question, history)
        repairs = SMALL_MODEL if self.small else ANY_MODEL

        def prepare(sql: str) -> str:
            """The model's SQL repaired (repair.py), then refused if it cannot mean what was asked (sanity.py)."""
            sql = repair_sql(sql, question, catalog, repairs)
            check_query(sql, question, asked, small_model=self.small, catalog=catalog)
            return sql

        return _Prompt(system_prompt(ctx, compact=self.small), asked, prepare)

    def _sampler(self, prompt: _Prompt, ws: Workspace, recorder: Recorder) -> CrossCheck:
        return CrossCheck(
            self.model,
            make_tools(ws, recorder, allowed=self._allowed, repair=prompt.prepare),
            [SystemMessage(prompt.system), HumanMessage(prompt.asked)],
            recorder,
        )

    def sampler(
        self, question: str, catalog: Catalog, ws: Workspace, recorder: Recorder, session: Session | None = None
    ) -> CrossCheck:
        """Queries sampled from the prompt this planner would give ``question`` (what the cross-check
        draws), run through the same tools into ``recorder``: for measuring how often any of several
        samples is right (benchmarks/text2sql_ceiling.py)."""
        return self._sampler(self._prompt(question, catalog, session or Session()), ws, recorder)

    def _cross_checked(self, plan: Plan, check: CrossCheck, answered: bool) -> Plan:
        """The plan after the cross-check (crosscheck.py), its samples added to the visible steps."""
        started = time.perf_counter()
        try:
            plan, verdict = confirm(plan, check) if answered else rescue(plan, check)
        except Exception as exc:  # the cross-check must never cost the user an answer it already has
            log.info("cross-check failed: %s", exc, exc_info=True)
            verdict = Verdict("failed")
        assert plan.executed is not None
        plan.executed.steps = list(plan.executed.steps) + [cross_check_step(a) for a in check.recorder.attempts]
        self.observer.cross_checked(verdict, time.perf_counter() - started)
        return plan

    def _outcome(
        self,
        question: str,
        catalog: Catalog,
        session: Session,
        recorder: Recorder,
        guard: TurnGuard,
        messages: list[BaseMessage],
        streamed: bool,
    ) -> Plan:
        s = self.settings
        requested = sum(len(m.tool_calls) for m in messages if isinstance(m, AIMessage))
        final = (
            messages[-1] if messages and isinstance(messages[-1], AIMessage) and not messages[-1].tool_calls else None
        )
        final_text = final.content if final is not None and isinstance(final.content, str) else ""
        cap_hit = requested > len(recorder.attempts) and guard.stop_reason is None
        self.observer.turn_ended(
            list(recorder.attempts), guard.tokens, guard.stop_reason or ("cap" if cap_hit else "answered")
        )
        steps = [attempt_step(a) for a in recorder.attempts]
        narration = final_text if self.narrate and not cap_hit else ""

        def executed(results: list[ToolResult]) -> ExecutedTurn:
            return ExecutedTurn(results=results, steps=steps, narration=narration, streamed=streamed)

        last_error = next((a.error for a in reversed(recorder.attempts) if a.error is not None), None)
        useful = [a for a in recorder.successes if a.call.name not in ("list_tables", "describe_table")]
        sql = (useful[-1].result.sql or useful[-1].call.args.get("sql", "")) if useful else ""
        if (
            useful
            and self.small
            and useful[-1].call.name == "run_sql"
            and is_empty(useful[-1].result)
            and not plain_empty_answer(sql, question)
        ):
            # A small model's empty result is more often a misread question than a true "none" (on
            # stored Spider answers of the 1.5B model: 13 wrong, 4 right), so say so instead of "none",
            # unless the query is plain and filters only on values the question names (sanity.py).
            message = (
                f"The model's query returned no rows. A model this small often misreads a question that way, "
                f"so I am not reporting that there are none. Its query was: {sql}"
            )
            return Plan(
                planner=self.label,
                understood=question,
                message=message,
                executed=executed([]),
                suggestions=[
                    "rephrase the question with the exact names and values",
                    "configure a larger model (--llm)",
                ],
            )
        if useful:
            answer_result = useful[-1].result
            others = [a.result for a in recorder.successes if a.result is not answer_result]
            # calls: the query whose rows answer (a harness re-running it gets them); all results are executed's
            return Plan(
                calls=[useful[-1].call],
                understood=question,
                planner=self.label,
                intent="llm",
                notice=f"Stopped after {s.max_tool_calls} tool calls; showing the last result." if cap_hit else "",
                executed=executed([*others, answer_result]),
            )
        if guard.stop_reason == "retries" or cap_hit:
            why = f"the tool-call limit ({s.max_tool_calls})" if cap_hit else f"{s.max_retries} corrections"
            wrote_sql = any(a.call.name == "run_sql" for a in recorder.attempts)
            if cap_hit or not wrote_sql:  # broken, unknown or endless tool calls: the fallback answers
                fallback = self._fallback_plan(question, catalog, session, f"it had no answer after {why}")
                if fallback is not None:
                    return fallback
            message = f"I could not answer this: the query still failed after {why}."
            if last_error is not None:
                message += f" Last error: {last_error.message}."
            return Plan(
                planner=self.label,
                understood=question,
                message=message,
                executed=executed([]),
                suggestions=[f"describe the table {t}" for t in list(catalog.tables)[:2]],
            )
        if recorder.successes and final_text:  # schema questions answered from list/describe
            return Plan(
                calls=[recorder.successes[-1].call],
                understood=question,
                planner=self.label,
                intent="llm",
                executed=executed([a.result for a in recorder.successes]),
            )
        # no usable tool call: garbage or chit-chat; let the offline planner try
        reason = "it returned no usable tool call" if not final_text else "it answered without querying the data"
        fallback = self._fallback_plan(question, catalog, session, reason)
        if fallback is not None:
            return fallback
        text = (
            final_text
            if final_text and not any(ch.isdigit() for ch in final_text)
            else "I could not turn this question into a query."
        )
        return Plan(planner=self.label, understood=question, message=text, executed=executed([]))

    # -- fallback -------------------------------------------------------------------------------

    def _fallback_plan(self, question: str, catalog: Catalog, session: Session, reason: str) -> Plan | None:
        if self.fallback is None:
            return None
        plan = self.fallback.plan(question, catalog, session)
        plan.notice = (
            f"The language model ({self.label}) could not be used ({reason}); the {plan.planner} planner answered."
        )
        return plan

    def _fall_back(self, question: str, catalog: Catalog, session: Session, reason: str) -> PlanStream:
        plan = self._fallback_plan(question, catalog, session, reason)
        if plan is None:
            plan = Plan(
                planner=self.label,
                understood=question,
                message=f"The language model ({self.label}) could not be used: {reason}.",
                notice=f"The language model ({self.label}) could not be used ({reason}).",
            )
        yield Event("error", text=plan.notice)
        yield plan


@dataclass
class _Prompt:
    system: str
    asked: str  # the user message: the question, with the last turns for a follow-up
    prepare: Callable[[str], str]  # repair, then sanity-check, each query the model writes


class _ModelFailure(InsightError):
    """The model could not be used this turn (raised inside the planner, turned into a fallback)."""


__all__ = ["LLMPlanner", "attempt_step", "ToolCall"]
