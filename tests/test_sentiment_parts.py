"""Long texts: one sentiment for the whole text, or one per sentence or aspect mention, from the shipped model."""

from __future__ import annotations

import pytest

from insightchat.models.sentiment import load_sentiment_model
from insightchat.models.sentiment_parts import analyse_text, analyse_texts, aspect_mentions, split_sentences
from insightchat.tools.errors import InsightError

REVIEW = (
    "I bought this phone for my trip to Japan. The battery is awful and died by lunch every single day. "
    "Mr. Tanaka at the shop could not help. The screen, however, is gorgeous and bright even in the sun. "
    "The camera takes wonderful photos at night."
)


@pytest.fixture(scope="module")
def model():
    return load_sentiment_model("default")


def test_sentences_keep_abbreviations_and_offsets():
    sentences = split_sentences(REVIEW)
    assert len(sentences) == 5
    assert sentences[2][0] == "Mr. Tanaka at the shop could not help."
    for sentence, start, end in sentences:
        assert REVIEW[start:end] == sentence
    assert split_sentences("   ") == []


def test_aspect_clause_stops_at_contrast_words():
    mentions = aspect_mentions(
        "The batteries are awful but the screen is great; I like the sound.", ["battery", "screen"]
    )
    clauses = {aspect: clause for aspect, clause, _, _ in mentions}
    assert clauses == {"battery": "The batteries are awful", "screen": "the screen is great"}


def test_per_aspect_verdicts(model):
    result = analyse_text(REVIEW, per="aspect", aspects="battery, screen, camera, price", model=model)
    assert result.aspect_summary() == "battery: negative, screen: positive, camera: positive"  # no price mention
    assert {p.aspect for p in result.parts} == {"battery", "screen", "camera"}
    for part in result.parts:
        assert REVIEW[part.start : part.end] == part.text


def test_per_sentence_parts(model):
    result = analyse_text(REVIEW, per="sentence", model=model)
    labels = [p.label for p in result.parts]
    assert len(labels) == 5
    assert labels[1] == "negative" and labels[3] == "positive" and labels[4] == "positive"
    assert -1.0 <= result.score <= 1.0


def test_a_2000_word_review_is_judged_on_all_of_it(model):
    """A complaint at the start, then pages of praise: cutting at 128 tokens would read only the complaint."""
    opening = "The delivery was late, the box was damaged and I was furious with the courier. " * 6
    body = "Once set up, the speaker sounds wonderful, the app is a joy and I love using it every day. " * 110
    text = opening + body
    assert len(text.split()) > 2000
    result = analyse_text(text, model=model)
    assert result.label == "positive"
    assert analyse_text(opening, model=model).label == "negative"


def test_many_texts_and_blanks_in_one_call(model):
    results = analyse_texts(["Great value.", None, "", "Awful noise."], per="sentence", model=model)
    assert [r.label for r in results] == ["positive", "", "", "negative"]
    assert [len(r.parts) for r in results] == [1, 0, 0, 1]


def test_bad_requests_are_clear_errors(model):
    with pytest.raises(InsightError, match="aspects"):
        analyse_text(REVIEW, per="aspect", model=model)
    with pytest.raises(InsightError, match="granularity"):
        analyse_text(REVIEW, per="word", model=model)  # type: ignore[arg-type]


def test_sentiment_tool_per_aspect_adds_a_queryable_table():
    import pandas as pd

    from insightchat.tools.registry import get_tool
    from insightchat.tools.workspace import Workspace

    ws = Workspace()
    ws.add_dataframe(
        pd.DataFrame(
            {
                "id": [1, 2, 3],
                "review": [
                    "The battery is awful but the screen is great.",
                    None,
                    "Lovely screen. The batteries died in a week, what a letdown.",
                ],
            }
        ),
        "reviews",
    )
    result = get_tool("score_sentiment")(ws, table="reviews", column="review", per="aspect", aspects="battery,screen")
    name = result.meta["table"]
    parts = ws.query_df(f'SELECT "row", aspect, sentiment FROM "{name}" ORDER BY "row", aspect')
    assert parts.values.tolist() == [
        [1, "battery", "negative"],
        [1, "screen", "positive"],
        [3, "battery", "negative"],
        [3, "screen", "positive"],
    ]
    by_aspect = dict(zip(result.data["aspect"], result.data["negative"], strict=True))
    assert by_aspect == {"battery": 2, "screen": 0}
    again = get_tool("score_sentiment")(ws, table="reviews", column="review", per="sentence")
    sentences = ws.query_df(f'SELECT count(*) AS n FROM "{again.meta["table"]}"')["n"].iloc[0]
    assert sentences == 3  # one sentence in row 1, two in row 3, none for the NULL
    assert "sentiment" in {c for c, _ in ws.columns("reviews")}  # the whole-text columns come too


def test_cli_per_aspect_writes_the_parts(tmp_path):
    import json

    import pandas as pd
    from typer.testing import CliRunner

    from insightchat.cli import app

    src = tmp_path / "reviews.csv"
    pd.DataFrame({"review": ["The battery is awful but the screen is great.", "Nice screen."]}).to_csv(src, index=False)
    before = src.read_bytes()
    parts = tmp_path / "parts.csv"
    args = ["sentiment", str(src), "--column", "review", "--per", "aspect", "--aspects", "battery, screen"]
    result = CliRunner().invoke(app, [*args, "--parts-out", str(parts), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["per"] == "aspect"
    assert {r["aspect"]: r["parts"] for r in payload["parts_summary"]} == {"screen": 2, "battery": 1}
    written = pd.read_csv(parts)
    assert written[["row", "aspect", "sentiment"]].values.tolist() == [
        [1, "battery", "negative"],
        [1, "screen", "positive"],
        [2, "screen", "positive"],
    ]
    assert src.read_bytes() == before
    bad = CliRunner().invoke(app, ["sentiment", str(src), "--column", "review", "--per", "word"])
    assert bad.exit_code == 1 and "granularity" in bad.output and "Traceback" not in bad.output
