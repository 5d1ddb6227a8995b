"""The wire path: langchain-openai talks HTTP to an OpenAI-compatible endpoint on 127.0.0.1 that this
test starts and that replays recorded chat-completion responses (streamed as server-sent events, as
vLLM, llama.cpp's server and LM Studio do). Nothing of ours is mocked: factory, agent, tools, narration.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pandas as pd
import pytest

from insightchat.assistant import Assistant
from insightchat.config import LLMSettings
from insightchat.models.chat import make_chat_model
from insightchat.planner.llm import LLMPlanner
from insightchat.planner.sql_passthrough import SQLPassthroughPlanner
from insightchat.tools.workspace import Workspace

SQL = "SELECT city, count(*) AS orders FROM orders GROUP BY city ORDER BY orders DESC"


def _chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-rec1",
        "object": "chat.completion.chunk",
        "created": 1730000000,
        "model": "replay-model",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
    }


# Recorded streamed responses, in order: a tool call (arguments arrive in pieces), then the answer.
RECORDED: list[list[dict[str, Any]]] = [
    [
        _chunk(
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "index": 0,
                        "id": "call_abc123",
                        "type": "function",
                        "function": {"name": "run_sql", "arguments": ""},
                    }
                ],
            }
        ),
        _chunk({"tool_calls": [{"index": 0, "function": {"arguments": json.dumps({"sql": SQL})[:30]}}]}),
        _chunk({"tool_calls": [{"index": 0, "function": {"arguments": json.dumps({"sql": SQL})[30:]}}]}),
        _chunk({}, "tool_calls"),
    ],
    [
        _chunk({"role": "assistant", "content": ""}),
        _chunk({"content": "Berlin has"}),
        _chunk({"content": " the most orders:"}),
        _chunk({"content": " 3."}),
        _chunk({}, "stop"),
    ],
]


class ReplayServer:
    """A tiny OpenAI-compatible /v1/chat/completions that replays ``RECORDED`` and keeps the requests."""

    def __init__(self, responses: list[list[dict[str, Any]]]) -> None:
        self.responses = list(responses)
        self.requests: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append(body)
                if not self.path.endswith("/chat/completions") or not outer.responses:
                    self.send_response(404)
                    self.end_headers()
                    return
                chunks = outer.responses.pop(0)
                if body.get("stream"):
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream")
                    self.end_headers()
                    for c in chunks:
                        self.wfile.write(f"data: {json.dumps(c)}\n\n".encode())
                        self.wfile.flush()
                    self.wfile.write(b"data: [DONE]\n\n")
                else:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(json.dumps(_assemble(chunks)).encode())

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> ReplayServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _assemble(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    """The non-streamed form of a recorded stream (for clients that do not stream)."""
    content, calls, finish = "", {}, "stop"
    for c in chunks:
        choice = c["choices"][0]
        delta = choice["delta"]
        content += delta.get("content") or ""
        for tc in delta.get("tool_calls") or []:
            slot = calls.setdefault(
                tc["index"], {"id": tc.get("id"), "type": "function", "function": {"name": "", "arguments": ""}}
            )
            slot["id"] = tc.get("id") or slot["id"]
            slot["function"]["name"] += tc.get("function", {}).get("name") or ""
            slot["function"]["arguments"] += tc.get("function", {}).get("arguments") or ""
        finish = choice["finish_reason"] or finish
    message: dict[str, Any] = {"role": "assistant", "content": content or None}
    if calls:
        message["tool_calls"] = [calls[i] for i in sorted(calls)]
    return {
        "id": "chatcmpl-rec1",
        "object": "chat.completion",
        "created": 1730000000,
        "model": "replay-model",
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": 50, "completion_tokens": 10, "total_tokens": 60},
    }


@pytest.fixture
def orders() -> pd.DataFrame:
    return pd.DataFrame({"city": ["Berlin", "Berlin", "Berlin", "Paris", "Rome"], "total": [10, 20, 30, 5, 7]})


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    with ReplayServer(RECORDED) as s:
        yield s


def test_openai_compatible_endpoint_streams_tool_call_and_answer(
    orders: pd.DataFrame, server: ReplayServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)  # a compatible server needs no key
    settings = LLMSettings(llm="openai:replay-model", base_url=server.base_url, timeout_s=10)
    model = make_chat_model("openai:replay-model", settings)
    planner = LLMPlanner(model, settings, fallback=SQLPassthroughPlanner(), embed=None)
    workspace = Workspace()
    workspace.add_dataframe(orders, "orders")
    assistant = Assistant(workspace, planner=planner)

    events = list(assistant.ask_stream("which city has the most orders?"))
    answer = events[-1].answer
    assert answer is not None
    assert answer.text == "Berlin has the most orders: 3."
    assert answer.planner == "replay-model"
    assert answer.table is not None and answer.table.iloc[0].tolist() == ["Berlin", 3]
    tokens = [e.text for e in events if e.kind == "token"]
    assert tokens == ["Berlin has", " the most orders:", " 3."]  # streamed over the wire, piece by piece
    assert [e.step.title for e in events if e.kind == "step"][0] == "Calling run_sql"

    first, second = server.requests
    assert first["stream"] is True and first["model"] == "replay-model" and first["temperature"] == 0
    assert {t["function"]["name"] for t in first["tools"]} >= {"run_sql", "list_tables", "describe_table"}
    assert first["messages"][0]["role"] == "system" and "table orders" in first["messages"][0]["content"]
    tool_reply = second["messages"][-1]
    assert tool_reply["role"] == "tool" and tool_reply["tool_call_id"] == "call_abc123"
    assert "<data>" in tool_reply["content"] and "Berlin,3" in tool_reply["content"]


def test_unreachable_server_falls_back(orders: pd.DataFrame) -> None:
    with ReplayServer([]) as s:
        dead = s.base_url
    settings = LLMSettings(base_url=dead, timeout_s=3)
    planner = LLMPlanner(
        make_chat_model("openai:any", settings), settings, fallback=SQLPassthroughPlanner(), embed=None
    )
    answer = Assistant(orders, planner=planner).ask("SELECT count(*) AS n FROM df")
    assert answer.planner == "sql" and answer.table is not None and answer.table["n"].iloc[0] == 5
    assert "could not be used" in answer.text and "Connection" in answer.text
