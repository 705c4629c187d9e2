"""Task texts: support notes help, offers fit the person, holds say until when and why."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from empathy_engine.models.policy import EmpathyPolicy
from empathy_engine.models.task_text import (
    SUBJECT_MAX,
    headline,
    hold_text,
    industry_topic,
    offer_angle,
    offer_text,
    support_note_text,
    task_text,
    why_line,
)

WHY = "Frustrated, so help first: 2 open cases; engagement-drop risk 81%."
SALES_WORDS = ("discount", "offer", "deal", "upgrade", "promotion", "% off", "special price")
ROW = {
    "probability": 0.81,
    "reasons": None,
    "open_cases": 2,
    "escalations_28d": 1,
    "complaints_28d": 0,
    "tone_mean_28d": -0.5,
    "touches_out_28d": 7,
    "days_since_last_activity": 30.0,
    "activity_trend": 0.4,
}


def draft_of(body: str) -> str:
    return body.split("Draft:\n", 1)[1].split("\n\n", 1)[0]


def assert_body_shape(body: str, why: str) -> None:
    assert body.startswith(f"Why: {why}\n")
    assert "\nSuggested tone: " in body
    assert draft_of(body).strip()


# --- support notes ----------------------------------------------------------------------------


def test_support_note_acknowledges_and_offers_help_without_a_sales_pitch():
    text = support_note_text(why=WHY, headline="2 open cases, 1 escalation in 28 days")
    assert text.subject == "Reach out to help: 2 open cases, 1 escalation in 28 days"
    assert_body_shape(text.body, WHY)
    draft = draft_of(text.body).lower()
    assert "sorry" in draft and "help" in draft
    assert not any(word in draft for word in SALES_WORDS)


def test_escalated_support_note_asks_to_check_with_support_first():
    assert "escalated" in support_note_text(why=WHY, headline="x", escalated=True).body
    assert "escalated" not in support_note_text(why=WHY, headline="x").body


# --- offers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Chief Technology Officer", "results review"),
        ("VP Sales", "results review"),
        ("Senior Software Engineer", "walkthrough"),
        ("Office Manager", "tips"),
        ("Marketing Coordinator", "check-in"),
        ("Head of IT", "results review"),
        ("Systems Administrator", "walkthrough"),
        ("Receptionist", "check-in"),
        (None, "check-in"),
        (np.nan, "check-in"),
    ],
)
def test_offer_is_tuned_to_the_title(title, expected):
    suggestion, question = offer_angle(title)
    assert expected in suggestion
    assert question.endswith("?")
    text = offer_text(why="w", headline="activity down 60%", title=title)
    assert text.subject.startswith("Check in with a relevant offer: activity down 60%")
    assert expected in text.subject


def test_offer_mentions_the_industry_when_known():
    text = offer_text(why="w", headline="h", industry="Healthcare Services")
    assert "Many teams in Healthcare Services" in draft_of(text.body)
    assert industry_topic("Banking") == industry_topic("Financial Services")
    assert industry_topic("Basket weaving") is None
    assert "Many teams" not in offer_text(why="w", headline="h", industry=None).body


def test_offer_draft_speaks_to_the_contact_not_about_them():
    draft = draft_of(offer_text(why="w", headline="h", title="CTO").body)
    assert " they " not in f" {draft} " and "you" in draft


# --- holds ------------------------------------------------------------------------------------


def test_hold_says_until_when_and_why():
    text = hold_text(
        why="w", because="they asked for fewer contacts", hold_until=dt.date(2024, 5, 22)
    )
    assert text.subject == "Hold outreach until 2024-05-22, because they asked for fewer contacts"
    assert_body_shape(text.body, "w")
    assert "No outreach until 2024-05-22" in text.body


def test_task_text_dispatches_on_the_action():
    assert task_text("support_note", why="w", headline="h").subject.startswith("Reach out")
    assert task_text("offer", why="w", headline="h").subject.startswith("Check in")
    hold = task_text("silence", why="w", headline="h", hold_until=dt.date(2024, 1, 5))
    assert hold.subject.startswith("Hold outreach until 2024-01-05")


def test_a_hold_without_a_date_or_an_unknown_action_is_refused():
    with pytest.raises(ValueError, match="hold_until"):
        task_text("silence", why="w", headline="h")
    with pytest.raises(ValueError, match="unknown action"):
        task_text("email_blast", why="w", headline="h")


@pytest.mark.parametrize("action", ["support_note", "offer", "silence"])
def test_subject_is_one_line_of_at_most_255_characters(action):
    text = task_text(
        action, why="w", headline="very long\nheadline " * 40, hold_until=dt.date(2024, 1, 5)
    )
    assert len(text.subject) <= SUBJECT_MAX and "\n" not in text.subject
    assert text.subject.endswith("…")


# --- why and headline -------------------------------------------------------------------------


def test_why_uses_the_model_reasons_when_given():
    row = {**ROW, "reasons": "2 open cases, one escalated 5 days ago;\nactivity down 60%"}
    line = why_line("frustration", row)
    assert line == (
        "Frustrated, so help first: 2 open cases, one escalated 5 days ago; activity down 60%; "
        "engagement-drop risk 81%."
    )


def test_why_falls_back_to_the_policy_signals():
    line = why_line("frustration", ROW)
    assert "2 open cases, 1 escalation in 28 days, negative tone in recent messages" in line
    assert "activity down 60%" in why_line("drift", ROW)
    assert why_line("saturation", ROW).startswith("Contacted 7 times in 28 days, so hold outreach")


@pytest.mark.parametrize(
    "reason",
    [
        "opted_out",
        "open_action",
        "frustration",
        "asked_fewer_contacts",
        "saturation",
        "quiet_period",
        "drift",
        "not_at_risk",
        "holdout",
    ],
)
def test_every_rule_has_a_one_line_why_and_a_headline(reason):
    line = why_line(reason, {**ROW, "reasons": "x\ny"})
    assert line.endswith("engagement-drop risk 81%.") and "\n" not in line
    assert headline(reason, ROW)


def test_headline_for_holds_says_because_what():
    assert headline("asked_fewer_contacts", ROW) == "they asked for fewer contacts"
    assert headline("saturation", ROW) == "they were contacted 7 times in 28 days"


# --- privacy, end to end through the policy ---------------------------------------------------


CALM = {
    **ROW,
    "open_cases": 0,
    "escalations_28d": 0,
    "tone_mean_28d": 0.3,
    "touches_out_28d": 1,
    "opted_out": False,
    "asked_fewer_contacts": False,
}


def test_no_message_text_reaches_the_task():
    secret = "my divorce is making this month hard"
    scored = pd.DataFrame(
        [
            {**CALM, "contact_key": "help@x.com", "complaints_28d": 2},
            {**CALM, "contact_key": "hold@x.com", "asked_fewer_contacts": True},
            {**CALM, "contact_key": "offer@x.com"},
        ]
    )
    scored["text"] = secret
    scored["last_message"] = secret
    decisions = EmpathyPolicy().decide(scored, dt.date(2024, 5, 8))
    assert decisions["action"].tolist() == ["support_note", "silence", "offer"]
    assert decisions["write"].all()
    for column in ("why", "subject", "body"):
        assert not decisions[column].str.contains("divorce").any()


def test_the_policy_tunes_offers_with_industry_and_title_columns():
    scored = pd.DataFrame(
        [{**CALM, "contact_key": "d@x.com", "industry": "Retail", "title": "Lead Developer"}]
    )
    decision = EmpathyPolicy().decide(scored, dt.date(2024, 5, 8)).iloc[0]
    assert decision.action == "offer"
    assert "walkthrough" in decision.subject and "Many teams in Retail" in decision.body


def test_a_frustrated_low_risk_contact_gets_frustration_evidence_not_the_model_shrug():
    from empathy_engine.models.reasons import NOT_AT_RISK
    from empathy_engine.models.task_text import why_line

    row = {"probability": 0.1, "reasons": NOT_AT_RISK, "open_cases": 1, "escalations_28d": 1,
           "complaints_28d": 2, "tone_mean_28d": -0.5}
    line = why_line("frustration", row)
    assert NOT_AT_RISK not in line
    assert "1 open case" in line and "2 complaints in 28 days" in line
