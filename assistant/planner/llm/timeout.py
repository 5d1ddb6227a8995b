"""A deadline for each model call, whatever the model.

Why here and not in the model: a hosted model built by ``insightchat.models.chat`` gets its provider's own
timeout, but a chat model passed from Python (``Assistant(llm=...)``) may have none, and a hung
call would hang the chat. This middleware runs each call in a worker thread (with the caller's
context, so streamed tokens still reach the stream) and gives up after ``seconds``: the planner
then falls back to the offline planner with one line saying the model timed out. A call that
overruns is abandoned, not killed: Python cannot stop a thread, so its late result is ignored.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from langchain.agents.middleware import AgentMiddleware


class ModelCallTimeout(AgentMiddleware):
    """Raise ``TimeoutError`` when one model call takes longer than ``seconds``."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds

    @property
    def name(self) -> str:
        return "InsightModelCallTimeout"

    def wrap_model_call(self, request: Any, handler: Callable[[Any], Any]) -> Any:
        context = contextvars.copy_context()
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="model-call")
        future = pool.submit(context.run, handler, request)
        try:
            return future.result(timeout=self.seconds)
        except FutureTimeout:
            raise TimeoutError(f"the model did not answer within {self.seconds:g} s") from None
        finally:
            pool.shutdown(wait=False)
