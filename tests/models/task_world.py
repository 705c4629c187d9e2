"""A simulated CRM night for the task tests: the sandbox simulator's world, labelled and scored.

The probability is a stand-in (no model is trained here): it rises with silence, decline,
cases and complaints, so every kind of task appears in numbers.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import numpy as np
import pandas as pd

from empathy_engine.models.features import add_tone, build_features
from empathy_engine.models.requests import add_labels, person_records


@lru_cache(maxsize=2)
def world_night(n_contacts: int = 1500, seed: int = 7):
    """(scored, contacts, activities, records, run_date) for one simulated night."""
    from bench.sandbox_tables import canonical_activities
    from empathy_sandbox.simulator.generate import generate, load_config

    world = generate(load_config(), n_contacts=n_contacts, days=150, seed=seed)
    run_date = pd.Timestamp(world.now).normalize().date() + dt.timedelta(days=1)
    activities = add_tone(add_labels(canonical_activities(world)))
    contacts = _contacts(world)
    activities = _sources(activities, contacts)
    features = build_features(activities, contacts, cutoff=run_date)
    scored = features.merge(contacts.groupby("contact_key")[["industry", "title", "first_name"]]
                            .first().reset_index(), on="contact_key", how="left")
    scored["probability"] = _stand_in_probability(scored)
    scored["reasons"] = None
    return scored, contacts, activities, person_records(activities, run_date), run_date


def _contacts(world) -> pd.DataFrame:
    people = world.people.merge(world.accounts[["id", "industry"]].rename(
        columns={"id": "account_id"}), on="account_id", how="left")
    rows = []
    for crm, flag in (("salesforce", "in_salesforce"), ("hubspot", "in_hubspot")):
        part = people[people[flag]]
        rows.append(pd.DataFrame({
            "contact_key": part["email"].str.lower(), "source": crm,
            "source_id": crm[:2] + part["id"].astype(str),
            "owner_id": crm[:2] + "-owner-" + part["owner_id"].astype(str),
            "account_id": part["account_id"].astype(str), "industry": part["industry"],
            "title": part["title"], "first_name": part["first_name"],
            "opted_out": part["opted_out"].astype(bool),
            "created_at": pd.to_datetime(part["created_at"], utc=True),
            "updated_at": pd.to_datetime(part["created_at"], utc=True)}))
    return pd.concat(rows, ignore_index=True)


def _sources(activities: pd.DataFrame, contacts: pd.DataFrame) -> pd.DataFrame:
    """Put each activity in one of the CRMs its person lives in (hashing the id)."""
    crms = contacts.groupby("contact_key")["source"].agg(list)
    pick = pd.util.hash_pandas_object(activities["activity_id"], index=False).to_numpy()
    options = activities["contact_key"].map(crms)
    activities = activities.copy()
    activities["source"] = [o[h % len(o)] if isinstance(o, list) else "salesforce"
                            for o, h in zip(options, pick, strict=True)]
    return activities


def _stand_in_probability(scored: pd.DataFrame) -> np.ndarray:
    idle = scored["days_since_last_activity"].fillna(0).clip(0, 90) / 90
    decline = (1 - scored["activity_trend"].fillna(1).clip(0, 1))
    trouble = (scored["open_cases"] > 0) * 0.25 + (scored["complaints_28d"] > 0) * 0.2
    return (0.1 + 0.45 * idle + 0.35 * decline + trouble).clip(0, 0.99).to_numpy()
