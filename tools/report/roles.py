"""Which part each column plays in a report: measure, dimension, date, text, id or other.

Why: every finding is "a measure differs across a dimension", "a measure moves over a date" and so
on, so the roles decide which tests are run at all (and how many: the multiple-comparison family).
They come from the catalog profile, never from guessing at values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from insightchat.tools.catalog import FREE_TEXT_MIN_AVG_LENGTH, VALUE_INDEX_MAX_DISTINCT, ColumnProfile, TableProfile

MAX_DIMENSION_VALUES = VALUE_INDEX_MAX_DISTINCT


@dataclass
class Roles:
    measures: list[str] = field(default_factory=list)
    dimensions: list[str] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)

    def role_of(self, column: str) -> str:
        for role in ("measures", "dimensions", "dates", "texts", "ids", "other"):
            if column in getattr(self, role):
                return role.rstrip("s") if role != "other" else "other"
        return "other"


def column_role(col: ColumnProfile, row_count: int) -> str:
    """measure / dimension / date / text / id / other for one profiled column."""
    if col.kind == "date":
        return "date"
    if col.kind == "bool":
        return "dimension" if col.distinct == 2 else "other"
    if col.kind == "text":
        if (col.avg_length or 0) >= FREE_TEXT_MIN_AVG_LENGTH:
            return "text"
        if col.is_categorical and 2 <= col.distinct <= MAX_DIMENSION_VALUES:
            return "dimension"
        if col.is_id_like or (row_count and col.distinct >= 0.9 * row_count):
            return "id"
        return "other"
    if col.kind == "number":
        unique = row_count > 0 and col.distinct >= 0.98 * row_count
        if col.is_id_like or (unique and "INT" in col.dtype.upper()):
            return "id"
        if col.distinct < 2:
            return "other"
        return "measure"
    return "other"


def assign_roles(profile: TableProfile, skip: set[str] | None = None) -> Roles:
    """The roles of every column of ``profile`` (columns in ``skip``, e.g. derived ones, are left out)."""
    roles = Roles()
    for col in profile.columns:
        if skip and col.name in skip:
            continue
        role = column_role(col, profile.row_count)
        bucket = {"measure": roles.measures, "dimension": roles.dimensions, "date": roles.dates}.get(role)
        if bucket is None:
            bucket = {"text": roles.texts, "id": roles.ids}.get(role, roles.other)
        bucket.append(col.name)
    return roles
