"""Helpers shared by the UI tests: launching the app on a free loopback port and reading chat output."""

from __future__ import annotations

import socket
from collections.abc import Iterator, Sequence
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launched_app(files: Sequence[str | Path] = (), **kwargs: Any) -> Iterator[Any]:
    """Build and serve the app (one per test module); yields the Blocks, closes it afterwards."""
    from insightchat.ui.app import build_app, close_app, serve

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


class _TableParser(HTMLParser):
    """Headers and rows (as text) of the first HTML table in the chat's table block."""

    def __init__(self) -> None:
        super().__init__()
        self.headers: list[str] = []
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None
        self._in_head = False

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "thead":
            self._in_head = True
        elif tag == "tr" and not self._in_head:
            self.rows.append([])
        elif tag in ("th", "td"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "thead":
            self._in_head = False
        elif tag in ("th", "td") and self._cell is not None:
            text = "".join(self._cell).strip()
            (self.headers if self._in_head else self.rows[-1]).append(text)
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def table_of(message: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """The result table shown in a final message: headers and rows, every cell as text."""
    blocks = components(message, "html")
    assert blocks, f"no table in {texts(message)!r}"
    parser = _TableParser()
    parser.feed(blocks[0]["value"])
    return parser.headers, parser.rows
