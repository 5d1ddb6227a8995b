"""How the WikiTableQuestions benchmark scores an answer and checks a table's shape
(benchmarks/tablequestions.py), on tables and questions the test writes."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from pathlib import Path

import pandas as pd
import pytest

from benchmarks.tablequestions import (
    Question,
    answer_values,
    correct,
    expected_shape,
    gold_values,
    half_of,
    load_questions,
    run_table,
)


@pytest.mark.parametrize(
    ("gold", "answer", "right"),
    [
        ("12,467", [12467.0], True),
        ("January 26, 1995", [dt.date(1995, 1, 26)], True),
        ("Italy", ["italy [a]"], True),
        ("Bangkok, Thailand", ["Bangkok, Thailand"], True),
        ("a|b", ["b", "a"], True),
        ("a|b", ["a"], False),
        ("3", [4], False),
        ("1990–91", ["1990-91"], True),
    ],
)
def test_answers_are_scored_as_the_dataset_defines_it(gold: str, answer: list[object], right: bool) -> None:
    predicted = answer_values(pd.DataFrame({"x": answer, "row_position": range(len(answer))}))
    assert predicted is not None
    assert correct(gold_values(gold), predicted) is right


def test_the_parts_are_table_folders() -> None:
    assert half_of("csv/200-csv/4.csv") == "dev" and half_of("csv/204-csv/590.csv") == "held-out"
    assert half_of("csv/205-csv/1.csv") == "" and half_of("csv/203-csv/1.csv", (203,), (200,)) == "dev"


def test_the_expected_shape_reads_backslash_escapes_and_the_rows_the_loader_left_out(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text('"a","b"\n"1","say \\"hi\\", then"\n"2","x"\n"Total","3"\n', encoding="utf-8")
    assert expected_shape(path, []) == (3, 2)
    assert expected_shape(path, ["Left out 1 row(s) below the data, still in the file: 'Total 3'."]) == (2, 2)


def test_a_table_is_asked_with_cleaning_on_and_off(tmp_path: Path) -> None:
    folder = tmp_path / "csv" / "200-csv"
    folder.mkdir(parents=True)
    (folder / "0.csv").write_text('"","Team","Points"\n"1","Ajax","1,204"\n"2","PSV","980"\n', encoding="utf-8")
    (tmp_path / "training.tsv").write_text(
        "id\tutterance\tcontext\ttargetValue\nnt-0\thow many teams are there?\tcsv/200-csv/0.csv\t2\n",
        encoding="utf-8",
    )
    (question,) = load_questions(tmp_path)
    assert question == Question("nt-0", "how many teams are there?", "csv/200-csv/0.csv", "2", "dev")
    outcomes, loads = run_table((str(tmp_path), [asdict(question)], "offline", None, True))
    assert sorted(o.clean for o in outcomes) == [False, True] and sorted(x.clean for x in loads) == [False, True]
    assert all(x.loaded and x.shape_ok for x in loads), loads  # 2 rows x 3 columns, the typed ones not counted
    assert {o.status for o in outcomes} <= {"correct", "wrong", "abstain"}
