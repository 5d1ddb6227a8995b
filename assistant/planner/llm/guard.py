"""Loop control for one agent turn: correction budget, token budget, and stopping once the data is in.

The tool-call cap is LangChain's own ``ToolCallLimitMiddleware``; this middleware adds what is
specific to us. It runs before each model call and ends the turn (``jump_to: end``) when:
- the model has used up its corrections (more SQL errors/refusals than ``max_retries``, or the same
  failing call sent again): an honest failure follows instead of more guessing;
- the turn has spent its token budget;
- the model is not narrating (the small local model) and a query has produced the answer rows: the
  offline narrator writes the text, which saves a whole model call.
"""

from __future__ import annotations

from typing import Any

from langchain.agents.middleware import AgentMiddleware, hook_config
from langchain_core.messages import AIMessage

from insightchat.planner.llm.tools import Recorder, is_empty

EMPTY_BUT_VALID = "0 rows. The filter values exist"


class TurnGuard(AgentMiddleware):
    """Ends the turn on exhausted retries, spent tokens, or (when not narrating) a useful result."""

    def __init__(self, recorder: Recorder, max_retries: int, max_turn_tokens: int, narrate: bool) -> None:
        super().__init__()
        self.recorder = recorder
        self.max_retries = max_retries
        self.max_turn_tokens = max_turn_tokens
        self.narrate = narrate
        self.tokens = 0
        self.stop_reason: str | None = None

    @property
    def name(self) -> str:  # one instance per agent; the name keys its hooks in the graph
        return "InsightTurnGuard"

    def _answer_ready(self) -> bool:
        if not self.recorder.attempts:
            return False
        last = self.recorder.attempts[-1]
        if not last.ok or last.call.name != "run_sql" or last.result is None:
            return False
        if not is_empty(last.result):
            return True
        # 0 rows: done if the value check found nothing wrong, or if a correction already ran
        return last.note.startswith(EMPTY_BUT_VALID) or not last.note

    def _repeated_failure(self) -> bool:
        """The model sent a call that already failed, unchanged: it would fail again, so stop."""
        attempts = self.recorder.attempts
        if len(attempts) < 2 or attempts[-1].ok:
            return False
        last = attempts[-1].call
        return any(not a.ok and a.call.name == last.name and a.call.args == last.args for a in attempts[:-1])

    @hook_config(can_jump_to=["end"])
    def before_model(self, state: Any, runtime: Any) -> dict[str, Any] | None:
        if self.recorder.errors > self.max_retries or self._repeated_failure():
            self.stop_reason = "retries"
        elif self.tokens > self.max_turn_tokens:
            self.stop_reason = "tokens"
        elif not self.narrate and self._answer_ready():
            self.stop_reason = "done"
        else:
            return None
        return {"jump_to": "end"}

    def after_model(self, state: Any, runtime: Any) -> dict[str, Any] | None:
        messages = state.get("messages", [])
        if messages and isinstance(messages[-1], AIMessage):
            usage = messages[-1].usage_metadata or {}
            self.tokens += int(usage.get("total_tokens") or 0)
        return None
