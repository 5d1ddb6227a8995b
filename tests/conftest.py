"""Shared fixtures: small data sets written by the tests themselves (never ../shared)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# Tests pick their planner explicitly; without this, an installed local model (the `local` extra) would
# make every Assistant hybrid and load a 1.1 GB model whenever the offline planner abstains.
os.environ.setdefault("INSIGHTCHAT_PLANNER", "offline")
os.environ.setdefault("INSIGHTCHAT_PROGRESS", "0")  # no progress bars in test output

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture
def examples_dir() -> Path:
    return EXAMPLES


@pytest.fixture
def reviews_csv() -> Path:
    return EXAMPLES / "reviews.csv"


@pytest.fixture
def tickets_csv() -> Path:
    return EXAMPLES / "tickets.csv"


@pytest.fixture
def no_embeddings(monkeypatch: pytest.MonkeyPatch):
    """Offline planner with spelling and exact linking only: fast, and answers must not depend on the model."""
    from insightchat.planner.offline import embed

    monkeypatch.setenv(embed.DISABLE_ENV, "0")
    embed.reset()
    yield
    embed.reset()


@pytest.fixture(scope="module")
def shots() -> Path:
    """Where browser tests leave their screenshots (INSIGHTCHAT_SCREENSHOT_DIR, else a fresh temp folder)."""
    folder = Path(os.environ.get("INSIGHTCHAT_SCREENSHOT_DIR") or tempfile.mkdtemp(prefix="insightchat-shots-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots in {folder}")
    return folder
