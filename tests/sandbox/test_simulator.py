"""Tests of the contact-behaviour simulator (sandbox/simulator.py and its sim_* modules)."""

from __future__ import annotations

import pandas as pd
import pytest

from sandbox.simulator import generate, load_config
from sandbox.world import ACTIVITY_KINDS, CRMS, STATES

SCHEMA = {
    "owners": ["id", "email", "first_name", "last_name"],
    "accounts": ["id", "name", "industry", "owner_id"],
    "people": ["id", "first_name", "last_name", "email", "title", "account_id", "owner_id",
               "in_salesforce", "in_hubspot", "opted_out", "created_at"],
    "activities": ["id", "person_id", "crm", "ts", "kind", "direction", "subject", "text",
                   "amount", "case_id"],
    "cases": ["id", "person_id", "crm", "opened_at", "escalated_at", "closed_at", "subject",
              "description", "priority"],
    "states": ["person_id", "week_start", "state"],
}


@pytest.fixture(scope="module")
def config():
    return load_config()


@pytest.fixture(scope="module")
def world(config):
    return generate(config, n_contacts=1500, days=120, seed=11)


def test_tables_have_the_world_columns(world):
    for name, columns in SCHEMA.items():
        assert list(getattr(world, name).columns) == columns, name


def test_ids_emails_and_references_are_consistent(world):
    people, acts = world.people, world.activities
    assert people["email"].is_unique
    assert (people["email"] == people["email"].str.lower()).all()
    assert acts["id"].is_unique and world.cases["id"].is_unique
    assert acts["person_id"].isin(people["id"]).all()
    assert people["account_id"].isin(world.accounts["id"]).all()
    assert people["owner_id"].isin(world.owners["id"]).all()
    assert world.accounts["industry"].nunique() >= 5
    assert (people["in_salesforce"] | people["in_hubspot"]).all()


def test_activity_values_follow_the_contract(world):
    acts = world.activities
    assert set(acts["kind"]) <= set(ACTIVITY_KINDS)
    assert set(acts["direction"]) == {"inbound", "outbound"}
    assert set(acts["crm"]) <= set(CRMS)
    assert str(acts["ts"].dtype) == "datetime64[ns, UTC]"
    assert (acts["ts"] < pd.Timestamp(world.now)).all()
    purchases = acts["kind"] == "purchase"
    assert acts.loc[purchases, "amount"].gt(0).all()
    assert acts.loc[~purchases, "amount"].isna().all()
    assert set(world.states["state"]) == set(STATES)


def test_same_seed_gives_identical_frames(config, world):
    again = generate(config, n_contacts=1500, days=120, seed=11)
    for name in SCHEMA:
        pd.testing.assert_frame_equal(getattr(world, name), getattr(again, name))
    other = generate(config, n_contacts=1500, days=120, seed=12)
    assert not other.activities["ts"].equals(world.activities["ts"])
