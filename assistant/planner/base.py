"""The planner contract shared by the offline and the LLM planner."""

from __future__ import annotations

from typing import Protocol

from assistant.contracts import Plan
from assistant.session import Session
from tools.catalog import Catalog


class Planner(Protocol):
    """Anything with ``plan(question, catalog, session) -> Plan``; ``name`` shows in every Answer."""

    name: str

    def plan(self, question: str, catalog: Catalog, session: Session) -> Plan: ...
