"""What a table reading's result must look like for the reading to be believed.

A reading of a loose question can be wrong in ways its SQL cannot show but its result can: several
values tie for "the most" (the question ranks by something the reading did not see), the question
said "which two mayors" and three came back, or the asked-for cell is empty. The planner runs the
reading's SQL once, checks it here, and abstains with the reason rather than state a guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from insightchat.planner.lexicon import NUMBER_WORDS

SHOWN_VALUES = 5  # tied values named in the reason
ASKING_WORDS = {"which", "what", "name", "list", "who", "the"}


@dataclass(frozen=True)
class Expectation:
    """``single``: one value answers (a superlative's winner); ``count``: the number of values the
    question itself said ("which 2 mayors", "name three singles"); ``found``: some row must match
    (the reading's filters are cells found in the table)."""

    single: bool = False
    count: int | None = None
    found: bool = True


def stated_count(words: list[str]) -> int | None:
    """The number of answers a question announces: "which two mayors", "name 3 singles" (None: none)."""
    for before, word in zip(words, words[1:], strict=False):
        if before in ASKING_WORDS:
            number = NUMBER_WORDS.get(word) if not word.isdigit() else int(word)
            if number is not None and 1 < number <= 20:
                return number
    return None


def unmet(rows: list[tuple[Any, ...]], expect: Expectation) -> str | None:
    """Why ``rows`` (the reading's result, the asked-for value first) do not fit ``expect``; None when they do."""
    if not rows:
        return "no row matches it, though the question names cells of this table" if expect.found else None
    values = list(dict.fromkeys(r[0] for r in rows if r and r[0] is not None and str(r[0]).strip()))
    if not values:
        return "the cells that would answer it are empty"
    if expect.single and len(values) > 1:
        shown = ", ".join(str(v) for v in values[:SHOWN_VALUES]) + (", ..." if len(values) > SHOWN_VALUES else "")
        return f"{len(values)} values tie ({shown}), so the question probably ranks by something I did not read"
    if expect.count is not None and values and len(values) != expect.count:
        return f"the question names {expect.count} of them, but {len(values)} rows match"
    return None
