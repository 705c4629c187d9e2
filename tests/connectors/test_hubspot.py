"""The HubSpot connector against the sandbox CRM, through hubspot-api-client over HTTP."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
import sqlalchemy as sa

from empathy_engine.connectors.hubspot import HubSpotSource, make_client
from empathy_engine.connectors.hubspot_sink import HubSpotTaskSink
from empathy_engine.connectors.ledger import TaskLedger, ledger_table
from empathy_engine.connectors.retry import ApiBudget
from empathy_engine.connectors.settings import HubSpotSettings
from empathy_engine.connectors.writeback import WriteResult
from empathy_engine.core import schema
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
    from empathy_engine.core.errors import CrmAuthError

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


def test_ledger_mode_when_the_key_property_cannot_be_unique(fresh_sandbox, tmp_path):
    """A non-unique `empathy_key` already exists: write through the ledger, still no dups."""
    src = source(fresh_sandbox)
    src.client.crm.properties.core_api.create("tasks", {
        "name": "empathy_key", "label": "someone else's", "type": "string",
        "fieldType": "text", "groupName": "taskinformation", "hasUniqueValue": False})
    ledger = TaskLedger(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    sink = HubSpotTaskSink(src.client, src.settings, src.budget, ledger)
    assert sink.mode() == "ledger"
    contacts = src.contacts()
    tasks = _tasks(contacts, 3, "20261103")
    first = sink.write(tasks)
    assert len(first.created) == 3 and not first.errors
    second = sink.write(tasks)
    assert len(second.updated) == 3 and not second.created

    # A crash after the create, before the ledger learnt the ids: the keys stay pending.
    crashed = _tasks(contacts.iloc[3:], 2, "20261104")
    by_key = {t["action_key"]: t for t in crashed.to_dict("records")}
    ledger.mark_pending("hubspot", {k: str(t["source_id"]) for k, t in by_key.items()})
    sink._create(list(by_key), by_key, WriteResult("hubspot"), keyed=False, find=lambda keys: {})
    with ledger.engine.begin() as conn:
        conn.execute(sa.update(ledger_table).values(task_id=None)
                     .where(ledger_table.c.action_key.in_(list(by_key))))
    third = sink.write(crashed)
    assert len(third.updated) == 2 and not third.created  # found, not created again
    written = [t for t in admin_tasks(fresh_sandbox) if t.get("crm") == "hubspot"]
    assert len(written) == 5


def test_without_a_ledger_a_non_unique_property_is_a_clear_error(fresh_sandbox):
    from empathy_engine.core.errors import ConfigError

    src = source(fresh_sandbox)
    src.client.crm.properties.core_api.create("tasks", {
        "name": "empathy_key", "label": "x", "type": "string", "fieldType": "text",
        "groupName": "taskinformation", "hasUniqueValue": False})
    sink = HubSpotTaskSink(src.client, src.settings, src.budget)
    with pytest.raises(ConfigError, match="unique values"):
        sink.write(_tasks(src.contacts(), 1, "20261105"))
