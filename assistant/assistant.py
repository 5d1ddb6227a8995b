"""The Assistant facade: open data, ask questions, get grounded answers (see ARCHITECTURE.md)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from insightchat.contracts import Answer, Event, Plan
from insightchat.executor import execute
from insightchat.finish import finish_answer
from insightchat.narrator import narrate
from insightchat.planner.base import Planner
from insightchat.session import Session
from insightchat.tools.errors import InsightError
from insightchat.tools.report.model import Report
from insightchat.tools.workspace import Workspace

if TYPE_CHECKING:  # the triage stack loads torch: only when a triage runs
    from insightchat.tools.triage.run import TriageResult

Sources = Workspace | str | Path | pd.DataFrame | Iterable[str | Path | pd.DataFrame]


class Assistant:
    """Ask questions of one or more data sources.

    >>> Assistant("examples/reviews.csv").ask("average rating by region").text  # doctest: +SKIP
    """

    def __init__(
        self,
        data: Sources | None = None,
        llm: Any = None,
        planner: Planner | None = None,
        models: Any = None,
        clean: bool = True,
    ) -> None:
        """``clean`` (default on): give text columns holding numbers, dates or times a typed column
        beside them, and file tables their row position (tools/cleaning.py); off keeps tables as read."""
        self.workspace = data if isinstance(data, Workspace) else Workspace(data)
        self.clean = clean
        self.clean_new_tables()
        self.llm = llm
        self.models = models
        if planner is None:
            from insightchat.planner.select import select_planner

            planner = select_planner(llm)
        self.planner: Planner = planner.bind(self.workspace)  # planners that run tools use this workspace
        self.session = Session()

    def clean_new_tables(self) -> None:
        """Clean tables opened since the last question (a file added in the UI), when cleaning is on."""
        if self.clean:
            from insightchat.tools.cleaning import clean_workspace

            clean_workspace(self.workspace)

    def report(self, table: str | None = None, quick: bool = False, progress: Any = None) -> Report:
        """A summary report of ``table``: profile, ranked findings with SQL and charts, text sections, summary.

        ``quick`` samples tables above 200,000 rows; ``progress(fraction, message)`` hears each stage. With a
        language model configured it may reword the summary, kept only when every number in it is grounded.
        """
        from insightchat.tools.report import build_report

        rephrase = None
        if self.llm is not None:

            def rephrase(text: str) -> str:
                prompt = (
                    "Reword this data report summary for a busy reader in 5-8 sentences. Keep every number exactly "
                    "as written and add no number of your own:\n\n" + text
                )
                reply = self.llm.invoke(prompt)
                return str(getattr(reply, "content", reply))

        return build_report(self.workspace, table, quick=quick, progress=progress, rephrase=rephrase)

    def triage(self, table: str | None, text_column: str, progress: Any = None, **options: Any) -> TriageResult:
        """Triage a ticket table: intent, urgency with reasons, sentiment, language, duplicates, similar tickets
        and a queue per ticket, added as columns later questions can use; ``options`` are the fields of
        :class:`insightchat.tools.triage.TriageOptions` (``labels=``, ``train_table=``, ``label_column=``,
        ``priority_column=``, ``rules=``, ``model_path=``, ``corrections=``, ...)."""
        from insightchat.tools.triage import TriageOptions, triage_table

        return triage_table(self.workspace, table, text_column, TriageOptions(**options), progress=progress)

    def plan(self, question: str) -> Plan:
        self.clean_new_tables()
        return self.planner.plan(question, self.workspace.catalog(), self.session)

    def ask(self, question: str) -> Answer:
        """Answer one question; user errors become an Answer that says what went wrong."""
        answer: Answer | None = None
        for event in self.ask_stream(question):
            if event.kind == "answer":
                answer = event.answer
        assert answer is not None
        return answer

    def ask_stream(self, question: str) -> Iterator[Event]:
        """Answer one question as a stream of events (plan, steps, narration tokens, the answer)."""
        question = question.strip()
        if not question:
            raise InsightError("The question is empty", "ask something about the data, e.g. 'how many rows are there?'")
        self.clean_new_tables()
        plan: Plan | None = None
        for item in self.planner.plan_stream(question, self.workspace.catalog(), self.session):
            if isinstance(item, Plan):
                plan = item
            else:
                yield item
        assert plan is not None, "a planner's stream ends with its Plan"
        try:  # a planner that ran the tools itself hands its results over: nothing runs twice
            results = plan.executed.results if plan.executed is not None else execute(plan, self.workspace)
        except InsightError as exc:
            answer = Answer(
                text=f"{exc.message}." + (f" Hint: {exc.hint}" if exc.hint else ""),
                planner=plan.planner,
                warnings=[str(exc)],
            )
            self.session.record(question, plan, answer)
            yield Event("error", text=str(exc))
            yield Event("answer", answer=answer)
            return
        answer = narrate(question, plan, list(results))
        yield from finish_answer(answer, plan, question)
        self.session.record(question, plan, answer)
        yield Event("answer", answer=answer)
