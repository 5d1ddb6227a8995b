"""Where models run: one place that picks the device and the number format.

Why one place: every backend (embeddings, sentiment, zero-shot, learned classifiers) should land on the
same accelerator with the same precision, and a user should be able to force a choice with one setting
(``INSIGHTCHAT_DEVICE=cpu``) when, for example, a GPU is busy.
"""

from __future__ import annotations

import os

import torch

from insightchat.tools.errors import ModelUnavailableError

DEVICE_ENV = "INSIGHTCHAT_DEVICE"
QUANTIZE_ENV = "INSIGHTCHAT_QUANTIZE"  # "0" keeps CPU models in fp32


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def pick_device(prefer: str | None = None) -> torch.device:
    """CUDA > MPS > CPU, unless ``prefer`` (or ``INSIGHTCHAT_DEVICE``) names one.

    A preference that is not available here is a user error with a hint, not a silent fallback,
    because a person who asked for the GPU wants to know that it was not used.
    """
    choice = (prefer or os.environ.get(DEVICE_ENV) or "auto").strip().lower()
    if choice == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    if choice.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ModelUnavailableError(
                f"Device {choice!r} was requested but CUDA is not available", f"unset {DEVICE_ENV} or set it to cpu"
            )
        return torch.device(choice)
    if choice == "mps":
        if not _mps_available():
            raise ModelUnavailableError(
                "Device 'mps' was requested but Metal is not available", f"unset {DEVICE_ENV} or set it to cpu"
            )
        return torch.device("mps")
    if choice == "cpu":
        return torch.device("cpu")
    raise ModelUnavailableError(f"Unknown device {choice!r}", "use auto, cpu, cuda, cuda:N or mps")


def pick_dtype(device: torch.device) -> torch.dtype:
    """bf16 on GPUs that support it, fp16 on other GPUs and MPS, fp32 on CPU (fp16 matmuls are slow there)."""
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device.type == "mps":
        return torch.float16
    return torch.float32


def describe(device: torch.device) -> str:
    """A short label for steps and logs, e.g. ``cuda (NVIDIA H200, bf16)`` or ``cpu (fp32, 2 threads)``."""
    dtype = (
        str(pick_dtype(device))
        .replace("torch.", "")
        .replace("bfloat16", "bf16")
        .replace("float16", "fp16")
        .replace("float32", "fp32")
    )
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)}, {dtype})"
    if device.type == "cpu":
        return f"cpu ({dtype}, {torch.get_num_threads()} threads)"
    return f"{device.type} ({dtype})"


def cpu_int8_enabled(device: torch.device) -> bool:
    """Whether CPU inference should use dynamic int8 Linear layers (on by default;
    ``INSIGHTCHAT_QUANTIZE=0`` turns it off).

    Why: on a CPU nearly all of a small encoder's time is in its Linear layers, and int8 matmuls run
    them about twice as fast with a negligible change in the outputs. GPUs already run in bf16/fp16.
    """
    if device.type != "cpu":
        return False
    if os.environ.get(QUANTIZE_ENV, "1").strip().lower() in {"0", "false", "no", "off"}:
        return False
    return (
        "fbgemm" in torch.backends.quantized.supported_engines
        or "qnnpack" in torch.backends.quantized.supported_engines
    )


def quantize_linear_int8(module: torch.nn.Module) -> torch.nn.Module:
    """A copy of ``module`` whose ``nn.Linear`` layers use dynamic int8 quantization (weights int8,
    activations quantized per batch)."""
    import warnings

    from torch.ao.quantization import quantize_dynamic

    with warnings.catch_warnings():
        # torch >= 2.10 points eager-mode quantization users at torchao; the eager API still works and
        # torchao is not a dependency, so the notice would only be noise for people scoring a column
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        return quantize_dynamic(module, {torch.nn.Linear}, dtype=torch.qint8)
