"""Which planners a person can pick in the UI: the offline one always, plus each configured model.

The choices come from the same settings the CLI reads (``insightchat.config``: TOML file, then
``INSIGHTCHAT_*`` variables): the configured hosted/OpenAI-compatible model (``INSIGHTCHAT_LLM``),
and the local model when it is installed. The pick that starts selected is the one
``insightchat.planner.select.select_planner`` would make, so the UI and the CLI answer alike.
Building a planner is deferred to when it is picked: a hosted model checks its key on creation.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from insightchat.assistant import default_planner
from insightchat.planner.base import Planner

log = logging.getLogger(__name__)

OFFLINE_LABEL = "offline"
LOCAL_LABEL = "local"


@dataclass(frozen=True)
class PlannerOption:
    """One entry of the model picker: its label and how to make its planner."""

    label: str
    make: Callable[[], Planner]


def offline_option() -> PlannerOption:
    return PlannerOption(OFFLINE_LABEL, default_planner)


def _llm_option(spec: str, settings: Any) -> PlannerOption:
    def make() -> Planner:
        from insightchat.planner.hybrid import HybridPlanner
        from insightchat.planner.llm import LLMPlanner

        planner = LLMPlanner(spec, settings, fallback=default_planner())
        return HybridPlanner(default_planner(), planner) if settings.planner == "hybrid" else planner

    return PlannerOption(spec, make)


def _local_option(settings: Any) -> PlannerOption:
    def make() -> Planner:
        from insightchat.planner.hybrid import HybridPlanner
        from insightchat.planner.llm import LLMPlanner

        return HybridPlanner(default_planner(), LLMPlanner("local", settings, fallback=None))

    return PlannerOption(LOCAL_LABEL, make)


def default_planner_options(llm: str | None = None) -> list[PlannerOption]:
    """Every planner this machine can use, the one that answers by default first.

    ``llm`` (the ``ui`` command's ``--llm``) overrides the configured model. A broken configuration
    (bad TOML, unknown setting) must not stop the offline UI from starting: it is logged and only the
    offline planner is offered.
    """
    try:
        from insightchat.config import load_settings
        from insightchat.planner.select import local_model_installed

        settings = load_settings(overrides={"llm": llm})
        local = local_model_installed()
    except Exception:
        log.warning("reading the model settings failed; offering the offline planner only", exc_info=True)
        return [offline_option()]
    options = [offline_option()]
    if settings.llm:
        options.append(_llm_option(str(settings.llm), settings))
    if local and settings.llm != LOCAL_LABEL:
        options.append(_local_option(settings))
    if settings.planner == "offline":
        return options
    preferred = (
        str(settings.llm)
        if settings.llm
        else (LOCAL_LABEL if local and settings.planner in ("auto", "hybrid") else OFFLINE_LABEL)
    )
    return sorted(options, key=lambda o: o.label != preferred)


def find_option(options: list[PlannerOption], label: str | None) -> PlannerOption:
    for opt in options:
        if opt.label == label:
            return opt
    return options[0]


def make_planner(option: PlannerOption, workspace: Any) -> Planner:
    """Build the option's planner and bind it to the session's workspace when it runs tools itself."""
    planner = option.make()
    if hasattr(planner, "bind"):
        planner.bind(workspace)
    return planner
