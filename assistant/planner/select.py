"""Which planners this machine can use and which one answers: the one place that builds and wires them.

The Assistant (and so the CLI and Python users), the UI's model picker and the benchmarks all come here.

- ``llm`` given (a chat model or "provider:model"), or ``INSIGHTCHAT_LLM`` set: the LLM planner, with
  the offline planner as its fallback (the hybrid planner around it when ``planner = "hybrid"``).
- ``planner = "offline"``: the offline planner only.
- otherwise, when the local model is installed (llama-cpp-python and the pinned model parts): the
  hybrid planner (offline first, the local model for what the offline planner abstains on).
- otherwise: the offline planner.

The first of :func:`planner_choices` is the one that answers, so the UI starts on the same planner the
CLI would use. A planner that cannot be built (a hosted model without its key) raises an InsightError
when chosen explicitly; :func:`build_or_offline` is the one place that answers offline instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from insightchat.config import LLMSettings, load_settings
from insightchat.planner.base import Planner
from insightchat.tools.workspace import Workspace

if TYPE_CHECKING:
    from insightchat.planner.llm.observer import TurnObserver

log = logging.getLogger(__name__)

OFFLINE_LABEL = "offline"
LOCAL_LABEL = "local"


@dataclass(frozen=True)
class PlannerChoice:
    """One planner a person may pick: its label (the UI's model picker shows it) and how to build it.
    Building is deferred to when it is picked: a hosted model checks its key on creation."""

    label: str
    make: Callable[[], Planner]


def local_model_installed() -> bool:
    """Cheap check (metadata and an import spec, no model load) for the ``local`` extra."""
    import importlib.util

    from insightchat.models.gguf_parts import parts_installed

    return importlib.util.find_spec("llama_cpp") is not None and parts_installed()


def offline_planner() -> Planner:
    """The planner that needs no model: plain language to safe SQL (planner/offline)."""
    from insightchat.planner.offline import OfflinePlanner

    return OfflinePlanner()


def model_planner(
    spec: Any,
    settings: LLMSettings | None = None,
    offline: Planner | None = None,
    observer: TurnObserver | None = None,
) -> Planner:
    """The LLM planner for ``spec`` (a chat model or "provider:model") with the offline planner as its
    fallback; the hybrid planner around it when the settings ask for ``planner = "hybrid"``."""
    from insightchat.planner.llm import LLMPlanner

    settings = settings or load_settings()
    if settings.planner == "hybrid":
        return hybrid_planner(spec, settings, offline, observer)
    return LLMPlanner(spec, settings, fallback=offline or offline_planner(), observer=observer)


def hybrid_planner(
    spec: Any = LOCAL_LABEL,
    settings: LLMSettings | None = None,
    offline: Planner | None = None,
    observer: TurnObserver | None = None,
) -> Planner:
    """The offline planner first, the model (by default the in-process local one) for what it abstains on."""
    from insightchat.planner.hybrid import HybridPlanner
    from insightchat.planner.llm import LLMPlanner

    settings = settings or load_settings()
    model = LLMPlanner(spec, settings, fallback=None, observer=observer)
    return HybridPlanner(offline or offline_planner(), model)


def planner_choices(
    llm: Any = None, settings: LLMSettings | None = None, offline: Planner | None = None
) -> list[PlannerChoice]:
    """Every planner this machine can use, the one that answers by default first (module docstring)."""
    from insightchat.models.chat import model_label

    settings = settings or load_settings()
    spec = llm if llm is not None else settings.llm
    local = local_model_installed()
    choices = [PlannerChoice(OFFLINE_LABEL, (lambda: offline) if offline is not None else offline_planner)]
    if spec is not None:
        label = spec if isinstance(spec, str) else model_label(spec)
        choices.append(PlannerChoice(label, lambda: model_planner(spec, settings, offline)))
    if local and spec != LOCAL_LABEL:
        choices.append(PlannerChoice(LOCAL_LABEL, lambda: hybrid_planner(LOCAL_LABEL, settings, offline)))
    if settings.planner == "offline" and llm is None:
        return choices
    if spec is not None:
        preferred = choices[1].label
    else:
        preferred = LOCAL_LABEL if local and settings.planner in ("auto", "hybrid") else OFFLINE_LABEL
    return sorted(choices, key=lambda c: c.label != preferred)


def select_planner(llm: Any = None, settings: LLMSettings | None = None, offline: Planner | None = None) -> Planner:
    """The planner that answers (the first of :func:`planner_choices`), built."""
    return planner_choices(llm, settings, offline)[0].make()


def build_or_offline(choice: PlannerChoice, workspace: Workspace) -> Planner:
    """``choice``'s planner bound to ``workspace``; the offline planner when it cannot be built (a hosted
    model without its API key), so a person gets answers rather than none."""
    try:
        return choice.make().bind(workspace)
    except Exception:
        log.warning("the planner %s could not be made; using the offline planner", choice.label, exc_info=True)
        return offline_planner().bind(workspace)
