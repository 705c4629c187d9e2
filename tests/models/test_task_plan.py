"""The tasks a person would act on, measured on a simulated CRM night (issue 9)."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest

from empathy_engine.models.capacity import apply_capacity, priorities
from empathy_engine.models.drafts import BODY_MAX, in_words, quiet_words, render
from empathy_engine.models.policy import EmpathyPolicy
from empathy_engine.models.task_plan import plan_tasks

from .task_world import world_night

KINDS = {"reply": "open_request", "support note": "frustration", "offer": "drift",
         "hold": "saturation", "opt-out record": "opted_out"}


def draft_of(body: str) -> str:
    return body.split("Draft:\n", 1)[1].split("\n\nWritten by", 1)[0]


@pytest.fixture(scope="module")
def planned():
    scored, contacts, activities, records, day = world_night()
    decisions = EmpathyPolicy(risk_threshold=0.45).decide(scored, day)
    out = plan_tasks(decisions, scored, day, records=records, contacts=contacts,
                     activities=activities, per_owner=10_000)
    return out[out["write"]], records, day


def test_at_least_90_distinct_drafts_per_100_tasks_of_each_kind(planned):
    written, _, _ = planned
    figures = {}
    for kind, reason in KINDS.items():
        tasks = written[written["reason"] == reason].head(100)
        if kind in ("hold", "opt-out record") and len(tasks) < 20:
            continue  # the simulated night has few; measured when present
        assert len(tasks) >= 20, kind
        figures[kind] = round(100 * draft_of_all(tasks).nunique() / len(tasks))
    assert min(figures.values()) >= 90, figures


def draft_of_all(tasks: pd.DataFrame) -> pd.Series:
    return tasks["body"].map(draft_of)


def test_every_task_for_a_person_with_an_open_case_names_the_case(planned):
    written, records, _ = planned
    cases = records.dropna(subset=["case_subject"]).set_index("contact_key")["case_subject"]
    with_case = written[written["contact_key"].isin(cases.index)
                        & (written["reason"] != "opted_out")]
    assert len(with_case) >= 10
    for row in with_case.itertuples():
        subject = cases[row.contact_key]
        assert subject in row.body, row.body
    notes = with_case[with_case["reason"] == "frustration"]
    assert all(cases[k] in s for k, s in zip(notes["contact_key"], notes["subject"],
                                             strict=True) if k in cases)


def test_no_model_numbers_in_what_a_crm_user_reads(planned):
    written, _, _ = planned
    for column in ("subject", "why", "body"):
        text = written[column].str.cat(sep="\n")
        assert "risk" not in text.lower() and not re.search(r"\d%", text), column
        assert "tone +" not in text and "tone -" not in text
    assert written["model_detail"].str.contains("engagement-drop risk").all()
    assert (written["body"].str.len() <= BODY_MAX).all()
    assert (written["subject"].str.len() <= 255).all()


def test_subject_why_and_draft_agree(planned):
    written, _, _ = planned
    replies = written[written["reason"] == "open_request"]
    for row in replies.itertuples():
        topic = row.request_topic
        assert topic in row.subject and topic in row.why and topic in draft_of(row.body)
    assert replies["subject"].str.startswith("Reply to their request: ").all()


def test_first_name_in_the_greeting(planned):
    written, _, _ = planned
    outreach = written[written["action"] != "silence"]
    greetings = outreach["body"].map(draft_of).str.split(",", n=1).str[0]
    assert (greetings != "Hi there").mean() > 0.95


def test_opt_outs_are_standing_records_without_a_date_or_a_draft(planned):
    written, _, _ = planned
    records = written[written["reason"] == "opted_out"]
    assert len(records) > 0
    assert not records["body"].str.contains(r"until \d{4}-", regex=True).any()
    assert records["subject"].str.startswith("Do not contact: opted out (").all()
    assert records["action_key"].str.startswith("ee-optout-").all()
    assert records["body"].map(draft_of).str.startswith("(No message").all()


def test_crm_fields_are_cleaned_before_they_reach_the_text():
    person = {"contact_key": "x@y.com", "first_name": "=cmd|'/c calc'!A1\u202e",
              "case_subject": "<script>alert(1)</script>\x00 SSO down", "case_opened_at":
              pd.Timestamp("2026-10-01", tz="UTC"), "title": "IT Manager" * 100,
              "industry": "Software\u2066", "probability": 0.9}
    task = render("support_note", "frustration", person, dt.date(2026, 10, 20))
    assert "<script>" not in task.body and "\u202e" not in task.body and "\x00" not in task.body
    assert "Hi '=cmd|'/c" in task.body  # inert in a spreadsheet export
    assert "\u2066" not in task.body


def test_quiet_period_in_words():
    assert quiet_words({"days_since_last_activity": 42, "mean_gap_days": 21}) == \
        "quiet for 6 weeks; usually in touch every 3 weeks"
    assert in_words(3) == "3 days" and in_words(400) == "over a year"


def test_priority_is_high_only_for_escalations_old_requests_and_high_risk_frustration():
    day = dt.date(2026, 10, 23)  # a Friday
    frame = pd.DataFrame({
        "action": ["support_note", "support_note", "support_note", "support_note", "offer",
                   "silence"],
        "reason": ["frustration", "open_request", "open_request", "frustration", "drift",
                   "saturation"],
        "probability": [0.5, 0.3, 0.3, 0.9, 0.95, 0.95],
        "escalated": [True, False, False, False, False, False],
        "request_asked_at": [None, pd.Timestamp("2026-10-19"), pd.Timestamp("2026-10-22"),
                             None, None, None]})
    assert priorities(frame, day).tolist() == ["High", "High", "Normal", "High", "Normal",
                                               "Low"]


def test_the_cap_binds_on_new_tasks_highest_benefit_first_and_spreads_due_dates():
    day = dt.date(2026, 10, 23)
    frame = pd.DataFrame({
        "contact_key": [f"p{i}@x.com" for i in range(14)], "action": "offer", "reason": "drift",
        "write": True, "task_state": "new", "target_owner_id": "o1", "priority": "Normal",
        "expected_benefit": [float(i) for i in range(14)], "why": "w", "due_date": None})
    out = apply_capacity(frame, day, per_owner=10, per_day=4)
    deferred = out[out["reason"] == "capacity"]
    assert sorted(deferred["contact_key"]) == ["p0@x.com", "p1@x.com", "p2@x.com", "p3@x.com"]
    assert not deferred["write"].any()
    due = out.loc[out["write"], "due_date"].value_counts()
    assert due.max() <= 4 and due.index.min() == dt.date(2026, 10, 26)
