"""Support-ticket triage: rules TOML, urgency signals and their reasons, duplicates, similar past tickets,
language, the derived columns in DuckDB, saved-model reuse, corrections used at the next training, the CLI."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from insightchat.tools.errors import InsightError
from insightchat.tools.triage import TriageOptions, add_correction, load_config, load_corrections, triage_table
from insightchat.tools.triage.config import TriageConfigError
from insightchat.tools.triage.neighbours import nearest_earlier, order_rank
from insightchat.tools.triage.signals import TicketFrame, urgency_signals
from insightchat.tools.workspace import Workspace

ROWS = [
    # id, created_at, customer, tier, channel, text, reply, intent, priority
    (
        101,
        "2024-05-01 09:00",
        "c1",
        "free",
        "email",
        "I was charged twice for my subscription, please refund me.",
        "Refunded the duplicate charge.",
        "billing",
        "high",
    ),
    (
        102,
        "2024-05-02 10:00",
        "c2",
        "enterprise",
        "phone",
        "Your service is down, total outage for our whole team!",
        "Restored after the incident.",
        "outage",
        "high",
    ),
    (
        103,
        "2024-05-03 11:00",
        "c3",
        "free",
        "web",
        "Where is my parcel? The delivery is a week late.",
        "Sent the tracking link.",
        "delivery",
        "medium",
    ),
    (
        104,
        "2024-05-04 12:00",
        "c4",
        "pro",
        "chat",
        "How do I change the email address on my account?",
        "Explained the settings page.",
        "account",
        "low",
    ),
    (
        105,
        "2024-05-05 13:00",
        "c5",
        "free",
        "email",
        "I was charged twice for my subscription, please refund me.",
        "Refunded.",
        "billing",
        "high",
    ),
    (
        106,
        "2024-05-06 14:00",
        "c2",
        "enterprise",
        "phone",
        "Your service is down again, a total outage for our whole team!",
        "Restored.",
        "outage",
        "high",
    ),
    (
        107,
        "2024-05-07 15:00",
        "c6",
        "free",
        "web",
        "The courier lost my package and the delivery never arrived.",
        "Reshipped.",
        "delivery",
        "medium",
    ),
    (
        108,
        "2024-05-08 16:00",
        "c7",
        "free",
        "chat",
        "Please reset my password, I cannot log in to my account.",
        "Sent a reset link.",
        "account",
        "low",
    ),
    (
        109,
        "2024-05-09 09:30",
        "c8",
        "free",
        "email",
        "Meine Rechnung ist falsch, Sie haben mir den Betrag zweimal abgebucht.",
        "Gutschrift erstellt.",
        "billing",
        "medium",
    ),
    (
        110,
        "2024-05-10 10:30",
        "c9",
        "pro",
        "web",
        "Das Paket ist nicht angekommen, die Lieferung ist seit Tagen verspätet.",
        "Neu versendet.",
        "delivery",
        "medium",
    ),
    (
        111,
        "2024-05-11 11:30",
        "c10",
        "free",
        "email",
        "My invoice shows the wrong amount, I was billed for two plans.",
        "Corrected the invoice.",
        "billing",
        "medium",
    ),
    (
        112,
        "2024-05-12 12:30",
        "c11",
        "free",
        "chat",
        "I want to delete my account and all my data.",
        "Account deleted.",
        "account",
        "low",
    ),
    (
        113,
        "2024-05-13 13:30",
        "c12",
        "free",
        "web",
        "The tracking number does not work and my order is late.",
        "Fixed tracking.",
        "delivery",
        "medium",
    ),
    (
        114,
        "2024-05-14 14:30",
        "c13",
        "pro",
        "phone",
        "The app is down and nothing loads, this outage is urgent.",
        "Fixed.",
        "outage",
        "high",
    ),
]
COLUMNS = ["ticket_id", "created_at", "customer", "tier", "channel", "text", "reply", "intent_label", "priority"]
LABELS = "billing, delivery, account, outage, other"
RULES = """
[urgency]
high = 3.0
medium = 1.5

[urgency.words]
outage = 2.0
down = 1.0
urgent = 1.5
"refund*" = 1.0
"charged twice" = 1.5

[urgency.tiers]
enterprise = 1.5

[routing]
default_queue = "General"
review_queue = "Review"
review_below = 0.2

[[routing.rules]]
language = "German"
queue = "DACH"

[[routing.rules]]
intent = "outage"
queue = "Incidents"

[[routing.rules]]
intent = ["billing", "refund*"]
queue = "Billing"
"""


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("triage")
    pd.DataFrame(ROWS, columns=COLUMNS).drop(columns=["intent_label", "priority"]).to_csv(
        folder / "tickets.csv", index=False
    )
    pd.DataFrame(ROWS, columns=COLUMNS)[["text", "intent_label", "priority"]].to_csv(
        folder / "history.csv", index=False
    )
    (folder / "routing.toml").write_text(RULES)
    return folder


@pytest.fixture(scope="module")
def zero_shot(data_dir):
    ws = Workspace(data_dir / "tickets.csv")
    result = triage_table(ws, "tickets", "text", TriageOptions(labels=LABELS, rules=data_dir / "routing.toml"))
    return ws, result


# ----------------------------------------------------------------------------- rules and signals (no models)
def test_rules_file_overrides_defaults_and_routes_by_first_match(data_dir):
    config = load_config(data_dir / "routing.toml")
    assert config.default_queue == "General" and config.review_queue == "Review"
    assert set(config.words) == {"outage", "down", "urgent", "refund*", "charged twice"}  # replaced, not merged
    assert config.urgency.negative_sentiment == load_config().urgency.negative_sentiment  # untouched keys: defaults
    assert config.route({"intent": "outage", "urgency": "low", "language": "English", "tier": None})[0] == "Incidents"
    assert config.route({"intent": "refunds", "urgency": "low", "language": "en", "tier": None})[0] == "Billing"
    assert config.route({"intent": "outage", "urgency": "low", "language": "german", "tier": None})[0] == "DACH"
    assert config.route({"intent": "account", "urgency": "high", "language": "en", "tier": None}) == ("General", None)


@pytest.mark.parametrize(
    "text, message",
    [
        ("[routing\n", "not valid TOML"),
        ('[[routing.rules]]\nintent = "billing"\n', "has no queue"),
        ('[[routing.rules]]\nqueue = "X"\nchannel = "email"\n', "unknown condition"),
        ('[[routing.rules]]\nqueue = "X"\nurgency = "severe"\n', "is not a level"),
        ("[urgency]\nhigh = 'very'\n", "must be a number"),
        ("[urgency]\nhigh = 1.0\nmedium = 2.0\n", "is above high"),
        ("[colours]\nred = 1\n", "unknown table"),
    ],
)
def test_bad_rules_files_give_one_clear_error(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(TriageConfigError, match=message):
        load_config(path)
    with pytest.raises(TriageConfigError, match="not found"):
        load_config(tmp_path / "missing.toml")


def test_every_signal_that_raises_urgency_is_listed_with_its_weight(data_dir):
    config = load_config(data_dir / "routing.toml")
    frame = TicketFrame(
        texts=["Total OUTAGE, everything is down!", "Thanks, all good.", "Refunds please", "hello again"],
        sentiment_score=np.array([-0.9, 0.8, -0.2, 0.0]),
        tier=pd.Series(["Enterprise", "free", "free", "free"]),
        date=pd.to_datetime(
            pd.Series(["2024-05-01 00:00", "2024-05-10 12:00", "2024-05-10 12:00", "2024-05-10 08:00"])
        ),
        customer=pd.Series(["a", "b", "c", "b"]),
    )
    s = urgency_signals(frame, config)
    first = dict(s.reasons[0])
    assert first["'outage'"] == 2.0 and first["'down'"] == 1.0 and first["Enterprise tier"] == 1.5
    assert first["negative sentiment (-0.90)"] == pytest.approx(0.9 * config.urgency.negative_sentiment)
    assert any(name.startswith("waiting 9 days") for name in first)
    assert s.level[0] == "high" and s.score[0] == pytest.approx(sum(first.values()))
    assert s.reasons[1] == [("repeat contact (1 earlier)", 1.0)] and s.level[1] == "low"  # b wrote that morning
    assert dict(s.reasons[2])["'refunds'"] == 1.0 and s.terms[2] == ["refunds"]  # the word as the ticket wrote it
    assert s.reason_text(3) == "no urgency signal"


def test_nearest_earlier_only_looks_back_in_time():
    vecs = np.eye(4, dtype=np.float32)[[0, 0, 1, 0]]
    vecs[3] = [0.9, 0.1, 0, 0]
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    dates = np.array(["2024-01-03", "2024-01-01", "2024-01-02", "NaT"], dtype="datetime64[ns]")
    rank = order_rank(dates, 4)
    assert rank.tolist() == [2, 0, 1, 3]  # no date sorts last
    nb = nearest_earlier(vecs, rank, k=2)
    assert nb.index[1].tolist() == [-1, -1]  # the oldest ticket has no past
    assert nb.index[0][0] == 1 and nb.similarity[0][0] == pytest.approx(1.0)
    assert set(nb.index[3].tolist()) == {0, 1}
    anywhere = nearest_earlier(vecs, rank, k=1, only_earlier=False)
    assert anywhere.index[1][0] == 0


def test_language_detector_names_languages_and_leaves_numbers_unknown():
    from insightchat.models.language import LanguageDetector

    found = LanguageDetector().detect(["Das Paket ist nicht angekommen.", "My parcel did not arrive.", "#4711 ?"])
    assert [f.name for f in found] == ["German", "English", "unknown"]
    assert [f.code for f in found] == ["de", "en", "unknown"]
    with pytest.raises(InsightError, match="Unknown language code"):
        LanguageDetector(["en", "xx"])


# ----------------------------------------------------------------------------- a full zero-shot triage
def test_triage_adds_columns_that_sql_can_use(zero_shot, data_dir):
    ws, result = zero_shot
    cols = {c for c, _ in ws.columns("tickets")}
    assert {
        "intent",
        "urgency",
        "urgency_score",
        "urgency_reasons",
        "triage_queue",
        "needs_review",
        "duplicate_of",
        "similar_tickets",
        "sentiment",
        "language",
        "language_code",
    } <= cols
    by_channel = ws.query_df("SELECT channel, avg(urgency_score) AS u FROM tickets GROUP BY 1 ORDER BY 1")
    assert len(by_channel) == 4 and by_channel["u"].notna().all()
    german = ws.query_df(
        "SELECT triage_queue, avg(CASE WHEN language = 'German' THEN 1 ELSE 0 END) AS share FROM tickets GROUP BY 1"
    )
    assert german.set_index("triage_queue")["share"].get("DACH") == 1.0
    original = pd.read_csv(data_dir / "tickets.csv")
    assert ws.query_df("SELECT ticket_id FROM tickets")["ticket_id"].tolist() == original["ticket_id"].tolist()
    assert result.roles.id == "ticket_id" and result.roles.date == "created_at" and result.roles.reply == "reply"


def test_triage_finds_duplicates_and_routes_by_rules(zero_shot):
    _, result = zero_shot
    t = result.tickets.set_index("ticket")
    assert t.loc["105", "duplicate_of"] == "101" and t.loc["105", "duplicate_reason"] == "same text"
    assert t.loc["106", "duplicate_of"] == "102"  # same customer, near-identical text
    assert pd.isna(t.loc["101", "duplicate_of"]) and pd.isna(t.loc["104", "duplicate_of"])
    assert t.loc["102", "urgency"] == "high" and "'outage' +2.0" in t.loc["102", "urgency_reasons"]
    assert "enterprise tier +1.5" in t.loc["102", "urgency_reasons"]
    assert t.loc["109", "language"] == "German" and t.loc["109", "triage_queue"] == "DACH"
    assert t.loc["102", "suggested_queue"] == "Incidents" and t.loc["101", "suggested_queue"] == "Billing"
    review = t[t["needs_review"]]
    assert (review["triage_queue"] == "Review").all()
    assert (review["triage_confidence"] < 0.2).all() and (t.loc[~t["needs_review"], "triage_confidence"] >= 0.2).all()


def test_similar_tickets_are_past_ones_with_their_reply(zero_shot):
    _, result = zero_shot
    sim = result.similar
    dates = result.tickets.set_index("ticket")["date"]
    assert len(sim) and all(dates[a] > dates[b] for a, b in zip(sim["ticket"], sim["similar_ticket"], strict=True))
    first = result.ticket("105")["similar"][0]
    assert first["similar_ticket"] == "101" and first["reply"] == "Refunded the duplicate charge."
    assert result.ticket("101")["similar"] == []  # the first ticket has no past
    with pytest.raises(InsightError):
        result.ticket("999")


def test_summary_is_grounded_and_warns_about_english_only_models(zero_shot):
    _, result = zero_shot
    s = result.summary
    assert s.facts["tickets"] == 14 and sum(s.facts["by_urgency"].values()) == 14
    assert f"Triaged 14 tickets: {s.facts['by_urgency'].get('high', 0)} high urgency" in s.text
    assert s.by_queue["tickets"].sum() == 14
    assert s.facts["non_english"] == 2 and "2 tickets not in English (German 2)" in s.text
    assert any("trained on English text" in w for w in result.warnings)
    assert s.period is not None and s.facts["since"] == "2024-05-08"


# ----------------------------------------------------------------------------- learning
def test_learned_model_is_evaluated_saved_reused_and_corrections_join_training(data_dir, tmp_path):
    model_dir = tmp_path / "model"
    corrections = tmp_path / "fixes.csv"
    ws = Workspace([data_dir / "tickets.csv", data_dir / "history.csv"])
    opts = TriageOptions(
        train_table="history",
        label_column="intent_label",
        priority_column="priority",
        model_path=model_dir,
        corrections=corrections,
        folds=2,
    )
    trained = triage_table(ws, "tickets", "text", opts)
    assert trained.intent_method == "learned" and trained.urgency_method == "learned"
    ev = trained.evaluations["intent"]
    assert ev.report.n_rows == 14 and 0 <= ev.report.accuracy <= 1 and ev.majority_accuracy == pytest.approx(4 / 14)
    assert set(ev.per_class["label"]) == {"account", "billing", "delivery", "outage"}
    assert ev.report.confusion.to_numpy().sum() == 14
    assert (model_dir / "triage.json").exists() and trained.model_saved_to == str(model_dir)
    assert "learned from 14 labelled tickets" in trained.tickets["urgency_reasons"].iloc[0]

    reused = triage_table(Workspace(data_dir / "tickets.csv"), "tickets", "text", TriageOptions(model_path=model_dir))
    assert reused.intent_method == "learned" and reused.evaluations == {}
    assert reused.tickets["intent"].tolist() == trained.tickets["intent"].tolist()

    text = ROWS[3][5]  # "How do I change the email address ..." corrected to a new intent
    add_correction(corrections, "intent", text, "profile")
    assert load_corrections(corrections).for_field("intent") == {hashlib.md5(text.encode()).hexdigest(): "profile"}
    ws2 = Workspace([data_dir / "tickets.csv", data_dir / "history.csv"])
    retrained = triage_table(ws2, "tickets", "text", opts)
    assert "profile" in retrained.evaluations["intent"].report.warnings[-1]  # trained on, too few rows to measure
    assert retrained.tickets.set_index("ticket").loc["104", "intent"] == "profile"
    assert any("joined the training" in n for n in retrained.notes)
    with pytest.raises(InsightError, match="not a saved triage model"):
        triage_table(Workspace(data_dir / "tickets.csv"), "tickets", "text", TriageOptions(model_path=data_dir))


def test_bad_options_are_clear_errors(data_dir):
    ws = Workspace(data_dir / "tickets.csv")
    with pytest.raises(InsightError, match="not both"):
        triage_table(ws, "tickets", "text", TriageOptions(labels=LABELS, label_column="x"))
    with pytest.raises(InsightError, match="does not identify the tickets"):
        triage_table(ws, "tickets", "text", TriageOptions(id_column="customer"))
    with pytest.raises(InsightError, match="not text|no column"):
        triage_table(ws, "tickets", "ticket_id")


# ----------------------------------------------------------------------------- the CLI in a subprocess
def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "insightchat.cli", *args], capture_output=True, text=True, timeout=900)


def test_cli_triage_writes_a_new_file_and_never_an_input(data_dir, tmp_path):
    tickets = data_dir / "tickets.csv"
    before = digest(tickets)
    out = tmp_path / "triaged.csv"
    proc = run_cli(
        "triage",
        str(tickets),
        "--text-column",
        "text",
        "--labels",
        LABELS,
        "--rules",
        str(data_dir / "routing.toml"),
        "--out",
        str(out),
        "--json",
    )
    assert proc.returncode == 0, proc.stderr
    payload = json.loads(proc.stdout)
    assert payload["intent_method"] == "zero-shot" and payload["facts"]["tickets"] == 14
    written = pd.read_csv(out)
    assert written["ticket_id"].tolist() == [r[0] for r in ROWS]
    assert {"urgency", "triage_queue", "duplicate_of", "language"} <= set(written.columns)
    assert digest(tickets) == before
    refused = run_cli("triage", str(tickets), "-c", "text", "--out", str(tickets))
    assert refused.returncode == 1 and "input" in refused.stderr and "Traceback" not in refused.stderr
    assert digest(tickets) == before
    missing = run_cli("triage", str(tickets), "-c", "body")
    assert missing.returncode == 1 and "Traceback" not in missing.stderr and "body" in missing.stderr


# ----------------------------------------------------------------------------- Python and the tool registry
def test_assistant_triage_and_the_registered_tool(data_dir):
    from insightchat import Assistant
    from insightchat.tools.registry import Writes, get_tool

    assistant = Assistant(data_dir / "tickets.csv")
    result = assistant.triage("tickets", "text", labels=LABELS, rules=data_dir / "routing.toml")
    assert result.tickets["triage_queue"].notna().all() and result.intent_method == "zero-shot"
    tool = get_tool("triage_tickets")
    assert tool.writes == Writes.DERIVED and tool.parameters["required"] == ["table", "column"]
    out = tool(assistant.workspace, table="tickets", column="text")
    assert out.meta["facts"]["tickets"] == 14 and "Triaged 14 tickets" in out.for_model
    assert out.data["ticket"].tolist() == [str(r[0]) for r in ROWS]
    assert assistant.workspace.query_rows("SELECT count(*) FROM tickets WHERE intent IS NOT NULL")[0][0] == 14
