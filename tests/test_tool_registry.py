"""The tool registry's contract (tools/registry.py): what a tool declares (what it writes, which of its
parameters are paths) and the one-line parameter descriptions that reach the model's JSON schema."""

from __future__ import annotations

import re
from typing import Annotated

import pandas as pd
import pytest

from insightchat.planner.llm.tools import Recorder, make_tools, may_offer, model_schema
from insightchat.tools import registry
from insightchat.tools.registry import Writes, all_tools, get_tool, split_args_section, tool
from insightchat.tools.results import ToolResult
from insightchat.tools.workspace import Workspace


@pytest.fixture
def scratch_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tools registered by a test live in a copy of the registry, gone after it."""
    registry.load_builtin_tools()
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))


def test_the_args_section_becomes_descriptions_and_leaves_the_description() -> None:
    doc = """Count rows of a table.

    Longer prose that stays.

    Args:
        table: The table to count.
        where (str): A filter,
            written in SQL.

    Returns a one-row table."""
    import inspect

    description, described = split_args_section(inspect.cleandoc(doc))
    assert described == {"table": "The table to count.", "where": "A filter, written in SQL."}
    assert description == "Count rows of a table.\n\nLonger prose that stays.\n\nReturns a one-row table."
    assert split_args_section("No sections here.") == ("No sections here.", {})


def test_parameter_descriptions_reach_the_schema_from_args_or_annotated(scratch_registry: None) -> None:
    @tool("count_where")
    def count_where(
        ws: Workspace, table: str, where: Annotated[str | None, "A SQL condition; default: every row."] = None
    ) -> ToolResult:
        """Count the rows of a table that meet a condition.

        Args:
            table: The table to count.
            where: overridden by the Annotated description.
        """
        raise AssertionError("not called")

    t = get_tool("count_where")
    assert t.parameters["properties"]["table"] == {"type": "string", "description": "The table to count."}
    assert t.parameters["properties"]["where"] == {
        "type": "string",
        "description": "A SQL condition; default: every row.",
        "default": None,
    }
    assert t.parameters["required"] == ["table"]
    assert "Args:" not in t.description and t.description == "Count the rows of a table that meet a condition."


def test_a_declaration_that_names_no_parameter_fails_at_definition(scratch_registry: None) -> None:
    with pytest.raises(TypeError, match="describes no such parameter"):

        @tool("typo_in_args")
        def typo_in_args(ws: Workspace, table: str) -> ToolResult:
            """Do something.

            Args:
                tabel: The table.
            """
            raise AssertionError("not called")

    with pytest.raises(TypeError, match="paths names no such parameter"):

        @tool("typo_in_paths", paths=("out_file",))
        def typo_in_paths(ws: Workspace, out: str) -> ToolResult:
            """Do something."""
            raise AssertionError("not called")


def test_what_a_tool_declares_decides_what_a_model_gets(scratch_registry: None) -> None:
    @tool("export_rows", writes=Writes.FILES)
    def export_rows(ws: Workspace, table: str) -> ToolResult:
        """Write a table to a file."""
        raise AssertionError("not called")

    @tool("label_rows", writes=Writes.DERIVED, paths=("model_folder",))
    def label_rows(ws: Workspace, table: str, model_folder: str | None = None) -> ToolResult:
        """Add a label column."""
        raise AssertionError("not called")

    @tool("load_labels", paths=("source",))
    def load_labels(ws: Workspace, source: str) -> ToolResult:
        """Read labels from a folder."""
        raise AssertionError("not called")

    offered = {t.name for t in all_tools() if may_offer(t)}
    assert "export_rows" not in offered  # writes files
    assert "load_labels" not in offered  # needs a path the model would choose
    assert "label_rows" in offered and list(model_schema(get_tool("label_rows"))["properties"]) == ["table"]


def test_every_builtin_tool_describes_each_parameter_and_declares_its_paths() -> None:
    """A new tool must say what its parameters mean, and which of them are paths (a parameter named like
    a path and not declared as one would be offered to a model)."""
    looks_like_a_path = re.compile(r"path|file|folder|dir$|save|^out$|output", re.I)
    for t in all_tools():
        for name, prop in t.parameters["properties"].items():
            assert prop.get("description"), f"{t.name}.{name} has no description"
            if looks_like_a_path.search(name):
                assert name in t.paths, f"{t.name}.{name} looks like a path: declare it in @tool(paths=...)"
    assert get_tool("score_sentiment").writes is Writes.DERIVED
    assert get_tool("run_sql").writes is Writes.NOTHING


def test_the_model_reads_the_descriptions_in_its_tool_schema() -> None:
    ws = Workspace()
    ws.add_dataframe(pd.DataFrame({"x": [1, 2]}), "t")
    lc = {t.name: t for t in make_tools(ws, Recorder())}
    assert (
        lc["run_sql"].args["sql"]["description"] == get_tool("run_sql").parameters["properties"]["sql"]["description"]
    )
    assert "classifier_path" not in lc["explain_text_label"].args  # an optional path never reaches the model
    assert "apply_text_classifier" not in lc
    assert "Args:" not in lc["describe_table"].description
