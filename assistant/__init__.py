"""insightchat: ask questions of your data in plain language (see README.md).

``from insightchat import Assistant`` is the one import Python users need. It is resolved lazily so
that ``insightchat.tools`` and the CLI do not pay for the planners' imports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from insightchat.assistant import Assistant

__all__ = ["Assistant"]


def __getattr__(name: str) -> Any:
    if name == "Assistant":
        from insightchat.assistant import Assistant

        return Assistant
    raise AttributeError(f"module 'insightchat' has no attribute {name!r}")
