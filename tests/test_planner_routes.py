"""Report, why, model-explanation and triage questions reach their tools through the offline planner.

Each phrasing must produce the right tool call (table, columns, segment and periods taken from the
catalog) and an answer grounded in what that tool computed; ordinary questions still go to SQL.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from insightchat import Assistant
from insightchat.planner.offline import OfflinePlanner
from insightchat.planner.offline.routes import plan_route
from insightchat.session import Session


@pytest.fixture(scope="module")
def sales_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Orders over 16 months with three planted effects, each owned by one segment:
    revenue in the South collapses in March 2024; Gadgets sold in the South are rated 1;
    in 2024 the web channel is rated 1.5 lower."""
    rng = np.random.default_rng(7)
    n = 3000
    days = pd.DatetimeIndex(rng.choice(pd.date_range("2023-01-01", "2024-04-30", freq="D"), n))
    region = rng.choice(["North", "South", "East", "West"], n)
    product = rng.choice(["Gadget", "Widget", "Doohickey"], n)
    channel = rng.choice(["web", "store"], n)
    revenue = rng.normal(100, 10, n).round(2)
    revenue[(days.year == 2024) & (days.month == 3) & (region == "South")] *= 0.2
    rating = np.round(rng.normal(4, 0.5, n))
    rating[(region == "South") & (product == "Gadget")] = 1
    rating[(days.year == 2024) & (channel == "web")] -= 1.5
    frame = pd.DataFrame(
        {
            "order_date": days.date,
            "region": region,
            "product": product,
            "channel": channel,
            "revenue": revenue,
            "rating": np.clip(rating, 1, 5),
        }
    ).sort_values("order_date")
    path = tmp_path_factory.mktemp("routes") / "sales.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def sales(sales_csv: Path) -> Assistant:
    return Assistant(sales_csv, planner=OfflinePlanner())


REVIEWS = [
    ("Vista Monitor", "The screen died after two days, terrible and useless.", 1),
    ("Vista Monitor", "Awful flicker, the worst monitor I ever bought.", 1),
    ("Vista Monitor", "Great colours and a sharp picture, I love it.", 5),
    ("Aurora Headphones", "Wonderful sound and very comfortable.", 5),
    ("Aurora Headphones", "Broken on arrival, horrible support and a waste of money.", 1),
    ("Aurora Headphones", "Excellent battery life, happy with it.", 4),
]


@pytest.fixture(scope="module")
def reviews_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    frame = pd.DataFrame(REVIEWS, columns=["product", "review_text", "rating"])
    frame.insert(0, "review_id", range(101, 101 + len(REVIEWS)))
    path = tmp_path_factory.mktemp("routes") / "reviews.csv"
    frame.to_csv(path, index=False)
    return path


def _call(assistant: Assistant, question: str):
    """The one tool call the offline planner makes for ``question`` on the assistant's data."""
    plan = OfflinePlanner().plan(question, assistant.workspace.catalog(), Session())
    assert len(plan.calls) == 1, plan.message
    return plan.calls[0]


def _drivers(answer) -> list[str]:
    result = next(r for r in answer.results if r.tool == "explain_change")
    return list(result.meta["drivers"]["driver"])


# ---------------------------------------------------------------------------------------------- why
def test_why_did_revenue_drop_in_march(sales: Assistant) -> None:
    call = _call(sales, "Why did revenue drop in March?")
    assert call.name == "explain_change"
    assert call.args == {
        "table": "sales",
        "measure": "revenue",
        "aggregate": "sum",
        "date_column": "order_date",
        "after": "2024-03",  # the latest March in the data, against the month before it
    }
    answer = sales.ask("Why did revenue drop in March?")
    assert _drivers(answer)[0] == "region = South"
    assert "fell" in answer.text and "2024-02" in answer.text and "2024-03" in answer.text
    assert "The main driver is region = South" in answer.text


def test_average_rating_between_two_years(sales: Assistant) -> None:
    question = "What drove the change in average rating between 2023 and 2024?"
    call = _call(sales, question)
    assert call.name == "explain_change"
    assert call.args["aggregate"] == "avg" and call.args["measure"] == "rating"
    assert (call.args["before"], call.args["after"]) == ("2023", "2024")
    answer = sales.ask(question)
    assert _drivers(answer)[0] == "channel = web"
    assert "from" in answer.text and "(2023)" in answer.text and "(2024)" in answer.text


def test_segment_against_the_rest(sales: Assistant) -> None:
    question = "Why is the average rating lower in the South?"
    call = _call(sales, question)
    assert call.args == {
        "table": "sales",
        "measure": "rating",
        "aggregate": "avg",
        "segment_column": "region",
        "segment_value": "South",
    }
    answer = sales.ask(question)
    assert _drivers(answer)[0] == "product = Gadget"
    assert "region = South" in answer.text and "The main driver is product = Gadget" in answer.text


@pytest.mark.parametrize(
    "question, args",
    [
        ("why were there more orders in Q1 2024?", {"measure": "*", "aggregate": "count", "after": "2024-Q1"}),
        (
            "what caused the total revenue to change from January to April?",
            {"measure": "revenue", "aggregate": "sum", "before": "2024-01", "after": "2024-04"},
        ),
        ("why did the revenue go up in 2024-02", {"measure": "revenue", "after": "2024-02"}),
    ],
)
def test_other_why_phrasings(sales: Assistant, question: str, args: dict) -> None:
    call = _call(sales, question)
    assert call.name == "explain_change"
    assert {k: call.args.get(k) for k in args} == args


def test_a_segment_without_a_measure_asks_for_one(sales: Assistant) -> None:
    plan = OfflinePlanner().plan("why is the South different?", sales.workspace.catalog(), Session())
    assert plan.abstained and "which number" in plan.message and "region = South" in plan.message


# ---------------------------------------------------------------------------------------------- report
@pytest.mark.parametrize(
    "question",
    ["Give me a summary report of the sales", "summarise this data", "what's interesting in this table?"],
)
def test_report_phrasings(sales: Assistant, question: str) -> None:
    call = _call(sales, question)
    assert (call.name, call.args) == ("summary_report", {"table": "sales"})


def test_report_answer_is_grounded(sales: Assistant) -> None:
    answer = sales.ask("give me a summary report of the sales")
    result = next(r for r in answer.results if r.tool == "summary_report")
    report = result.meta["report"]
    assert answer.text.startswith("sales has 3,000 rows")
    assert report.findings and not report.ungrounded  # every number of the summary is in a finding


# ---------------------------------------------------------------------------------------------- model decisions
def test_why_is_this_review_negative(reviews_csv: Path) -> None:
    assistant = Assistant(reviews_csv, planner=OfflinePlanner())
    shown = assistant.ask("SELECT * FROM reviews WHERE review_id = 105")
    assert shown.table is not None and int(shown.table["row_position"].iloc[0]) == 5
    answer = assistant.ask("Why is this review negative?")
    result = answer.results[-1]
    assert result.tool == "explain_text_label" and result.meta["label"] == "negative"
    assert "row 4" in result.title  # row_position 5 is row 4 counted from 0
    top_word = result.data["word"].iloc[0]
    assert top_word in REVIEWS[4][1] and f"'{top_word}'" in answer.text


def test_why_is_this_review_negative_without_a_row_asks_which(reviews_csv: Path) -> None:
    assistant = Assistant(reviews_csv, planner=OfflinePlanner())
    answer = assistant.ask("why is this review negative?")
    assert not answer.results and "Which reviews row" in answer.text


def test_words_for_a_label_of_one_product(reviews_csv: Path) -> None:
    assistant = Assistant(reviews_csv, planner=OfflinePlanner())
    question = "Which words push reviews of Vista Monitor negative?"
    assert _call(assistant, question).args == {
        "table": "reviews",
        "column": "review_text",
        "label": "negative",
        "where_column": "product",
        "where_value": "Vista Monitor",
    }
    answer = assistant.ask(question)
    result = answer.results[-1]
    assert result.tool == "words_for_label" and "where product = Vista Monitor" in answer.text
    vista = " ".join(t for p, t, _ in REVIEWS if p == "Vista Monitor").lower()
    assert all(w.lower() in vista for w in result.data["word"])  # only words of that product's reviews


# ---------------------------------------------------------------------------------------------- triage
@pytest.fixture(scope="module")
def tickets(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    texts = [
        ("email", "Your service is down, total outage for our whole team! This is urgent."),
        ("phone", "I was charged twice for my subscription, please refund me immediately."),
        ("web", "How do I change the email address on my account?"),
        ("chat", "Where is my parcel? The delivery is a week late."),
        ("email", "The app crashes every time I open the settings page."),
        ("web", "Can you send me the invoice for last month?"),
    ] * 3
    frame = pd.DataFrame(texts, columns=["channel", "body"])
    frame.insert(0, "ticket_id", range(1, len(frame) + 1))
    frame["created_at"] = pd.date_range("2024-05-01", periods=len(frame), freq="6h")
    path = tmp_path_factory.mktemp("routes") / "tickets.csv"
    frame.to_csv(path, index=False)
    return Assistant(path, planner=OfflinePlanner())


def test_triage_the_open_tickets(tickets: Assistant) -> None:
    call = _call(tickets, "triage the open tickets")
    assert (call.name, call.args) == ("triage_tickets", {"table": "tickets", "column": "body"})
    answer = tickets.ask("triage the open tickets")
    result = answer.results[-1]
    assert result.tool == "triage_tickets"
    assert str(len(result.data)) in result.title and "18" in result.title
    columns = {c.name for c in tickets.workspace.catalog().tables["tickets"].columns}
    assert {"urgency", "triage_queue", "intent", "language"} <= columns
    # the derived columns are plain SQL afterwards
    counted = tickets.ask("how many tickets per urgency")
    assert counted.sql and '"urgency"' in counted.sql and counted.table["count"].sum() == 18
    high = tickets.workspace.query_rows("SELECT count(*) FROM tickets WHERE urgency = 'high'")[0][0]
    by_channel = tickets.ask("how many tickets per channel where urgency is high")
    assert by_channel.sql and "'high'" in by_channel.sql and by_channel.table["count"].sum() == high
    # the answer is the triage summary, every number in it read from the triage's own counts
    assert answer.text.startswith("Triaged 18 tickets"), answer.text


def test_urgent_tickets_per_channel_after_triage(tickets: Assistant) -> None:
    """The triage names its top level: "urgent" in a question is urgency = 'high'."""
    tickets.ask("triage the tickets")
    answer = tickets.ask("how many urgent tickets per channel?")
    assert answer.sql and """"urgency" = 'high'""" in answer.sql, answer.text
    high = tickets.workspace.query_rows("SELECT count(*) FROM tickets WHERE urgency = 'high'")[0][0]
    assert answer.table["count"].sum() == high


def test_triage_into_labels(tickets: Assistant) -> None:
    call = _call(tickets, "Triage tickets into billing, delivery, other since 2024-05-02")
    assert call.args == {
        "table": "tickets",
        "column": "body",
        "labels": ["billing", "delivery", "other"],
        "since": "2024-05-02",
    }


# ---------------------------------------------------------------------------------------------- left alone
@pytest.mark.parametrize(
    "question",
    [
        "average rating by region",
        "how many orders per channel",
        "why?",
        "total revenue in March 2024",
        "what is the report date of each order",
        "may I see the revenue by product",
    ],
)
def test_other_questions_are_left_to_sql(sales: Assistant, question: str) -> None:
    assert plan_route(question, sales.workspace.catalog(), Session()) is None


def test_a_column_named_like_the_family_word_is_left_to_sql(tmp_path: Path) -> None:
    path = tmp_path / "visits.csv"
    pd.DataFrame({"report": ["a", "b"], "why": [1, 2]}).to_csv(path, index=False)
    assistant = Assistant(path, planner=OfflinePlanner())
    assert plan_route("show the report column", assistant.workspace.catalog(), Session()) is None
    assert plan_route("give me a report of visits", assistant.workspace.catalog(), Session()) is None


def test_what_does_this_query_do_explains_the_last_answer_sql(sales: Assistant) -> None:
    assert "no query to explain" in sales.ask("what does this query do?").text
    sales.ask("average revenue by region")
    explained = sales.ask("what does this query do?")
    assert explained.results[-1].tool == "explain_sql", explained.text
    assert "region" in explained.text and "average of revenue" in explained.text, explained.text
    quoted = sales.ask("explain SELECT count(*) FROM sales WHERE revenue > 50")
    assert "greater than 50" in quoted.text and "number of rows" in quoted.text, quoted.text
