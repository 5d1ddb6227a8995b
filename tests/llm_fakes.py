"""Scripted chat models for the LLM planner tests, built on langchain_core's fake chat model.

``ScriptedChatModel`` replays a list of replies (AIMessages, strings, exceptions, or callables that
see the messages sent so far) and records every request, so a test can check what the model was
shown. It supports ``bind_tools`` and streams content token by token and tool calls as chunks, like
a real provider, so the real agent loop, middleware and streaming run unchanged.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field

_ids = itertools.count(1)


def call(name: str, **args: Any) -> AIMessage:
    """An AIMessage that calls one tool."""
    return AIMessage(
        content="", tool_calls=[{"name": name, "args": args, "id": f"call_{next(_ids)}", "type": "tool_call"}]
    )


def sql(query: str) -> AIMessage:
    return call("run_sql", sql=query)


Reply = AIMessage | str | BaseException | Callable[[list[BaseMessage]], AIMessage | str]


class ScriptedChatModel(GenericFakeChatModel):
    """Replays scripted replies in order; records the messages of every request."""

    requests: list[list[BaseMessage]] = Field(default_factory=list)
    bound_tools: list[str] = Field(default_factory=list)
    model_name: str = "scripted"

    @classmethod
    def of(cls, replies: Sequence[Reply]) -> ScriptedChatModel:
        return cls(messages=iter(list(replies)))

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> ScriptedChatModel:
        self.bound_tools = [getattr(t, "name", None) or t.get("name") or t["function"]["name"] for t in tools]
        return self

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        self.requests.append(list(messages))
        try:
            reply = next(self.messages)
        except StopIteration:
            raise AssertionError("the scripted model ran out of replies") from None
        if isinstance(reply, BaseException):
            raise reply
        if callable(reply):
            reply = reply(messages)
        message = AIMessage(content=reply) if isinstance(reply, str) else reply
        message = message.model_copy(
            update={"usage_metadata": {"input_tokens": 100, "output_tokens": 10, "total_tokens": 110}}
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        message = self._generate(messages, stop, run_manager, **kwargs).generations[0].message
        assert isinstance(message, AIMessage)
        text = message.content if isinstance(message.content, str) else ""
        for token in [t for t in text.split(" ") if t] if text else []:
            piece = token + " "
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece, id=message.id))
            if run_manager:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk
        tool_chunks = [
            {
                "name": tc["name"],
                "args": __import__("json").dumps(tc["args"]),
                "id": tc["id"],
                "index": i,
                "type": "tool_call_chunk",
            }
            for i, tc in enumerate(message.tool_calls)
        ]
        yield ChatGenerationChunk(
            message=AIMessageChunk(
                content="",
                id=message.id,
                tool_call_chunks=tool_chunks,
                usage_metadata=message.usage_metadata,
                chunk_position="last",
            )
        )
