"""The Report and Triage tabs of the real app, driven in-process with gradio_client (one session per Client).

The data is written by the tests: a sales table with a planted group difference (the report must find it),
and 30 support tickets in English and German with urgent words and a priority column.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

gradio_client = pytest.importorskip("gradio_client")
from gradio_client import Client, handle_file  # noqa: E402
from ui_helpers import launched_app  # noqa: E402

from insightchat.tools.triage import load_corrections  # noqa: E402
from insightchat.ui.planners import offline_option  # noqa: E402
from insightchat.ui.triage_view import ALL, QUEUE_COLUMNS, parse_reasons  # noqa: E402

pytestmark = pytest.mark.timeout(300)

EN = [
    ("The service is down, total outage for the whole team, urgent!", "Restored after the incident."),
    ("I was charged twice this month, please refund the duplicate payment.", "Refunded the duplicate charge."),
    ("Where is my parcel? The delivery is a week late.", "Sent the tracking link."),
    ("How do I change the email address on my account?", "Explained the settings page."),
    ("Security problem: someone else logged into my account, this is urgent.", "Locked the account and reset it."),
]
DE = [
    ("Der Dienst ist komplett ausgefallen, bitte dringend helfen!", "Nach der Störung wiederhergestellt."),
    ("Mir wurde zweimal abgebucht, bitte erstatten Sie den Betrag.", "Doppelte Abbuchung erstattet."),
    ("Wo ist mein Paket? Die Lieferung ist eine Woche zu spät.", "Sendungsverfolgung geschickt."),
]


def _tickets() -> pd.DataFrame:
    rows = []
    for i in range(30):
        text, reply = DE[i % len(DE)] if i % 3 == 0 else EN[i % len(EN)]
        urgent = any(w in text.lower() for w in ("outage", "urgent", "dringend", "security"))
        rows.append(
            {
                "ticket_id": 5000 + i,
                "created_at": f"2024-06-{1 + i % 28:02d} 09:{i:02d}:00",
                "customer": f"c{i % 11}",
                "priority": "high" if urgent else ("medium" if i % 2 else "low"),
                "body": f"{text} (order {700 + i})",
                "reply": reply,
            }
        )
    return pd.DataFrame(rows)


def _sales() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 400
    region = rng.choice(["North", "South", "East", "West"], n)
    revenue = rng.normal(100, 10, n) + np.where(region == "South", 40, 0)  # a planted difference
    return pd.DataFrame(
        {
            "order_id": np.arange(n),
            "order_date": pd.date_range("2024-01-01", periods=n, freq="D").strftime("%Y-%m-%d"),
            "region": region,
            "revenue": revenue.round(2),
        }
    )


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("report_triage")
    paths = {"sales": folder / "sales.csv", "tickets": folder / "tickets_cli.csv", "upload": folder / "helpdesk.csv"}
    _sales().to_csv(paths["sales"], index=False)
    _tickets().to_csv(paths["tickets"], index=False)
    _tickets().to_csv(paths["upload"], index=False)
    return paths


@pytest.fixture(scope="module")
def app(data):
    yield from launched_app([data["sales"], data["tickets"]], planner_options=[offline_option()])


@pytest.fixture
def client(app, tmp_path) -> Client:
    return Client(app.local_url, verbose=False, download_files=str(tmp_path / "downloads"))


def session_of(app, client: Client):
    return app.insight_registry.get(client.session_hash)


def _unwrap(value):
    """A component update as the client returns it ({"__type__": "update", "value": ...}) or a plain value."""
    return value.get("value") if isinstance(value, dict) and value.get("__type__") == "update" else value


def _predict(client: Client, *args, api_name: str):
    out = client.predict(*args, api_name=api_name)
    return [_unwrap(v) for v in out] if isinstance(out, (list, tuple)) else _unwrap(out)


def _frame(value: dict) -> pd.DataFrame:
    value = _unwrap(value)
    return pd.DataFrame(value["data"], columns=value["headers"])


def _file(value) -> Path:
    value = _unwrap(value)
    return Path(value["path"] if isinstance(value, dict) else value)


# ---------------------------------------------------------------------------------------- report


def test_report_shows_findings_and_writes_files_into_the_session_folder(app, client):
    client.predict(api_name="/init")
    status, summary, findings, html_file, md_file = _predict(client, "sales", False, api_name="/report")
    assert "Report on **sales**" in status
    assert "400 rows" in summary
    df = _frame(findings)
    assert list(df.columns) == ["#", "kind", "finding", "interest", "sql"]
    planted = df[df["kind"] == "group difference"]
    assert not planted.empty and planted["finding"].str.contains("South").any(), df["finding"].tolist()
    assert all(sql.strip().upper().startswith(("SELECT", "WITH")) for sql in df["sql"])

    folder = session_of(app, client).upload_dir / "reports" / "1"
    page = folder / "report.html"
    assert page.exists() and _file(html_file).read_bytes() == page.read_bytes()
    text = page.read_text(encoding="utf-8")
    assert "South" in text and "<script src=" not in text  # self-contained: plotly.js inline, no CDN
    assert _file(md_file).name in {"report.md", "report-markdown.zip"}
    assert (folder / _file(md_file).name).exists()
    assert (folder / "report.md").read_text(encoding="utf-8").startswith("# ")


def test_report_on_a_bad_table_is_a_message_and_the_session_carries_on(app, client):
    client.predict(api_name="/init")
    status, *_ = _predict(client, "no_such_table", False, api_name="/report")
    assert status.startswith("**Could not build the report:**") and "no_such_table" in status
    assert "Traceback" not in status
    status, *_ = _predict(client, "sales", False, api_name="/report")  # the next one works
    assert "Report on **sales**" in status


# ---------------------------------------------------------------------------------------- triage


def _triage(client: Client, table: str, text: str, **kw) -> list:
    return _predict(
        client,
        table,
        text,
        kw.get("labels", ""),
        kw.get("label_column", ""),
        kw.get("priority_column", ""),
        kw.get("earlier"),
        api_name="/triage",
    )


def test_triage_defaults_to_the_free_text_column(client):
    client.predict(api_name="/init")
    text_col, label_col, priority_col, message = client.predict("tickets_cli", api_name="/triage_columns")
    assert text_col["value"] == "body" and ["body", "body"] in text_col["choices"]
    assert ["(none)", ""] in priority_col["choices"] and ["priority", "priority"] in priority_col["choices"]
    label_col, priority_col = _unwrap(label_col), _unwrap(priority_col)
    assert label_col == "" and priority_col == "" and message == ""


def test_triage_queue_filters_details_and_a_correction(app, client, data):
    client.predict(api_name="/init")
    out = _triage(client, "tickets_cli", "body", priority_column="priority")
    status, summary, f_queue, f_urgency, f_intent, f_language, queue, ticket, corr_file, fix_value = out
    assert "Triaged **30** tickets" in status, status
    assert "Triaged 30 tickets" in summary and "German" in summary
    df = _frame(queue)
    assert list(df.columns) == QUEUE_COLUMNS and len(df) == 30
    assert set(df["language"]) == {"English", "German"}
    assert df["urgency"].iloc[0] == "high"  # most urgent first

    # filters: each narrows the queue to its value, and they combine
    german = _frame(_predict(client, ALL, ALL, ALL, "German", api_name="/triage_filter")[0])
    assert len(german) == 10 and set(german["language"]) == {"German"}
    high = _frame(_predict(client, ALL, "high", ALL, ALL, api_name="/triage_filter")[0])
    assert 0 < len(high) < 30 and set(high["urgency"]) == {"high"}
    both, first = _predict(client, ALL, "high", ALL, "German", api_name="/triage_filter")
    both = _frame(both)
    assert set(both["language"]) == {"German"} and set(both["urgency"]) == {"high"}
    assert first == str(both["ticket"].iloc[0])

    # one ticket: its reasons and its similar earlier tickets with their replies
    outage = df[df["text"].str.startswith("The service is down")]["ticket"].iloc[-1]
    details, reasons, similar = _predict(client, outage, api_name="/triage_ticket")
    assert f"Ticket {outage}" in details and "service is down" in details
    why = _frame(reasons)
    assert list(why.columns) == ["signal", "weight"] and len(why) >= 1
    sim = _frame(similar)
    assert {"similar_ticket", "similarity", "text", "reply"} <= set(sim.columns) and len(sim) >= 1
    assert sim["reply"].str.len().min() > 0

    # a correction goes into the user's file beside the command-line data, and the view shows it
    message, queue_after, details_after, corr = _predict(
        client, outage, "intent", "outage", ALL, ALL, ALL, ALL, api_name="/triage_correct"
    )
    assert message.startswith("Saved:"), message
    path = data["tickets"].with_name("tickets_cli.corrections.csv")
    assert path.exists()
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows[-1]["field"] == "intent" and rows[-1]["value"] == "outage"
    assert rows[-1]["text"].startswith("The service is down")
    after = _frame(queue_after)
    assert after.loc[after["ticket"] == outage, "intent"].iloc[0] == "outage"
    assert "**Intent:** outage" in details_after
    assert _file(corr).read_text(encoding="utf-8") == path.read_text(encoding="utf-8")

    # the next triage reads the file: the corrected text gets the corrected intent
    status, *_rest = _triage(client, "tickets_cli", "body")
    result = _frame(_rest[5])
    assert set(result.loc[result["text"] == rows[-1]["text"], "intent"]) == {"outage"}
    assert "1 correction" in _rest[0]  # the summary names the file and how many it used

    # bad corrections are messages, never tracebacks
    bad, *_ = _predict(client, outage, "intent", "  ", ALL, ALL, ALL, ALL, api_name="/triage_correct")
    assert bad.startswith("**Could not save the correction:**")
    assert len(load_corrections(path)) == 1


def test_uploaded_tickets_keep_corrections_in_the_session_folder(app, client, data, tmp_path):
    client.predict(api_name="/init")
    _predict(client, [handle_file(str(data["upload"]))], api_name="/upload")
    earlier = tmp_path / "earlier.csv"
    pd.DataFrame({"field": ["urgency"], "value": ["high"], "text": [_tickets()["body"].iloc[2]]}).to_csv(
        earlier, index=False
    )
    out = _triage(client, "helpdesk", "body", earlier=handle_file(str(earlier)))
    assert "1 earlier correction(s) added" in out[0], out[0]
    sess = session_of(app, client)
    path = sess.upload_dir / "corrections" / "helpdesk.corrections.csv"
    assert len(load_corrections(path)) == 1
    assert _file(out[8]).read_text(encoding="utf-8") == path.read_text(encoding="utf-8")
    queue = _frame(out[6])
    assert queue.loc[queue["text"] == _tickets()["body"].iloc[2], "urgency"].iloc[0] == "high"
    assert not data["upload"].with_name("helpdesk.corrections.csv").exists()  # nothing beside the upload


def test_triage_errors_are_messages(client):
    client.predict(api_name="/init")
    status, *_ = _triage(client, "tickets_cli", "priority_typo")
    assert status.startswith("**Could not triage:**") and "priority_typo" in status
    status, *_ = _triage(client, "tickets_cli", "body", labels="billing, outage", label_column="priority")
    assert status.startswith("**Could not triage:**")
    status, *_ = _triage(client, "sales", "body")
    assert status.startswith("**Could not triage:**")


def test_parse_reasons_reads_signals_and_weights():
    df = parse_reasons(
        "learned from 30 labelled tickets (p=0.99); signals: urgency word 'outage' +2.0; waiting 3 days +0.5"
    )
    assert df["signal"].tolist() == [
        "learned from 30 labelled tickets (p=0.99)",
        "urgency word 'outage'",
        "waiting 3 days",
    ]
    assert df["weight"].tolist()[1:] == [2.0, 0.5] and pd.isna(df["weight"].iloc[0])
    assert parse_reasons("").empty


# ---------------------------------------------------------------------------------------- in Chromium

CHROMIUM = Path("/usr/bin/chromium")
WAIT_MS = 120_000


def _wait_text(page, selector: str, text: str) -> None:
    """Wait until the element's visible text contains ``text`` (Gradio's grid also renders hidden cells)."""
    page.wait_for_function(
        "([sel, text]) => { const e = document.querySelector(sel); return !!e && e.innerText.includes(text); }",
        arg=[selector, text],
        timeout=WAIT_MS,
    )


@pytest.fixture
def page(app):
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright package")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(app.local_url)
        page.wait_for_selector("#insight-tables :text('400 rows')", timeout=WAIT_MS)
        page.page_errors = errors  # type: ignore[attr-defined]
        yield page
        browser.close()


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")
def test_browser_report_button_shows_findings_and_offers_the_files(page, shots):
    # the preview table is sales (the first command-line file): its button opens the Report tab and builds
    page.get_by_role("button", name="Report on this table").click()
    _wait_text(page, "#insight-report-findings", "South")
    page.screenshot(path=str(shots / "report-tab.png"), full_page=True)
    assert "Report on sales" in page.inner_text("#insight-report-status").replace("*", "")
    page.locator("#insight-report-html").wait_for(state="visible", timeout=WAIT_MS)
    assert "400 rows" in page.inner_text("#insight-report-summary")
    assert not page.page_errors, page.page_errors  # type: ignore[attr-defined]


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")
def test_browser_triage_tab_queue_and_ticket_details(page, shots):
    page.get_by_role("tab", name="Triage").click()
    # the last command-line file is the ticket table; its free-text column is chosen by itself
    page.wait_for_function(
        "document.querySelector('#insight-triage-text input') && "
        "document.querySelector('#insight-triage-text input').value === 'body'",
        timeout=WAIT_MS,
    )
    page.get_by_role("button", name="Run triage").click()
    _wait_text(page, "#insight-triage-queue", "German")
    assert "Triaged 30 tickets" in page.inner_text("#insight-triage-summary")
    _wait_text(page, "#insight-triage-details", "Ticket")  # the first ticket
    assert "Queue: General support" in page.inner_text("#insight-triage-details")  # the most urgent ticket
    cell = page.locator("#insight-triage-queue").get_by_text("Incidents").filter(visible=True).first
    cell.click()  # a row routed elsewhere: its ticket's details replace the first one's
    _wait_text(page, "#insight-triage-details", "Queue: Incidents")
    text = page.inner_text("#insight-triage-details")
    assert "Queue" in text and "Traceback" not in text
    page.screenshot(path=str(shots / "triage-tab.png"), full_page=True)
    assert not page.page_errors, page.page_errors  # type: ignore[attr-defined]
