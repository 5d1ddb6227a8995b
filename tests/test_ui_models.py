"""The model picker: it shows when more than one planner is configured and switches per session."""

from __future__ import annotations

import pytest

pytest.importorskip("gradio_client")
from gradio_client import Client  # noqa: E402
from ui_helpers import EXAMPLES, launched_app, texts  # noqa: E402

from insightchat.planner.sql_passthrough import SQLPassthroughPlanner  # noqa: E402
from insightchat.ui.planners import PlannerOption, default_planner_options, offline_option  # noqa: E402

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def app():
    options = [offline_option(), PlannerOption("sql-only", SQLPassthroughPlanner)]
    yield from launched_app([EXAMPLES / "reviews.csv"], planner_options=options)


def test_switching_model_changes_who_answers_in_that_session_only(app):
    a = Client(app.local_url, verbose=False, download_files=False)
    b = Client(app.local_url, verbose=False, download_files=False)
    planner_md, chat, *_ = a.predict("sql-only", api_name="/model")
    assert "sql-only" in planner_md
    chat = a.predict("how many rows are in reviews?", api_name="/ask")[1]
    assert "answered by the sql planner" in texts(chat[-1])
    chat = b.predict("SELECT count(*) AS n FROM reviews", api_name="/ask")[1]
    assert "answered by the sql planner" not in texts(chat[-1])  # b kept the default planner
    a.predict("offline", api_name="/model")
    chat = a.predict("SELECT count(*) AS n FROM reviews", api_name="/ask")[1]
    assert "answered by the sql planner" not in texts(chat[-1])


def test_default_options_offer_offline_without_configuration(monkeypatch):
    monkeypatch.delenv("INSIGHTCHAT_LLM", raising=False)
    monkeypatch.setenv("INSIGHTCHAT_CONFIG", str(EXAMPLES / "does-not-exist.toml"))
    labels = [o.label for o in default_planner_options()]
    assert labels[0] == "offline"  # a broken config file still leaves the offline planner
