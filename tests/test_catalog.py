"""The catalog: stats, the value index, relations, caching per table version."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from insightchat.tools.catalog import Catalog, column_kind
from insightchat.tools.workspace import Workspace


def test_profile_of_example_reviews(reviews_csv: Path) -> None:
    ws = Workspace([reviews_csv])
    prof = ws.catalog().table("reviews")
    assert prof.row_count == 400
    region = prof.column("region")
    assert sorted(region.values) == ["East", "North", "South", "West"]
    assert sum(region.value_counts) == 400
    rating = prof.column("rating")
    assert rating.kind == "number" and (rating.min, rating.max) == (1, 5)
    day = prof.column("review_date")
    assert day.kind == "date" and isinstance(day.min, dt.date) and day.min <= day.max
    text = prof.column("review_text")
    assert text.is_free_text and text.values is None
    assert len(text.samples) == 5
    assert not region.is_free_text and region.is_categorical


def test_null_fraction_and_distinct() -> None:
    ws = Workspace(pd.DataFrame({"a": [1, None, 3, 3], "b": ["x", "y", None, None]}))
    prof = ws.catalog().table("df")
    assert prof.column("a").null_fraction == 0.25
    assert prof.column("a").distinct == 2
    assert prof.column("b").null_fraction == 0.5
    assert prof.column("b").values == ["x", "y"]


def test_high_cardinality_text_has_no_value_index() -> None:
    ws = Workspace(pd.DataFrame({"code": [f"c{i}" for i in range(200)]}))
    col = ws.catalog().table("df").column("code")
    assert col.values is None and col.distinct == 200


def test_cached_per_version(reviews_csv: Path) -> None:
    ws = Workspace([reviews_csv])
    first = ws.profile("reviews")
    assert ws.profile("reviews") is first
    ws.invalidate("reviews")
    assert ws.profile("reviews") is not first


def test_relations_by_shared_id_names() -> None:
    ws = Workspace()
    ws.add_dataframe(pd.DataFrame({"customer_id": [1, 2, 3], "name": ["a", "b", "c"]}), "customers")
    ws.add_dataframe(
        pd.DataFrame({"order_id": [10, 11, 12, 13], "customer_id": [1, 1, 2, 3], "total": [5, 6, 7, 8]}), "orders"
    )
    rels = ws.catalog().relations
    assert [(r.left, r.left_column, r.right, r.right_column) for r in rels] == [
        ("orders", "customer_id", "customers", "customer_id")
    ]


def test_relation_to_plain_id_column() -> None:
    ws = Workspace()
    ws.add_dataframe(pd.DataFrame({"id": [1, 2], "name": ["a", "b"]}), "artist")
    ws.add_dataframe(pd.DataFrame({"id": [7, 8, 9], "artist_id": [1, 1, 2]}), "album")
    rels = ws.catalog().relations
    assert ("album", "artist_id", "artist", "id") in [(r.left, r.left_column, r.right, r.right_column) for r in rels]


def test_schema_text_for_prompts(reviews_csv: Path) -> None:
    text = Workspace([reviews_csv]).catalog().to_text()
    assert "table reviews (400 rows)" in text
    assert "'North'" in text and "rating BIGINT" in text


def test_column_kinds() -> None:
    assert column_kind("BIGINT") == "number"
    assert column_kind("DECIMAL(10,2)") == "number"
    assert column_kind("TIMESTAMP WITH TIME ZONE") == "date"
    assert column_kind("VARCHAR") == "text"
    assert column_kind("BOOLEAN") == "bool"
    assert column_kind("STRUCT(a INTEGER)") == "other"
    assert isinstance(Catalog(tables={}), Catalog)
