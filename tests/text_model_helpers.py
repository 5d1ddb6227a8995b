"""Tiny BERT models the text-model tests build and save locally (no downloads).

They exercise the real loading code (a local folder through transformers / sentence-transformers)
and batching, at a size that loads in milliseconds.
"""

from __future__ import annotations

from pathlib import Path

WORDS = [
    "good",
    "bad",
    "great",
    "terrible",
    "love",
    "hate",
    "the",
    "a",
    "is",
    "was",
    "it",
    "this",
    "product",
    "service",
    "delivery",
    "late",
    "broken",
    "refund",
    "fine",
    "ok",
]


def write_vocab(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    vocab = folder / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + WORDS) + "\n")
    return vocab


def tiny_config(**extra):
    from transformers import BertConfig

    return BertConfig(
        vocab_size=5 + len(WORDS),
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
        **extra,
    )


def save_tokenizer(folder: Path) -> None:
    from transformers import BertTokenizerFast

    # transformers 5 ignores vocab_file= here (every word became [UNK]); vocab= is read
    tok = BertTokenizerFast(vocab=str(write_vocab(folder)), do_lower_case=True, model_max_length=64)
    tok.save_pretrained(str(folder))


def build_tiny_encoder(folder: Path) -> Path:
    """A 2-layer BERT encoder saved as a plain transformers folder (sentence-transformers adds mean pooling)."""
    import torch
    from transformers import BertModel

    torch.manual_seed(0)
    save_tokenizer(folder)
    BertModel(tiny_config()).save_pretrained(str(folder))
    return folder


def build_tiny_sentiment(folder: Path, labels: dict[int, str], favour: int) -> Path:
    """A tiny text-classification model whose head always prefers class ``favour`` (a known answer)."""
    import torch
    from transformers import BertForSequenceClassification

    torch.manual_seed(0)
    save_tokenizer(folder)
    config = tiny_config(id2label=labels, label2id={v: k for k, v in labels.items()}, num_labels=len(labels))
    model = BertForSequenceClassification(config)
    with torch.no_grad():
        model.classifier.weight.zero_()
        model.classifier.bias.fill_(-5.0)
        model.classifier.bias[favour] = 5.0
    model.save_pretrained(str(folder))
    return folder
