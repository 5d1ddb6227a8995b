"""What one report looks at: the table (or its repeatable sample), its profile and column roles.

Every query a finder writes reads ``scope.source``: the quoted table, or with ``--quick`` on a large
table a Bernoulli sample with a fixed seed, so each finding's SQL gives the same numbers when a
person pastes it into ``insightchat sql``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from insightchat.tools.catalog import TableProfile
from insightchat.tools.report.roles import Roles
from insightchat.tools.sql import check_sql
from insightchat.tools.workspace import Workspace

QUICK_MAX_ROWS = 200_000
SAMPLE_SEED = 42


def q(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def lit(value: Any) -> str:
    """A SQL literal for a value read back from DuckDB (numpy scalars included)."""
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if hasattr(value, "isoformat"):
        return "'" + value.isoformat() + "'"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


@dataclass
class Scope:
    ws: Workspace
    table: str
    profile: TableProfile
    roles: Roles
    rows: int  # rows the report reads (the sample's size with --quick)
    source: str  # FROM clause text: "t" or a repeatable sample of it
    sampled: bool = False
    fdr: float = 0.01
    notes: list[str] = field(default_factory=list)

    def source_as(self, alias: str) -> str:
        """The FROM item under another alias (the sample already carries one)."""
        return self.source.removesuffix(" AS sample") + f" AS {alias}" if self.sampled else f"{self.source} AS {alias}"

    def query(self, sql: str) -> pd.DataFrame:
        """Run project-written SQL after the same safety check a user's SQL gets (it is shown to users)."""
        check_sql(sql, set(self.ws.table_names()))
        return self.ws.query_df(sql)


def make_scope(ws: Workspace, table: str, roles: Roles, quick: bool, fdr: float) -> Scope:
    """The report's scope; ``quick`` samples tables above ``QUICK_MAX_ROWS`` rows and says so."""
    profile = ws.profile(table)
    rows = profile.row_count
    source = q(table)
    sampled = False
    notes: list[str] = []
    if quick and rows > QUICK_MAX_ROWS:
        percent = max(0.01, math.floor(10000 * QUICK_MAX_ROWS / rows) / 100)
        source = f"(SELECT * FROM {q(table)} USING SAMPLE {percent:g} PERCENT (bernoulli, {SAMPLE_SEED})) AS sample"
        rows = int(ws.query_df(f"SELECT count(*) AS n FROM {source}")["n"].iloc[0])
        sampled = True
        notes.append(
            f"Quick mode: read a repeatable {percent:g}% sample ({rows:,} of {profile.row_count:,} rows, seed "
            f"{SAMPLE_SEED}); every number and SQL below is about the sample."
        )
    return Scope(ws, table, profile, roles, rows, source, sampled, fdr, notes)
