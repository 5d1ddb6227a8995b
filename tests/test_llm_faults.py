"""An LLM endpoint that misbehaves over real HTTP (issue 22): it hangs past the time limit, answers
HTTP 500, sends tool calls whose arguments are not JSON or name no tool, or never stops calling tools.
Each time the fallback planner's answer comes back, right, with one line saying why the model was
not used, within the configured time. The endpoint is a real OpenAI-compatible server on 127.0.0.1
(``http.server`` in a thread); langchain-openai, the agent and the fallback run unmodified.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pandas as pd
import pytest

from insightchat.assistant import Assistant
from insightchat.config import LLMSettings
from insightchat.models.chat import make_chat_model
from insightchat.planner.llm import LLMPlanner
from insightchat.planner.sql_passthrough import SQLPassthroughPlanner

pytestmark = pytest.mark.timeout(120)

QUESTION = "SELECT count(*) AS n FROM df"


def _tool_call_message(name: str, arguments: str, n: int) -> dict[str, Any]:
    return {"id": f"call_{n}", "type": "function", "function": {"name": name, "arguments": arguments}}


class FaultyServer:
    """Answers /v1/chat/completions the way ``mode`` says; counts the requests it got."""

    def __init__(self, mode: str, hang_s: float = 30.0) -> None:
        self.mode = mode
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                server.requests += 1
                if server.mode == "hang":
                    time.sleep(hang_s)
                    return
                if server.mode == "500":
                    self.send_response(500)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(b'{"error": {"message": "internal error", "type": "server_error"}}')
                    return
                if server.mode == "malformed":
                    call = _tool_call_message("run_sql", '{"sql": "SELECT count(*) FROM df', server.requests)
                elif server.mode == "unknown_tool":
                    call = _tool_call_message("drop_everything", "{}", server.requests)
                else:  # endless: a valid tool call, every time
                    call = _tool_call_message("list_tables", "{}", server.requests)
                self._reply(body.get("stream", False), call)

            def _reply(self, stream: bool, call: dict[str, Any]) -> None:
                message = {"role": "assistant", "content": None, "tool_calls": [call]}
                if not stream:
                    payload = {
                        "id": "x",
                        "object": "chat.completion",
                        "created": 1,
                        "model": "faulty",
                        "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls"}],
                        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
                    }
                    data = json.dumps(payload).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                delta = {"role": "assistant", "tool_calls": [{"index": 0, **call}]}
                for piece, finish in ((delta, None), ({}, "tool_calls")):
                    chunk = {
                        "id": "x",
                        "object": "chat.completion.chunk",
                        "created": 1,
                        "model": "faulty",
                        "choices": [{"index": 0, "delta": piece, "finish_reason": finish}],
                    }
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.write(b"data: [DONE]\n\n")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> FaultyServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def orders() -> pd.DataFrame:
    return pd.DataFrame({"city": ["Berlin", "Paris", "Rome", "Oslo"], "total": [1, 2, 3, 4]})


@pytest.fixture
def no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


def _ask(orders: pd.DataFrame, server: FaultyServer, **settings: Any) -> tuple[Any, float]:
    config = LLMSettings(llm="openai:faulty", base_url=server.base_url, **settings)
    planner = LLMPlanner(make_chat_model("openai:faulty", config), config, fallback=SQLPassthroughPlanner(), embed=None)
    started = time.monotonic()
    answer = Assistant(orders, planner=planner).ask(QUESTION)
    return answer, time.monotonic() - started


def _offline_answer_with_one_line(answer: Any) -> str:
    assert answer.planner == "sql"
    assert answer.table is not None and answer.table["n"].iloc[0] == 4
    said = [line for line in answer.text.splitlines() if "could not be used" in line or "limit" in line.lower()]
    assert len(said) == 1, answer.text
    return said[0]


def test_a_model_that_hangs_is_cut_at_the_time_limit(orders: pd.DataFrame, no_key: None) -> None:
    with FaultyServer("hang") as server:
        answer, took = _ask(orders, server, timeout_s=1.0)
    line = _offline_answer_with_one_line(answer)
    assert "could not be used" in line and ("Timeout" in line or "timed out" in line.lower()), line
    assert took < 6.0, took  # the 1 s limit, plus the fallback's own answer (and first imports)


def test_http_500_falls_back_quickly(orders: pd.DataFrame, no_key: None) -> None:
    with FaultyServer("500") as server:
        answer, took = _ask(orders, server, timeout_s=5.0)
        requests = server.requests
    line = _offline_answer_with_one_line(answer)
    assert "could not be used" in line and ("500" in line or "InternalServerError" in line), line
    assert requests >= 1 and took < 15.0, (requests, took)


@pytest.mark.parametrize("mode", ["malformed", "unknown_tool"])
def test_broken_tool_calls_end_in_the_offline_answer(orders: pd.DataFrame, no_key: None, mode: str) -> None:
    with FaultyServer(mode) as server:
        answer, took = _ask(orders, server, timeout_s=5.0, max_tool_calls=4, max_retries=2)
        requests = server.requests
    if mode == "malformed":  # langchain completes the cut-off JSON, so the model's own query may answer
        assert answer.table is not None and answer.table.iloc[0, 0] == 4, answer.text
        assert sum("tool calls" in line or "could not be used" in line for line in answer.text.splitlines()) == 1
    else:
        _offline_answer_with_one_line(answer)
    assert requests <= 8 and took < 20.0, (requests, took)


def test_endless_tool_calls_stop_at_the_cap(orders: pd.DataFrame, no_key: None) -> None:
    with FaultyServer("endless") as server:
        answer, took = _ask(orders, server, timeout_s=5.0, max_tool_calls=3)
        requests = server.requests
    assert requests <= 5, requests  # the cap holds over the wire
    assert took < 20.0
    assert answer.table is not None and answer.table["n"].iloc[0] == 4, answer.text
    said = [line for line in answer.text.splitlines() if "tool-call limit" in line or "tool calls" in line]
    assert len(said) == 1, answer.text
