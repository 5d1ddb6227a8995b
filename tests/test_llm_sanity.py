"""Queries that run but cannot mean what was asked (assistant/planner/llm/sanity.py): refused with
a readable reason, directly and through the real agent loop with a scripted model."""

from __future__ import annotations

import pandas as pd
import pytest
from llm_fakes import ScriptedChatModel, sql

from insightchat.assistant import Assistant
from insightchat.config import LLMSettings
from insightchat.planner.llm import LLMPlanner
from insightchat.planner.llm.sanity import check_query
from insightchat.planner.sql_passthrough import SQLPassthroughPlanner
from insightchat.tools.errors import QueryError
from insightchat.tools.workspace import Workspace


@pytest.mark.parametrize(
    ("query", "said"),
    [
        (
            "SELECT a.name FROM accounts AS a JOIN checking AS c ON c.custid = c.custid",
            "join condition c.custid = c.custid",
        ),
        (
            "SELECT a.name FROM accounts AS a JOIN checking AS c ON a.custid = c.custid WHERE c.balance > c.balance",
            "condition c.balance > c.balance",
        ),
        ("SELECT name FROM accounts WHERE custid = custid", "condition custid = custid"),
    ],
)
def test_a_column_compared_with_itself_is_refused(query: str, said: str) -> None:
    with pytest.raises(QueryError, match="compares a column with itself") as info:
        check_query(query, "names of accounts")
    assert said in info.value.message


def test_two_bounds_on_one_column_from_the_same_side_are_refused() -> None:
    query = (
        "SELECT s.name FROM storm AS s JOIN affected_region AS a ON s.id = a.storm_id WHERE a.cities >= 2 "
        "AND a.cities >= 10"
    )
    with pytest.raises(QueryError, match="bound the same column the same way"):
        check_query(query, "storms that affected two or more regions and 10 or more cities")
    check_query("SELECT name FROM storm WHERE deaths >= 2 AND deaths <= 10", "storms with between 2 and 10 deaths")


def test_an_exclusion_that_an_equality_on_the_same_column_implies_is_refused() -> None:
    query = (
        "SELECT s.fname FROM student AS s JOIN has_allergy AS h ON s.stuid = h.stuid "
        "WHERE h.allergy = 'Milk' AND h.allergy <> 'Cat'"
    )
    with pytest.raises(QueryError, match="h.allergy <> 'Cat' does nothing next to h.allergy = 'Milk'"):
        check_query(query, "students with an allergy to milk but not cat")
    with pytest.raises(QueryError, match="NOT h.allergy = 'Cat' does nothing"):
        check_query(
            query.replace("h.allergy <> 'Cat'", "NOT h.allergy = 'Cat'"), "students with an allergy to milk but not cat"
        )
    check_query("SELECT fname FROM student WHERE sex = 'F' AND city <> 'Paris'", "female students not from Paris")
    check_query("SELECT fname FROM student WHERE age > 18 AND NOT age > 30", "students over 18 but not over 30")


def test_a_join_whose_condition_does_not_use_the_joined_table_is_refused() -> None:
    query = (
        "SELECT c.first_name FROM customers AS c JOIN tracks AS t ON c.id = c.support_rep_id "
        "GROUP BY c.first_name ORDER BY count(*) DESC LIMIT 1"
    )
    with pytest.raises(QueryError, match="does not use t, so every row of t is joined with every row"):
        check_query(query, "the employee with the most customers")
    check_query(
        "SELECT e.name FROM employees AS e JOIN customers AS c ON e.id = c.support_rep_id", "employees with customers"
    )
    check_query(
        "SELECT name FROM employees JOIN customers ON id = support_rep_id", "employees with customers"
    )  # unqualified: may be its own
    check_query("SELECT name FROM employees JOIN customers USING (id)", "employees with customers")


def test_comparisons_of_two_columns_pass() -> None:
    check_query(
        "SELECT a.name FROM accounts AS a JOIN checking AS c ON a.custid = c.custid JOIN savings AS s "
        "ON a.custid = s.custid "
        "WHERE c.balance > s.balance",
        "accounts whose checking balance is higher than their savings balance",
    )


def test_a_filter_value_the_question_never_mentions_is_refused_for_small_models() -> None:
    query = "SELECT sum(revenue) FROM manufacturers WHERE founder = 'Andy'"
    question = "What is the total revenue of companies started by founder?"
    with pytest.raises(QueryError, match="does not mention 'Andy'"):
        check_query(query, question, small_model=True)
    check_query(query, question)  # other models may name values the question paraphrases


@pytest.mark.parametrize(
    ("value", "question"),
    [
        ("F", "names of the female faculty members"),  # a code: not checked
        ("Bangladesh", "How many Bangladeshi artists are listed?"),  # same first letters
        ("Eggs", "students with milk or egg allergies"),
        ("MPEG audio file", "tracks whose media type is MPEG"),  # one word of the value is enough
        ("Initial Application", "grants with descriptions of Regular and Initial Applications"),
        ("Tokyo , Japan", "wrestlers who are located in Tokyo, Japan"),
        ("%film%", "locations with film in the name"),
    ],
)
def test_values_the_question_names_pass(value: str, question: str) -> None:
    check_query(f"SELECT name FROM t WHERE c LIKE '{value}' OR d IN ('{value}', 'x')", question, small_model=True)


def test_zero_or_one_on_a_yes_no_column_is_not_an_invented_number() -> None:
    ws = Workspace()
    ws.add_dataframe(pd.DataFrame({"name": ["a", "b", "c"], "pets_allowed": [1, 0, 1], "stars": [5, 3, 4]}), "hotels")
    catalog = ws.catalog()
    check_query(
        "SELECT name FROM hotels WHERE pets_allowed = 1", "hotels that allow pets", small_model=True, catalog=catalog
    )
    with pytest.raises(QueryError, match="does not state"):
        check_query(
            "SELECT name FROM hotels WHERE stars = 1", "hotels that allow pets", small_model=True, catalog=catalog
        )


def test_a_joined_table_that_nothing_uses_and_the_question_never_names_is_refused_for_small_models() -> None:
    ws = Workspace()
    ws.add_dataframe(
        pd.DataFrame(
            {"people_id": [1, 2, 3], "name": ["Ann", "Bo", "Cy"], "is_male": ["F", "T", "F"], "age": [31, 40, 35]}
        ),
        "people",
    )
    ws.add_dataframe(pd.DataFrame({"female_id": [1, 1], "male_id": [2, 2], "year": [2014, 2015]}), "wedding")
    ws.add_dataframe(pd.DataFrame({"voter_id": [1, 3], "president_vote": [2, 2]}), "voting_record")
    catalog = ws.catalog()
    added = (
        "SELECT count(DISTINCT p.name) FROM wedding AS w JOIN people AS p ON w.female_id = p.people_id WHERE p.age > 30"
    )
    with pytest.raises(QueryError, match="joins wedding but uses none of its columns"):
        check_query(
            added.replace("count(DISTINCT p.name)", "p.name"),
            "Which people are older than 30?",
            small_model=True,
            catalog=catalog,
        )
    check_query(
        added, "How many female people are older than 30?", small_model=True, catalog=catalog
    )  # joins made to count pass
    check_query(
        "SELECT p.name FROM wedding AS w JOIN people AS p ON w.female_id = p.people_id",
        "names of people in a wedding",
        small_model=True,
        catalog=catalog,
    )
    check_query(
        "SELECT DISTINCT p.name FROM people AS p JOIN voting_record AS v ON p.people_id = v.president_vote",
        "people who have president votes",
        small_model=True,
        catalog=catalog,
    )
    check_query(
        "SELECT name FROM people JOIN wedding ON people_id = female_id WHERE year = 2014",
        "who married in 2014",
        small_model=True,
        catalog=catalog,
    )
    with pytest.raises(QueryError, match="joins wedding"):
        check_query(
            "SELECT name FROM people JOIN wedding ON people_id = female_id WHERE age > 30",
            "who is older than 30",
            small_model=True,
            catalog=catalog,
        )
    check_query(
        "SELECT p.name FROM wedding AS w JOIN people AS p ON w.female_id = p.people_id", "who is older than 30"
    )  # large models: not judged


def test_a_value_from_an_earlier_turn_counts_as_mentioned() -> None:
    conversation = "Earlier in this conversation:\nQ: sales in Portugal\nSQL: SELECT ...\nNow: only for 2023"
    query = "SELECT sum(amount) FROM sales WHERE country = 'Portugal' AND year = 2023"
    check_query(query, "only for 2023", conversation, small_model=True)
    with pytest.raises(QueryError):
        check_query(query, "only for 2023", small_model=True)


@pytest.mark.parametrize(
    ("query", "question", "said"),
    [
        (
            "SELECT p.name FROM pilot AS p JOIN match AS m ON p.id = m.winner WHERE m.country = 'Australia'",
            "pilots who did not win the matches held in Australia",
            "says 'not'",
        ),
        (
            "SELECT p.name FROM pilot AS p JOIN match AS m ON p.id = m.winner",
            "pilots who haven't won a match",
            "says 'haven't'",
        ),
        ("SELECT count(account_id) FROM accounts", "Count the number of accounts of each customer.", "'each'"),
        (
            "SELECT count(*) FROM student WHERE major = 600 AND sex = 'M'",
            "How many students live in the male dorm?",
            "does not state",
        ),
        (
            "SELECT c.effective_date FROM settlements AS s JOIN claims AS c ON s.claim_id = c.claim_id "
            "ORDER BY s.amount DESC LIMIT 1",
            "the effective date of the claim with the largest total settlement",
            "asks for 'total'.*SUM or COUNT",
        ),
        (
            "SELECT position FROM player WHERE points > 20",
            "positions whose average points per player is above 20",
            "asks for 'average'.*AVG",
        ),
        (
            "SELECT founded FROM university WHERE affiliation = 'Public' ORDER BY founded DESC LIMIT 1",
            "Find the founded year of the newest non public school.",
            "says 'non'",
        ),
        (
            "SELECT c.name FROM church AS c JOIN wedding AS w ON c.id = w.church_id GROUP BY c.name "
            "HAVING count(*) <= 2",
            "church names that have hosted at least two weddings",
            "says 'at least two'.*the other way round",
        ),
        ("SELECT name FROM people WHERE height >= 190", "people shorter than 190", "says 'shorter than 190'"),
        ("SELECT name FROM dorm WHERE 100 < capacity", "dorms for 100 or fewer students", "says '100 or fewer'"),
        (
            "SELECT j.name, j.name FROM journalist AS j ORDER BY j.name",
            "names of journalists and the names of the events they reported",
            "shows j.name twice",
        ),
        (
            "SELECT count(*) FROM routes WHERE src_apid IN (SELECT apid FROM airports WHERE country = 'Canada')",
            "the number of routes from the United States to Canada",
            "says 'to Canada'.*src_apid, the other end",
        ),
        (
            "SELECT p.name FROM physician AS p JOIN appointment AS a ON p.id = a.physician WHERE a.id IS NULL",
            "Which physicians have never taken any appointment?",
            "joins appointment with an inner join.*a.id IS NULL",
        ),
    ],
)
def test_a_query_that_misses_what_the_question_asks_is_refused_for_small_models(
    query: str, question: str, said: str
) -> None:
    with pytest.raises(QueryError, match=said):
        check_query(query, question, small_model=True)
    check_query(query, question)


@pytest.mark.parametrize(
    ("query", "question"),
    [
        ("SELECT name FROM pilot WHERE NOT id IN (SELECT winner FROM match)", "pilots who never won a match"),
        (
            "SELECT name FROM pilot EXCEPT SELECT p.name FROM pilot AS p JOIN match AS m ON p.id = m.winner",
            "pilots with no wins",
        ),
        ("SELECT name FROM staff WHERE dept_id IS NULL", "staff without a department"),
        (
            "SELECT p.name FROM physician AS p LEFT JOIN appointment AS a ON p.id = a.physician WHERE a.id IS NULL",
            "physicians with no appointment",
        ),
        (
            "SELECT s.name, d.title FROM staff AS s JOIN dept AS d ON s.dept_id = d.id WHERE s.phone IS NULL",
            "staff with no phone, and the titles of their departments",
        ),
        (
            "SELECT s.name FROM staff AS s JOIN dept AS d ON s.dept_id = d.id WHERE NOT d.head IS NULL",
            "staff in departments that do not lack a head",
        ),
        ("SELECT count(*) FROM medicine WHERE fda_approved = 'No'", "How many medicines were not approved by the FDA?"),
        ("SELECT name FROM player WHERE height <= 180", "players not more than 180 tall"),
        (
            "SELECT id FROM t WHERE a = 1 INTERSECT SELECT id FROM t WHERE b = 2",
            "ids that not only have a 1 but also a 2",
        ),
        ("SELECT name FROM c WHERE outcome = 'No Response'", "customers with outcome 'No Response'"),
        ("SELECT dept, count(*) FROM staff GROUP BY dept", "how many staff in each department"),
        ("SELECT max(speed) FROM weather", "the highest wind speed in miles per hour"),
        ("SELECT name FROM player WHERE age >= 31 AND goals > 2", "players older than 30 with more than two goals"),
        ("SELECT name FROM teacher WHERE grade = 3", "teachers of the third grade"),
        ("SELECT name FROM loan WHERE rate > 0.05", "loans with a rate above 5%"),
        ("SELECT count(*) FROM storm WHERE deaths > 0", "How many storms had deaths?"),
        (
            "SELECT position FROM player GROUP BY position HAVING avg(points) > 20",
            "positions whose average points is above 20",
        ),
        ("SELECT date FROM weather WHERE mean_humidity > 50", "days with an average humidity above 50"),
        ("SELECT name FROM body_builder ORDER BY total DESC LIMIT 1", "the body builder with the highest total score"),
        (
            "SELECT c.name FROM checking AS c JOIN savings AS s ON c.id = s.id ORDER BY c.balance + s.balance",
            "names by total balance",
        ),
        ("SELECT count(*) FROM routes", "the total number of routes"),
        ("SELECT name FROM people WHERE height > 200 OR height < 190", "people taller than 200 or lower than 190"),
        (
            "SELECT zip FROM weather EXCEPT SELECT zip FROM weather WHERE dew_point >= 70",
            "zip codes whose dew point was always below 70",
        ),
        ("SELECT name FROM c GROUP BY name HAVING count(*) > 1", "names with at least two rows"),
        ("SELECT name FROM player WHERE height <= 180", "players no more than 180 tall"),
        ("SELECT name FROM school WHERE type <> 'public'", "non-public schools"),
        (
            "SELECT num FROM train WHERE origin = 'Chennai' AND destination = 'Guruvayur'",
            "the train that goes from Chennai to Guruvayur",
        ),
        (
            "SELECT count(*) FROM routes WHERE dst_apid IN (SELECT apid FROM airports WHERE country = 'Canada')",
            "routes from Chile to Canada",
        ),
        (
            "SELECT source_system_code FROM cmi WHERE source_system_code = 'Benefits'",
            "the source system code related to Benefits",
        ),
    ],
)
def test_queries_that_do_what_the_question_asks_pass(query: str, question: str) -> None:
    check_query(query, question, small_model=True)


def test_the_agent_gets_the_reason_and_corrects_itself() -> None:
    ws = Workspace()
    ws.add_dataframe(pd.DataFrame({"custid": [1, 2, 3], "name": ["Ann", "Bo", "Cy"]}), "accounts")
    ws.add_dataframe(pd.DataFrame({"custid": [1, 2, 3], "balance": [10.0, 500.0, 30.0]}), "checking")
    ws.add_dataframe(pd.DataFrame({"custid": [1, 2, 3], "balance": [50.0, 100.0, 60.0]}), "savings")
    model = ScriptedChatModel.of(
        [
            sql(
                "SELECT a.name FROM accounts AS a JOIN checking AS c ON a.custid = c.custid WHERE c.balance > c.balance"
            ),
            sql(
                "SELECT a.name FROM accounts AS a JOIN checking AS c ON a.custid = c.custid JOIN savings AS s "
                "ON a.custid = s.custid "
                "WHERE c.balance > s.balance"
            ),
            "Bo has more in checking than in savings.",
        ]
    )
    planner = LLMPlanner(model, LLMSettings(), fallback=SQLPassthroughPlanner(), embed=None)
    answer = Assistant(ws, planner=planner).ask("whose checking balance is higher than their savings balance")
    assert answer.table is not None and answer.table["name"].tolist() == ["Bo"]
    refusal = next(m for m in model.requests[1] if getattr(m, "type", "") == "tool")
    assert "compares a column with itself" in str(refusal.content)


def test_a_small_model_that_finds_no_rows_is_reported_as_unsure_not_as_none() -> None:
    ws = Workspace()
    ws.add_dataframe(pd.DataFrame({"name": ["Ann", "Bo"], "city": ["Paris", "Rome"]}), "people")
    empty = "SELECT name FROM people WHERE city = 'Paris' AND name = 'Bo'"
    small = LLMPlanner(ScriptedChatModel.of([sql(empty)]), LLMSettings(), fallback=None, embed=None, small=True)
    answer = Assistant(ws, planner=small).ask("who lives in Paris")
    assert answer.table is None
    assert "returned no rows" in answer.text and empty in answer.text
    # plain, values the question names: "none" stands
    named = "SELECT name FROM people WHERE city = 'Rome' AND name = 'Ann'"
    small = LLMPlanner(ScriptedChatModel.of([sql(named)]), LLMSettings(), fallback=None, embed=None, small=True)
    answer = Assistant(ws, planner=small).ask("is Ann living in Rome")
    assert answer.table is not None and answer.table.empty
    large = LLMPlanner(ScriptedChatModel.of([sql(empty), "Nobody."]), LLMSettings(), fallback=None, embed=None)
    answer = Assistant(ws, planner=large).ask("who lives in Paris")  # a large model's 0 rows is an answer
    assert answer.table is not None and answer.table.empty
