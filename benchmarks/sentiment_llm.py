"""The local 1.5B LLM (Qwen2.5-Coder-1.5B, llama.cpp) as a sentiment baseline: one word per text, cached.

    nice -n 15 python -m benchmarks.sentiment_llm [--per-domain 300] [--domains uci_imdb,sanders,...]

Why next-token probabilities rather than free generation: the model is asked for one word (positive, negative
or neutral) and its answer is the likeliest of the three as the first token of the reply; that is greedy decoding
restricted to the valid answers (no unparseable replies) and gives P(neg/neu/pos) for the binary score too. The
fixed prompt comes before the text, so llama.cpp evaluates it once and every text costs only its own tokens
(about 0.8 s for a tweet on two cores). Long texts are cut to their first and last 80 words (the
model costs ~25 ms per prompt token here). Answers go to a JSON-lines cache outside the repository, keyed
by prompt version and text, so the benchmark's reruns are free and an interrupted run resumes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.sentiment_domains import BY_NAME, DOMAINS, sample_domain  # noqa: E402

PROMPT_VERSION = "v1"
DEFAULT_CACHE = (
    Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "insightchat-bench" / "sentiment_llm.jsonl"
)
# the local proxies of the targets first, so a short run already answers the main question
PRIORITY = ("uci_imdb", "sanders", "tweet_extraction", "blitzer")
PREFIX = (
    "<|im_start|>system\nYou are a sentiment classifier.<|im_end|>\n<|im_start|>user\n"
    "What is the sentiment of the following text? Answer with one word: positive, negative or neutral.\n\nText: "
)
SUFFIX = "<|im_end|>\n<|im_start|>assistant\n"
WORDS = ("negative", "neutral", "positive")
HEAD_TAIL_WORDS = 80


def cache_key(text: str) -> str:
    return hashlib.sha1(f"{PROMPT_VERSION}\x00{text}".encode()).hexdigest()


def read_cache(path: Path) -> dict[str, list[float]]:
    """The cached P(neg, neu, pos) per key; a half-written last line (an interrupted run) is skipped."""
    out: dict[str, list[float]] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            out[row["key"]] = row["p"]
    return out


def shorten(text: str, words: int = HEAD_TAIL_WORDS) -> str:
    parts = text.split()
    if len(parts) <= 2 * words:
        return " ".join(parts)
    return " ".join(parts[:words]) + " ... " + " ".join(parts[-words:])


class LLMSentiment:
    """P(negative / neutral / positive) from the first reply token of the local GGUF model."""

    def __init__(self, threads: int = 2) -> None:
        from llama_cpp import Llama

        from insightchat.models import gguf_parts

        path = gguf_parts.assemble(gguf_parts.KNOWN_MODELS[gguf_parts.DEFAULT_LOCAL_MODEL])
        self.llama = Llama(model_path=str(path), n_ctx=1024, n_threads=threads, n_batch=512, verbose=False)
        self.n_vocab = self.llama.n_vocab()
        # every casing/spacing variant whose first token starts one of the words counts towards it
        self.word_tokens = [
            sorted({self.llama.tokenize(v.encode(), add_bos=False, special=False)[0] for v in (w, w.capitalize())})
            for w in WORDS
        ]
        self.past: list[int] = []

    def proba(self, text: str) -> list[float]:
        tokens = self.llama.tokenize((PREFIX + shorten(text) + SUFFIX).encode(), add_bos=False, special=True)
        common = 0
        for a, b in zip(self.past, tokens[:-1], strict=False):
            if a != b:
                break
            common += 1
        self.llama.n_tokens = common
        self.llama.eval(tokens[common:])
        self.past = tokens
        logits = np.ctypeslib.as_array(self.llama._ctx.get_logits_ith(-1), shape=(self.n_vocab,)).astype(np.float64)
        logits -= logits.max()
        mass = np.array([np.exp(logits[ids]).sum() for ids in self.word_tokens])
        return (mass / mass.sum()).round(5).tolist()


def label_domains(
    data_dir: Path, names: list[str], per_domain: int, cache: Path, threads: int, chunk: int = 50
) -> None:
    """Label the samples round-robin, ``chunk`` texts of each domain at a time, so that a run stopped early
    has an equal prefix of every domain's sample (each prefix is itself a seeded sample)."""
    cache.parent.mkdir(parents=True, exist_ok=True)
    done = read_cache(cache)
    samples = {name: sample_domain(data_dir, BY_NAME[name], per_domain)["text"].tolist() for name in names}
    model: LLMSentiment | None = None
    started, labelled = time.perf_counter(), 0
    with cache.open("a") as out:
        for start in range(0, per_domain, chunk):
            for name in names:
                todo = [t for t in samples[name][start : start + chunk] if cache_key(t) not in done]
                for text in todo:
                    model = model or LLMSentiment(threads)
                    key = cache_key(text)
                    done[key] = model.proba(text)
                    out.write(json.dumps({"key": key, "p": done[key]}) + "\n")
                    out.flush()
                    labelled += 1
                if todo:
                    rate = (time.perf_counter() - started) / labelled
                    print(f"{name}: {min(start + chunk, len(samples[name]))} labelled ({rate:.2f} s/text)", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "sentiment")
    parser.add_argument("--per-domain", type=int, default=300)
    parser.add_argument("--domains", default="", help="comma-separated domain names (default: all, proxies first)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    names = [n for n in args.domains.split(",") if n] or list(PRIORITY) + [
        d.name for d in DOMAINS if d.name not in PRIORITY
    ]
    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        parser.error(f"unknown domains {unknown}; known: {', '.join(BY_NAME)}")
    label_domains(args.data, names, args.per_domain, args.cache, args.threads)


if __name__ == "__main__":
    main()
