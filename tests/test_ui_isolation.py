"""Each UI session reads only its own uploads and downloads only its own result files (issue 22).

The real app is launched in-process; two ``gradio_client`` Clients are two sessions. Each uploads a
file of the same name holding its own secret token. Session A then tries every way to reach B's data:
B's table name, B's file by path and by glob, a listing of the temp and Gradio folders, and B's
result file by URL; the gate refuses, and the sandboxed engine (asked directly, with no gate) cannot
read the files either. Result files live under the session's own 0700 folder with a random name,
are served only through their unguessable copy, and stop being served when the session closes.
"""

from __future__ import annotations

import json
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

gradio_client = pytest.importorskip("gradio_client")
from gradio_client import Client, handle_file  # noqa: E402
from ui_helpers import launched_app, table_of, texts  # noqa: E402

from insightchat.tools.errors import InsightError  # noqa: E402
from insightchat.ui.planners import offline_option  # noqa: E402
from insightchat.ui.session import private_folder  # noqa: E402

pytestmark = pytest.mark.timeout(240)

TOKEN = {"a": "alpha-7d41-only-in-a", "b": "bravo-93c2-only-in-b"}


@pytest.fixture(scope="module")
def app() -> Iterator[Any]:
    yield from launched_app([], planner_options=[offline_option()])


@pytest.fixture(scope="module")
def pair(app: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Two sessions, each with its own ``data.csv`` (same name, different rows) and its own table."""
    out: dict[str, Any] = {}
    for name, rows in (("a", 3), ("b", 5)):
        folder = tmp_path_factory.mktemp(f"upload_{name}")
        data = folder / "data.csv"
        data.write_text("k,v\n" + "".join(f"{TOKEN[name]},{i}\n" for i in range(1, rows + 1)))
        own = folder / f"only_{name}.csv"
        own.write_text(f"secret\n{TOKEN[name]}\n")
        client = Client(app.local_url, verbose=False, download_files=False)
        outputs = client.predict([handle_file(str(data)), handle_file(str(own))], api_name="/upload")
        chat, tables_md = outputs[1], outputs[2]
        assert "Could not load" not in texts(chat[-1])
        assert "**data**" in tables_md and f"**only_{name}**" in tables_md.replace("\\_", "_"), tables_md
        out[name] = client
        out[f"sess_{name}"] = app.insight_registry.get(client.session_hash)
    return out


def ask(client: Client, question: str) -> list[dict[str, Any]]:
    return client.predict(question, api_name="/ask")[1]


def other_token_nowhere(chat: list[dict[str, Any]], other: str) -> None:
    assert TOKEN[other] not in json.dumps(chat), f"session saw {other}'s data"


def test_same_table_name_answers_from_each_sessions_own_file(pair: dict[str, Any]) -> None:
    for name, total in (("a", 6), ("b", 15)):
        chat = ask(pair[name], "SELECT sum(v) AS total, min(k) AS k FROM data")
        assert table_of(chat[-1])[1] == [[str(total), TOKEN[name]]]
        other_token_nowhere(chat, "b" if name == "a" else "a")


def test_a_cannot_name_bs_table(pair: dict[str, Any]) -> None:
    chat = ask(pair["a"], "SELECT * FROM only_b")
    assert "only_b" in texts(chat[-1]) and "Unknown table" in texts(chat[-1])
    other_token_nowhere(chat, "b")
    chat = ask(pair["a"], "how many rows are in only_b?")
    other_token_nowhere(chat, "b")


def _reads_of_bs_files(b_folder: Path) -> list[str]:
    tmp = Path(tempfile.gettempdir())
    return [
        f"SELECT * FROM '{b_folder}/data.csv'",
        f'SELECT * FROM "{b_folder}/only_b.csv"',
        f"SELECT * FROM '{tmp}/insightchat-session-*/*.csv'",
        f"SELECT * FROM '{tmp}/insightchat-session-*/**/*.csv'",
        f"SELECT * FROM read_csv('{b_folder}/data.csv')",
        f"SELECT * FROM read_text('{tmp}/insightchat-session-*/only_b.csv')",
        f"SELECT * FROM glob('{tmp}/insightchat-session-*/*')",
        f"SELECT * FROM glob('{tmp}/gradio/*/*')",
        f'WITH "{b_folder}/data.csv" AS (SELECT 1) SELECT * FROM "{b_folder}/data.csv"',
        f"SELECT * FROM data, LATERAL read_csv('{b_folder}/only_b.csv')",
    ]


def test_a_cannot_read_bs_files_by_path_or_glob_through_the_chat(pair: dict[str, Any]) -> None:
    for sql in _reads_of_bs_files(pair["sess_b"].upload_dir):
        chat = ask(pair["a"], sql)
        final = texts(chat[-1])
        assert "Could not answer" in final or "Refused" in final, (sql, final)
        other_token_nowhere(chat, "b")
    # and A still answers its own questions
    assert table_of(ask(pair["a"], "SELECT count(*) AS n FROM data")[-1])[1] == [["3"]]


def test_the_sandbox_alone_cannot_read_bs_files(pair: dict[str, Any]) -> None:
    """Defence in depth: A's engine refuses file access even for SQL that never went through the gate."""
    b_folder = pair["sess_b"].upload_dir
    ws = pair["sess_a"].workspace
    for sql in (
        f"SELECT * FROM read_csv('{b_folder}/data.csv')",
        f"SELECT * FROM '{b_folder}/only_b.csv'",
        f"SELECT * FROM glob('{b_folder}/*')",
        f"SELECT * FROM read_text('{tempfile.gettempdir()}/gradio/*/*')",
    ):
        with pytest.raises(Exception) as info:
            ws.query_df(sql)
        assert TOKEN["b"] not in str(info.value)
        assert "external access" in str(info.value).lower() or "disabled" in str(info.value).lower(), info.value


def test_session_folders_are_private_unguessable_and_apart(pair: dict[str, Any]) -> None:
    fa, fb = pair["sess_a"].upload_dir, pair["sess_b"].upload_dir
    assert fa != fb and fb not in fa.parents and fa not in fb.parents
    for folder in (fa, fb):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        random_part = folder.name.removeprefix("insightchat-session-").split("-")[0]
        assert len(random_part) >= 32 and int(random_part, 16) >= 0  # 128 random bits in the name
    assert {p.name for p in fa.rglob("*.csv")} >= {"data.csv", "only_a.csv"}
    # the uploads left nothing of theirs in Gradio's servable cache
    gradio_cache = Path(tempfile.gettempdir()) / "gradio"
    for path in gradio_cache.rglob("*.csv") if gradio_cache.exists() else []:
        body = path.read_text(errors="replace") if path.stat().st_size < 1 << 20 else ""
        assert TOKEN["a"] not in body or path.name.startswith("result"), path
        assert TOKEN["b"] not in body or path.name.startswith("result"), path


def test_download_files_are_private_to_the_session(app: Any, pair: dict[str, Any]) -> None:
    a, b = pair["a"], pair["b"]
    ask(a, "SELECT k, v FROM data ORDER BY v")
    csv_btn = a.predict(api_name="/downloads")[0]
    served = csv_btn["value"]
    own_file = pair["sess_a"].downloads[1].csv
    # the session's file sits in its own folder, never under B's
    assert pair["sess_a"].upload_dir in own_file.parents
    assert pair["sess_b"].upload_dir not in Path(served["path"]).parents
    assert TOKEN["a"] in httpx.get(served["url"]).text  # A's link works for A
    # nothing in the session folders is served by its own path (B guessing A's folder gets nothing)
    base = app.local_url.rstrip("/") + "/gradio_api/file="
    for path in (own_file, pair["sess_a"].upload_dir / "data.csv"):
        response = httpx.get(base + str(path))
        assert response.status_code in (403, 404) and TOKEN["a"] not in response.text
    # the served copy's folder is a 256-bit digest, not derived from anything B knows
    assert len(Path(served["path"]).parent.name) == 64
    # B's own download is its own rows
    ask(b, "SELECT k, v FROM data ORDER BY v")
    b_served = b.predict(api_name="/downloads")[0]["value"]
    assert b_served["path"] != served["path"]
    body = httpx.get(b_served["url"]).text
    assert TOKEN["b"] in body and TOKEN["a"] not in body


def test_a_closed_sessions_files_stop_being_served(app: Any, tmp_path: Path) -> None:
    c = Client(app.local_url, verbose=False, download_files=False)
    data = tmp_path / "gone.csv"
    data.write_text("k\ngone-5e0a-token\n")
    c.predict([handle_file(str(data))], api_name="/upload")
    ask(c, "SELECT k FROM gone")
    served = c.predict(api_name="/downloads")[0]["value"]
    assert "gone-5e0a-token" in httpx.get(served["url"]).text
    sess = app.insight_registry.get(c.session_hash)
    folder = sess.upload_dir
    app.insight_registry.close(c.session_hash)
    assert not folder.exists()
    assert httpx.get(served["url"]).status_code in (403, 404)


def test_a_failed_upload_does_not_break_the_session(pair: dict[str, Any], tmp_path: Path) -> None:
    a = pair["a"]
    bad_csv = tmp_path / "binary.csv"
    bad_csv.write_bytes(b"\x00\xff\x00PK\x03\x04" * 100)
    nested = tmp_path / "nested.json"
    nested.write_text("[[1, [2, 3]], [[4]]]")
    empty = tmp_path / "empty.parquet"
    empty.write_bytes(b"")
    outputs = a.predict(
        [handle_file(str(bad_csv)), handle_file(str(nested)), handle_file(str(empty))], api_name="/upload"
    )
    chat, tables_md = outputs[1], outputs[2]  # [files, chat, tables, ...]
    assert "Could not load" in texts(chat[-1]) and "Traceback" not in json.dumps(chat)
    assert "**data**" in tables_md  # the tables A had are still there
    assert table_of(ask(a, "SELECT sum(v) AS total FROM data")[-1])[1] == [["6"]]
    assert table_of(ask(pair["b"], "SELECT sum(v) AS total FROM data")[-1])[1] == [["15"]]


def test_a_session_folder_inside_gradios_cache_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Gradio serves everything in its cache by path: session folders must never be created there."""
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path))
    with pytest.raises(InsightError, match="Gradio's cache"):
        private_folder(tmp_path / "sessions")
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    folder = private_folder(tmp_path / "sessions")
    assert folder.parent == (tmp_path / "sessions").resolve()
