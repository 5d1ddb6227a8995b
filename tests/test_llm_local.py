"""The whole offline LLM path, for real: the pinned GGUF pieces are joined and hash-checked, llama.cpp
loads the 1.5B model in this process, and the agent loop answers through the safe SQL tool.

Slow (a model load and a few seconds of decoding per question on 2 cores); skipped with a reason when
the ``local`` extra is not installed. .ci/run installs the extra and runs it.
"""

from __future__ import annotations

import importlib.util

import pandas as pd
import pytest

from insightchat.assistant import Assistant
from insightchat.config import LLMSettings
from insightchat.models import gguf_parts
from insightchat.planner.hybrid import HybridPlanner
from insightchat.planner.llm import LLMPlanner
from insightchat.planner.sql_passthrough import SQLPassthroughPlanner

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("llama_cpp") is None or not gguf_parts.parts_installed(),
        reason="the local extra is not installed (pip install 'insightchat[local]' with the README's CMAKE_ARGS)",
    ),
]


@pytest.fixture(scope="module")
def local_planner() -> LLMPlanner:
    path = gguf_parts.assemble(verify_cached=True)  # joined once, SHA-256 checked
    assert path.stat().st_size == gguf_parts.QWEN_CODER_1_5B.size
    return LLMPlanner("local", LLMSettings(timeout_s=240), fallback=None, embed=None)


@pytest.fixture
def orders() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "city": ["Berlin", "Berlin", "Paris", "Rome", "Berlin", "Paris", "Oslo"],
            "status": ["shipped", "open", "shipped", "shipped", "shipped", "open", "cancelled"],
            "amount": [120.0, 80.0, 45.5, 60.0, 30.0, 99.0, 10.0],
        }
    )


@pytest.mark.timeout(900)
def test_local_model_answers_through_the_safe_sql_tool(local_planner: LLMPlanner, orders: pd.DataFrame) -> None:
    assistant = Assistant(orders, planner=local_planner)
    answer = assistant.ask("How many orders are from Berlin?")
    assert answer.planner.startswith("local:qwen2.5-coder-1.5b"), answer.warnings
    assert answer.sql and "Berlin" in answer.sql
    assert answer.table is not None and answer.table.iloc[0, 0] == 3, (answer.sql, answer.warnings)

    total = assistant.ask("What is the total amount of shipped orders?")
    assert total.table is not None and float(total.table.iloc[0, 0]) == pytest.approx(255.5), (
        total.sql,
        total.warnings,
    )


@pytest.mark.timeout(900)
def test_hybrid_routes_abstentions_to_the_local_model(local_planner: LLMPlanner, orders: pd.DataFrame) -> None:
    assistant = Assistant(orders, planner=HybridPlanner(SQLPassthroughPlanner(), local_planner))
    assert assistant.ask("SELECT count(*) AS n FROM df").planner == "sql"
    answer = assistant.ask("Which city has the most orders?")
    assert answer.planner.startswith("local:")
    assert answer.table is not None and "Berlin" in answer.table.astype(str).to_string(), (answer.sql, answer.warnings)
