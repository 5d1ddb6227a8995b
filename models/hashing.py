"""The text key used by every cache: md5 of the UTF-8 text (kept free of heavy imports on purpose)."""

from __future__ import annotations

import hashlib


def text_hash(text: str) -> str:
    """md5 hex of the UTF-8 text: the same value DuckDB's ``md5()`` gives, so SQL can join on it."""
    return hashlib.md5(text.encode("utf-8")).hexdigest()
