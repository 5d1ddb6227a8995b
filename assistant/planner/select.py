"""Which planner answers: one decision, from the ``llm`` argument and the settings.

- ``llm`` given (a chat model or "provider:model"), or ``INSIGHTCHAT_LLM`` set: the LLM planner,
  with the offline planner as its fallback.
- ``planner = "offline"``: the offline planner only.
- otherwise, when the local model is installed (llama-cpp-python and the pinned model parts): the
  hybrid planner (offline first, the local model for what the offline planner abstains on).
- otherwise: the offline planner.
"""

from __future__ import annotations

from typing import Any

from insightchat.config import LLMSettings, load_settings
from insightchat.planner.base import Planner


def local_model_installed() -> bool:
    """Cheap check (metadata and an import spec, no model load) for the ``local`` extra."""
    import importlib.util

    from insightchat.models.gguf_parts import parts_installed

    return importlib.util.find_spec("llama_cpp") is not None and parts_installed()


def select_planner(llm: Any = None, settings: LLMSettings | None = None, offline: Planner | None = None) -> Planner:
    settings = settings or load_settings()
    if offline is None:
        from insightchat.assistant import default_planner

        offline = default_planner()
    spec = llm if llm is not None else settings.llm
    if settings.planner == "offline" and llm is None:
        return offline
    from insightchat.planner.hybrid import HybridPlanner
    from insightchat.planner.llm import LLMPlanner

    if spec is not None:
        planner = LLMPlanner(spec, settings, fallback=offline)
        return HybridPlanner(offline, planner) if settings.planner == "hybrid" else planner
    if settings.planner in ("auto", "hybrid") and local_model_installed():
        return HybridPlanner(offline, LLMPlanner("local", settings, fallback=None))
    return offline
