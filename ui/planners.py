"""Which planners a person can pick in the UI: the offline one always, plus each configured model.

The choices are ``insightchat.planner.select.planner_choices``, from the same settings the CLI reads
(``insightchat.config``: TOML file, then ``INSIGHTCHAT_*`` variables, then the ``ui`` command's
``--llm``), so the pick that starts selected is the planner the CLI would use.
"""

from __future__ import annotations

import logging

from insightchat.planner.base import Planner
from insightchat.planner.select import OFFLINE_LABEL, PlannerChoice, build_or_offline, offline_planner, planner_choices
from insightchat.tools.workspace import Workspace

log = logging.getLogger(__name__)

PlannerOption = PlannerChoice  # one entry of the model picker: its label and how to make its planner


def offline_option() -> PlannerOption:
    return PlannerOption(OFFLINE_LABEL, offline_planner)


def default_planner_options(llm: str | None = None) -> list[PlannerOption]:
    """Every planner this machine can use, the one that answers by default first.

    ``llm`` (the ``ui`` command's ``--llm``) overrides the configured model. A broken configuration
    (bad TOML, unknown setting) must not stop the offline UI from starting: it is logged and only the
    offline planner is offered.
    """
    try:
        from insightchat.config import load_settings

        return planner_choices(settings=load_settings(overrides={"llm": llm}))
    except Exception:
        log.warning("reading the model settings failed; offering the offline planner only", exc_info=True)
        return [offline_option()]


def find_option(options: list[PlannerOption], label: str | None) -> PlannerOption:
    for opt in options:
        if opt.label == label:
            return opt
    return options[0]


def make_planner(option: PlannerOption, workspace: Workspace) -> Planner:
    """Build the option's planner bound to the session's workspace (raises when it cannot be built)."""
    return option.make().bind(workspace)


def first_planner(options: list[PlannerOption], workspace: Workspace) -> Planner:
    """A new session's planner: the first option's, or the offline planner when it cannot be built."""
    return build_or_offline(options[0], workspace)
