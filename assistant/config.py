"""Settings for the language-model path, from one place, each with a default that works offline.

Order (later wins): the defaults here, a TOML file (``$INSIGHTCHAT_CONFIG``, else ``./insightchat.toml``,
else ``~/.config/insightchat/config.toml``), environment variables, then explicit overrides (the CLI's
``--llm``). Unset ``llm`` means no hosted model: the offline planner answers, or the hybrid one when
the local model is installed.

TOML layout::

    [llm]
    model = "openai:gpt-4.1-mini"        # or "ollama:qwen2.5:7b", "local", "local:/path/model.gguf"
    base_url = "http://localhost:8000/v1" # any OpenAI-compatible server
    max_retries = 2
    max_tool_calls = 8
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from insightchat.tools.errors import InsightError

ENV_PREFIX = "INSIGHTCHAT_"


@dataclass(frozen=True)
class LLMSettings:
    """Everything the LLM planner and the chat-model factory read."""

    llm: str | None = None  # "provider:model"; None means offline
    base_url: str | None = None  # an OpenAI-compatible endpoint (vLLM, llama.cpp server, LM Studio...)
    api_key: str | None = None  # normally taken from the provider's own variable (OPENAI_API_KEY...)
    temperature: float = 0.0
    max_retries: int = 2  # corrections after a SQL error or refusal before an honest failure
    max_tool_calls: int = 8  # per turn
    max_tokens: int = 1024  # per model call
    max_turn_tokens: int = 24_000  # prompt + completion tokens per turn, all model calls together
    timeout_s: float = 60.0  # per model call
    narrate: bool | None = None  # let the model write the answer; None: yes, except for the small local model
    schema_max_columns: int = 150  # above this many columns the prompt carries a focused schema
    planner: str = "auto"  # auto | offline | llm | hybrid
    cross_check: bool | None = None  # test answers against a sampled query (crosscheck.py); None: the local model only
    local_threads: int | None = None  # llama.cpp threads for the local model (default: all cores)
    local_ctx: int = 4096


_ENV_NAMES = {
    "llm": "LLM",
    "base_url": "LLM_BASE_URL",
    "api_key": "LLM_API_KEY",
    "temperature": "LLM_TEMPERATURE",
    "max_retries": "MAX_RETRIES",
    "max_tool_calls": "MAX_TOOL_CALLS",
    "max_tokens": "LLM_MAX_TOKENS",
    "max_turn_tokens": "LLM_MAX_TURN_TOKENS",
    "timeout_s": "LLM_TIMEOUT",
    "narrate": "LLM_NARRATE",
    "schema_max_columns": "SCHEMA_MAX_COLUMNS",
    "planner": "PLANNER",
    "cross_check": "LLM_CROSS_CHECK",
    "local_threads": "LOCAL_THREADS",
    "local_ctx": "LOCAL_CTX",
}
_TOML_ALIASES = {"model": "llm", "timeout": "timeout_s"}


def _convert(name: str, raw: Any) -> Any:
    """Turn a TOML or environment value into the field's type, with a clear error."""
    kind = {f.name: f.type for f in fields(LLMSettings)}[name]
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None if "None" in str(kind) else LLMSettings.__dataclass_fields__[name].default
    try:
        if "bool" in str(kind):
            if isinstance(raw, bool):
                return raw
            return str(raw).strip().lower() in ("1", "true", "yes", "on")
        if "int" in str(kind):
            return int(raw)
        if "float" in str(kind):
            return float(raw)
    except ValueError:
        raise InsightError(f"Setting {name} has the invalid value {raw!r}", f"expected {kind}") from None
    return str(raw)


def config_file() -> Path | None:
    explicit = os.environ.get(ENV_PREFIX + "CONFIG")
    if explicit:
        path = Path(explicit).expanduser()
        if not path.exists():
            raise InsightError(f"Config file {path} does not exist", f"unset {ENV_PREFIX}CONFIG or create the file")
        return path
    for path in (Path("insightchat.toml"), Path.home() / ".config" / "insightchat" / "config.toml"):
        if path.exists():
            return path
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InsightError(f"Could not read {path}: {exc}", "fix the TOML syntax") from None
    section = data.get("llm", {})
    known = {f.name for f in fields(LLMSettings)}
    out: dict[str, Any] = {}
    for key, value in section.items():
        key = _TOML_ALIASES.get(key, key)
        if key not in known:
            raise InsightError(f"Unknown setting [llm].{key} in {path}", f"known: {', '.join(sorted(known))}")
        out[key] = _convert(key, value)
    return out


def load_settings(
    overrides: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None, use_file: bool = True
) -> LLMSettings:
    """Defaults < TOML file < environment < ``overrides`` (None values in overrides are ignored)."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    if use_file:
        path = config_file()
        if path is not None:
            values.update(_read_toml(path))
    for name, suffix in _ENV_NAMES.items():
        if ENV_PREFIX + suffix in env:
            values[name] = _convert(name, env[ENV_PREFIX + suffix])
    for name, value in (overrides or {}).items():
        if value is not None:
            values[name] = value
    settings = replace(LLMSettings(), **values)
    if settings.planner not in ("auto", "offline", "llm", "hybrid"):
        raise InsightError(f"Unknown planner {settings.planner!r}", "use auto, offline, llm or hybrid")
    return settings
