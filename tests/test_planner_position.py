"""Questions about the order a file lists its rows in ("who is listed last") read the row position
the cleaning step keeps, not a date or a value; other uses of "first" and "last" keep their meaning."""

from __future__ import annotations

import pytest

from insightchat import Assistant
from insightchat.planner.offline import OfflinePlanner


@pytest.fixture(scope="module")
def champions(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    path = tmp_path_factory.mktemp("position") / "champions.csv"
    # listed neither alphabetically nor by year or points, so only the file's order gives these answers
    path.write_text(
        "Name,Year,Points,Country\n"
        "Mara Quell,1994,71,Peru\n"
        "Anton Bright,1990,88,Chile\n"
        "Zoe Vance,2001,64,Peru\n"
        "Liam Ort,1987,92,Brazil\n",
        encoding="utf-8",
    )
    return Assistant(path, planner=OfflinePlanner())


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("who is listed last?", "Liam Ort"),
        ("who is the first name listed?", "Mara Quell"),
        ("what is the last country listed?", "Brazil"),
        ("what is the first country on the list?", "Peru"),
        ("who is last on the list?", "Liam Ort"),
    ],
)
def test_listed_first_and_last_follow_the_file_order(champions: Assistant, question: str, expected: str) -> None:
    answer = champions.ask(question)
    assert answer.sql and '"row_position"' in answer.sql, answer.text
    assert answer.table is not None and answer.table.iloc[0, 0] == expected, answer.text


def test_a_count_after_first_is_not_a_position(champions: Assistant) -> None:
    answer = champions.ask("show the first 2 names listed")
    assert not (answer.sql and "LIMIT 1" in answer.sql), answer.sql


def test_first_without_a_list_word_keeps_its_meaning(champions: Assistant) -> None:
    answer = champions.ask("what is the highest points?")
    assert answer.sql is None or "row_position" not in answer.sql
