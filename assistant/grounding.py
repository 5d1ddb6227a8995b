"""The mechanical check that a narration only states numbers some tool produced.

A language model may phrase the answer, never invent it. Every number in its text must match a
number found in the tool results (cells, counts, the preview the model read), in the question or in
the SQL that ran, allowing for the rounding a person would do (3.14159 -> "3.14", 0.423 -> "42.3%",
1234567 -> "1.2 million"). When one does not, :func:`apply_llm_narration` keeps the offline narrator's
text and records a warning on the Answer.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

import pandas as pd

from insightchat.contracts import Answer
from insightchat.tools.results import ToolResult

_NUMBER = re.compile(
    r"(?<![\w.])[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\s*(?:%|percent\b|k\b|thousand\b|m\b|million\b|bn\b|billion\b))?",
    re.IGNORECASE,
)
_SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "bn": 1e9, "billion": 1e9}
MAX_CELLS = 20_000


def numbers_in(text: str) -> list[tuple[str, float, int, str]]:
    """(as written, value, decimals shown, unit) for each number in ``text``."""
    out = []
    for m in _NUMBER.finditer(text or ""):
        raw = m.group(0)
        unit_match = re.search(r"(%|percent|k|thousand|m|million|bn|billion)$", raw.strip(), re.I)
        unit = unit_match.group(1).lower() if unit_match else ""
        digits = raw.strip()[: unit_match.start()] if unit_match else raw.strip()
        digits = digits.strip().replace(",", "")
        try:
            value = float(digits)
        except ValueError:
            continue
        decimals = len(digits.split(".")[1]) if "." in digits else 0
        out.append((raw.strip(), value, decimals, unit))
    return out


def _cells(df: pd.DataFrame) -> Iterable[object]:
    head = df.head(max(1, MAX_CELLS // max(1, len(df.columns))))
    for col in head.columns:
        yield from head[col].tolist()


def source_numbers(results: list[ToolResult], extra_texts: Iterable[str] = ()) -> set[float]:
    """Every number the tools produced (and the question/SQL mentioned)."""
    found: set[float] = set()
    texts = list(extra_texts)
    for r in results:
        texts += [r.for_model, r.sql or "", r.title]
        if r.total_rows is not None:
            found.add(float(r.total_rows))
        if r.data is not None:
            found.add(float(len(r.data)))
            for v in _cells(r.data):
                if isinstance(v, bool):
                    continue
                if isinstance(v, (int, float)) and not (isinstance(v, float) and math.isnan(v)):
                    found.add(float(v))
                elif v is not None:
                    texts.append(str(v))
    for text in texts:
        for _, value, _, unit in numbers_in(text):
            found.add(value * _SCALE.get(unit, 1.0))
    return found


def _matches(value: float, decimals: int, unit: str, sources: set[float]) -> bool:
    """Whether ``value`` as written (with ``decimals`` shown and ``unit``) rounds from some source."""
    tolerance = 0.5 * 10 ** (-decimals) + 1e-9
    scale = _SCALE.get(unit, 1.0)
    for s in sources:
        if abs(s - value * scale) <= tolerance * scale:
            return True
        if unit in ("%", "percent") and abs(s * 100 - value) <= tolerance:
            return True
    return False


def ungrounded_numbers(text: str, results: list[ToolResult], question: str = "") -> list[str]:
    """The numbers in ``text`` that no tool result (nor the question) contains."""
    sources = source_numbers(results, [question])
    return [raw for raw, value, decimals, unit in numbers_in(text) if not _matches(value, decimals, unit, sources)]


def apply_llm_narration(answer: Answer, llm_text: str, results: list[ToolResult], question: str) -> bool:
    """Use the model's text when every number in it is grounded; otherwise keep the checked text.

    Returns True when the model's text was used.
    """
    text = (llm_text or "").strip()
    if not text:
        return False
    bad = ungrounded_numbers(text, results, question)
    if bad:
        answer.warnings.append(
            f"The model's answer stated {', '.join(bad[:5])}, which no tool produced; "
            "showing the checked summary instead."
        )
        return False
    answer.text = text
    return True
