"""The standing attack suite of the read-only gate (issue 22): each statement is refused with a reason
that names the culprit, by ``check_sql`` and through ``run_query`` on a real Workspace over a watched
folder: no file in it changes, none appears, and the workspace still answers afterwards.

``{d}`` is the watched folder: it holds the opened ``sales.csv`` and files that are *not* opened
(``secret.csv``, ``data.parquet``, ``rows.json``), so a bypass would read real data. The controls at
the end show that plain DuckDB does read the secret through the same tricks, so the suite cannot pass
by testing nothing.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from insightchat.tools import sql_functions as functions
from insightchat.tools.errors import InsightError
from insightchat.tools.sql import check_sql, run_query
from insightchat.tools.sql_gate import DuckDBParseCheck
from insightchat.tools.workspace import Workspace

SECRET = "hunter2"

# (statement, the culprit the refusal must name); {d} is the watched folder
ATTACKS: list[tuple[str, str]] = [
    # --- file readers, as table functions
    ("SELECT * FROM read_csv('{d}/secret.csv')", "read_csv"),
    ("SELECT * FROM read_csv_auto('{d}/secret.csv')", "read_csv_auto"),
    ("SELECT * FROM read_parquet('{d}/data.parquet')", "read_parquet"),
    ("SELECT * FROM parquet_scan('{d}/data.parquet')", "parquet_scan"),
    ("SELECT * FROM parquet_metadata('{d}/data.parquet')", "parquet_metadata"),
    ("SELECT * FROM parquet_schema('{d}/data.parquet')", "parquet_schema"),
    ("SELECT * FROM parquet_file_metadata('{d}/data.parquet')", "parquet_file_metadata"),
    ("SELECT * FROM parquet_kv_metadata('{d}/data.parquet')", "parquet_kv_metadata"),
    ("SELECT * FROM parquet_full_metadata('{d}/data.parquet')", "parquet_full_metadata"),
    ("SELECT * FROM parquet_page_index('{d}/data.parquet')", "parquet_page_index"),
    ("SELECT * FROM parquet_bloom_probe('{d}/data.parquet', 'a', 1)", "parquet_bloom_probe"),
    ("SELECT * FROM read_json('{d}/rows.json')", "read_json"),
    ("SELECT * FROM read_json_auto('{d}/rows.json')", "read_json_auto"),
    ("SELECT * FROM read_json_objects('{d}/rows.json')", "read_json_objects"),
    ("SELECT * FROM read_json_objects_auto('{d}/rows.json')", "read_json_objects_auto"),
    ("SELECT * FROM read_ndjson('{d}/rows.json')", "read_ndjson"),
    ("SELECT * FROM read_ndjson_auto('{d}/rows.json')", "read_ndjson_auto"),
    ("SELECT * FROM read_ndjson_objects('{d}/rows.json')", "read_ndjson_objects"),
    ("SELECT * FROM read_text('{d}/secret.csv')", "read_text"),
    ("SELECT * FROM read_blob('{d}/secret.csv')", "read_blob"),
    ("SELECT * FROM read_duckdb('{d}/other.duckdb')", "read_duckdb"),
    ("SELECT * FROM glob('{d}/*')", "glob"),
    ("SELECT * FROM glob('/etc/*')", "glob"),
    ("SELECT * FROM sniff_csv('{d}/secret.csv')", "sniff_csv"),
    ("SELECT * FROM summary((SELECT 1))", "summary"),
    # --- replacement scans: a path, URL or glob used as a table name
    ("SELECT * FROM '{d}/secret.csv'", "secret.csv"),
    ('SELECT * FROM "{d}/secret.csv"', "secret.csv"),
    ('SELECT * FROM "{d}/*.csv"', "*.csv"),
    ("SELECT * FROM '{d}/data.parquet'", "data.parquet"),
    ("SELECT * FROM '{d}/rows.json'", "rows.json"),
    ("SELECT * FROM 'secret.csv'", "secret.csv"),
    ("SELECT * FROM sales, '{d}/secret.csv'", "secret.csv"),
    ("SELECT * FROM sales WHERE region IN (SELECT user FROM '{d}/secret.csv')", "secret.csv"),
    ("SELECT (SELECT count(*) FROM '{d}/secret.csv') AS n", "secret.csv"),
    ("SELECT * FROM 's3://bucket/key.parquet'", "s3://bucket"),
    ("SELECT * FROM 'https://example.com/x.csv'", "example.com"),
    ('SELECT * FROM "~/secret.csv"', "secret.csv"),
    ("FROM '{d}/secret.csv'", "secret.csv"),
    ("FROM '{d}/secret.csv' SELECT *", "secret.csv"),
    ("FROM (FROM '{d}/secret.csv')", "secret.csv"),
    ("SELECT * FROM '{d}/secret.csv' USING SAMPLE 1", "secret.csv"),
    ("SELECT * FROM sales ASOF JOIN '{d}/secret.csv' s ON true", "secret.csv"),
    ("SELECT * FROM '{d}/secret.csv' PIVOT (count(*) FOR user IN ('root'))", "secret.csv"),
    # --- CTE scoping: a CTE name counts only in its own scope, never as a path
    ('WITH "{d}/secret.csv" AS (SELECT * FROM "{d}/secret.csv") SELECT * FROM "{d}/secret.csv"', "secret.csv"),
    ('WITH "{d}/data.parquet" AS (SELECT * FROM "{d}/data.parquet") SELECT * FROM "{d}/data.parquet"', "parquet"),
    ('WITH "{d}/rows.json" AS (SELECT * FROM "{d}/rows.json") SELECT * FROM "{d}/rows.json"', "rows.json"),
    ('WITH "{d}/*.csv" AS (SELECT 1) SELECT * FROM "{d}/*.csv"', "*.csv"),
    ('WITH RECURSIVE "{d}/secret.csv" AS (SELECT * FROM "{d}/secret.csv") SELECT * FROM "{d}/secret.csv"', "secret"),
    (
        'WITH RECURSIVE "{d}/secret.csv" AS (SELECT * FROM "{d}/secret.csv" UNION ALL '
        'SELECT * FROM "{d}/secret.csv" WHERE false) SELECT * FROM "{d}/secret.csv"',
        "secret.csv",
    ),
    ('SELECT (WITH "{d}/secret.csv" AS (SELECT 1) SELECT 1), (SELECT password FROM "{d}/secret.csv")', "secret"),
    ("SELECT (WITH leak AS (SELECT 1 AS x) SELECT x FROM leak), (SELECT x FROM leak)", "leak"),
    ("WITH a AS (SELECT * FROM later), later AS (SELECT 1) SELECT * FROM a", "later"),
    ("(WITH q AS (SELECT 1) SELECT * FROM q) UNION ALL SELECT * FROM q", "q"),
    ("SELECT * FROM (WITH q AS (SELECT 1 AS v) SELECT * FROM q) s, q", "q"),
    ("WITH RECURSIVE x AS (SELECT * FROM x UNION ALL SELECT 1) SELECT * FROM x", "x"),
    ('SELECT * FROM sales AS "{d}/secret.csv" WHERE EXISTS (SELECT * FROM "{d}/secret.csv")', "secret.csv"),
    ("WITH x AS (SELECT * FROM read_parquet('{d}/data.parquet')) SELECT * FROM x", "read_parquet"),
    # --- SUMMARIZE / DESCRIBE / SHOW / PIVOT statements
    ("SELECT * FROM (SUMMARIZE '{d}/secret.csv')", "summarize"),
    ("SELECT * FROM (SUMMARIZE sales)", "summarize"),
    ("SUMMARIZE SELECT * FROM '{d}/secret.csv'", "summarize"),
    ("SELECT * FROM (DESCRIBE '{d}/secret.csv')", "describe"),
    ("SELECT * FROM (SHOW TABLES)", "show"),
    ("DESCRIBE sales", "describe"),
    ("SHOW ALL TABLES", "show"),
    ("SELECT * FROM (PIVOT '{d}/secret.csv' ON user USING count(*))", "secret.csv"),
    ("PIVOT '{d}/secret.csv' ON user USING count(*)", "pivot"),
    ("SELECT * FROM (PIVOT sales ON region USING sum(amount))", "select"),
    # --- SQL run from a string
    (
        "SELECT * FROM sales, LATERAL json_execute_serialized_sql(json_serialize_sql("
        "'SELECT * FROM read_text(''/etc/passwd'')'))",
        "json_execute_serialized_sql",
    ),
    ("SELECT json_serialize_sql('SELECT 1')", "json_serialize_sql"),
    ("SELECT json_deserialize_sql(json_serialize_sql('SELECT 1'))", "json_"),
    ("SELECT json_serialize_plan('SELECT * FROM sales')", "json_serialize_plan"),
    ("SELECT * FROM query('SELECT * FROM read_text(''/etc/passwd'')')", "query"),
    ("SELECT * FROM query_table('sales')", "query_table"),
    ("SELECT * FROM query_table(['{d}/secret.csv'])", "query_table"),
    ("SELECT * FROM histogram_values(sales, amount)", "histogram_values"),
    # --- logging and profiling (they can append to any file)
    (
        "SELECT * FROM sales, LATERAL enable_logging(level := 'info', storage := 'file', "
        "storage_path := '{d}/sales.csv', storage_normalize := false)",
        "enable_logging",
    ),
    ("SELECT * FROM enable_logging('QueryLog')", "enable_logging"),
    ("SELECT * FROM disable_logging()", "disable_logging"),
    ("SELECT * FROM truncate_duckdb_logs()", "truncate_duckdb_logs"),
    ("SELECT write_log('x', level := 'error')", "write_log"),
    ("SELECT * FROM duckdb_logs()", "duckdb_logs"),
    ("SELECT * FROM duckdb_logs", "duckdb_logs"),
    ("SELECT * FROM duckdb_logs_parsed('QueryLog')", "duckdb_logs_parsed"),
    ("SELECT * FROM enable_profiling(format := 'json', save_location := '{d}/sales.csv')", "enable_profiling"),
    ("SELECT * FROM disable_profiling()", "disable_profiling"),
    ("SELECT * FROM duckdb_profiling_settings()", "duckdb_profiling_settings"),
    # --- settings, secrets, the catalog and engine metadata
    ("SELECT * FROM duckdb_settings()", "duckdb_settings"),
    ("SELECT * FROM duckdb_settings", "duckdb_settings"),
    ("SELECT current_setting('temp_directory')", "current_setting"),
    ("SELECT getvariable('x')", "getvariable"),
    ("SELECT * FROM duckdb_variables()", "duckdb_variables"),
    ("SELECT * FROM duckdb_secrets()", "duckdb_secrets"),
    ("SELECT * FROM which_secret('s3://x/y', 's3')", "which_secret"),
    ("SELECT * FROM duckdb_extensions()", "duckdb_extensions"),
    ("SELECT * FROM duckdb_tables()", "duckdb_tables"),
    ("SELECT * FROM duckdb_columns()", "duckdb_columns"),
    ("SELECT * FROM duckdb_databases()", "duckdb_databases"),
    ("SELECT * FROM duckdb_views()", "duckdb_views"),
    ("SELECT * FROM duckdb_functions()", "duckdb_functions"),
    ("SELECT * FROM duckdb_temporary_files()", "duckdb_temporary_files"),
    ("SELECT * FROM duckdb_memory()", "duckdb_memory"),
    ("SELECT * FROM pragma_table_info('sales')", "pragma_table_info"),
    ("SELECT * FROM pragma_database_size()", "pragma_database_size"),
    ("SELECT * FROM pragma_version()", "pragma_version"),
    ("SELECT * FROM pragma_storage_info('sales')", "pragma_storage_info"),
    ("SELECT * FROM sqlite_master", "sqlite_master"),
    ("SELECT * FROM sqlite_schema", "sqlite_schema"),
    ("SELECT * FROM pg_settings", "pg_settings"),
    ("SELECT * FROM pg_catalog.pg_class", "pg_catalog.pg_class"),
    ("SELECT * FROM information_schema.tables", "information_schema.tables"),
    ("SELECT * FROM system.main.sales", "qualified"),
    ("SELECT * FROM memory.main.sales", "qualified"),
    ("SELECT * FROM temp.sales", "qualified"),
    ("SELECT version()", "version"),
    ("SELECT current_database()", "current_database"),
    ("SELECT current_query()", "current_query"),
    ("SELECT pg_get_viewdef(1)", "pg_get_viewdef"),
    ("SELECT * FROM pg_timezone_names()", "pg_timezone_names"),
    # --- storage, sleep, session state, host memory, resources, test functions
    ("SELECT * FROM checkpoint()", "checkpoint"),
    ("SELECT * FROM force_checkpoint()", "force_checkpoint"),
    ("SELECT sleep_ms(600000)", "sleep_ms"),
    ("SELECT pg_sleep(600)", "pg_sleep"),
    ("SELECT setseed(0.5)", "setseed"),
    ("SELECT nextval('seq')", "nextval"),
    ("SELECT setval('seq', 1)", "setval"),
    ("SELECT * FROM pandas_scan(0)", "pandas_scan"),
    ("SELECT * FROM arrow_scan(0, 0, 0)", "arrow_scan"),
    ("SELECT * FROM sales, LATERAL test_all_types()", "test_all_types"),
    ("SELECT * FROM create_external_resource('x')", "create_external_resource"),
    ("SELECT * FROM add_grammar_extension('x')", "add_grammar_extension"),
    # --- statements that write, load or configure
    ("COPY sales TO '{d}/out.csv'", "copy"),
    ("COPY (SELECT 1) TO '{d}/out.parquet' (FORMAT parquet)", "copy"),
    ("EXPORT DATABASE '{d}/dump'", "export"),
    ("IMPORT DATABASE '{d}'", "import"),
    ("ATTACH '{d}/new.duckdb' AS x", "attach"),
    ("DETACH memory", "detach"),
    ("INSTALL httpfs", "install"),
    ("FORCE INSTALL httpfs", "install"),
    ("LOAD httpfs", "load"),
    ("SET enable_external_access = true", "set"),
    ("SET GLOBAL threads = 64", "set"),
    ("RESET memory_limit", "reset"),
    ("SET VARIABLE x = 1", "set"),
    ("PRAGMA enable_profiling", "pragma"),
    ("PRAGMA profiling_output = '{d}/sales.csv'", "pragma"),
    ("CALL enable_logging()", "call"),
    ("CREATE TABLE x AS SELECT 1", "create"),
    ("CREATE MACRO m(x) AS x + 1", "create"),
    ("CREATE TEMP MACRO evil() AS TABLE SELECT * FROM read_text('/etc/passwd')", "create"),
    ("CREATE SECRET (TYPE s3, KEY_ID 'x', SECRET 'y')", "create"),
    ("CREATE OR REPLACE VIEW sales AS SELECT 1", "create"),
    ("INSERT INTO sales VALUES ('x', 1, NULL)", "insert"),
    ("UPDATE sales SET amount = 0", "update"),
    ("DELETE FROM sales", "delete"),
    ("DROP VIEW sales", "drop"),
    ("ALTER VIEW sales RENAME TO s2", "alter"),
    ("CHECKPOINT", "checkpoint"),
    ("VACUUM", "vacuum"),
    ("BEGIN TRANSACTION", "begin"),
    ("USE system", "use"),
    ("PREPARE p AS SELECT 1", "prepare"),
    ("EXPLAIN ANALYZE SELECT 1", "explain"),
    ("SELECT * INTO copy_of_sales FROM sales", "into"),
    ("SELECT 1; COPY sales TO '{d}/o.csv'", "2 statements"),
    ("SELECT 1; SELECT 2", "2 statements"),
    # --- comments, hints, case and unicode
    ("SELECT 1 /* hide */ ; COPY sales TO '{d}/o.csv'", "2 statements"),
    ("SELECT /*+ read_text('/etc/passwd') */ * FROM read_text('/etc/passwd')", "read_text"),
    ("-- a comment\nCOPY sales TO '{d}/o.csv'", "copy"),
    ("SeLeCt * FrOm ReAd_CsV('{d}/secret.csv')", "read_csv"),
    ("SELECT * FROM \"READ_TEXT\"('/etc/passwd')", "read_text"),
    ("SELECT * FROM \"Read_Text\"('/etc/passwd')", "read_text"),
    ("SELECT ｒｅａｄ_ｔｅｘｔ('/etc/passwd')", "ｒｅａｄ_ｔｅｘｔ"),
    ("SELECT * FROM ｒｅａｄ_ｃｓｖ('{d}/secret.csv')", "ｒｅａｄ_ｃｓｖ"),
    ('SELECT * FROM "{d}/SECRET.CSV"', "secret.csv"),
    ("SELECT 'x'.read_text()", "read_text"),
    ("SELECT ('{d}/secret.csv').read_text()", "read_text"),
    # --- functions hidden in every clause
    ("SELECT * FROM sales WHERE amount > (SELECT count(*) FROM glob('{d}/*'))", "glob"),
    ("SELECT * FROM sales, LATERAL read_csv('{d}/secret.csv')", "read_csv"),
    ("SELECT * FROM sales CROSS JOIN LATERAL (SELECT * FROM read_text('/etc/passwd'))", "read_text"),
    ("SELECT * FROM sales s, LATERAL (SELECT * FROM query('SELECT 1'))", "query"),
    ("SELECT unnest((SELECT list(content) FROM read_text('/etc/passwd')))", "read_text"),
    ("SELECT sum(amount) OVER (ORDER BY (SELECT count(*) FROM glob('/*'))) FROM sales", "glob"),
    (
        "SELECT region FROM sales GROUP BY region HAVING count(*) > (SELECT count(*) FROM read_text('/etc/passwd'))",
        "read_text",
    ),
    ("SELECT * FROM sales LIMIT (SELECT count(*) FROM read_text('/etc/passwd'))", "read_text"),
    ("SELECT * FROM sales ORDER BY (SELECT current_setting('threads'))", "current_setting"),
    ("SELECT list_transform([1], lambda v: (SELECT content FROM read_text('/etc/passwd')))", "read_text"),
    ("SELECT {'a': getvariable('x')}", "getvariable"),
    ("SELECT CAST(read_text('/etc/passwd') AS VARCHAR)", "read_text"),
    ("VALUES (current_setting('threads'))", "current_setting"),
    ("SELECT region FROM sales UNION SELECT content FROM read_text('/etc/passwd')", "read_text"),
    ("SELECT count(*) FILTER (WHERE getvariable('x')) FROM sales", "getvariable"),
    ("SELECT list_aggr([1], 'read_text')", "list_aggr"),
    ("SELECT aggregate([1], 'write_log')", "aggregate"),
    ("SELECT list_aggr([1], (SELECT 'sum'))", "list_aggr"),
    ("SELECT main.read_text('x')", "main.read_text"),
    ("SELECT system.main.current_setting('threads')", "current_setting"),
    ("SELECT my_macro(1)", "my_macro"),
    ("SELECT $1", "parameters"),
    ("SELECT ?", "parameters"),
    ("SELECT * FROM sales AT (VERSION => 1)", "at"),
]


@pytest.fixture(scope="module")
def watched(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("watched")
    (folder / "sales.csv").write_text("region,amount,day\nNorth,10,2024-01-05\nSouth,20,2024-02-01\n")
    (folder / "secret.csv").write_text(f"user,password\nroot,{SECRET}\n")
    (folder / "rows.json").write_text(f'[{{"user": "root", "password": "{SECRET}"}}]')
    con = duckdb.connect(":memory:")
    con.execute(f"COPY (SELECT 'root' AS a, '{SECRET}' AS b) TO '{folder / 'data.parquet'}' (FORMAT parquet)")
    con.close()
    return folder


def _snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*")}


@pytest.fixture(scope="module")
def ws(watched: Path) -> Workspace:
    workspace = Workspace([watched / "sales.csv"])
    yield workspace
    workspace.close()


def _sql(template: str, folder: Path) -> str:
    return template.replace("{d}", str(folder))


def test_the_suite_is_large() -> None:
    assert len(ATTACKS) >= 100 and len({sql for sql, _ in ATTACKS}) == len(ATTACKS)


@pytest.mark.parametrize("template, culprit", ATTACKS)
def test_refused_naming_the_culprit(watched: Path, template: str, culprit: str) -> None:
    with pytest.raises(InsightError) as info:
        check_sql(_sql(template, watched), {"sales"})
    assert culprit.lower() in info.value.message.lower(), info.value.message
    assert info.value.hint


@pytest.mark.parametrize("template, culprit", ATTACKS)
def test_refused_by_a_real_workspace_and_nothing_changes(
    ws: Workspace, watched: Path, template: str, culprit: str
) -> None:
    before = _snapshot(watched)
    with pytest.raises(InsightError):
        run_query(ws, _sql(template, watched))
    assert _snapshot(watched) == before  # no file changed, none created or removed
    assert run_query(ws, "SELECT sum(amount) AS total FROM sales").df["total"].tolist() == [30]


# ------------------------------------------------------------------------- every refused function


def _calls(name: str, args: str) -> list[str]:
    """The refused function in each place it could be called from a SELECT."""
    quoted = f'"{name}"' if not name.isidentifier() else name
    return [
        f"SELECT {quoted}({args})",
        f"SELECT * FROM {quoted}({args})",
        f"SELECT * FROM sales, LATERAL {quoted}({args})",
        f"SELECT (SELECT count(*) FROM {quoted}({args}))",
    ]


@pytest.mark.parametrize("name", sorted(functions.REFUSED_FUNCTIONS))
def test_every_refused_function_is_refused_wherever_it_is_called(name: str) -> None:
    named = 0
    for args in ("'/etc/passwd'", ""):
        for sql in _calls(name, args):
            with pytest.raises(InsightError) as info:
                check_sql(sql, {"sales"})
            named += name in info.value.message.lower()
    # sqlglot rejects a wrong number of arguments for the functions it knows (current_database('x')):
    # refused either way, and named in every place with the right arity
    assert named >= 4, name


PLAIN_NAME_SCOPING = {"leak", "later", "q", "x"}


def test_duckdbs_parse_alone_refuses_every_function_and_path_attack(watched: Path) -> None:
    """Defence in depth: the second check (DuckDB's own parse) refuses these even if sqlglot let them by."""
    held = 0
    for template, culprit in ATTACKS:
        sql = _sql(template, watched)
        parsed = duckdb.connect(":memory:").execute("SELECT json_serialize_sql($1)", [sql]).fetchone()[0]
        if '"error":true' in parsed.replace(" ", ""):
            continue  # not a SELECT to DuckDB: it never runs as a query
        if culprit in PLAIN_NAME_SCOPING:
            continue  # a CTE name out of scope that is no path: the first check's job (DuckDB finds no table)
        with pytest.raises(InsightError):
            DuckDBParseCheck({"sales": "sales"}).run(sql)
        held += 1
    assert held >= 100


# --------------------------------------------------------------------------------------- controls


def test_plain_duckdb_falls_for_the_tricks_the_gate_refuses(watched: Path) -> None:
    """Without the gate DuckDB reads the file that was never opened: the attacks above are real."""
    d = watched
    con = duckdb.connect(":memory:")
    tricks = [
        f'WITH "{d}/secret.csv" AS (SELECT * FROM "{d}/secret.csv") SELECT * FROM "{d}/secret.csv"',
        f'SELECT (WITH "{d}/secret.csv" AS (SELECT 1) SELECT 1), (SELECT password FROM "{d}/secret.csv")',
        f'WITH RECURSIVE "{d}/secret.csv" AS (SELECT * FROM "{d}/secret.csv") SELECT * FROM "{d}/secret.csv"',
        f"SELECT * FROM (SUMMARIZE '{d}/secret.csv')",
    ]
    for sql in tricks:
        assert SECRET in str(con.execute(sql).fetchall())
        with pytest.raises(InsightError):
            check_sql(sql, {"sales"})
    con.close()


HARMLESS = [
    ("SELECT region, sum(amount) AS total FROM sales GROUP BY ALL ORDER BY 1", [("North", 10), ("South", 20)]),
    ("WITH secret AS (SELECT 'x' AS v) SELECT v FROM secret", [("x",)]),
    ("SELECT region FROM sales WHERE region = 'x''; DROP TABLE sales; --'", []),
    ("SELECT '{d}/secret.csv' AS path", [("{d}/secret.csv",)]),
    ("SELECT list_sum([1, 2]) AS s, list_aggr([1, 2], 'max') AS m", [(3, 2)]),
    ("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT sum(n) FROM r", [(6,)]),
    ("SELECT count(*) FROM range(5) AS r(i), unnest([1, 2]) AS u(x)", [(10,)]),
    ("SELECT md5('a') = md5('a'), upper(region) FROM sales ORDER BY 2 LIMIT 1", [(True, "NORTH")]),
    ("SELECT * FROM sales /* read_text('/etc/passwd') */ WHERE false", []),
]


@pytest.mark.parametrize("template, rows", HARMLESS)
def test_harmless_lookalikes_still_run(ws: Workspace, watched: Path, template: str, rows: list[tuple]) -> None:
    df = run_query(ws, _sql(template, watched)).df
    expected = [tuple(_sql(v, watched) if isinstance(v, str) else v for v in row) for row in rows]
    assert [tuple(r) for r in df.itertuples(index=False)] == expected
