"""Shared fixtures: small data sets written by the tests themselves (never ../shared)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

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
