"""Questions typed in lower case about one exported table (a web table, a spreadsheet), read by the
cells they name and the headers they use: lookups, counts, rankings over numbers written as text,
"A or B", differences, the previous or next row, and abstentions where a reading would guess."""

from __future__ import annotations

import pytest

from insightchat import Assistant
from insightchat.planner.offline import OfflinePlanner
from insightchat.planner.offline.table_reader import read_table_question


@pytest.fixture(scope="module")
def films(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    path = tmp_path_factory.mktemp("reader") / "films.csv"
    # Gross is text with thousands separators and a footnote mark; a "Total" row closes the table
    path.write_text(
        "Title,Year,Studio,Role,Gross\n"
        'Night Harbour,1941,20th Century Fox,Anna,"1,200"\n'
        'The Glass Key,1943,Paramount,Herself,"15,400 [a]"\n'
        'Silver Road,1946,20th Century Fox,Mara,"9,800"\n'
        "Cold Spring,1949,Warner Bros.,Herself,950\n"
        'Paper Moon Rising,1952,Paramount,Lena,"3,300"\n'
        'Total,,,,"30,650"\n',
        encoding="utf-8",
    )
    return Assistant(path, planner=OfflinePlanner())


def first_cell(assistant: Assistant, question: str) -> object:
    answer = assistant.ask(question)
    assert answer.table is not None and len(answer.table), answer.text
    return answer.table.iloc[0, 0]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("what studio made silver road?", "20th Century Fox"),  # a lookup by a lower-case title
        ("what year did cold spring come out?", 1949),
        ("which film had the highest gross?", "The Glass Key"),  # "15,400 [a]" ranked as 15400; not the Total row
        ("which film had the lowest gross?", "Cold Spring"),
        ("which film came after silver road?", "Cold Spring"),  # the next row in the file
        ("which film was listed before the glass key?", "Night Harbour"),
        ("did silver road or cold spring gross more?", "Silver Road"),  # "A or B" by the typed twin
        ("what was the last film made by paramount?", "Paper Moon Rising"),
    ],
)
def test_questions_about_one_table(films: Assistant, question: str, expected: object) -> None:
    assert first_cell(films, question) == expected


def reader_rows(assistant: Assistant, question: str) -> list[tuple[object, ...]]:
    """The rows the table reader's own SQL gives (the compositional reading may answer first)."""
    answer = read_table_question(question, assistant.workspace.catalog())
    assert answer is not None, question
    return [tuple(row) for row in assistant.workspace.query_df(answer.sql).itertuples(index=False)]


def test_a_most_question_with_a_tie_returns_every_tied_value(films: Assistant) -> None:
    rows = reader_rows(films, "which studio made the most films?")
    assert {row[0] for row in rows} == {"20th Century Fox", "Paramount"}, rows


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("how many films were made by 20th century fox?", 2),
        ("how many times did she play herself?", 2),
        ("how many films did she make from 1941-1946?", 3),  # two years of one column: a range
        ("how many films came out after the glass key?", 3),  # rows below the named one
        ("how many more did the glass key gross than cold spring?", 14450),  # a difference of typed values
    ],
)
def test_counts_ranges_and_differences(films: Assistant, question: str, expected: int) -> None:
    assert first_cell(films, question) == expected


@pytest.mark.parametrize(
    "question",
    [
        "which film did not come out in 1943?",  # negation: no reading yet
        "was silver road made by paramount?",  # a yes/no question
        "which film had the most elaborate costumes and the longest shoot?",  # words no reading explains
        "who was the star of the movie with the biggest budget?",  # a ranking with nothing to rank by
        "what is the difference between silver road and cold spring?",  # in what? no column is named
    ],
)
def test_it_abstains_rather_than_guess(films: Assistant, question: str) -> None:
    catalog = films.workspace.catalog()
    assert read_table_question(question, catalog) is None


def test_the_answer_shows_the_cells_it_was_found_by(films: Assistant) -> None:
    rows = reader_rows(films, "what studio made silver road?")
    assert rows == [("20th Century Fox", "Silver Road")]
    answer = read_table_question("what studio made silver road?", films.workspace.catalog())
    assert answer is not None and answer.understood == "the Studio where Title is Silver Road"


def test_several_tables_are_left_to_the_compositional_reading(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a.csv").write_text("Name,Team\nAnn Lee,Reds\nBo Chen,Blues\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text("Team,City\nReds,Oslo\nBlues,Lima\n", encoding="utf-8")
    assistant = Assistant([tmp_path / "a.csv", tmp_path / "b.csv"], planner=OfflinePlanner())
    assert read_table_question("what team is ann lee on?", assistant.workspace.catalog()) is None


def test_mentions_are_found_in_any_case_and_short_numbers_are_not_cells(films: Assistant) -> None:
    catalog = films.workspace.catalog()
    assert catalog.find_mentions is not None
    hits = {(column, value) for _, column, value in catalog.find_mentions("how did the glass key do in 1943?")}
    assert ("Title", "The Glass Key") in hits
    assert ("Year", "1943") in hits
    answer = read_table_question("what is the year of film 3?", catalog)
    assert answer is None or "'3'" not in answer.sql


def test_which_of_two_the_other_cells_describe(films: Assistant) -> None:
    rows = reader_rows(films, "which was made by paramount, the glass key or silver road?")
    assert rows == [("The Glass Key",)]


@pytest.fixture(scope="module")
def credits(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    path = tmp_path_factory.mktemp("credits") / "credits.csv"
    path.write_text(
        "Title,Year,Role,Cast\n"
        'North Pier,1990,Herself,"Eddie Murphy, Nick Nolte"\n'
        "Blue Acre,1991,Herself (voice),Eddie Murphy\n"
        "Red Tide,1992,Mara,Nick Nolte\n"
        "Salt Flats,1993,Lena,Ann Lee\n"
        "Eddie,1994,Lena,Ann Lee\n",
        encoding="utf-8",
    )
    return Assistant(path, planner=OfflinePlanner())


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("how many films star eddie murphy?", 2),  # a cell that lists several names counts for each
        ("how many times did she play herself?", 2),  # "Herself (voice)" is herself too
        ("what is the number of films with nick nolte?", 2),  # "the number of" asks how many
        ("how many films did ann lee make?", 2),
    ],
)
def test_counts_take_cells_that_contain_the_named_value(credits: Assistant, question: str, expected: int) -> None:
    assert reader_rows(credits, question)[0][0] == expected


def test_a_value_is_contained_only_as_whole_words(credits: Assistant) -> None:
    """ "Eddie" is a title here, and not in "Eddie Murphy": the count of the cell "Eddie" stays 1."""
    assert reader_rows(credits, "how many films are called eddie?")[0][0] == 1
