"""Fuzz the read-only SQL gate with generated statements and report what it accepted and why it refused.

One grammar (:func:`statement`) builds statements from SELECT pieces, table references (opened tables,
CTE names in and out of scope, paths, globs, URLs, qualified names, table functions, LATERAL),
every function name a plain DuckDB connection lists in ``duckdb_functions()``, comments, case and
unicode tricks, and non-SELECT statements (INSERT, COPY, ATTACH, SET, PRAGMA, CALL, INSTALL, LOAD,
EXPORT, ...), alone or several joined with ';'. The grammar draws through a :class:`Chooser`, so the
same code is driven by ``random.Random`` here and by hypothesis in ``tests/test_gate_fuzz.py``.

Each statement goes through ``check_sql``; an accepted one also runs on a real sandboxed Workspace
over a watched folder that holds a secret file. The properties checked (:func:`judge`):

* ``check_sql`` raises nothing but InsightError subclasses (else a *crash*);
* an accepted text is one SELECT to DuckDB's own statement splitter, and no generated non-SELECT is
  accepted;
* every function DuckDB's parse of the accepted text calls is on the allow-list;
* running it changes no file in the watched folder, creates none, and never returns the secret.

    .venv/bin/python benchmarks/gate_fuzz.py --n 10000 --seed 0
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Protocol, TypeVar

import duckdb

from insightchat.tools import sql_functions as functions
from insightchat.tools.errors import InsightError
from insightchat.tools.sql import check_sql, run_query
from insightchat.tools.workspace import Workspace

T = TypeVar("T")

SECRET = "s3cr3t-7f1c-token"
OPENED = "sales"
DIR = "{d}"  # replaced by the watched folder


class Chooser(Protocol):
    """Where the grammar's choices come from (random.Random, or hypothesis's ``data.draw``)."""

    def choice(self, options: Sequence[T]) -> T: ...

    def integer(self, low: int, high: int) -> int: ...


class RandomChooser:
    """Choices from a seeded ``random.Random`` (the benchmark)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def choice(self, options: Sequence[T]) -> T:
        return options[self.rng.randrange(len(options))]

    def integer(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)


@cache
def duckdb_function_names() -> tuple[str, ...]:
    """Every function name of a plain DuckDB connection (scalar, aggregate, window, table, pragma, macro)."""
    con = duckdb.connect(":memory:")
    try:
        rows = con.execute("SELECT DISTINCT function_name FROM duckdb_functions() ORDER BY 1").fetchall()
    finally:
        con.close()
    return tuple(r[0] for r in rows)


@cache
def _refused_or_unknown() -> tuple[str, ...]:
    allowed = functions.SCALAR_FUNCTIONS | functions.AGGREGATE_FUNCTIONS | functions.WINDOW_FUNCTIONS
    return tuple(n for n in duckdb_function_names() if n not in allowed) + ("my_macro", "ｒｅａｄ_ｔｅｘｔ")


@cache
def _allowed_names() -> tuple[str, ...]:
    allowed = functions.SCALAR_FUNCTIONS | functions.AGGREGATE_FUNCTIONS
    return tuple(n for n in duckdb_function_names() if n in allowed)


@dataclass
class Generated:
    """One statement and what the grammar knows about it."""

    text: str
    select: bool = True  # False: the grammar made a non-SELECT statement (or several statements)
    called: set[str] = field(default_factory=set)  # function names put in call position


# ------------------------------------------------------------------------------------------ grammar

COLUMNS = ("region", "amount", "day", "REGION", '"amount"', "nope", "s.region", "t.amount", "x")
PATHS = (
    f"{DIR}/secret.csv",
    f"{DIR}/SECRET.CSV",
    f"{DIR}/data.parquet",
    f"{DIR}/rows.json",
    f"{DIR}/*.csv",
    f"{DIR}/**/*",
    f"{DIR}/sales.csv",
    "secret.csv",
    "~/secret.csv",
    "/etc/passwd",
    "https://example.com/x.csv",
    "s3://bucket/key.parquet",
    "file:///etc/passwd",
)
CTE_NAMES = ("q", "leak", "secret", "sales", f'"{DIR}/secret.csv"', f'"{DIR}/*.csv"', '"Q"', "later")
QUALIFIED = (
    "main.sales",
    "memory.main.sales",
    "system.main.duckdb_settings",
    "information_schema.tables",
    "pg_catalog.pg_class",
    "temp.sales",
)
PLAIN_TABLES = (OPENED, "SALES", '"Sales"', "sqlite_master", "pg_settings", "duckdb_logs", "duckdb_settings", "other")
TYPES = ("INTEGER", "VARCHAR", "DOUBLE", "DATE", "BIGINT[]", "STRUCT(a INT)", "UHUGEINT", "BLOB", "JSON")
STRINGS = (
    "'x'",
    "''",
    "'sum'",
    "'read_text'",
    "'SELECT 1'",
    "'%a%'",
    "'1'",
    "'2024-01-01'",
    "'x''; DROP TABLE sales; --'",
)
NON_SELECT = (
    "INSERT INTO sales VALUES ('x', 1, NULL)",
    "INSERT INTO sales SELECT * FROM sales",
    f"COPY sales TO '{DIR}/out.csv'",
    f"COPY (SELECT 1) TO '{DIR}/out.parquet' (FORMAT parquet)",
    f"COPY sales FROM '{DIR}/secret.csv'",
    f"ATTACH '{DIR}/new.duckdb' AS x",
    f"ATTACH '{DIR}/new.duckdb'",
    "DETACH memory",
    "SET enable_external_access = true",
    "SET threads = 64",
    "SET GLOBAL memory_limit = '100GB'",
    "SET VARIABLE v = 1",
    "RESET memory_limit",
    "PRAGMA enable_profiling",
    f"PRAGMA profiling_output = '{DIR}/sales.csv'",
    "PRAGMA table_info('sales')",
    "CALL enable_logging()",
    "CALL pragma_version()",
    "CALL {fn}({args})",
    "INSTALL httpfs",
    "FORCE INSTALL httpfs",
    "LOAD httpfs",
    f"LOAD '{DIR}/x.duckdb_extension'",
    f"EXPORT DATABASE '{DIR}/dump'",
    f"IMPORT DATABASE '{DIR}'",
    "CREATE TABLE x AS SELECT 1",
    "CREATE TEMP MACRO m() AS TABLE SELECT 1",
    "CREATE OR REPLACE VIEW sales AS SELECT 1",
    "UPDATE sales SET amount = 0",
    "DELETE FROM sales",
    "DROP VIEW sales",
    "ALTER VIEW sales RENAME TO s2",
    "CHECKPOINT",
    "VACUUM",
    "BEGIN TRANSACTION",
    "USE system",
    "PREPARE p AS SELECT 1",
    "EXECUTE p",
    "EXPLAIN SELECT 1",
    "EXPLAIN ANALYZE SELECT 1",
    "DESCRIBE sales",
    "SUMMARIZE sales",
    "SHOW TABLES",
    "SELECT * INTO copy_of_sales FROM sales",
    "UPSERT INTO sales VALUES (1)",
)
COMMENTS = ("/* c */", "/*+ read_text('/etc/passwd') */", "-- c\n", "/* ; COPY sales TO 'x' */", "--\n")
SPACES = (" ", "  ", "\n", "\t", " \u00a0", "\r\n")


def statement(c: Chooser) -> Generated:
    """One statement: mostly SELECTs, some non-SELECTs, some several statements, some broken."""
    kind = c.integer(0, 19)
    if kind < 13:
        g = Generated("")
        g.text = select(c, g, depth=0)
    elif kind < 16:
        g = Generated("", select=False)
        g.text = non_select(c, g)
    elif kind < 18:
        g = Generated("", select=False)
        first, second = Generated(""), Generated("")
        parts = [select(c, first, 1), non_select(c, second) if c.integer(0, 2) else select(c, second, 1)]
        if c.integer(0, 1):
            parts.reverse()
        g.called = first.called | second.called
        g.text = c.choice(("; ", ";", ";\n", " ; /* x */ ")).join(parts) + c.choice(("", ";"))
    else:
        g = Generated("")
        g.text = select(c, g, depth=1)
        cut = c.integer(0, len(g.text))
        g.text = (
            g.text[:cut] + c.choice(("(", ")", "'", '"', ";", "--", "/*", ",", " FROM ", "\\", "\x00")) + g.text[cut:]
        )
        # still labelled a SELECT: if the mutation made it two statements, DuckDB's splitter says so
    return Generated(tricks(c, g.text), g.select, g.called)


def non_select(c: Chooser, g: Generated) -> str:
    template = c.choice(NON_SELECT)
    if "{fn}" in template:
        name = function_name(c, g)
        template = template.replace("{fn}", name).replace("{args}", arguments(c, g, 1))
    return template


def select(c: Chooser, g: Generated, depth: int) -> str:
    """A query: WITH, SELECT items FROM refs, clauses; FROM-first; set operations; VALUES."""
    shape = c.integer(0, 9)
    if shape == 0:
        return "VALUES " + ", ".join(f"({expr(c, g, depth + 1)})" for _ in range(c.integer(1, 2)))
    if shape == 1 and depth < 2:
        op = c.choice(("UNION", "UNION ALL", "EXCEPT", "INTERSECT", "UNION BY NAME"))
        return f"{select(c, g, depth + 1)} {op} {select(c, g, depth + 1)}"
    with_ = ""
    if c.integer(0, 3) == 0 and depth < 2:
        names = [c.choice(CTE_NAMES) for _ in range(c.integer(1, 2))]
        recursive = c.choice(("", "RECURSIVE "))
        ctes = ", ".join(f"{n} AS ({select(c, g, depth + 1)})" for n in names)
        with_ = f"WITH {recursive}{ctes} "
    items = ", ".join(select_item(c, g, depth) for _ in range(c.integer(1, 3)))
    distinct = c.choice(("", "", "DISTINCT ", "DISTINCT ON (region) "))
    source = ""
    if c.integer(0, 5):
        source = " FROM " + ", ".join(table_ref(c, g, depth) for _ in range(c.integer(1, 2)))
        if c.integer(0, 3) == 0:
            join = c.choice(("JOIN", "LEFT JOIN", "CROSS JOIN", "ASOF JOIN", "POSITIONAL JOIN", "NATURAL JOIN"))
            on = "" if join in ("CROSS JOIN", "POSITIONAL JOIN", "NATURAL JOIN") else f" ON {expr(c, g, depth + 1)}"
            source += f" {join} {table_ref(c, g, depth)}{on}"
    clauses = ""
    if c.integer(0, 2) == 0:
        clauses += f" WHERE {expr(c, g, depth + 1)}"
    if c.integer(0, 3) == 0:
        clauses += f" GROUP BY {c.choice(('ALL', '1', 'region', expr(c, g, depth + 1)))}"
        if c.integer(0, 1):
            clauses += f" HAVING {expr(c, g, depth + 1)}"
    if c.integer(0, 3) == 0:
        clauses += f" ORDER BY {c.choice(('1', 'ALL', 'region DESC', expr(c, g, depth + 1)))}"
    if c.integer(0, 3) == 0:
        clauses += f" LIMIT {c.choice(('3', '0', '1%', expr(c, g, depth + 1)))}"
    if c.integer(0, 9) == 0 and source:
        return f"{with_}FROM {source[6:]} SELECT {items}{clauses}"
    if c.integer(0, 14) == 0 and source:
        return f"{with_}FROM {source[6:]}"
    return f"{with_}SELECT {distinct}{items}{source}{clauses}"


def select_item(c: Chooser, g: Generated, depth: int) -> str:
    item = c.choice(("*", "*", "expr", "expr", "expr", "expr", "window", "columns"))
    if item == "*":
        return c.choice(("*", "s.*", "* EXCLUDE (region)", "* REPLACE (1 AS amount)"))
    if item == "window" and depth < 3:
        name = c.choice((*sorted(functions.WINDOW_FUNCTIONS), "sum", "count", *duckdb_function_names()))
        g.called.add(name.lower())
        return f"{name}({arguments(c, g, depth + 1)}) OVER (PARTITION BY region ORDER BY {expr(c, g, depth + 1)})"
    if item == "columns":
        return c.choice(("COLUMNS('a.*')", "COLUMNS(*)", "COLUMNS(c -> c LIKE '%a%')"))
    alias = c.choice(("", "", " AS v", ' AS "{d}/secret.csv"', " AS read_text"))
    return expr(c, g, depth + 1) + alias


def function_name(c: Chooser, g: Generated, table: bool = False) -> str:
    """Any DuckDB function (allowed ones weighted up, so statements also run), with case or quoting tricks."""
    pools = [_allowed_names(), _allowed_names(), duckdb_function_names(), _refused_or_unknown()]
    if table:
        pools += [sorted(functions.TABLE_FUNCTIONS)] * 2
    name = c.choice(c.choice(pools))
    g.called.add(name.lower())
    spelling = c.integer(0, 19)
    if spelling == 0:
        return name.upper()
    if spelling == 1:
        return "".join(ch.upper() if c.integer(0, 1) else ch for ch in name)
    if spelling == 2 or not name.replace("_", "").isalnum():
        return '"' + name.replace('"', '""') + '"'
    if spelling == 3:
        return c.choice(("main.", "system.main.", "pg_catalog.")) + name
    return name


def arguments(c: Chooser, g: Generated, depth: int) -> str:
    shape = c.integer(0, 9)
    if shape == 0:
        return ""
    if shape == 1:
        return f"'{c.choice(PATHS)}'"
    if shape in (2, 3):
        return c.choice(COLUMNS[:3]) + c.choice(("", ", 1", ", 'x'"))
    if shape == 4:
        return c.choice(("level := 'info', storage := 'file', storage_path := '{d}/sales.csv'", "format := 'json'"))
    return ", ".join(expr(c, g, depth + 1) for _ in range(c.integer(1, 2)))


def expr(c: Chooser, g: Generated, depth: int) -> str:
    """A value expression; deeper levels pick leaves so statements stay small."""
    shape = c.integer(-1, 3) if depth >= 3 else c.integer(-3, 13)
    if shape <= 0:
        return c.choice(COLUMNS[:4] if shape < 0 else COLUMNS)
    if shape == 1:
        return c.choice(("1", "0", "-2.5", "NULL", "true", "1e12", "[1, 2]", "{'a': 1}", "'infinity'::DATE"))
    if shape == 2:
        return c.choice(STRINGS)
    if shape == 3:
        return f"'{c.choice(PATHS)}'"
    if shape in (4, 5, 6):
        return f"{function_name(c, g)}({arguments(c, g, depth)})"
    if shape == 7:
        op = c.choice(("+", "*", "=", "<>", "AND", "OR", "||", "LIKE", "IS NOT DISTINCT FROM", "->>", "::VARCHAR ="))
        return f"{expr(c, g, depth + 1)} {op} {expr(c, g, depth + 1)}"
    if shape == 8:
        return f"({select(c, g, depth + 1)})"
    if shape == 9:
        return c.choice(("EXISTS ", "region IN ", "NOT EXISTS ", "ARRAY")) + f"({select(c, g, depth + 1)})"
    if shape == 10:
        return f"CAST({expr(c, g, depth + 1)} AS {c.choice(TYPES)})"
    if shape == 11:
        return f"CASE WHEN {expr(c, g, depth + 1)} THEN {expr(c, g, depth + 1)} ELSE {expr(c, g, depth + 1)} END"
    if shape == 12:
        inner = expr(c, g, depth + 1)
        return c.choice((f"list_transform([1, 2], lambda v: {inner})", f"list_filter([1], v -> {inner})"))
    return f"({expr(c, g, depth + 1)}).{function_name(c, g)}()"


def table_ref(c: Chooser, g: Generated, depth: int) -> str:
    """A FROM item: opened table, CTE or other name, path, qualified name, table function, subquery."""
    shape = c.integer(-6, 11) if depth < 2 else c.integer(-6, 5)
    alias = c.choice(("", "", "", " s", " AS t", " AS t(a, b)", ' AS "{d}/secret.csv"'))
    if shape < 0:
        return OPENED + alias
    if shape in (0, 1):
        return c.choice(PLAIN_TABLES) + alias
    if shape == 2:
        return c.choice(CTE_NAMES) + alias
    if shape == 3:
        path = c.choice(PATHS)
        return c.choice((f"'{path}'", f'"{path}"')) + alias
    if shape == 4:
        return c.choice(QUALIFIED) + alias
    if shape == 5:
        return f"{function_name(c, g, table=True)}({arguments(c, g, depth + 1)}){alias}"
    if shape == 6:
        return f"LATERAL {function_name(c, g, table=True)}({arguments(c, g, depth + 1)}){alias}"
    if shape == 7:
        return f"({select(c, g, depth + 1)}){alias or ' s'}"
    if shape == 8:
        return f"LATERAL ({select(c, g, depth + 1)}){alias or ' s'}"
    if shape == 9:
        what = c.choice((OPENED, f"'{c.choice(PATHS)}'", f"SELECT * FROM {c.choice(PLAIN_TABLES)}"))
        return f"({c.choice(('SUMMARIZE', 'DESCRIBE', 'SHOW', 'PIVOT'))} {what}){alias}"
    if shape == 10:
        return c.choice(("range(3)", "generate_series(1, 3)", "unnest([1, 2])", "range(1000000000000)")) + alias
    return f"{OPENED} USING SAMPLE {c.choice(('1', '10%', '1 ROWS'))}"


def tricks(c: Chooser, text: str) -> str:
    """Comments between tokens, odd whitespace, case changes of keywords, unicode look-alikes."""
    for _ in range(c.integer(0, 2)):
        trick = c.integer(0, 5)
        words = text.split(" ")
        at = c.integer(0, len(words))
        if trick == 0:
            words.insert(at, c.choice(COMMENTS))
        elif trick == 1:
            text = text.replace(" ", c.choice(SPACES), 1 + c.integer(0, 3))
            continue
        elif trick == 2:
            text = text.replace("SELECT", c.choice(("select", "SeLeCt", "ＳＥＬＥＣＴ")), 1)
            continue
        elif trick == 3:
            text = text.replace("FROM", c.choice(("from", "FrOm", "ＦＲＯＭ", "FROM/**/")), 1)
            continue
        elif trick == 4:
            text = c.choice(COMMENTS) + text
            continue
        else:
            text = text.replace("e", c.choice(("e", "е", "E")), 1)  # Cyrillic е looks like e
            continue
        text = " ".join(words)
    return text


# ------------------------------------------------------------------------------------------ judging


def make_watched_folder(folder: Path) -> Path:
    """The opened sales.csv and, beside it, files that are never opened, each holding the secret."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sales.csv").write_text("region,amount,day\nNorth,10,2024-01-05\nSouth,20,2024-02-01\n")
    (folder / "secret.csv").write_text(f"user,password\nroot,{SECRET}\n")
    (folder / "rows.json").write_text(json.dumps([{"user": "root", "password": SECRET}]))
    (folder / "sub").mkdir(exist_ok=True)
    (folder / "sub" / "deep.csv").write_text(f"k\n{SECRET}\n")
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"COPY (SELECT 'root' AS a, '{SECRET}' AS b) TO '{folder / 'data.parquet'}' (FORMAT parquet)")
    finally:
        con.close()
    return folder


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with its SHA-256 (a changed, new or removed file changes the dict)."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()
    }


def reason_family(message: str) -> str:
    """A refusal message in one word, for the table."""
    m = message.lower()
    if "statement" in m or "other than one select" in m or "select ... into" in m:
        return "statement"
    if "function" in m:
        return "function"
    if "file" in m or "looks like a file path" in m:
        return "file/path"
    if "unknown table" in m or "qualified table" in m or "recursive cte" in m or "tables could not be resolved" in m:
        return "table"
    if "could not parse" in m:
        return "parse"
    if "at most" in m or "nested too deeply" in m or "characters" in m:
        return "size"
    if "not supported" in m or "not allowed" in m or "not a read-only" in m:
        return "construct"
    return "other"


def called_functions(text: str) -> list[tuple[str, bool]]:
    """(name, is a table function) of every call in DuckDB's parse of ``text``; an independent walk."""
    con = duckdb.connect(":memory:")
    try:
        parsed = json.loads(con.execute("SELECT json_serialize_sql($1)", [text]).fetchone()[0])
    finally:
        con.close()
    found: list[tuple[str, bool]] = []
    stack: list[Any] = [(parsed, False)]
    while stack:
        node, in_table_function = stack.pop()
        if isinstance(node, list):
            stack.extend((v, in_table_function) for v in node)
        elif isinstance(node, dict):
            if "function_name" in node:
                found.append((str(node["function_name"]).lower(), in_table_function))
            table_function = node.get("type") == "TABLE_FUNCTION"
            for key, value in node.items():
                stack.append((value, table_function and key == "function"))
    return found


def off_list(text: str) -> list[str]:
    """Functions in ``text`` that the allow-list does not allow where they are called."""
    bad = []
    for name, as_table in called_functions(text):
        if as_table:
            ok = name in functions.TABLE_FUNCTIONS
        else:
            ok = (
                functions.is_allowed_value_function(name)
                or name in functions.WINDOW_FUNCTIONS
                or name in functions.AGGREGATE_BY_NAME
                or name in functions._SPACED_OPERATORS
            )
        if not ok:
            bad.append(name)
    return bad


def is_one_select(text: str) -> bool:
    """DuckDB's own statement splitter (not the gate) says ``text`` is exactly one SELECT."""
    con = duckdb.connect(":memory:")
    try:
        statements = con.extract_statements(text)
    except duckdb.Error:
        return False
    finally:
        con.close()
    return len(statements) == 1 and statements[0].type == duckdb.StatementType.SELECT


@dataclass
class Verdict:
    """What happened to one statement."""

    accepted: bool = False
    family: str = ""  # refusal family, or "ran" / "run error: ..." when accepted
    crash: str = ""  # not an InsightError: the exception's type and message
    non_select: bool = False
    off_list: list[str] = field(default_factory=list)
    files_changed: bool = False
    secret_read: bool = False
    run_crash: str = ""

    @property
    def violations(self) -> list[str]:
        out = []
        if self.crash:
            out.append(f"check_sql crashed: {self.crash}")
        if self.run_crash:
            out.append(f"run_query crashed: {self.run_crash}")
        if self.non_select:
            out.append("accepted a non-SELECT")
        if self.off_list:
            out.append(f"accepted functions off the list: {self.off_list}")
        if self.files_changed:
            out.append("a file in the watched folder changed or appeared")
        if self.secret_read:
            out.append("the secret came back")
        return out


def judge(g: Generated, ws: Workspace, folder: Path, timeout_s: float = 2.0) -> Verdict:
    """Check one generated statement against every property; run it when the gate accepts it."""
    verdict = Verdict()
    text = g.text.replace(DIR, str(folder))
    try:
        tree = check_sql(text, set(ws.table_names()))
    except InsightError as exc:
        verdict.family = reason_family(exc.message)
        return verdict
    except Exception as exc:  # the property under test: nothing else may escape
        verdict.crash = f"{type(exc).__name__}: {str(exc)[:200]}"
        return verdict
    verdict.accepted = True
    runs = tree.sql(dialect="duckdb")
    verdict.non_select = not g.select or not is_one_select(runs)
    verdict.off_list = off_list(runs)
    before = snapshot(folder)
    try:
        result = run_query(ws, text, row_limit=200, timeout_s=timeout_s, count_total=False)
        verdict.family = "ran"
        verdict.secret_read = SECRET in result.df.to_csv(index=False)
    except InsightError as exc:
        verdict.family = "run error"
        verdict.secret_read = SECRET in exc.message
    except Exception as exc:
        verdict.run_crash = f"{type(exc).__name__}: {str(exc)[:200]}"
    verdict.files_changed = snapshot(folder) != before
    return verdict


# ------------------------------------------------------------------------------------------ the run


@dataclass
class Tally:
    statements: int = 0
    accepted: int = 0
    ran: int = 0
    run_errors: int = 0
    refused: Counter = field(default_factory=Counter)
    crashes: int = 0
    run_crashes: int = 0
    accepted_non_select: int = 0
    accepted_off_list: int = 0
    files_changed: int = 0
    secret_read: int = 0
    examples: list[str] = field(default_factory=list)  # the first few violations, with their statements

    def add(self, text: str, v: Verdict) -> None:
        self.statements += 1
        self.accepted += v.accepted
        self.ran += v.family == "ran"
        self.run_errors += v.family == "run error"
        if not v.accepted and not v.crash:
            self.refused[v.family] += 1
        self.crashes += bool(v.crash)
        self.run_crashes += bool(v.run_crash)
        self.accepted_non_select += v.non_select
        self.accepted_off_list += bool(v.off_list)
        self.files_changed += v.files_changed
        self.secret_read += v.secret_read
        if v.violations and len(self.examples) < 10:
            self.examples.append(f"{'; '.join(v.violations)}\n    {text[:300]!r}")


def statements(n: int, seed: int) -> Iterator[Generated]:
    chooser = RandomChooser(seed)
    for _ in range(n):
        yield statement(chooser)


def run(
    n: int, seed: int, progress: Callable[[Iterator[Generated], int], Iterator[Generated]] | None = None
) -> tuple[Tally, float]:
    with tempfile.TemporaryDirectory(prefix="gate-fuzz-") as tmp:
        folder = make_watched_folder(Path(tmp) / "watched")
        before = snapshot(folder)
        ws = Workspace([folder / "sales.csv"])
        tally = Tally()
        start = time.perf_counter()
        try:
            items: Iterator[Generated] = statements(n, seed)
            if progress is not None:
                items = progress(items, n)
            for g in items:
                tally.add(g.text, judge(g, ws, folder))
            if snapshot(folder) != before:
                tally.files_changed += 1
        finally:
            ws.close()
        return tally, time.perf_counter() - start


def print_table(t: Tally, seconds: float, n: int, seed: int) -> None:
    rows = [
        ("statements", f"{t.statements:,}"),
        ("accepted", f"{t.accepted:,} (ran {t.ran:,}, DuckDB error or time limit {t.run_errors:,})"),
    ]
    rows += [(f"refused: {family}", f"{count:,}") for family, count in t.refused.most_common()]
    rows += [
        ("crashes (check_sql)", f"{t.crashes:,}"),
        ("crashes (run_query)", f"{t.run_crashes:,}"),
        ("accepted non-SELECT", f"{t.accepted_non_select:,}"),
        ("accepted off-list function", f"{t.accepted_off_list:,}"),
        ("files changed or created", f"{t.files_changed:,}"),
        ("secret read", f"{t.secret_read:,}"),
        ("seconds", f"{seconds:.1f}"),
    ]
    width = max(len(k) for k, _ in rows)
    print(f"gate fuzz: n={n:,} seed={seed}")
    print(f"| {'measure'.ljust(width)} | value |")
    print(f"|{'-' * (width + 2)}|-------|")
    for key, value in rows:
        print(f"| {key.ljust(width)} | {value} |")
    for example in t.examples:
        print(" -", example)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="statements to generate")
    parser.add_argument("--seed", type=int, default=0, help="seed of the generator")
    args = parser.parse_args(argv)
    progress = None
    if sys.stderr.isatty():
        from tqdm import tqdm

        def progress(items: Iterator[Generated], total: int) -> Iterator[Generated]:
            return iter(tqdm(items, total=total, unit="stmt"))

    tally, seconds = run(args.n, args.seed, progress)
    print_table(tally, seconds, args.n, args.seed)
    bad = tally.crashes + tally.run_crashes + tally.accepted_non_select + tally.accepted_off_list
    return 1 if bad + tally.files_changed + tally.secret_read else 0


if __name__ == "__main__":
    raise SystemExit(main())
