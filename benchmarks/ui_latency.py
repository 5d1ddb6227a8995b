"""How long the UI makes people wait, and what the UI adds over calling the Assistant directly.

For the offline planner, on the example data (400 + 300 rows) and on a generated 10M-row Parquet
table, this measures from pressing Enter to:

* the first streamed narration token in the chat, and
* the full answer (the final message with table and chart),

through three paths:

* ``direct``: ``Assistant.ask`` in-process (no UI) — the baseline;
* ``client``: the launched Gradio app through ``gradio_client`` (server, queue, streaming protocol);
* ``browser``: real headless Chromium typing the question and pressing Enter, until the narration
  and then the table and the plotly chart are in the DOM (skipped without /usr/bin/chromium).

The UI overhead is reported as a ratio: median full-answer time through the UI over the median
``Assistant.ask`` time for the same question. Each question is asked once cold (the first question
on a table also profiles it for the catalog) and then ``--repeat`` times warm; medians are warm.

    .venv/bin/python benchmarks/ui_latency.py                 # example data + 10M rows
    .venv/bin/python benchmarks/ui_latency.py --rows 1000000 --repeat 3 --no-browser
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

EXAMPLES = ROOT / "examples"
CHROMIUM = Path("/usr/bin/chromium")
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

EXAMPLE_QUESTIONS = [
    "How many rows are in reviews?",
    "average rating by region",
    "Number of rows by month of review_date",
]
BIG_QUESTIONS = ["How many rows are in big?", "average amount by region", "Number of rows by month of day"]


@dataclass
class Timing:
    first_token_s: float | None
    full_s: float


@dataclass
class Row:
    data: str
    question: str
    path: str
    cold_full_s: float | None = None
    chart: bool = False  # whether the answer has a chart (the browser then waits for it too)
    first_token_s: list[float] = field(default_factory=list)
    full_s: list[float] = field(default_factory=list)

    def median(self, attr: str) -> float | None:
        values = [v for v in getattr(self, attr) if v is not None]
        return statistics.median(values) if values else None


def make_big_parquet(folder: Path, rows: int) -> Path:
    """A synthetic sales table: id, region (4 values), amount, day (four years of dates)."""
    import duckdb

    path = folder / "big.parquet"
    duckdb.sql(
        f"""COPY (SELECT i AS id,
                         ['East','West','North','South'][(i % 4) + 1] AS region,
                         ((i * 7919) % 100000) / 100.0 AS amount,
                         DATE '2020-01-01' + CAST(i % 1461 AS INTEGER) AS day
                  FROM range({rows}) t(i)) TO '{path}' (FORMAT parquet)"""
    )
    return path


# ------------------------------------------------------------------------------------------ direct


def time_direct(files: list[Path], question: str, repeat: int) -> Row:
    from insightchat.assistant import Assistant
    from insightchat.ui.planners import offline_option

    row = Row("", question, "direct")
    assistant = Assistant([str(f) for f in files], planner=offline_option().make())
    for i in range(repeat + 1):
        start = time.perf_counter()
        first = None
        for event in assistant.ask_stream(question):
            if event.kind == "token" and first is None:
                first = time.perf_counter() - start
            if event.kind == "answer" and event.answer is not None:
                row.chart = event.answer.chart is not None and event.answer.table is not None
        full = time.perf_counter() - start
        if i == 0:
            row.cold_full_s = full
        else:
            row.first_token_s.append(first)  # type: ignore[arg-type]
            row.full_s.append(full)
    return row


# ------------------------------------------------------------------------------------------ client


def _has_narration(chat: list[dict[str, Any]]) -> bool:
    """True once an assistant message after the last question carries text and no step title."""
    last_user = max((i for i, m in enumerate(chat) if m["role"] == "user"), default=-1)
    for m in chat[last_user + 1 :]:
        if (
            m["role"] == "assistant"
            and not (m.get("metadata") or {}).get("title")
            and any(b.get("type") == "text" and b.get("text", "").strip() for b in m["content"])
        ):
            return True
    return False


def _ask_client(client: Any, question: str) -> Timing:
    start = time.perf_counter()
    job = client.submit(question, api_name="/ask")
    first = None
    seen = 0
    while True:
        outputs = job.outputs()
        for out in outputs[seen:]:
            if first is None and _has_narration(out[1]):
                first = time.perf_counter() - start
        seen = len(outputs)
        if job.done():
            break
        time.sleep(0.002)
    job.result()
    return Timing(first, time.perf_counter() - start)


def time_client(url: str, question: str, repeat: int) -> Row:
    from gradio_client import Client

    row = Row("", question, "client")
    client = Client(url, verbose=False, download_files=False)
    for i in range(repeat + 1):
        t = _ask_client(client, question)
        if i == 0:
            row.cold_full_s = t.full_s
        else:
            row.first_token_s.append(t.first_token_s)  # type: ignore[arg-type]
            row.full_s.append(t.full_s)
    return row


# ------------------------------------------------------------------------------------------ browser


def time_browser(url: str, questions: dict[str, bool], repeat: int, data: str) -> list[Row]:
    """``questions`` maps each question to whether its answer has a chart."""
    from playwright.sync_api import sync_playwright

    rows = [Row(data, q, "browser", chart=chart) for q, chart in questions.items()]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        page.wait_for_selector("#insight-question textarea", timeout=60_000)
        page.wait_for_function("document.querySelector('#insight-tables').innerText.includes('rows')", timeout=120_000)
        box = page.locator("#insight-question textarea")
        for row in rows:
            for i in range(repeat + 1):
                n_msgs = page.evaluate("document.querySelectorAll('#insight-chat .message-row').length")
                n_tables = page.evaluate("document.querySelectorAll('#insight-chat table.insight-table').length")
                n_plots = page.evaluate("document.querySelectorAll('#insight-chat .js-plotly-plot').length")
                box.fill(row.question)
                start = time.perf_counter()
                box.press("Enter")
                # narration: a bot message row after the new user row holding a prose paragraph
                page.wait_for_function(
                    f"""() => {{
                        const rows = [...document.querySelectorAll('#insight-chat .message-row')].slice({n_msgs});
                        return rows.some(r => r.classList.contains('bot-row') &&
                            [...r.querySelectorAll('.message:not(.thought) .prose p')]
                                .some(p => p.innerText.trim().length > 0));
                    }}""",
                    timeout=600_000,
                    polling=5,
                )
                first = time.perf_counter() - start
                done = f"document.querySelectorAll('#insight-chat table.insight-table').length > {n_tables}"
                if row.chart:  # the full answer is the text, the table and the drawn chart
                    traces = "#insight-chat .js-plotly-plot .bars, #insight-chat .js-plotly-plot .scatterlayer .trace"
                    done += f" && document.querySelectorAll('{traces}').length > 0"
                    done += f" && document.querySelectorAll('#insight-chat .js-plotly-plot').length > {n_plots}"
                page.wait_for_function(done, timeout=600_000, polling=5)
                full = time.perf_counter() - start
                if i == 0:
                    row.cold_full_s = full
                else:
                    row.first_token_s.append(first)
                    row.full_s.append(full)
            page.wait_for_timeout(300)  # let the download files settle before the next question
        browser.close()
    return rows


# ------------------------------------------------------------------------------------------ driver


def run_data_set(name: str, files: list[Path], questions: list[str], repeat: int, browser: bool) -> list[Row]:
    from ui_helpers import launched_app

    rows: list[Row] = []
    for q in questions:
        r = time_direct(files, q, repeat)
        r.data = name
        rows.append(r)
        print(f"  direct  {q!r}: {r.median('full_s'):.3f} s", flush=True)
    from insightchat.ui.planners import offline_option

    gen = launched_app(files, planner_options=[offline_option()])
    demo = next(gen)
    try:
        for q in questions:
            r = time_client(demo.local_url, q, repeat)
            r.data = name
            rows.append(r)
            print(f"  client  {q!r}: {r.median('full_s'):.3f} s", flush=True)
        if browser:
            charts = {r.question: r.chart for r in rows if r.path == "direct"}
            for r in time_browser(demo.local_url, charts, repeat, name):
                rows.append(r)
                print(f"  browser {r.question!r}: {r.median('full_s'):.3f} s", flush=True)
    finally:
        for _ in gen:
            pass
    return rows


def report(rows: list[Row]) -> str:
    direct = {(r.data, r.question): r for r in rows if r.path == "direct"}

    def ms(v: float | None) -> str:
        return "-" if v is None else f"{v * 1000:,.0f}"

    lines = [
        "| data | question | path | first token ms (median) | full answer ms (median) | cold full ms | UI / direct |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        base = direct[(r.data, r.question)].median("full_s")
        full = r.median("full_s")
        ratio = "1.00" if r.path == "direct" else (f"{full / base:.2f}" if base and full else "-")
        lines.append(
            f"| {r.data} | {r.question} | {r.path} | {ms(r.median('first_token_s'))} | {ms(full)} "
            f"| {ms(r.cold_full_s)} | {ratio} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="rows of the generated large table (0 to skip)")
    parser.add_argument("--repeat", type=int, default=5, help="warm repetitions per question and path")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium path")
    parser.add_argument("--out", type=Path, help="also write the rows as JSON here")
    args = parser.parse_args(argv)
    browser = not args.no_browser and CHROMIUM.exists()
    if not args.no_browser and not browser:
        print("(no /usr/bin/chromium: skipping the browser path)")

    rows: list[Row] = []
    print("example data (reviews 400 rows, tickets 300 rows)", flush=True)
    rows += run_data_set(
        "examples", [EXAMPLES / "reviews.csv", EXAMPLES / "tickets.csv"], EXAMPLE_QUESTIONS, args.repeat, browser
    )
    if args.rows:
        with tempfile.TemporaryDirectory(prefix="insightchat-bench-") as tmp:
            start = time.perf_counter()
            big = make_big_parquet(Path(tmp), args.rows)
            print(f"{args.rows:,}-row Parquet table written in {time.perf_counter() - start:.1f} s", flush=True)
            rows += run_data_set(f"{args.rows / 1e6:g}M rows", [big], BIG_QUESTIONS, args.repeat, browser)
    table = report(rows)
    print()
    print(table)
    if args.out:
        args.out.write_text(json.dumps([asdict(r) for r in rows], indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
