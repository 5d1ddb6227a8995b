"""Fine-tuning the top layers of a MiniLM-style encoder on cached frozen hidden states.

Why a module of its own: the shipped sentiment model (models/training/train_sentiment.py) and the
user's own fine-tuned text classifiers (models/finetuned.py) are trained the same way, so they share
one implementation. The recipe: the embeddings and the lower encoder layers stay frozen, so their
outputs depend only on the text and are computed once (:func:`cache_lower`) and reused for every
epoch and every cross-validation fold; only the top layers and a linear head are trained, with AdamW,
a linear warm-up / decay schedule and length-bucketed batches (little padding).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from insightchat.models.batching import show_progress
from insightchat.models.sentiment_net import MiniLMTopTunedNet


def seed_everything(seed: int) -> None:
    """Python, NumPy and torch generators from one seed, so a run can be repeated."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def tokenize(tokenizer, texts: Sequence[str], max_length: int) -> list[list[int]]:
    """Token ids per text (with [CLS]/[SEP]), cut at ``max_length``; no padding (batches pad themselves)."""
    out = tokenizer(list(texts), truncation=True, max_length=max_length, add_special_tokens=True)
    return out["input_ids"]


def pad(batch: list[list[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad token id lists to the longest one; returns (ids, attention mask)."""
    width = max(len(ids) for ids in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for i, row in enumerate(batch):
        ids[i, : len(row)] = torch.tensor(row)
        mask[i, : len(row)] = 1
    return ids, mask


def net_device(net: nn.Module) -> torch.device:
    return next(net.parameters()).device


@torch.inference_mode()
def cache_lower(
    net: MiniLMTopTunedNet,
    token_ids: list[list[int]],
    pad_id: int,
    batch_size: int,
    desc: str = "caching frozen layers",
) -> list[torch.Tensor]:
    """Run the frozen lower part once per text; keep each text's hidden states (fp16, unpadded, on the CPU)."""
    device = net_device(net)
    order = sorted(range(len(token_ids)), key=lambda i: len(token_ids[i]))
    cached: list[torch.Tensor | None] = [None] * len(token_ids)
    starts = range(0, len(order), batch_size)
    for start in tqdm(starts, desc=desc, mininterval=10, disable=not show_progress(len(token_ids))):
        idx = order[start : start + batch_size]
        ids, mask = pad([token_ids[i] for i in idx], pad_id)
        hidden = net.lower(ids.to(device), mask.to(device))
        for row, i in enumerate(idx):
            cached[i] = hidden[row, : len(token_ids[i])].to(device="cpu", dtype=torch.float16).clone()
    return cached  # type: ignore[return-value]


def collate(hidden: list[torch.Tensor], device: torch.device | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Stack cached hidden states into a zero-padded fp32 batch and its attention mask."""
    width = max(h.shape[0] for h in hidden)
    out = torch.zeros((len(hidden), width, hidden[0].shape[1]), dtype=torch.float32)
    mask = torch.zeros((len(hidden), width), dtype=torch.long)
    for i, h in enumerate(hidden):
        out[i, : h.shape[0]] = h.float()
        mask[i, : h.shape[0]] = 1
    if device is not None and device.type != "cpu":
        return out.to(device), mask.to(device)
    return out, mask


def length_bucketed_batches(lengths: list[int], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Shuffle, sort within chunks of 50 batches by length (less padding), then shuffle the batches."""
    idx = list(range(len(lengths)))
    rng.shuffle(idx)
    chunk = batch_size * 50
    batches = []
    for start in range(0, len(idx), chunk):
        part = sorted(idx[start : start + chunk], key=lambda i: lengths[i])
        batches += [part[j : j + batch_size] for j in range(0, len(part), batch_size)]
    rng.shuffle(batches)
    return batches


@torch.inference_mode()
def predict_proba(net: MiniLMTopTunedNet, hidden: list[torch.Tensor], batch_size: int = 256) -> np.ndarray:
    """Class probabilities (n, num_labels) from cached lower-layer states, in the input order."""
    net.eval()
    device = net_device(net)
    order = sorted(range(len(hidden)), key=lambda i: hidden[i].shape[0])
    probs = np.zeros((len(hidden), net.head.out_features), dtype=np.float32)
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        x, mask = collate([hidden[i] for i in idx], device)
        probs[idx] = torch.softmax(net.upper(x, mask).float(), -1).cpu().numpy()
    return probs


def freeze_lower(net: MiniLMTopTunedNet) -> None:
    """Only the layers from ``first_tuned`` up (and the head) get gradients."""
    for p in net.encoder.parameters():
        p.requires_grad_(False)
    for layer in net.layers[net.first_tuned :]:
        for p in layer.parameters():
            p.requires_grad_(True)


def tuned_param_groups(net: MiniLMTopTunedNet, lr: float, head_lr: float) -> list[dict]:
    """AdamW groups: the tuned layers at ``lr``, the freshly initialised head at the larger ``head_lr``."""
    return [
        {"params": [p for layer in net.layers[net.first_tuned :] for p in layer.parameters()], "lr": lr},
        {"params": list(net.head.parameters()), "lr": head_lr},
    ]


def warmup_linear_schedule(
    optimizer: torch.optim.Optimizer, total_steps: int, warmup_fraction: float = 0.06
) -> torch.optim.lr_scheduler.LambdaLR:
    """Linear warm-up over the first ``warmup_fraction`` of the steps, then linear decay to zero."""
    warmup = max(1, int(warmup_fraction * total_steps))
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (total_steps - s) / max(1, total_steps - warmup)))
    )


class TopLayerTrainer:
    """One optimisation run of the tuned part of ``net`` over cached states: epochs of bucketed batches."""

    def __init__(
        self,
        net: MiniLMTopTunedNet,
        lengths: list[int],
        *,
        epochs: int,
        batch_size: int,
        lr: float,
        head_lr: float,
        label_smoothing: float,
        seed: int,
        weight_decay: float = 0.01,
    ) -> None:
        self.net = net
        self.lengths = lengths
        self.batch_size = batch_size
        self.rng = random.Random(seed)
        self.groups = tuned_param_groups(net, lr, head_lr)
        self.optimizer = torch.optim.AdamW(self.groups, weight_decay=weight_decay)
        self.scheduler = warmup_linear_schedule(self.optimizer, math.ceil(len(lengths) / batch_size) * epochs)
        self.loss_fn = nn.CrossEntropyLoss(label_smoothing=label_smoothing)
        self.step = 0
        self.running_loss = 0.0

    def epoch(
        self, hidden: list[torch.Tensor], targets: torch.Tensor, desc: str = "training", log_every: int = 200
    ) -> float:
        """One pass over ``hidden`` (cached states of the training rows) against class ids ``targets``.

        Returns the exponential moving average of the loss (what the bar shows).
        """
        net = self.net
        device = net_device(net)
        net.train()
        net.encoder.embeddings.eval()
        batches = length_bucketed_batches(self.lengths, self.batch_size, self.rng)
        bar = tqdm(batches, desc=desc, mininterval=15, disable=not show_progress(len(hidden)), leave=False)
        params = [p for g in self.groups for p in g["params"]]
        self.running_loss = 0.0
        for batch in bar:
            x, mask = collate([hidden[i] for i in batch], device)
            loss = self.loss_fn(net.upper(x, mask), targets[batch].to(device))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            self.optimizer.step()
            self.scheduler.step()
            self.optimizer.zero_grad(set_to_none=True)
            self.running_loss = 0.98 * self.running_loss + 0.02 * loss.item() if self.step else loss.item()
            self.step += 1
            if self.step % log_every == 0:
                bar.set_postfix(loss=f"{self.running_loss:.3f}")
        bar.close()
        net.eval()
        return self.running_loss
