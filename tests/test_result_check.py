"""A loose reading of a question over one exported table is run once and its result checked before it
is believed: tied winners, a count the question stated, empty answer cells and no matching row make
the assistant say why it abstains instead of stating a guess. Summary rows ("Total", an election's
turnout line) are no row to rank."""

from __future__ import annotations

from pathlib import Path

import pytest

from insightchat import Assistant
from insightchat.planner.offline import OfflinePlanner, trust
from insightchat.planner.offline.parser import Reading
from insightchat.planner.offline.result_check import Expectation, stated_count, unmet
from insightchat.planner.offline.spec import Col, Filter, QuerySpec


@pytest.fixture(scope="module")
def films(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    path = tmp_path_factory.mktemp("checked") / "films.csv"
    path.write_text(
        "Title,Year,Studio,Notes\n"
        "Night Harbour,1941,20th Century Fox,\n"
        "The Glass Key,1943,Paramount,Remake\n"
        "Silver Road,1946,20th Century Fox,Lost film\n"
        "Paper Moon Rising,1952,Paramount,Restored\n",
        encoding="utf-8",
    )
    return Assistant(path, planner=OfflinePlanner())


def values(answer) -> list[object]:  # type: ignore[no-untyped-def]
    assert answer.table is not None, answer.text
    return list(answer.table.iloc[:, 0])


def test_tied_winners_abstain_and_name_the_tie(films: Assistant) -> None:
    answer = films.ask("which studio made the most films?")
    assert answer.table is None
    assert "2 values tie" in answer.text and "Paramount" in answer.text


def test_a_count_the_question_states_must_match(films: Assistant) -> None:
    assert sorted(values(films.ask("which two films were made by paramount?"))) == [
        "Paper Moon Rising",
        "The Glass Key",
    ]
    answer = films.ask("which three films were made by paramount?")
    assert answer.table is None and "names 3 of them, but 2 rows match" in answer.text


def test_an_empty_answer_cell_is_not_an_answer(films: Assistant) -> None:
    assert values(films.ask("what were the notes for silver road?")) == ["Lost film"]
    answer = films.ask("what were the notes for night harbour?")
    assert answer.table is None and "empty" in answer.text


def test_the_check_itself() -> None:
    assert unmet([], Expectation()) is not None
    assert unmet([("Oslo", 1), ("Rome", 1)], Expectation(single=True)) is not None
    assert unmet([("Oslo", 1), ("Oslo", 2)], Expectation(single=True)) is None  # one value, two rows
    assert unmet([("a",), ("b",)], Expectation(count=2)) is None
    assert stated_count(["which", "two", "mayors", "served", "twice"]) == 2
    assert stated_count(["how", "many", "mayors", "served"]) is None
    assert stated_count(["what", "is", "the", "1", "thing"]) is None  # one answer is no stated count


@pytest.fixture(scope="module")
def election(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    path = tmp_path_factory.mktemp("election") / "election.csv"
    path.write_text(
        "Party,Votes,%\n"
        'Social Democrats,"1,827,497",30.7\n'
        'Moderates,"1,791,766",30.1\n'
        'Sweden Democrats,"339,610",5.7\n'
        'Valid votes,"5,960,000",\n'
        'Registered voters/turnout,"7,123,651",84.6\n',
        encoding="utf-8",
    )
    return Assistant(path, planner=OfflinePlanner())


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("which party had the most votes?", "Social Democrats"),
        ("which party finished last in the election?", "Sweden Democrats"),  # the last party listed
    ],
)
def test_summary_rows_are_no_row_to_rank(election: Assistant, question: str, expected: str) -> None:
    assert values(election.ask(question)) == [expected]


def test_a_compositional_ranking_leaves_out_the_total_row(tmp_path: Path) -> None:
    path = tmp_path / "regions.csv"
    path.write_text('Region,Population\nCapital,"1,800,000"\nZealand,"830,000"\nTotal,"2,630,000"\n', encoding="utf-8")
    answer = Assistant(path, planner=OfflinePlanner()).ask("which region has the most population?")
    assert values(answer) == ["Capital"]


def test_an_answer_that_repeats_the_question_is_flagged() -> None:
    echo = QuerySpec(
        table="cars", columns=[Col("cars", "chassis")], filters=[Filter(Col("cars", "chassis"), "=", ("B198",))]
    )
    shown = QuerySpec(
        table="cars", columns=[Col("cars", "year")], filters=[Filter(Col("cars", "chassis"), "=", ("B198",))]
    )
    reading = Reading(confidence=0.9)
    assert "select:echo" in trust.blocking(trust.flags("when was the b198 chassis used", reading, echo))
    assert "select:echo" not in trust.flags("when was the b198 chassis used", reading, shown)


def test_a_ranking_by_a_text_column_is_flagged_only_in_a_file_table(tmp_path: Path) -> None:
    path = tmp_path / "staff.csv"
    path.write_text("Name,Born\nAnn,1990-01-02\nBo,1985-05-06\n", encoding="utf-8")
    ws = Assistant(path, planner=OfflinePlanner()).workspace
    table = next(iter(ws.catalog().tables))
    spec = QuerySpec(table=table, columns=[Col(table, "Name")], limit=1)
    from insightchat.planner.offline.spec import OrderKey

    spec.order_by = [OrderKey(Col(table, "Name"), desc=True)]
    assert "order:text" in trust.flags("the staff with the most names", Reading(confidence=0.9), spec, ws.catalog())
    db = Assistant(path, planner=OfflinePlanner(), clean=False).workspace  # no row order column: not an export
    assert "order:text" not in trust.flags("the staff with the most names", Reading(confidence=0.9), spec, db.catalog())
