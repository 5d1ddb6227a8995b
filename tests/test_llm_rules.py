"""The LLM planner's rule tables (sanity.CHECKS, repair.REPAIRS): each rule is named once and has a
scope, and the tables are what check_query and repair_sql run, in order."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlglot import exp

from insightchat.planner.llm import repair, sanity
from insightchat.planner.llm.repair import ANY_MODEL, SMALL_MODEL, Repair, RepairPolicy, Target, repair_sql
from insightchat.planner.llm.rules import Scope
from insightchat.planner.llm.sanity import Asked, Check, check_query
from insightchat.tools.catalog import Catalog
from insightchat.tools.errors import QueryError
from insightchat.tools.workspace import Workspace


@pytest.fixture
def catalog() -> Catalog:
    w = Workspace()
    w.add_dataframe(pd.DataFrame({"fac_id": [1, 2, 3], "name": ["Ann", "Bo", "Cy"], "sex": ["F", "M", "F"]}), "faculty")
    return w.catalog()


@pytest.mark.parametrize("table", [sanity.CHECKS, repair.REPAIRS], ids=["checks", "repairs"])
def test_every_rule_has_a_unique_name_and_a_scope(table: tuple) -> None:
    names = [rule.name for rule in table]
    assert len(names) == len(set(names)), names
    for rule in table:
        assert rule.name.isidentifier() and isinstance(rule.scope, Scope), rule
        if isinstance(rule, Repair):
            assert isinstance(rule.target, Target) and callable(rule.fix), rule
        else:
            assert isinstance(rule, Check) and callable(rule.refuse), rule


def test_checks_for_every_model_run_before_those_for_small_models() -> None:
    scopes = [c.scope for c in sanity.CHECKS]
    assert scopes == sorted(scopes, key=lambda s: s is Scope.SMALL_MODELS)
    assert {Scope.EVERY_MODEL, Scope.SMALL_MODELS} <= set(scopes)


def _refuse_all(asked: Asked) -> QueryError:
    return QueryError(f"refused: {asked.question}", "hint")


def test_check_query_runs_the_checks_of_the_table_for_the_models_of_their_scope(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sanity, "CHECKS", (Check("everything", Scope.SMALL_MODELS, _refuse_all),))
    check_query("SELECT 1", "anything")  # not a small model: the one check does not run
    with pytest.raises(QueryError, match="refused: anything"):
        check_query("SELECT 1", "anything", small_model=True)
    monkeypatch.setattr(sanity, "CHECKS", ())
    check_query("SELECT a FROM t WHERE a = a", "q", small_model=True)  # no rule, no refusal


def test_the_first_refusing_check_in_the_table_raises() -> None:
    # a self-comparison (first rule) that also shows a column twice (a later, small-model rule)
    with pytest.raises(QueryError, match="compares a column with itself"):
        check_query("SELECT name, name FROM t WHERE a = a", "names", small_model=True)
    with pytest.raises(QueryError, match="shows name twice"):
        check_query("SELECT name, name FROM t WHERE a = 1", "names of 1", small_model=True)


def test_repair_sql_runs_the_repairs_of_the_table_for_the_models_of_their_scope(
    monkeypatch: pytest.MonkeyPatch, catalog: Catalog
) -> None:
    def replace(query: exp.Expression, question: str, cat: Catalog) -> exp.Expression:
        return exp.select("name").from_("faculty")

    monkeypatch.setattr(repair, "REPAIRS", (Repair("replace", Scope.SMALL_MODELS, Target.QUERY, replace),))
    assert repair_sql("SELECT sex FROM faculty", "q", catalog, ANY_MODEL) == "SELECT sex FROM faculty"
    assert repair_sql("SELECT sex FROM faculty", "q", catalog, SMALL_MODEL) == "SELECT name FROM faculty"
    # a SELECT-only repair is not given a set operation
    monkeypatch.setattr(repair, "REPAIRS", (Repair("replace", Scope.EVERY_MODEL, Target.SELECT, replace),))
    union = "SELECT sex FROM faculty UNION SELECT sex FROM faculty"
    assert repair_sql(union, "q", catalog) == union


def test_a_policy_can_skip_a_repair_by_name(catalog: Catalog) -> None:
    query = "SELECT DISTINCT sex FROM faculty"
    assert "DISTINCT" not in repair_sql(query, "sex of each member", catalog, SMALL_MODEL)
    skipping = RepairPolicy(small_model=True, skip=frozenset({"distinct_as_asked"}))
    assert repair_sql(query, "sex of each member", catalog, skipping) == query
    with pytest.raises(ValueError, match="no repair is called distinct"):
        RepairPolicy(skip=frozenset({"distinct"}))
