"""Helpers shared by the UI tests: launching the app on a free loopback port and reading chat output."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any, Iterator, Sequence

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launched_app(files: Sequence[str | Path] = (), **kwargs: Any) -> Iterator[Any]:
    """Build and serve the app (one per test module); yields the Blocks, closes it afterwards."""
    from ui.app import build_app, close_app, serve

    demo = build_app(files, **kwargs)
    serve(demo, port=free_port(), host="127.0.0.1", prevent_thread_lock=True)
    try:
        yield demo
    finally:
        close_app(demo)


def texts(message: dict[str, Any]) -> str:
    """All text blocks of one chat message, joined."""
    return "\n".join(block.get("text", "") for block in message["content"] if block.get("type") == "text")


def components(message: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [b for b in message["content"] if b.get("type") == "component" and b.get("component") == name]


def final_message(chat: list[dict[str, Any]]) -> dict[str, Any]:
    return chat[-1]


def step_messages(chat: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in chat if (m.get("metadata") or {}).get("title")]


def table_of(message: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    frames = components(message, "dataframe")
    assert frames, f"no table in {texts(message)!r}"
    value = frames[0]["value"]
    return value["headers"], value["data"]
