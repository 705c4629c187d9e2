"""The HubSpot connector against the sandbox CRM, through hubspot-api-client over HTTP."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from connectors.hubspot import HubSpotSource, HubSpotTaskSink, make_client
from connectors.retry import ApiBudget
from connectors.settings import HubSpotSettings
from empathy import schema
from tests.crm_admin import admin_tasks

pytestmark = pytest.mark.integration


def settings(info, token=None):
    hs = info["hubspot"]
    return HubSpotSettings.from_connection(hs["host"], token or hs["access_token"], {})


def source(info):
    s = settings(info)
    return HubSpotSource(make_client(s), s, ApiBudget("hubspot", 10_000))


def test_contacts_and_activity_are_canonical(sandbox):
    src = source(sandbox)
    contacts = src.contacts()
    assert len(contacts) > 50
    assert list(contacts.columns) == schema.CONTACTS.names
    assert contacts["source_id"].str.isdigit().all()
    assert contacts["industry"].notna().mean() > 0.9
    activities = src.activities(contacts)
    assert set(activities["contact_key"]) <= set(contacts["contact_key"])
    assert {"email", "call", "meeting", "case_opened"} <= set(activities["kind"])
    assert not activities.duplicated(["source", "activity_id"]).any()


def test_wrong_token_is_a_clear_auth_error(sandbox):
    from empathy.errors import CrmAuthError

    s = settings(sandbox, token="pat-wrong")
    src = HubSpotSource(make_client(s), s, ApiBudget("hubspot", 10))
    with pytest.raises(CrmAuthError, match="update the Airflow connection"):
        src.contacts()


def _tasks(contacts: pd.DataFrame, n: int, day: str) -> pd.DataFrame:
    rows = contacts.head(n)
    return pd.DataFrame({
        "action_key": [f"ee-{day}-{i:016d}" for i in range(n)],
        "source_id": rows["source_id"].to_list(), "owner_id": rows["owner_id"].to_list(),
        "subject": ["Check in with a relevant offer"] * n, "body": ["why: test"] * n,
        "priority": ["Normal"] * n, "due_date": [date(2026, 11, 4)] * n})


def test_write_back_is_idempotent_and_linked_to_contacts(fresh_sandbox):
    src = source(fresh_sandbox)
    sink = HubSpotTaskSink(src.client, src.settings, src.budget)
    contacts = src.contacts()
    tasks = _tasks(contacts, 4, "20261101")
    first = sink.write(tasks)
    assert len(first.created) == 4 and not first.errors
    second = sink.write(tasks)
    assert len(second.updated) == 4 and not second.created
    written = [t for t in admin_tasks(fresh_sandbox) if t.get("crm") == "hubspot"]
    assert sorted(t["action_key"] for t in written) == sorted(tasks["action_key"])
    open_actions = src.open_actions(contacts)
    linked = open_actions.set_index("action_key")["contact_key"].to_dict()
    expected = dict(zip(tasks["action_key"], contacts.head(4)["contact_key"], strict=True))
    assert linked == expected
