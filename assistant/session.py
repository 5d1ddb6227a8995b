"""Conversation state: what was asked, what was answered, and what "that" refers to next."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from insightchat.contracts import Answer, Plan
from insightchat.tools.results import ToolResult


@dataclass
class Turn:
    question: str
    plan: Plan
    answer: Answer


@dataclass
class Session:
    """Per-conversation memory used to resolve follow-ups ("now by month", "only 2023")."""

    turns: list[Turn] = field(default_factory=list)
    current_table: str | None = None
    state: dict[str, Any] = field(default_factory=dict)  # planner-specific memory of the last query

    @property
    def last_turn(self) -> Turn | None:
        return self.turns[-1] if self.turns else None

    @property
    def last_result(self) -> ToolResult | None:
        turn = self.last_turn
        return turn.answer.results[-1] if turn and turn.answer.results else None

    def record(self, question: str, plan: Plan, answer: Answer) -> None:
        self.turns.append(Turn(question, plan, answer))
