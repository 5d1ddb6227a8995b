"""Which planners a person can pick in the UI: the offline one always, plus each configured LLM.

The LLM planner (issue 5) owns configuration. The UI only needs two things from it, looked up at
app start so the UI works before it lands and picks it up as soon as it does:

* ``assistant.llm_config.available_models() -> list[str]``: configured model specs such as
  ``"openai:gpt-4.1-mini"`` (empty when none is configured);
* ``assistant.llm_config.make_planner(spec: str) -> Planner``: a planner that uses that model.

``build_app`` also takes an explicit list of :class:`PlannerOption` (tests, embedding apps).
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from typing import Callable

from assistant.assistant import default_planner
from assistant.planner.base import Planner

log = logging.getLogger(__name__)

OFFLINE_LABEL = "offline"


@dataclass(frozen=True)
class PlannerOption:
    """One entry of the model picker: its label and how to make its planner."""

    label: str
    make: Callable[[], Planner]


def offline_option() -> PlannerOption:
    return PlannerOption(OFFLINE_LABEL, default_planner)


def _configured_llm_options() -> list[PlannerOption]:
    try:
        config = importlib.import_module("assistant.llm_config")
    except ImportError:
        return []
    list_models = getattr(config, "available_models", None)
    make_planner = getattr(config, "make_planner", None)
    if not callable(list_models) or not callable(make_planner):
        return []
    try:
        specs = [str(s) for s in list_models()]
    except Exception:  # a broken configuration must not stop the offline UI from starting
        log.warning("listing configured LLMs failed; offering the offline planner only", exc_info=True)
        return []
    return [PlannerOption(spec, (lambda spec=spec: make_planner(spec))) for spec in specs]


def default_planner_options() -> list[PlannerOption]:
    """The offline planner first, then every configured LLM."""
    return [offline_option(), *_configured_llm_options()]


def find_option(options: list[PlannerOption], label: str | None) -> PlannerOption:
    for opt in options:
        if opt.label == label:
            return opt
    return options[0]
