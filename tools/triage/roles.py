"""Which columns of a ticket table play which part: id, date, customer, tier, value, reply, channel.

Why guess at all: a ticket export rarely says which column is the customer or the tier, and asking for six
options before the first result is worse than a guess that is shown. Every guess is reported in the
result's notes ("customer_tier is the tier") and any of them can be named explicitly instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields

from insightchat.tools.derived import base_columns, quote
from insightchat.tools.errors import InsightError
from insightchat.tools.sql import closest
from insightchat.tools.workspace import Workspace

# name patterns per role, most specific first (matched against the lower-cased column name); the customer
# comes last so that customer_tier and customer_value go to the tier and the value first
HINTS: dict[str, tuple[str, ...]] = {
    "id": (r"^(ticket|case|issue|request|conversation)_?(id|number|no|nr)$", r"^id$", r"_id$"),
    "date": (r"^(created|opened|received|submitted|reported)(_at|_on|_date|_time)?$", r"date|time|_at$|created"),
    "tier": (r"tier|plan$|^plan|segment|sla|level$", r"membership"),
    "value": (r"lifetime_value|ltv|arr|mrr|revenue|spend|customer_value|^value$", r"value"),
    "reply": (r"^(reply|answer|response|resolution|solution)$", r"reply|answer|response|resolution|solution"),
    "channel": (r"^channel$|^source$|^via$", r"channel"),
    "customer": (r"^(customer|client|account|user|requester)(_?(id|email|name))?$", r"customer|email|requester"),
}
TEXT_TYPES = ("VARCHAR", "TEXT")
NUMERIC = re.compile(
    r"^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL)"
)


@dataclass
class Roles:
    """Column names per role (``None`` when the table has no such column)."""

    id: str | None = None
    date: str | None = None
    customer: str | None = None
    tier: str | None = None
    value: str | None = None
    reply: str | None = None
    channel: str | None = None
    guessed: list[str] = field(default_factory=list)  # roles found by name rather than given

    def notes(self) -> list[str]:
        return [f"{getattr(self, r)} is the {r} column (guessed from its name)" for r in self.guessed]

    def as_dict(self) -> dict[str, str | None]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "guessed"}


def _fits(role: str, col_type: str) -> bool:
    t = col_type.upper()
    if role == "date":
        return t.startswith(("DATE", "TIMESTAMP"))
    if role == "value":
        return bool(NUMERIC.match(t))
    if role in ("reply", "tier", "channel"):
        return t.startswith(TEXT_TYPES)
    return True


def _unique(ws: Workspace, table: str, column: str) -> bool:
    n, distinct, nulls = ws.query_rows(
        f"SELECT count(*), count(DISTINCT {quote(column)}), count(*) - count({quote(column)}) FROM {quote(table)}"
    )[0]
    return n > 0 and nulls == 0 and distinct == n


def _resolve(name: str, columns: list[str], role: str) -> str:
    lowered = {c.lower(): c for c in columns}
    if name.lower() in lowered:
        return lowered[name.lower()]
    suggestions = closest(name, columns)
    raise InsightError(
        f"No column {name!r} for the {role}",
        f"did you mean {', '.join(suggestions)}?" if suggestions else f"columns: {', '.join(columns)}",
    )


def find_roles(ws: Workspace, table: str, text_column: str, given: dict[str, str | None] | None = None) -> Roles:
    """Roles given by the user (checked) plus the ones guessed from column names and types."""
    cols = [(c, t) for c, t in base_columns(ws, table) if c != text_column]
    names = [c for c, _ in cols]
    types = dict(cols)
    roles = Roles()
    given = {k: v for k, v in (given or {}).items() if v}
    for role, name in given.items():
        setattr(roles, role, _resolve(name, names + [text_column], role))
    if roles.id is not None and not _unique(ws, table, roles.id):
        raise InsightError(
            f"{roles.id} does not identify the tickets: it has repeated or empty values",
            "name a column with one distinct value per ticket as --id-column, or leave it out",
        )
    taken = {v for v in roles.as_dict().values() if v}
    for role, patterns in HINTS.items():
        if role in given:
            continue
        for pattern in patterns:
            match = next(
                (c for c in names if c not in taken and re.search(pattern, c.lower()) and _fits(role, types[c])), None
            )
            if match is not None and (role != "id" or _unique(ws, table, match)):
                setattr(roles, role, match)
                roles.guessed.append(role)
                taken.add(match)
                break
    return roles
