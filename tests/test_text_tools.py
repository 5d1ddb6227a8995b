"""Text tools on a workspace: derived columns queried through SQL, caching, bad input, classification, topics."""

from __future__ import annotations

import pandas as pd
import pytest

from insightchat.tools import text_tools as tt
from insightchat.tools.errors import InsightError
from insightchat.tools.registry import get_tool
from insightchat.tools.sql import run_query
from insightchat.tools.workspace import Workspace

REVIEWS = pd.DataFrame(
    {
        "product": ["phone", "phone", "phone", "laptop", "laptop", "laptop", "tablet", "tablet", "tablet", "tablet"],
        "rating": [5, 1, 4, 5, 2, 1, 5, None, 3, 2],
        "review": [
            "Absolutely love it, works perfectly and looks great!",
            "Terrible. It broke after two days and support ignored me.",
            "Great value, I am very happy with it.",
            "Fantastic machine, fast and beautiful screen. Highly recommend.",
            "Disappointed, the battery dies in an hour.",
            "Worst purchase ever, total waste of money.",
            "Excellent, my kids love it.",
            None,
            "   ",
            "Awful screen and the charger stopped working.",
        ],
    }
)


@pytest.fixture()
def ws() -> Workspace:
    w = Workspace()
    w.add_dataframe(REVIEWS, "reviews")
    return w


def test_sentiment_adds_queryable_columns_and_keeps_rows(ws):
    run = tt.add_sentiment(ws, "reviews", "review")
    assert run.columns == {"sentiment": "sentiment", "sentiment_score": "sentiment_score"}
    rows = ws.query_df("SELECT product, rating, review, sentiment, sentiment_score FROM reviews")
    assert len(rows) == len(REVIEWS)
    assert rows["product"].tolist() == REVIEWS["product"].tolist()  # original order kept
    assert rows.loc[0, "sentiment"] == "positive" and rows.loc[1, "sentiment"] == "negative"
    assert pd.isna(rows.loc[7, "sentiment"]) and pd.isna(rows.loc[8, "sentiment"])  # NULL and blank text
    assert any("empty or NULL" in w for w in run.warnings)
    by = run_query(
        ws, "SELECT sentiment, avg(rating) AS r FROM reviews WHERE sentiment IS NOT NULL GROUP BY sentiment ORDER BY r"
    ).df
    assert by["sentiment"].tolist() == ["negative", "positive"]
    assert by["r"].iloc[0] < 2 < 4.5 < by["r"].iloc[1]


def test_second_run_does_no_inference(ws):
    from insightchat.models.sentiment import load_sentiment_model

    model = load_sentiment_model()
    first = tt.add_sentiment(ws, "reviews", "review")
    count = model.texts_scored
    second = tt.add_sentiment(ws, "reviews", "review")
    assert second.scored == 0 and second.cached == first.scored + first.cached
    assert model.texts_scored == count
    assert ws.query_df("SELECT count(*) AS n FROM reviews")["n"][0] == len(REVIEWS)  # no duplicated rows


def test_not_a_text_column_and_unknown_names(ws):
    with pytest.raises(InsightError, match="not text") as info:
        tt.add_sentiment(ws, "reviews", "rating")
    assert "review" in info.value.hint
    with pytest.raises(InsightError, match="no column"):
        tt.add_sentiment(ws, "reviews", "reveiw")
    with pytest.raises(InsightError, match="Unknown table"):
        tt.add_sentiment(ws, "review", "review")


def test_long_non_english_and_all_empty_texts():
    w = Workspace()
    w.add_dataframe(
        pd.DataFrame({"t": ["x " * 25_000, "Das ist großartig, ich liebe es!", "Esto es horrible.", "", None]}), "odd"
    )
    run = tt.add_sentiment(w, "odd", "t")
    got = w.query_df("SELECT sentiment FROM odd")["sentiment"].tolist()
    assert all(isinstance(v, str) for v in got[:3]) and pd.isna(got[3]) and pd.isna(got[4])
    assert run.scored == 3
    empty = Workspace()
    empty.add_dataframe(pd.DataFrame({"t": [None, " ", ""]}, dtype="object"), "blank")
    run = tt.add_sentiment(empty, "blank", "t")
    assert run.scored == 0 and run.summary.empty


def test_zero_shot_labels_clear_cut_and_other():
    w = Workspace()
    tickets = [
        "I was charged twice on my credit card this month.",
        "Why is there an extra fee on my invoice?",
        "My parcel has not arrived yet, where is my delivery?",
        "The courier left the package at the wrong address.",
        "What is the capital of Mongolia?",
    ]
    w.add_dataframe(pd.DataFrame({"id": range(5), "message": tickets}), "tickets")
    run = tt.add_zero_shot_labels(w, "tickets", "message", "billing, delivery, other")
    got = w.query_df("SELECT label, label_score FROM tickets")
    assert got["label"].tolist()[:4] == ["billing", "billing", "delivery", "delivery"]
    assert got["label"].iloc[4] == "other"
    assert got["label_score"].between(0, 1).all()
    assert set(run.counts["label"]) <= {"billing", "delivery", "other"}
    with pytest.raises(InsightError, match="at least two"):
        tt.add_zero_shot_labels(w, "tickets", "message", "billing")


def _labelled() -> pd.DataFrame:
    billing = [
        "charged twice on my card",
        "refund my payment please",
        "invoice shows a wrong amount",
        "extra fee on my bill",
        "my subscription price went up",
        "payment failed but money was taken",
        "I need a receipt for my payment",
        "cancel the charge",
    ]
    delivery = [
        "parcel has not arrived",
        "courier lost my package",
        "delivery is late again",
        "wrong address on the shipment",
        "tracking number does not work",
        "box arrived damaged",
        "when will my order ship",
        "driver never came",
    ]
    login = [
        "cannot log into my account",
        "password reset email never comes",
        "two factor code is not accepted",
        "account locked after login attempts",
        "forgot my username",
        "login page shows an error",
        "how do I change my password",
        "my account was hacked",
    ]
    rows = [(t, "billing") for t in billing] + [(t, "delivery") for t in delivery] + [(t, "login") for t in login]
    return pd.DataFrame(rows, columns=["text", "category"])


def test_learned_classifier_reports_cv_and_labels_other_table(tmp_path):
    w = Workspace()
    w.add_dataframe(_labelled(), "examples")
    w.add_dataframe(
        pd.DataFrame({"text": ["I was billed two times", "my package never arrived", "I can't sign in to my account"]}),
        "new",
    )
    run = tt.train_text_classifier_run(
        w, "examples", "text", "category", target_table="new", save_to=str(tmp_path / "clf")
    )
    report = run.report
    assert report is not None and report.folds == 5 and report.n_rows == 24
    assert report.accuracy >= 0.75 and 0 <= report.macro_f1 <= 1
    assert list(report.confusion.index) == ["billing", "delivery", "login"] and report.confusion.values.sum() == 24
    assert w.query_df("SELECT label FROM new")["label"].tolist() == ["billing", "delivery", "login"]
    # the saved classifier is reused on another table
    w.add_dataframe(pd.DataFrame({"body": ["refund the double charge", "the courier lost it"]}), "later")
    again = tt.apply_text_classifier_run(w, "later", "body", str(tmp_path / "clf"))
    assert w.query_df(f"SELECT {again.columns['label']} AS l FROM later")["l"].tolist() == ["billing", "delivery"]


def test_learned_classifier_needs_two_labels():
    w = Workspace()
    w.add_dataframe(pd.DataFrame({"text": ["a b c", "d e f"], "y": ["x", "x"]}), "one")
    with pytest.raises(InsightError, match="two different labels"):
        tt.train_text_classifier_run(w, "one", "text", "y")


def test_topics_find_the_groups_and_name_them():
    w = Workspace()
    texts = (
        [f"The battery life is poor, battery drains fast {i}" for i in range(8)]
        + [f"Delivery was late and the courier was rude {i}" for i in range(8)]
        + [f"Great screen resolution and bright display {i}" for i in range(8)]
    )
    w.add_dataframe(pd.DataFrame({"comment": texts}), "c")
    run = tt.add_topics(w, "c", "comment")
    assert len(run.topics) == 3
    assert sorted(run.topics["rows"]) == [8, 8, 8]
    names = " ".join(run.topics["topic"])
    assert (
        "battery" in names and ("delivery" in names or "courier" in names) and ("screen" in names or "display" in names)
    )
    got = w.query_df("SELECT topic, count(*) AS n FROM c GROUP BY topic")
    assert sorted(got["n"]) == [8, 8, 8]


def test_similar_rows_by_query_and_by_row(ws):
    by_query = tt.similar_rows(ws, "reviews", "review", query="the battery does not last", k=2)
    assert by_query.loc[0, "row"] == 4
    assert list(by_query.columns[:2]) == ["row", "similarity"]
    by_row = tt.similar_rows(ws, "reviews", "review", row=1, k=3)
    assert 1 not in by_row["row"].tolist() and len(by_row) == 3
    with pytest.raises(InsightError):
        tt.similar_rows(ws, "reviews", "review")


def test_tools_are_registered_for_planners(ws):
    for name in (
        "score_sentiment",
        "classify_text",
        "train_text_classifier",
        "apply_text_classifier",
        "find_topics",
        "similar_texts",
    ):
        assert get_tool(name).description
    result = get_tool("score_sentiment")(ws, table="reviews", column="review")
    assert result.meta["columns"]["sentiment"] == "sentiment"
    assert "sentiment" in result.for_model
    assert tt.sentiment_args(ws) == {"table": "reviews", "column": "review"}


def test_derived_names_never_clobber_user_columns(tmp_path):
    w = Workspace()
    w.add_dataframe(_labelled().rename(columns={"category": "label"}), "ex")
    run = tt.train_text_classifier_run(w, "ex", "text", "label")
    assert run.columns == {"label": "text_label", "label_score": "text_label_score"}
    got = w.query_df("SELECT label, text_label FROM ex")
    assert (got["label"] == got["text_label"]).mean() > 0.9  # the user's labels are kept, predictions beside them
    # a second kind on the same table keeps the first one's columns
    tt.add_zero_shot_labels(w, "ex", "text", "money, shipping, account")
    assert {"label", "text_label", "text_label_score"} <= set(w.query_df("SELECT * FROM ex LIMIT 1").columns)
