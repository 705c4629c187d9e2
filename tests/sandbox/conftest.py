"""Fixtures for the sandbox CRM's tests: a tiny hand-made world, and one running sandbox
driven through the real client libraries."""

from __future__ import annotations

import datetime as dt
import os

import numpy as np
import pandas as pd
import pytest
import requests
from hubspot import HubSpot
from simple_salesforce import Salesforce

from empathy_sandbox.server.seeding import seed
from empathy_sandbox.server.store import Store
from empathy_sandbox.testing import running_sandbox
from empathy_sandbox.simulator.world import World

os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


def _ts(*values: str) -> pd.Series:
    return pd.to_datetime(pd.Series(list(values)), utc=True)


def tiny_world() -> World:
    """3 people: Ada (both CRMs, a case), Bob (Salesforce only, opted out), Cy (HubSpot only)."""
    owners = pd.DataFrame({"id": [1, 2], "email": ["rep1@corp.example", "rep2@corp.example"],
                           "first_name": ["Rita", "Sam"], "last_name": ["Rep", "Seller"]})
    accounts = pd.DataFrame({"id": [10, 11], "name": ["Acme Ltd", "Globex"],
                             "industry": ["Retail", "Software"], "owner_id": [1, 2]})
    people = pd.DataFrame({
        "id": [100, 101, 102],
        "first_name": ["Ada", "Bob", "Cy"], "last_name": ["Lovelace", "Stone", "Young"],
        "email": ["ada@acme.example", "bob@acme.example", "cy@globex.example"],
        "title": ["CTO", "Buyer", "Analyst"], "account_id": [10, 10, 11], "owner_id": [1, 1, 2],
        "in_salesforce": [True, True, False], "in_hubspot": [True, False, True],
        "opted_out": [False, True, False],
        "created_at": _ts("2026-01-01T10:00:00Z", "2026-01-02T10:00:00Z",
                          "2026-01-03T10:00:00Z"),
    })
    rows = [
        # id, person, crm, ts, kind, direction, subject, text, amount, case
        (1, 100, "salesforce", "2026-05-01T09:00:00Z", "email", "inbound", "Broken export",
         "The export is broken again.", np.nan, 500),
        (2, 100, "salesforce", "2026-05-01T11:00:00Z", "email", "outbound", "Re: Broken export",
         "Sorry, we are on it.", np.nan, 500),
        (3, 100, "salesforce", "2026-05-02T09:00:00Z", "call", "inbound", "Call about export",
         "Angry call", np.nan, -1),
        (4, 101, "salesforce", "2026-05-03T09:00:00Z", "note", "outbound", "Note", "Quiet",
         np.nan, -1),
        (5, 101, "salesforce", "2026-05-04T09:00:00Z", "meeting", "outbound", "QBR", "Review",
         np.nan, -1),
        (6, 101, "salesforce", "2026-05-05T09:00:00Z", "purchase", "inbound", "Renewal", "",
         1200.0, -1),
        (7, 100, "hubspot", "2026-05-06T09:00:00Z", "email", "inbound", "Question", "How do I?",
         np.nan, 501),
        (8, 102, "hubspot", "2026-05-07T09:00:00Z", "call", "outbound", "Check-in", "Fine",
         np.nan, -1),
        (9, 102, "hubspot", "2026-05-08T09:00:00Z", "meeting", "outbound", "Demo", "Went well",
         np.nan, -1),
        (10, 102, "hubspot", "2026-05-09T09:00:00Z", "note", "outbound", "Note", "Likes it",
         np.nan, -1),
        (11, 102, "hubspot", "2026-05-10T09:00:00Z", "purchase", "inbound", "Upgrade", "",
         300.5, -1),
    ]
    activities = pd.DataFrame(rows, columns=["id", "person_id", "crm", "ts", "kind", "direction",
                                             "subject", "text", "amount", "case_id"])
    activities["ts"] = pd.to_datetime(activities["ts"], utc=True)
    cases = pd.DataFrame({
        "id": [500, 501], "person_id": [100, 100], "crm": ["salesforce", "hubspot"],
        "opened_at": _ts("2026-05-01T09:00:00Z", "2026-05-06T09:00:00Z"),
        "escalated_at": _ts("2026-05-03T09:00:00Z", None),
        "closed_at": _ts("2026-05-04T09:00:00Z", None),
        "subject": ["Export broken", "How to"], "description": ["It fails", "Question"],
        "priority": ["High", "Low"],
    })
    states = pd.DataFrame({"person_id": [100, 101, 102],
                           "week_start": _ts("2026-05-25", "2026-05-25", "2026-05-25"),
                           "state": ["frustrated", "engaged", "drifting"]})
    return World(owners, accounts, people, activities, cases, states, NOW, seed=1)


@pytest.fixture
def world() -> World:
    return tiny_world()


@pytest.fixture
def store(tmp_path, world) -> Store:
    """A store seeded with the tiny world."""
    s = Store(tmp_path / "sandbox.sqlite")
    s.create_schema()
    seed(s, world)
    yield s
    s.close()


@pytest.fixture(scope="session")
def sbx(tmp_path_factory):
    """One sandbox (300 simulated contacts) shared by the sandbox's integration tests."""
    with running_sandbox(tmp_path_factory.mktemp("sandbox"), contacts=300, seed=7) as info:
        yield info


@pytest.fixture
def sf(sbx) -> Salesforce:
    return salesforce_client(sbx)


@pytest.fixture
def hs(sbx) -> HubSpot:
    return hubspot_client(sbx)


def salesforce_client(info, session_id: str | None = None) -> Salesforce:
    """The unmodified simple-salesforce client, trusting the sandbox's CA."""
    session = requests.Session()
    session.verify = info["salesforce"]["ca_cert"]
    # requests lets REQUESTS_CA_BUNDLE override session.verify unless trust_env is off
    session.trust_env = False
    return Salesforce(instance_url=info["salesforce"]["instance_url"],
                      session_id=session_id or info["salesforce"]["session_id"],
                      session=session, version="59.0")


def hubspot_client(info, token: str | None = None) -> HubSpot:
    """The unmodified hubspot-api-client, pointed at the sandbox."""
    return HubSpot(access_token=token or info["hubspot"]["access_token"],
                   host=info["hubspot"]["host"])


@pytest.fixture
def clients():
    """Factories for the real clients, for tests that need their own sandbox or token."""
    return salesforce_client, hubspot_client
