"""The Salesforce connector against the sandbox CRM, through simple-salesforce over HTTPS."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from empathy_engine.connectors.retry import ApiBudget
from empathy_engine.connectors.salesforce import SalesforceSource, SalesforceTaskSink, make_client
from empathy_engine.connectors.settings import SalesforceSettings
from empathy_engine.core import schema
from tests.crm_admin import admin_tasks

pytestmark = pytest.mark.integration


def client(info):
    sf = info["salesforce"]
    return make_client(sf["instance_url"], sf["session_id"], ca_bundle=sf["ca_cert"],
                       version=sf["version"])


def source(info, **settings):
    return SalesforceSource(client(info), SalesforceSettings(**settings),
                            ApiBudget("salesforce", 10_000))


def test_contacts_and_activity_are_canonical(sandbox):
    src = source(sandbox)
    contacts = src.contacts()
    assert len(contacts) > 50
    assert list(contacts.columns) == schema.CONTACTS.names
    assert contacts["contact_key"].str.contains("@").all()
    assert contacts["source_id"].str.startswith("003").all()
    assert contacts["opted_out"].any() and not contacts["opted_out"].all()
    activities = src.activities(contacts)
    assert list(activities.columns) == schema.ACTIVITIES.names
    assert set(activities["contact_key"]) <= set(contacts["contact_key"])
    kinds = set(activities["kind"])
    assert {"email", "call", "meeting", "case_opened"} <= kinds, kinds
    assert activities["ts"].notna().all()
    assert not activities.duplicated(["source", "activity_id"]).any()
    inbound_email = activities[(activities["kind"] == "email")
                               & (activities["direction"] == "inbound")]
    assert inbound_email["text"].notna().mean() > 0.9


def test_small_pages_give_the_same_answer(sandbox):
    soql = "SELECT Id FROM EmailMessage"
    big = [r["Id"] for r in source(sandbox).query(soql)]
    small_src = source(sandbox, page_size=200)
    small = [r["Id"] for r in small_src.query(soql)]
    assert len(big) > 400
    assert sorted(small) == sorted(big) and len(set(small)) == len(small)
    assert small_src.budget.used >= len(big) // 200  # followed nextRecordsUrl


def _tasks(contacts: pd.DataFrame, n: int, day: str) -> pd.DataFrame:
    rows = contacts.head(n)
    return pd.DataFrame({
        "action_key": [f"ee-{day}-{i:016d}" for i in range(n)],
        "source_id": rows["source_id"].to_list(), "owner_id": rows["owner_id"].to_list(),
        "subject": ["Reach out to help"] * n, "body": ["why: test"] * n,
        "priority": ["Normal"] * n, "due_date": [date(2026, 11, 2)] * n})


def test_write_back_is_idempotent(fresh_sandbox):
    src = source(fresh_sandbox)
    sink = SalesforceTaskSink(src.sf, src.settings, src.budget)
    tasks = _tasks(src.contacts(), 5, "20261101")
    first = sink.write(tasks)
    assert len(first.created) == 5 and not first.errors
    second = sink.write(tasks.assign(subject="Reach out to help (edited)"))
    assert len(second.updated) == 5 and not second.created
    written = [t for t in admin_tasks(fresh_sandbox) if t.get("crm") == "salesforce"]
    assert sorted(t["action_key"] for t in written) == sorted(tasks["action_key"])
    open_actions = src.open_actions(src.contacts())
    assert set(open_actions["action_key"]) == set(tasks["action_key"])


def test_a_refused_row_is_reported_and_the_rest_written(fresh_sandbox):
    src = source(fresh_sandbox)
    sink = SalesforceTaskSink(src.sf, src.settings, src.budget)
    tasks = _tasks(src.contacts(), 3, "20261102")
    tasks.loc[1, "source_id"] = "003000000000000BAD"
    result = sink.write(tasks)
    assert set(result.errors) == {tasks.loc[1, "action_key"]}
    assert len(result.created) == 2


def test_a_large_full_pull_through_bulk_api_equals_the_rest_pull(sandbox):
    """Above bulk_threshold a full pull runs as Bulk API 2.0 query jobs: same rows, fewer calls."""
    rest = source(sandbox, bulk_threshold=0, page_size=200)
    bulk = source(sandbox, bulk_threshold=100, page_size=200)
    jobs_before = _bulk_jobs(sandbox)
    pulled = {}
    for name, src in (("rest", rest), ("bulk", bulk)):
        contacts = src.contacts()
        pulled[name] = (contacts, src.activities(contacts))
    pd.testing.assert_frame_equal(pulled["bulk"][0], pulled["rest"][0])
    pd.testing.assert_frame_equal(pulled["bulk"][1], pulled["rest"][1])
    assert len(pulled["rest"][1]) > 1000
    assert _bulk_jobs(sandbox) > jobs_before  # the bulk path really ran
    assert bulk.budget.used < rest.budget.used


def _bulk_jobs(info) -> int:
    from tests.crm_admin import admin_stats

    endpoints = admin_stats(info)["salesforce"]["by_endpoint"]
    return sum(n for name, n in endpoints.items() if "bulk" in name.lower() or "job" in name)
