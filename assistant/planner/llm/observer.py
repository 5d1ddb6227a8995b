"""What a harness may watch of an LLM turn beyond its Plan: every attempt, the token count, why the
turn stopped, and what the cross-check decided.

The product never reads these (the Plan and its ExecutedTurn are what an answer is made of); the
benchmarks pass an observer to score a run with and without the cross-check (benchmarks/text2sql.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for the annotation only: a harness imports this module without LangChain's tools
    from insightchat.planner.llm.tools import Attempt


@dataclass(frozen=True)
class Verdict:
    """What the cross-check (crosscheck.py) decided for one turn."""

    outcome: str  # agreed | other rows | sample failed | rescued | no agreement | failed
    changed: bool = False  # it withheld the model's answer, or answered a turn the model gave up on
    own_sql: str | None = None  # when changed: the model's own answering query (None: it had none)


class TurnObserver:
    """Hooks the LLM planner calls once per turn; every hook does nothing unless overridden."""

    def turn_ended(self, attempts: list[Attempt], tokens: int, stop_reason: str) -> None:
        """The agent loop ended: each tool call in order (failed ones too), the tokens spent, and why it
        stopped (answered, done, retries, tokens or cap)."""

    def cross_checked(self, verdict: Verdict, seconds: float) -> None:
        """The cross-check ran on the turn and decided ``verdict`` in ``seconds``."""
