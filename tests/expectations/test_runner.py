"""The data-quality gates: good data passes, each kind of bad data fails with a clear line."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from empathy_engine.core.errors import DataQualityError
from empathy_engine.expectations import (
    QualityReport,
    validate_activities,
    validate_contacts,
    validate_decisions,
)
from empathy_engine.expectations.runner import run_time_parameter

RUN_TIME = pd.Timestamp("2024-05-01 02:00", tz="UTC")


def activities(n: int = 6) -> pd.DataFrame:
    kinds = ["email", "call", "meeting", "note", "case_opened", "purchase"]
    return pd.DataFrame(
        {
            "contact_key": [f"c{i % 3}@example.com" for i in range(n)],
            "source": ["salesforce", "hubspot"] * (n // 2),
            "activity_id": [f"Task:{i}" for i in range(n)],
            "ts": pd.date_range("2024-04-01", periods=n, freq="D", tz="UTC"),
            "kind": [kinds[i % len(kinds)] for i in range(n)],
            "direction": ["inbound", "outbound", None, "outbound", "inbound", None][:n],
            "amount": [np.nan] * (n - 1) + [120.0],
            "case_id": [None] * n,
            "text": ["hello"] * n,
            "tone": [np.nan] * n,
            "complaint": [False] * n,
            "asked_fewer_contacts": [False] * n,
        }
    )


def contacts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "contact_key": ["ann@example.com", "bob@example.org", "ann@example.com"],
            "source": ["salesforce", "salesforce", "hubspot"],
            "source_id": ["003A", "003B", "101"],
            "owner_id": ["005X", "005X", "7"],
            "account_id": ["001A", "001B", None],
            "industry": ["Retail", None, "Retail"],
            "title": ["CTO", None, "CTO"],
            "opted_out": [False, True, False],
            "created_at": pd.to_datetime(["2023-01-01"] * 3, utc=True),
            "updated_at": pd.to_datetime(["2024-01-01"] * 3, utc=True),
        }
    )


def decisions() -> pd.DataFrame:
    day = dt.date(2024, 5, 1)
    return pd.DataFrame(
        {
            "contact_key": ["a@x.com", "b@x.com", "c@x.com", "d@x.com", "e@x.com"],
            "action": ["support_note", "offer", "silence", "silence", "silence"],
            "action_key": [f"ee-20240501-{i:016x}" for i in range(5)],
            "probability": [0.9, 0.7, 0.8, 0.2, 0.95],
            "reason": ["frustration", "drift", "saturation", "not_at_risk", "opted_out"],
            "why": ["w"] * 5,
            "hold_until": [None, None, day + dt.timedelta(14), None, day + dt.timedelta(14)],
            "write": [True, True, True, False, True],
            "subject": ["Reach out to help: x", "Check in: y", "Hold outreach: z", None, "Hold"],
            "body": ["b1", "b2", "b3", None, "b5"],
            "priority": ["High", "Normal", "Low", "Low", "Low"],
            "due_date": [day, day, day + dt.timedelta(14), None, day + dt.timedelta(14)],
            "opted_out": [False, False, False, False, True],
        }
    )


def only_failure(report: QualityReport) -> str:
    assert not report.success
    assert len(report.failures) == 1, report.failures
    return report.failures[0]


# --- activities -------------------------------------------------------------------------------


def test_good_activities_pass():
    report = validate_activities(activities(), run_time=RUN_TIME)
    assert report.success, report.failures
    assert report.suite == "activities"
    assert report.statistics["unsuccessful"] == 0
    assert report.statistics["evaluated"] == report.statistics["successful"] > 10
    assert report.statistics["rows"] == 6


def test_unknown_kind_fails_naming_the_column_the_value_and_the_fix():
    df = activities()
    df.loc[2, "kind"] = "webinar"
    line = only_failure(validate_activities(df, run_time=RUN_TIME))
    assert "kind is a known activity kind" in line
    assert "column 'kind'" in line
    assert "1 of 6 rows" in line
    assert "'webinar'" in line and "activity_id 'Task:2'" in line
    assert "Fix: Map" in line


@pytest.mark.parametrize("column", ["contact_key", "activity_id", "ts", "kind", "source"])
def test_null_keys_fail(column):
    df = activities()
    df.loc[1, column] = None
    report = validate_activities(df, run_time=RUN_TIME)
    assert not report.success
    assert any(f"column {column!r}" in line and "null" in line for line in report.failures)


def test_duplicate_activity_fails():
    df = pd.concat([activities(), activities().iloc[[0]]], ignore_index=True)
    line = only_failure(validate_activities(df, run_time=RUN_TIME))
    assert "each CRM activity appears once" in line and "2 of 7 rows" in line


def test_same_activity_id_in_two_crms_is_fine():
    df = activities()
    df.loc[1, "activity_id"] = df.loc[0, "activity_id"]
    assert validate_activities(df, run_time=RUN_TIME).success


def test_negative_amount_and_bad_direction_fail():
    df = activities()
    df.loc[5, "amount"] = -5.0
    df.loc[0, "direction"] = "sideways"
    report = validate_activities(df, run_time=RUN_TIME)
    assert report.statistics["unsuccessful"] == 2
    assert "-5.0" in report.failures[0] or "-5.0" in report.failures[1]


def test_activity_after_the_run_time_fails():
    df = activities()
    df.loc[3, "ts"] = RUN_TIME + pd.Timedelta(hours=1)
    line = only_failure(validate_activities(df, run_time=RUN_TIME))
    assert "future" in line and "Task:3" in line


def test_run_date_means_the_whole_day():
    df = activities()
    df.loc[3, "ts"] = pd.Timestamp("2024-05-01 23:00", tz="UTC")
    assert validate_activities(df, run_time=dt.date(2024, 5, 1)).success
    assert not validate_activities(df, run_time=dt.date(2024, 4, 30)).success


def test_run_time_defaults_to_now():
    df = activities()
    assert validate_activities(df).success
    df.loc[0, "ts"] = pd.Timestamp.now(tz="UTC") + pd.Timedelta(days=2)
    assert not validate_activities(df).success


def test_run_time_matches_a_naive_timestamp_column():
    naive = pd.Series(pd.date_range("2024-01-01", periods=2))
    stamp = run_time_parameter("2024-05-01T00:00:00+02:00", naive)
    assert stamp.tzinfo is None and stamp == pd.Timestamp("2024-04-30 22:00")
    assert run_time_parameter(None).tzinfo is not None


def test_empty_activity_fails_the_row_count():
    line = only_failure(validate_activities(activities().iloc[0:0], run_time=RUN_TIME))
    assert "at least one activity row" in line and "observed 0" in line


def test_missing_column_is_named():
    report = validate_activities(activities().drop(columns=["tone"]), run_time=RUN_TIME)
    assert any("missing columns ['tone']" in line for line in report.failures)


# --- contacts ---------------------------------------------------------------------------------


def test_good_contacts_pass():
    report = validate_contacts(contacts())
    assert report.success, report.failures


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"contact_key": "not-an-email"}, "looks like an e-mail"),
        ({"contact_key": "Ann@Example.com"}, "lower-case"),
        ({"contact_key": None}, "every contact has a contact_key"),
        ({"source_id": "003A"}, "each CRM record appears once"),
        ({"opted_out": None}, "opt-out flag is known"),
    ],
)
def test_bad_contacts_fail(change, expected):
    df = contacts()
    for column, value in change.items():
        df[column] = df[column].astype(object)
        df.loc[1, column] = value
    report = validate_contacts(df)
    assert not report.success
    assert any(expected in line for line in report.failures), report.failures


def test_opted_out_must_be_boolean():
    df = contacts()
    df["opted_out"] = ["false", "true", "false"]
    report = validate_contacts(df)
    assert any("opted_out is a boolean" in line for line in report.failures)


# --- decisions --------------------------------------------------------------------------------


def test_good_decisions_pass():
    report = validate_decisions(decisions())
    assert report.success, report.failures


def test_outreach_to_an_opted_out_contact_fails_naming_the_contact():
    df = decisions()
    df.loc[1, "opted_out"] = True
    line = only_failure(validate_decisions(df))
    assert "no outreach to an opted-out contact" in line
    assert "'offer' (contact_key 'b@x.com')" in line
    assert "where opted_out == True" in line


def test_duplicate_decisions_for_a_contact_fail():
    df = decisions()
    df.loc[3, "contact_key"] = "a@x.com"
    line = only_failure(validate_decisions(df))
    assert "at most one decision per contact" in line and "'a@x.com'" in line


@pytest.mark.parametrize("value", [1.5, -0.1])
def test_out_of_range_probability_fails(value):
    df = decisions()
    df.loc[2, "probability"] = value
    line = only_failure(validate_decisions(df))
    assert "probability is between 0 and 1" in line and str(value) in line


def test_missing_probability_fails():
    df = decisions()
    df.loc[2, "probability"] = np.nan
    assert "every decision has a probability" in only_failure(validate_decisions(df))


def test_null_and_duplicate_action_keys_fail():
    df = decisions()
    df.loc[0, "action_key"] = None
    df.loc[2, "action_key"] = df.loc[1, "action_key"]
    report = validate_decisions(df)
    assert report.statistics["unsuccessful"] == 2
    assert "idempotency key" in report.failures[0]
    assert "action keys are unique" in report.failures[1]


def test_unknown_action_fails():
    df = decisions()
    df.loc[1, "action"] = "discount"
    assert "'discount'" in only_failure(validate_decisions(df))


def test_written_hold_without_hold_until_fails_but_unwritten_silence_is_fine():
    df = decisions()
    df.loc[2, "hold_until"] = None
    assert "hold_until" in only_failure(validate_decisions(df))
    assert pd.isna(decisions().loc[3, "hold_until"])  # not written, no hold: passes above


@pytest.mark.parametrize("column", ["subject", "body"])
@pytest.mark.parametrize("value", [None, ""])
def test_written_rows_need_a_subject_and_body(column, value):
    df = decisions()
    df.loc[1, column] = value
    line = only_failure(validate_decisions(df))
    assert f"column {column!r}" in line and "where write == True" in line


def test_overlong_subject_fails():
    df = decisions()
    df.loc[0, "subject"] = "x" * 256
    assert "1 to 255 characters" in only_failure(validate_decisions(df))


def test_an_empty_decision_table_passes():
    assert validate_decisions(decisions().iloc[0:0]).success


# --- the report -------------------------------------------------------------------------------


def test_raise_for_failure_raises_data_quality_error_naming_the_failures():
    df = decisions()
    df.loc[1, "opted_out"] = True
    df.loc[2, "probability"] = 2.0
    report = validate_decisions(df)
    with pytest.raises(DataQualityError) as raised:
        report.raise_for_failure()
    message = str(raised.value)
    assert "'decisions' failed" in message and "nothing is written to the CRM" in message
    assert "no outreach to an opted-out contact" in message
    assert "probability is between 0 and 1" in message


def test_raise_for_failure_returns_the_report_on_success():
    report = validate_decisions(decisions())
    assert report.raise_for_failure() is report


def test_report_to_dict_is_json_ready():
    df = decisions()
    df.loc[1, "opted_out"] = True
    data = json.loads(json.dumps(validate_decisions(df).to_dict()))
    assert data["suite"] == "decisions" and data["success"] is False
    assert data["statistics"]["unsuccessful"] == 1
    assert len(data["failures"]) == 1


def test_validation_writes_no_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    validate_decisions(decisions())
    validate_activities(activities(), run_time=RUN_TIME)
    assert list(tmp_path.iterdir()) == []


def test_index_of_the_input_does_not_matter():
    df = decisions()
    df.index = [10, 11, 12, 13, 14]
    df.loc[11, "opted_out"] = True
    assert "'b@x.com'" in only_failure(validate_decisions(df))
