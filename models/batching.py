"""Batched inference: length-sorted batches, a batch size that adapts to memory, a progress bar.

Why: calling a model once per row wastes most of the time on per-call overhead and padding. Sorting
texts by length before cutting batches keeps padding small; halving the batch when the accelerator
runs out of memory (and growing it back after a streak of successes) keeps long columns running on
small GPUs; and the results come back in the caller's order, so callers never see the reordering.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from typing import TypeVar

import torch
from tqdm.auto import tqdm

T = TypeVar("T")

PROGRESS_MIN_ITEMS = 256  # below this, a progress bar is noise
PROGRESS_ENV = "INSIGHTCHAT_PROGRESS"  # "0" hides bars (tests, --json output)


def show_progress(n_items: int) -> bool:
    """Bars on long work only, and never when the user turned them off."""
    if os.environ.get(PROGRESS_ENV, "1").strip().lower() in {"0", "false", "no", "off"}:
        return False
    return n_items >= PROGRESS_MIN_ITEMS


def default_batch_size(device: torch.device) -> int:
    """A starting batch size: larger on accelerators (the adaptive loop shrinks it if memory runs out)."""
    return 128 if device.type in ("cuda", "mps") else 64


def is_out_of_memory(exc: BaseException) -> bool:
    if isinstance(exc, torch.cuda.OutOfMemoryError):
        return True
    text = str(exc).lower()
    return isinstance(exc, RuntimeError) and (
        "out of memory" in text or "can't allocate memory" in text or "mps backend out of memory" in text
    )


def _free_accelerator_memory() -> None:
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    mps = getattr(torch, "mps", None)
    if (
        mps is not None
        and hasattr(mps, "empty_cache")
        and getattr(torch.backends, "mps", None)
        and torch.backends.mps.is_available()
    ):
        mps.empty_cache()


def run_batched(
    items: Sequence[str],
    fn: Callable[[list[str]], Sequence[T]],
    *,
    batch_size: int = 64,
    min_batch_size: int = 1,
    desc: str = "scoring",
    length: Callable[[str], int] = len,
) -> list[T]:
    """Apply ``fn`` to length-sorted batches of ``items`` under ``torch.inference_mode``; results in input order.

    ``fn`` gets a list of items and returns one result per item. On an out-of-memory error the batch
    is retried at half the size (down to ``min_batch_size``); after 8 clean batches the size doubles
    back towards the starting size.
    """
    n = len(items)
    if n == 0:
        return []
    order = sorted(range(n), key=lambda i: length(items[i]))
    results: list[T | None] = [None] * n
    size = max(1, batch_size)
    ceiling = size
    streak = 0
    start = 0
    bar = tqdm(total=n, desc=desc, unit="text", disable=not show_progress(n), leave=False)
    try:
        with torch.inference_mode():
            while start < n:
                idx = order[start : start + size]
                try:
                    out = fn([items[i] for i in idx])
                except (RuntimeError, torch.cuda.OutOfMemoryError) as exc:
                    if not is_out_of_memory(exc) or size <= min_batch_size:
                        raise
                    _free_accelerator_memory()
                    size = max(min_batch_size, size // 2)
                    streak = 0
                    continue
                if len(out) != len(idx):
                    raise RuntimeError(f"batch function returned {len(out)} results for {len(idx)} inputs")
                for i, value in zip(idx, out, strict=True):
                    results[i] = value
                start += len(idx)
                bar.update(len(idx))
                streak += 1
                if streak >= 8 and size < ceiling:
                    size = min(ceiling, size * 2)
                    streak = 0
    finally:
        bar.close()
    return results  # type: ignore[return-value]


def n_batches(n_items: int, batch_size: int) -> int:
    return math.ceil(n_items / max(1, batch_size))
