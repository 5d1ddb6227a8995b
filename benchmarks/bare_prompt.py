"""The baseline for the LLM planner: a bare prompt, measured by the same harness.

What anyone would try first: the schema as CREATE TABLE lines, the question, "reply with one SQL
query", temperature 0, one model call, no value linking, no focus, no repairs, no retries. Running it
next to ``--planner llm`` / ``hybrid`` on the same sample says what the planner's machinery buys.
Not a product planner: it never abstains on purpose and never explains itself.
"""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from insightchat.contracts import Plan, ToolCall
from insightchat.models.local_llm import parse_sql_reply
from insightchat.planner.base import Planner
from insightchat.session import Session
from insightchat.tools.catalog import Catalog


def create_table_lines(catalog: Catalog) -> str:
    """``CREATE TABLE t (col TYPE, ..., FOREIGN KEY (c) REFERENCES u(k));`` for every table."""
    blocks = []
    for name, table in catalog.tables.items():
        lines = [f"  {col.name} {col.dtype}" for col in table.columns]
        for rel in catalog.relations:
            if rel.left == name and rel.origin == "declared":
                lines.append(f"  FOREIGN KEY ({rel.left_column}) REFERENCES {rel.right}({rel.right_column})")
        blocks.append(f"CREATE TABLE {name} (\n" + ",\n".join(lines) + "\n);")
    return "\n".join(blocks)


class BarePromptPlanner(Planner):
    """One call: CREATE TABLE lines + question -> SQL."""

    name = "bare"

    def __init__(self, llm: BaseChatModel | str = "local") -> None:
        if isinstance(llm, str):
            from insightchat.models.chat import make_chat_model

            llm = make_chat_model(llm)
        self.model = llm

    def plan(self, question: str, catalog: Catalog, session: Session | None = None) -> Plan:
        messages = [
            SystemMessage("You write DuckDB SQL queries."),
            HumanMessage(
                f"{create_table_lines(catalog)}\n\nQuestion: {question}\nReply with one SQL query and nothing else."
            ),
        ]
        reply: Any = self.model.invoke(messages, stop=[";", "\n```"])
        calls = parse_sql_reply(str(reply.content)).tool_calls
        if not calls:
            return Plan(calls=[], understood=question, message="no SQL in the reply", planner=self.name)
        return Plan(
            calls=[ToolCall("run_sql", {"sql": calls[0]["args"]["sql"]})], understood=question, planner=self.name
        )
