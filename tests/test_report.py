"""Reports on generated tables with planted effects: findings, null tables, grounding, renderers."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from report_data import sales

from insightchat.tools.report import build_report
from insightchat.tools.report.evaluation import per_class, write_evaluation
from insightchat.tools.report.render import write_report
from insightchat.tools.sql import check_sql, run_query
from insightchat.tools.workspace import Workspace

CHROMIUM = Path("/usr/bin/chromium")


def report_of(frame: pd.DataFrame, **kwargs):
    ws = Workspace()
    ws.add_dataframe(frame, "sales")
    return ws, build_report(ws, "sales", with_text=False, **kwargs)


def kinds(report) -> set[tuple[str, str]]:
    return {(f.kind, f.columns[0]) for f in report.significant}


def test_planted_group_difference_is_the_top_finding_with_reproducible_sql():
    ws, rep = report_of(sales(effect="group"))
    top = rep.significant[0]
    assert (top.kind, top.columns, top.segment) == ("group_difference", ("rating", "region"), "South")
    assert top.values["segment_mean"] < top.values["rest_mean"] and top.values["q_value"] < 0.01
    again = run_query(ws, top.sql).df  # the SQL a user can paste into `insightchat sql`
    south = again[again["region"] == "South"].iloc[0]
    assert south["avg_rating"] == pytest.approx(top.values["segment_mean"])
    for f in rep.findings:
        check_sql(f.sql, set(ws.table_names()))
    assert rep.ungrounded == []


def test_change_point_found_near_the_planted_date():
    _, rep = report_of(sales(effect="step"))
    steps = [f for f in rep.significant if f.kind == "change_point" and f.columns[0] == "revenue"]
    assert steps, [f.headline for f in rep.findings]
    gap = abs(pd.Timestamp(steps[0].values["change_date"]) - pd.Timestamp("2024-03-01")).days
    assert gap <= 14
    assert steps[0].values["after_mean"] > steps[0].values["before_mean"]


def test_outliers_come_with_their_rows():
    _, rep = report_of(sales(effect="outliers"))
    found = [f for f in rep.significant if f.kind == "outliers"]
    assert len(found) == 1 and found[0].columns == ("revenue",)
    assert found[0].values["outlier_rows"] == 8 and (found[0].data["revenue"] == 5000.0).all()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_null_table_states_no_significant_finding(seed):
    _, rep = report_of(sales(seed=seed))
    assert rep.significant == [], [f.headline for f in rep.significant]
    assert any("No significant" in s for s in rep.summary)
    assert rep.tests_run > 10  # the family the false-discovery control ran over


def test_summary_has_5_to_8_sentences_and_every_number_is_grounded():
    _, rep = report_of(sales(effect="drop"))
    assert 5 <= len(rep.summary) <= 8
    assert rep.ungrounded == []
    # a number nobody computed is caught by the same check
    from insightchat.tools.report.summary import check

    rep.summary.append("Revenue grew 123.456% last year.")
    assert "123.456%" in check(rep)


def test_rewording_with_invented_numbers_is_refused():
    ws = Workspace()
    ws.add_dataframe(sales(effect="group"), "sales")
    rep = build_report(ws, "sales", with_text=False, rephrase=lambda text: "Ratings are 42.42 points lower.")
    assert "42.42" not in " ".join(rep.summary) and any("kept the checked text" in n for n in rep.notes)


def test_quick_mode_samples_and_says_so(monkeypatch):
    from insightchat.tools.report import scope

    monkeypatch.setattr(scope, "QUICK_MAX_ROWS", 1000)
    ws, rep = report_of(sales(n=6000, effect="group"), quick=True)
    assert rep.overview.sampled_rows and rep.overview.sampled_rows < 6000
    assert any("Quick mode" in n for n in rep.notes)
    assert "USING SAMPLE" in rep.significant[0].sql.upper()
    run_query(ws, rep.significant[0].sql)  # the sample is repeatable and passes the safe gate


def test_data_quality_problems_are_listed():
    frame = sales(n=600)
    frame.loc[frame.index[:120], "rating"] = None
    frame = pd.concat([frame, frame.head(5)], ignore_index=True)
    frame["source"] = "web"
    _, rep = report_of(frame)
    text = " ".join(f.headline for f in rep.findings if f.kind == "quality")
    assert "rating is missing" in text and "5 rows are exact duplicates" in text and "source has one value" in text


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """One real report (text section with the shipped sentiment model) rendered three ways."""
    frame = sales(n=300, effect="group")
    good, bad = "Great product, works perfectly and I love it.", "Terrible, it broke after two days. Awful."
    frame["review"] = [bad if r == "South" else good for r in frame["region"]]
    ws = Workspace()
    ws.add_dataframe(frame, "sales")
    rep = build_report(ws, "sales", text_sample=300)
    folder = tmp_path_factory.mktemp("report")
    files = {s: write_report(rep, folder / f"report{s}") for s in (".html", ".md", ".pdf")}
    return rep, folder, files


def test_text_section_sentiment_and_examples(rendered):
    rep, _, _ = rendered
    (section,) = rep.texts
    shares = dict(zip(section.sentiment["sentiment"], section.sentiment["rows"], strict=True))
    assert shares.get("negative", 0) > 40 and shares.get("positive", 0) > 150
    assert section.negative_examples[0].startswith("Terrible")
    by_region = section.sentiment_by["region"].set_index("region")
    assert by_region.loc["South", "negative_pct"] > 90
    assert rep.ungrounded == []


def test_markdown_has_png_charts_beside_it(rendered):
    _, folder, files = rendered
    md = files[".md"][0].read_text()
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)
    assert images and all((folder / p).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in images)
    assert "```sql" in md


def test_pdf_renders_with_its_charts(rendered):
    _, folder, files = rendered
    pdf = files[".pdf"][0].read_bytes()
    assert pdf.startswith(b"%PDF") and b"/Image" in pdf
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(files[".pdf"][0]), str(folder / "page")],
            check=True,
        )
        assert list(folder.glob("page*.png"))


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")
def test_html_opens_offline_in_chromium_with_its_charts(rendered):
    sync_api = pytest.importorskip("playwright.sync_api")
    _, _, files = rendered
    outside: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.on(
            "request", lambda r: outside.append(r.url) if not r.url.startswith(("file:", "data:", "about:")) else None
        )
        page.goto(files[".html"][0].as_uri())
        page.wait_for_selector(".plotly-graph-div .main-svg", timeout=30_000)
        charts = page.locator(".plotly-graph-div").count()
        headline = page.locator(".finding h3").first.inner_text()
        browser.close()
    assert outside == []
    assert charts >= 3 and "South" in headline


def test_evaluation_per_class_and_page(tmp_path):
    confusion = pd.DataFrame([[8, 2], [1, 9]], index=["a", "b"], columns=["a", "b"])
    table = per_class(confusion).set_index("label")
    assert table.loc["a", "precision"] == pytest.approx(8 / 9, abs=1e-3)
    assert table.loc["a", "recall"] == pytest.approx(0.8) and table.loc["b", "support"] == 10

    from insightchat.models.learned import CVReport

    cv = CVReport(5, 0.85, 0.86, 0.85, 0.85, confusion, 20)
    page = write_evaluation(cv, tmp_path / "eval.html", "tickets").read_text()
    assert "Confusion matrix" in page and "85.0%" in page and "cdn" not in page.lower().split("<script>")[0]
