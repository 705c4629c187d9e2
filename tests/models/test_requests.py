"""Requests, topics and case subjects are labelled at scoring time and outlive the text."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from empathy_engine.models.requests import (
    add_labels,
    case_subject,
    clean_field,
    is_request,
    person_records,
    problem_topic,
    request_topic,
)

# Own examples, written for this test (not taken from any generator's phrase bank).
ASKS = [
    ("Could you send us pricing for 15 more licences before Friday?", "quote for extra seats"),
    ("We would like a quote for additional seats for the Berlin office.", "quote for extra seats"),
    ("Can someone call me about the renewal? My number is below.", "call about the renewal"),
    ("Please share your SOC 2 report and the DPA, our legal team needs them.",
     "security and compliance documents"),
    ("How do we set up SAML with our identity provider?", "help with single sign-on"),
    ("Is there a way to get the dashboard as a CSV file?", "help with reporting"),
    ("I need a copy of the March invoice for our auditors.", "a copy of their invoice"),
]
NOT_ASKS = [
    "Thanks, the workshop last week was really useful.",
    "I'm out of the office until Monday; can you believe the weather.",
    "Great news, the rollout went well across all three sites.",
    "Please stop emailing me, too many messages.",
    "",
    None,
]


@pytest.mark.parametrize(("text", "topic"), ASKS)
def test_asks_are_requests_with_a_short_topic(text, topic):
    assert is_request(text)
    assert request_topic(text) == topic


@pytest.mark.parametrize("text", NOT_ASKS)
def test_statements_and_opt_outs_are_not_requests(text):
    assert not is_request(text)


def test_problem_topics_name_the_thing_and_what_went_wrong():
    assert problem_topic("Critical: SSO is down and we have a go-live on Monday!") == \
        "single sign-on outage"
    assert problem_topic("The weekly scheduled report was not sent again") == \
        "scheduled reports delays"
    assert problem_topic("nothing specific here") is None


def test_case_subject_is_the_first_line_cleaned_and_capped():
    text = "=HYPERLINK(\"x\")\u202e <b>Export</b>\x07 broken\nlong description " * 3
    subject = case_subject(text)
    assert subject.startswith("'=HYPERLINK")
    assert "\u202e" not in subject and "\x07" not in subject and "<b>" not in subject
    assert len(case_subject("x" * 500)) == 80
    assert clean_field(None, 10) == ""


def _acts(rows):
    frame = pd.DataFrame(rows, columns=["contact_key", "ts", "kind", "direction", "text",
                                        "case_id"])
    frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
    return frame


def test_labels_outlive_the_text_and_summarise_per_person():
    acts = _acts([
        ("a@x.com", "2026-10-19 09:00", "email", "inbound",
         "Could you send a quote for 10 extra seats?", None),
        ("a@x.com", "2026-10-10 09:00", "case_opened", "inbound",
         "Single sign-on is down\nNobody can log in", "c1"),
        ("a@x.com", "2026-10-12 09:00", "case_escalated", "inbound", None, "c1"),
        ("b@x.com", "2026-10-01 09:00", "email", "inbound", "Can you call me back?", None),
        ("b@x.com", "2026-10-02 09:00", "email", "outbound", None, None),
        ("c@x.com", "2026-10-02 09:00", "case_opened", "inbound", "Report broken", "c2"),
        ("c@x.com", "2026-10-05 09:00", "case_closed", "outbound", None, "c2"),
    ])
    labelled = add_labels(acts)
    dropped = labelled.drop(columns="text")
    again = add_labels(dropped)  # a later night: no text, labels kept
    assert again["request"].tolist() == labelled["request"].tolist()
    people = person_records(again, dt.date(2026, 10, 23)).set_index("contact_key")
    assert people.loc["a@x.com", "request_topic"] == "quote for extra seats"
    assert people.loc["a@x.com", "case_subject"] == "Single sign-on is down"
    assert pd.notna(people.loc["a@x.com", "case_escalated_at"])
    assert "b@x.com" not in people.index or pd.isna(people.loc["b@x.com", "request_topic"])
    assert "c@x.com" not in people.index or pd.isna(people.loc["c@x.com", "case_subject"])
