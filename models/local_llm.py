"""A LangChain chat model that runs a GGUF model in-process through llama-cpp-python.

Why our own small adapter rather than a generic one: the agent loop needs ``bind_tools`` and tool
calls, and a 1.5B model calls tools reliably only when it is asked for one JSON object under a
grammar (llama.cpp's JSON mode). So the tools are listed in the system prompt, the model answers
``{"tool": name, "arguments": {...}}`` or ``{"answer": text}``, and this class turns that into an
``AIMessage`` with ``tool_calls`` - the same message any hosted model returns. The rest of the
planner cannot tell the difference.

When ``run_sql`` is the only tool (what the planner gives a small model), the JSON wrapper is
dropped too: the model is asked for the query itself, which Qwen2.5-Coder writes most reliably and
in the fewest tokens, and the reply becomes a ``run_sql`` call. On two CPU cores every token counts:
prompt tokens cost about 25 ms each and generated ones about 80 ms.

llama.cpp reuses the longest common token prefix of consecutive prompts, so the fixed rules at the
start of the prompt are evaluated once per process. One loaded model is shared per (path, context);
a lock serialises calls because a ``Llama`` object is not thread-safe.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, SystemMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import ConfigDict, Field, PrivateAttr

from insightchat.tools.errors import ModelUnavailableError

_LOADED: dict[tuple[str, int, int], Any] = {}
_LOCKS: dict[tuple[str, int, int], threading.Lock] = {}
_LOAD_LOCK = threading.Lock()

INSTALL_HINT = (
    "install the local extra: CMAKE_ARGS='-DLLAVA_BUILD=OFF -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON "
    "-DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON' pip install 'insightchat[local]'"
)


def llama_cpp_available() -> bool:
    try:
        import llama_cpp  # noqa: F401
    except Exception:
        return False
    return True


def load_llama(path: str, n_ctx: int, n_threads: int) -> tuple[Any, threading.Lock]:
    """The shared ``Llama`` for this file (loaded once: mmap makes later loads cheap anyway)."""
    key = (path, n_ctx, n_threads)
    with _LOAD_LOCK:
        if key not in _LOADED:
            try:
                from llama_cpp import Llama
            except ImportError:
                raise ModelUnavailableError("llama-cpp-python is not installed", INSTALL_HINT) from None
            if not Path(path).exists():
                raise ModelUnavailableError(f"The GGUF file {path} does not exist", "check the path given to local:")
            _LOADED[key] = Llama(model_path=path, n_ctx=n_ctx, n_threads=n_threads, n_batch=512, verbose=False)
            _LOCKS[key] = threading.Lock()
        return _LOADED[key], _LOCKS[key]


def _tool_lines(tools: Sequence[dict[str, Any]]) -> str:
    lines = []
    for t in tools:
        fn = t.get("function", t)
        params = fn.get("parameters", {}).get("properties", {})
        required = set(fn.get("parameters", {}).get("required", []))
        args = ", ".join(f"{p}: {s.get('type', 'string')}" + ("" if p in required else "?") for p, s in params.items())
        desc = (
            (fn.get("description") or "").strip().split("\n")[0].split(". ")[0][:90]
        )  # short: prompt tokens are slow here
        lines.append(f"- {fn['name']}({args}): {desc}")
    return "\n".join(lines)


TOOL_PROTOCOL = (
    "Reply with exactly one JSON object and nothing else.\n"
    'To call a tool: {{"tool": "<name>", "arguments": {{...}}}}\n'
    'To give the final answer: {{"answer": "<short answer>"}}\n'
    "Tools:\n{tools}"
)


SQL_PROTOCOL = "Reply with one SQL query and nothing else: no explanation."
SQL_STOPS = [";", "\n```", "\n\n\n"]


def sql_only(tools: Sequence[dict[str, Any]] | None) -> bool:
    """True when the model may only run SQL: then it answers with bare SQL, not JSON."""
    return bool(tools) and [t.get("function", t)["name"] for t in tools or []] == ["run_sql"]


def to_llama_messages(messages: Sequence[BaseMessage], tools: Sequence[dict[str, Any]] | None) -> list[dict[str, str]]:
    """LangChain messages to llama.cpp chat messages; tool calls and results become JSON/plain text
    (bare SQL and 'the query failed' turns when run_sql is the only tool)."""
    out: list[dict[str, str]] = []
    bare_sql = sql_only(tools)
    protocol = SQL_PROTOCOL if bare_sql else TOOL_PROTOCOL.format(tools=_tool_lines(tools)) if tools else ""
    for m in messages:
        if isinstance(m, SystemMessage):
            out.append(
                {"role": "system", "content": (protocol + "\n\n" + str(m.content)) if protocol else str(m.content)}
            )
            protocol = ""
        elif isinstance(m, AIMessage):
            if m.tool_calls:
                call = m.tool_calls[0]
                text = (
                    str(call["args"].get("sql", ""))
                    if bare_sql
                    else json.dumps({"tool": call["name"], "arguments": call["args"]})
                )
                out.append({"role": "assistant", "content": text})
            else:
                out.append(
                    {
                        "role": "assistant",
                        "content": json.dumps({"answer": str(m.content)}) if tools and not bare_sql else str(m.content),
                    }
                )
        elif isinstance(m, ToolMessage):
            if bare_sql:
                failed = str(m.content).lstrip().startswith("ERROR")
                lead = "The query failed:" if failed else "The query returned:"
                tail = (
                    "Reply with a corrected SQL query only (not the same query again)."
                    if failed
                    else "If this does not answer the question, reply with a better SQL query only."
                )
                out.append({"role": "user", "content": f"{lead}\n{m.content}\n{tail}"})
            else:
                out.append({"role": "user", "content": f"Result of {m.name or 'the tool'}:\n{m.content}"})
        else:
            out.append({"role": "user", "content": str(m.content)})
    if protocol:  # no system message was given
        out.insert(0, {"role": "system", "content": protocol})
    return out


def parse_reply(text: str, tool_names: set[str]) -> AIMessage:
    """The model's JSON reply as an AIMessage (a tool call or an answer); anything else as raw text."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return AIMessage(content=text.strip())
    if isinstance(data, dict):
        name = data.get("tool") or data.get("name")
        args = data.get("arguments", data.get("args", {}))
        if name in tool_names and isinstance(args, dict):
            return AIMessage(
                content="",
                tool_calls=[{"name": name, "args": args, "id": f"call_{uuid.uuid4().hex[:12]}", "type": "tool_call"}],
            )
        if "sql" in data and "run_sql" in tool_names and isinstance(data["sql"], str):
            return AIMessage(
                content="",
                tool_calls=[
                    {
                        "name": "run_sql",
                        "args": {"sql": data["sql"]},
                        "id": f"call_{uuid.uuid4().hex[:12]}",
                        "type": "tool_call",
                    }
                ],
            )
        if "answer" in data:
            return AIMessage(content=str(data["answer"]))
    return AIMessage(content=text.strip())


_FENCE = re.compile(r"^```[a-zA-Z]*\s*|\s*```\s*$")
_SQL_START = re.compile(r"^\s*(select|with)\b", re.IGNORECASE)


def parse_sql_reply(text: str) -> AIMessage:
    """A bare-SQL reply as a run_sql call; anything that is not a query stays text."""
    sql = _FENCE.sub("", text.strip()).strip().rstrip(";").strip()
    if _SQL_START.match(sql):
        return AIMessage(
            content="",
            tool_calls=[
                {"name": "run_sql", "args": {"sql": sql}, "id": f"call_{uuid.uuid4().hex[:12]}", "type": "tool_call"}
            ],
        )
    return AIMessage(content=text.strip())


def _response_format(tools: Sequence[dict[str, Any]] | None, messages: Sequence[BaseMessage]) -> dict[str, Any] | None:
    """JSON mode; until a tool has answered, a grammar that only admits a tool call.

    A 1.5B model offered the choice often "answers" from the schema (a row count, a made-up value)
    instead of querying; forcing the first step to be a tool call removes that failure.
    """
    if not tools or sql_only(tools):
        return None
    if any(isinstance(m, ToolMessage) for m in messages):
        return {"type": "json_object"}
    names = [t.get("function", t)["name"] for t in tools]
    schema = {
        "type": "object",
        "properties": {"tool": {"type": "string", "enum": names}, "arguments": {"type": "object"}},
        "required": ["tool", "arguments"],
    }
    return {"type": "json_object", "schema": schema}


def after_failure(messages: Sequence[BaseMessage]) -> bool:
    """True when the model is asked to correct a tool call that just failed."""
    return (
        bool(messages)
        and isinstance(messages[-1], ToolMessage)
        and str(messages[-1].content).lstrip().startswith("ERROR")
    )


class ChatLocalGGUF(BaseChatModel):
    """A GGUF model run by llama.cpp in this process, with tool calls through JSON mode."""

    model_path: str
    n_ctx: int = 4096
    n_threads: int = Field(default_factory=lambda: os.cpu_count() or 2)
    temperature: float = 0.0
    # After a failed query, greedy decoding mostly writes the same query again; sampling (seeded,
    # so runs repeat) gives the correction a real chance.
    retry_temperature: float = 0.6
    seed: int = 0
    max_tokens: int = 384
    timeout_s: float = 120.0
    model_name: str = "local"

    model_config = ConfigDict(arbitrary_types_allowed=True)
    _bound: list[dict[str, Any]] = PrivateAttr(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "llama-cpp-local"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_path": self.model_path, "n_ctx": self.n_ctx}

    def bind_tools(self, tools: Sequence[Any], *, tool_choice: Any = None, **kwargs: Any) -> Any:
        formatted = [convert_to_openai_tool(t) for t in tools]
        return self.bind(tools=formatted, **kwargs)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        tools: list[dict[str, Any]] | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        llama, lock = load_llama(self.model_path, self.n_ctx, self.n_threads)
        chat = to_llama_messages(messages, tools)
        deadline = time.monotonic() + self.timeout_s
        pieces: list[str] = []
        usage = {"input_tokens": 0, "output_tokens": 0, "total_tokens": 0}
        with lock:
            stream: Iterator[dict[str, Any]] = llama.create_chat_completion(
                messages=chat,
                # an explicit temperature/seed (a cross-check sample, crosscheck.py) wins
                temperature=kwargs.get(
                    "temperature", self.retry_temperature if after_failure(messages) else self.temperature
                ),
                seed=kwargs.get("seed", self.seed),
                max_tokens=kwargs.get("max_tokens", self.max_tokens),
                stop=(stop or []) + SQL_STOPS if sql_only(tools) else stop,
                response_format=_response_format(tools, messages),
                stream=True,
            )
            for chunk in stream:
                delta = chunk["choices"][0].get("delta", {}).get("content") or ""
                if delta:
                    pieces.append(delta)
                    usage["output_tokens"] += 1
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the local model took longer than {self.timeout_s:g} s")
        text = "".join(pieces)
        with contextlib.suppress(Exception):
            usage["input_tokens"] = len(
                llama.tokenize("".join(m["content"] for m in chat).encode("utf-8"), add_bos=False)
            )
        usage["total_tokens"] = usage["input_tokens"] + usage["output_tokens"]
        if sql_only(tools):
            message = parse_sql_reply(text)
        else:
            message = (
                parse_reply(text, {t["function"]["name"] for t in tools or []}) if tools else AIMessage(content=text)
            )
        message.usage_metadata = usage  # type: ignore[assignment]
        message.response_metadata = {"model_name": self.model_name, "raw": text}
        return ChatResult(generations=[ChatGeneration(message=message)])
