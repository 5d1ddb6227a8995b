"""Questions typed as SQL run as SQL (through the safe SQL tool, like everything else)."""

from __future__ import annotations

import re

from insightchat.contracts import Plan, ToolCall
from insightchat.planner.base import Planner
from insightchat.session import Session
from insightchat.tools.catalog import Catalog

_SQL_START = re.compile(r"^\s*(select|with|from)\b", re.IGNORECASE)


def looks_like_sql(question: str) -> bool:
    return bool(_SQL_START.match(question))


class SQLPassthroughPlanner(Planner):
    """Runs a question that is already SQL; abstains on anything else."""

    name = "sql"

    def plan(self, question: str, catalog: Catalog, session: Session) -> Plan:
        if looks_like_sql(question):
            return Plan(
                calls=[ToolCall("run_sql", {"sql": question.strip().rstrip(";")})],
                understood="SQL query",
                planner=self.name,
                intent="sql",
            )
        return Plan(
            planner=self.name,
            message="I can only run SQL here (start with SELECT or WITH).",
            suggestions=[f"SELECT * FROM {t} LIMIT 10" for t in list(catalog.tables)[:2]],
        )
