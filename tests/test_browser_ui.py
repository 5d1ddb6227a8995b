"""The UI end to end in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

Load the example data, click a suggested question, type a follow-up, check the table and the chart
render, expand a step, see an error message. Screenshots go to $INSIGHTCHAT_SCREENSHOT_DIR or a new
temporary folder (its path is printed) so a person can look at them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(300),
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)"
    ),
]

sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright package (pip, no browser download)")

from ui_helpers import EXAMPLES, launched_app  # noqa: E402

from insightchat.ui.planners import offline_option  # noqa: E402

BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WAIT_MS = 60_000


@pytest.fixture(scope="module")
def app():
    # no files: the test loads the example data from the UI; offline planner only (deterministic)
    yield from launched_app([], planner_options=[offline_option()])


@pytest.fixture(scope="module")
def page(app):
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(app.local_url)
        page.wait_for_selector("#insight-examples", timeout=WAIT_MS)
        page.page_errors = errors  # type: ignore[attr-defined]
        yield page
        browser.close()


def _group_suggestion() -> str:
    from insightchat.tools.suggestions import suggest
    from insightchat.tools.workspace import Workspace

    ws = Workspace([EXAMPLES / "reviews.csv", EXAMPLES / "tickets.csv"])
    return next(s.text for s in suggest(ws.catalog()) if s.kind == "group")


def test_example_data_suggestion_follow_up_steps_and_error(page, shots):
    chat = page.locator("#insight-chat")

    # 1. load the example data: the side panel lists the tables with row counts
    page.get_by_role("button", name="Load example data").click()
    page.wait_for_selector("#insight-tables :text('400 rows')", timeout=WAIT_MS)
    assert "tickets" in page.inner_text("#insight-tables")
    page.wait_for_selector("#insight-preview table", timeout=WAIT_MS)
    page.screenshot(path=str(shots / "01-example-data-loaded.png"), full_page=True)

    # 2. click a suggested question: a table and a chart appear in the answer
    question = _group_suggestion()
    page.get_by_role("button", name=question).click()
    page.wait_for_selector("#insight-chat table.insight-table", timeout=WAIT_MS)
    page.wait_for_selector("#insight-chat .js-plotly-plot", timeout=WAIT_MS)
    assert chat.locator("table.insight-table").count() == 1
    page.wait_for_selector("#insight-result", timeout=WAIT_MS)
    page.screenshot(path=str(shots / "02-suggested-question.png"), full_page=True)

    # 3. a typed follow-up: a second table and chart, four regions
    box = page.locator("#insight-question textarea")
    box.fill("average rating by region")
    box.press("Enter")
    page.wait_for_function(
        "document.querySelectorAll('#insight-chat table.insight-table').length >= 2", timeout=WAIT_MS
    )
    page.wait_for_function("document.querySelectorAll('#insight-chat .js-plotly-plot').length >= 2", timeout=WAIT_MS)
    second = chat.locator("table.insight-table").nth(1)
    assert "region" in second.locator("thead").inner_text()
    assert second.locator("tbody tr").count() == 4
    assert chat.locator(".js-plotly-plot").nth(1).locator(".bars, .trace").count() >= 1  # the bars were drawn
    page.wait_for_function(
        "document.querySelector('#insight-result') && "
        "document.querySelector('#insight-result').innerText.includes('region')",
        timeout=WAIT_MS,
    )
    assert page.get_by_role("button", name="Table (CSV)").is_visible()
    page.screenshot(path=str(shots / "03-follow-up.png"), full_page=True)

    # 4. the step messages are collapsible: expanding one shows its SQL
    titles = chat.locator(".thought-group .title", has_text="Ran SQL")
    assert titles.count() >= 2
    sql_block = chat.locator("code", has_text="region")
    titles.last.click()
    sql_block.last.wait_for(state="visible", timeout=WAIT_MS)
    assert "GROUP BY" in sql_block.last.inner_text().upper()
    sql_block.last.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "04-step-expanded.png"), full_page=True)

    # 5. a mistake is a clear message in the chat, never a trace or a stuck spinner
    box.fill("SELECT nope FROM reviews")
    box.press("Enter")
    failure = chat.locator(":text('Could not answer')")
    failure.wait_for(timeout=WAIT_MS)
    failure.scroll_into_view_if_needed()
    text = chat.inner_text()
    assert "Traceback" not in text and "nope" in text
    page.screenshot(path=str(shots / "05-error.png"), full_page=True)

    assert page.get_by_role("button", name="Table (CSV)").is_visible()  # the last real result stays current
    assert not page.page_errors, page.page_errors  # type: ignore[attr-defined]
