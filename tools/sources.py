"""Recognise a data source and turn its name into a safe table name.

Kept apart from the loaders so that the rules (which extensions mean what, how a file name becomes a
SQL identifier) live in one small place that tests can check table-driven.
"""

from __future__ import annotations

import glob as globlib
import re
import unicodedata
from pathlib import Path
from typing import Literal

from insightchat.tools.errors import DataSourceError

SourceKind = Literal["csv", "parquet", "json", "excel", "sqlite", "duckdb"]

_EXTENSIONS: dict[str, SourceKind] = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".tab": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".json": "json",
    ".jsonl": "json",
    ".ndjson": "json",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".sqlite": "sqlite",
    ".sqlite3": "sqlite",
    ".db": "sqlite",
    ".duckdb": "duckdb",
    ".ddb": "duckdb",
}

SUPPORTED = "CSV/TSV, Parquet, JSON/NDJSON, Excel (.xlsx), SQLite (.sqlite/.db), DuckDB (.duckdb)"

# SQL words that would need quoting as a bare table name; a table is renamed rather than forcing
# every user to quote it.
_RESERVED = {
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "both",
    "case",
    "cast",
    "check",
    "collate",
    "column",
    "constraint",
    "create",
    "default",
    "deferrable",
    "desc",
    "describe",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "false",
    "fetch",
    "for",
    "foreign",
    "from",
    "grant",
    "group",
    "having",
    "in",
    "initially",
    "intersect",
    "into",
    "lateral",
    "leading",
    "limit",
    "not",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "pivot",
    "placing",
    "primary",
    "qualify",
    "references",
    "returning",
    "select",
    "show",
    "some",
    "summarize",
    "symmetric",
    "table",
    "then",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "unpivot",
    "using",
    "variadic",
    "when",
    "where",
    "window",
    "with",
    "join",
    "left",
    "right",
    "inner",
    "outer",
    "cross",
    "full",
    "natural",
    "by",
    "between",
    "like",
    "is",
    "values",
    "set",
    "update",
    "delete",
    "insert",
    "drop",
    "alter",
    "pragma",
    "attach",
    "copy",
    "export",
    "import",
    "load",
    "install",
}


def _magic_kind(path: Path) -> SourceKind | None:
    """Recognise a file by its first bytes, so a .db or extension-less file is read right."""
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError:
        return None
    if head.startswith(b"SQLite format 3"):
        return "sqlite"
    if head[:4] == b"PAR1":
        return "parquet"
    if head[8:12] == b"DUCK":
        return "duckdb"
    if head[:4] == b"PK\x03\x04":
        return "excel"
    return None


def detect_kind(path: Path) -> SourceKind:
    """Which loader reads ``path``: by content for binary formats, else by extension."""
    magic = _magic_kind(path)
    if magic is not None:
        return magic
    suffixes = [s.lower() for s in path.suffixes]
    for suffix in reversed(suffixes):
        if suffix in _EXTENSIONS:
            kind = _EXTENSIONS[suffix]
            if kind in ("sqlite", "duckdb", "parquet", "excel"):
                raise DataSourceError(
                    f"{path.name} is not a valid {kind} file (its first bytes do not match)",
                    "check that the file is complete and not renamed from another format",
                )
            return kind
        if suffix == ".xls":
            raise DataSourceError(
                f"{path.name} is an old .xls workbook, which is not supported",
                "save it as .xlsx or CSV and open that",
            )
    raise DataSourceError(f"Don't know how to read {path.name}", f"supported formats: {SUPPORTED}")


def safe_table_name(raw: str) -> str:
    """A lower-case identifier that needs no quoting: letters, digits and underscores.

    ``"Sales 2023 (EU).csv"`` becomes ``sales_2023_eu``; a name that is a SQL keyword gets a
    ``_table`` suffix (``order`` -> ``order_table``); one that starts with a digit gets ``t_``.
    """
    ascii_text = unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode("ascii")
    name = re.sub(r"[^0-9a-zA-Z]+", "_", ascii_text).strip("_").lower()
    if not name:
        name = "data"
    if name[0].isdigit():
        name = f"t_{name}"
    if name in _RESERVED:
        name = f"{name}_table"
    return name


def table_name_for(path: Path) -> str:
    """The table name a file gets: its name without the (possibly double) extension."""
    stem = path.name
    for suffix in reversed(path.suffixes):
        if suffix.lower() in _EXTENSIONS or suffix.lower() in {".gz", ".zst"}:
            stem = stem[: -len(suffix)]
        else:
            break
    return safe_table_name(stem)


def is_glob(pattern: str) -> bool:
    return any(ch in pattern for ch in "*?[")


def expand_glob(pattern: str) -> list[Path]:
    """Files matching ``pattern``, sorted; an error if none match."""
    matches = sorted(Path(p) for p in globlib.glob(pattern, recursive=True) if Path(p).is_file())
    if not matches:
        raise DataSourceError(f"No files match {pattern!r}", "check the pattern and the folder")
    return matches


def glob_table_name(pattern: str) -> str:
    """``data/sales_*.csv`` -> ``sales``: the file-name part with the wildcards taken out."""
    name = Path(pattern).name
    for suffix in reversed(Path(pattern).suffixes):
        if suffix.lower() in _EXTENSIONS:
            name = name[: -len(suffix)]
    name = re.sub(r"[*?]|\[[^\]]*\]", " ", name)
    return safe_table_name(name) if name.strip(" _-.") else safe_table_name(Path(pattern).parent.name or "files")
