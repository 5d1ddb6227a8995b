"""Shared helpers for the offline planner tests: a small SQLite database, plan a question, or plan
it and run its SQL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from insightchat.contracts import Plan
from insightchat.planner.offline import OfflinePlanner
from insightchat.session import Session
from insightchat.tools.sql import run_query
from insightchat.tools.workspace import Workspace


def sqlite_workspace(path: Path, schema: list[str], rows: dict[str, list[tuple]]) -> Workspace:
    """A workspace over a new SQLite file made of ``schema`` (CREATE statements) and ``rows`` per
    table: SQLite because its declared foreign keys become relations, as in a user's database."""
    con = sqlite3.connect(path)
    try:
        for statement in schema:
            con.execute(statement)
        for table, values in rows.items():
            if values:
                con.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(values[0]))})", values)
        con.commit()
    finally:
        con.close()
    return Workspace([path])


def plan_for(ws: Workspace, question: str) -> Plan:
    return OfflinePlanner().plan(question, ws.catalog(), Session())


def rows_for(ws: Workspace, question: str) -> list[tuple]:
    """The rows the planner's SQL returns; fails the test (with the planner's message) on an abstention."""
    plan = plan_for(ws, question)
    assert plan.calls, f"abstained on {question!r}: {plan.message}"
    return [tuple(r) for r in run_query(ws, plan.calls[0].args["sql"]).df.itertuples(index=False, name=None)]
