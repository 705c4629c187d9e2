"""A small synthetic CRM with a known signal, for the model tests.

Each contact has a base activity rate and a hidden churn day. In the 35 days before churning
its activity fades; frustrated contacts (a quarter) open cases and write complaints, and churn
sooner. Our own outbound e-mails arrive at random and carry no signal. A model that sees the
fade and the frustration should beat "days since the last activity".
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

START = pd.Timestamp("2024-01-01", tz="UTC")
HAPPY = ("Thanks, that works for us.", "Great call today, see you next week.", "Looks good.")
COMPLAINTS = (
    "Still waiting for a fix, this is the third time I ask.",
    "This is unacceptable, please escalate.",
    "No response again. We are thinking about cancelling.",
)
FEWER = ("Too many emails lately, please stop.",)


def _daily_rates(rng, n: int, days: int):
    base = rng.lognormal(mean=np.log(0.25), sigma=0.6, size=n)
    frustrated = rng.random(n) < 0.25
    churn_day = rng.exponential(np.where(frustrated, 120, 400), n) + rng.uniform(30, 90, n)
    day = np.arange(days)[None, :]
    fade = np.clip((churn_day[:, None] - day) / 35.0, 0.0, 1.0)
    return base[:, None] * fade, frustrated, churn_day


def _events(rng, rates: np.ndarray):
    counts = rng.poisson(rates)
    contact, day = np.nonzero(counts)
    repeats = counts[contact, day]
    return np.repeat(contact, repeats), np.repeat(day, repeats)


def _activity_rows(rng, contact, day, frustrated, churn_day, days):
    n = len(contact)
    kind = rng.choice(["email", "call", "meeting", "purchase"], n, p=[0.55, 0.15, 0.15, 0.15])
    near_churn = churn_day[contact] - day < 60
    complaining = frustrated[contact] & near_churn & (kind == "email") & (rng.random(n) < 0.6)
    text = np.where(kind == "email", rng.choice(HAPPY, n), None).astype(object)
    text[complaining] = rng.choice(COMPLAINTS, complaining.sum())
    return pd.DataFrame(
        {
            "contact_key": [f"c{i:05d}@example.com" for i in contact],
            "ts": START + pd.to_timedelta(day + rng.random(n), unit="D"),
            "kind": kind,
            "direction": np.where(kind == "purchase", None, "inbound"),
            "amount": np.where(kind == "purchase", rng.gamma(2.0, 50.0, n), np.nan),
            "case_id": None,
            "text": text,
        }
    )


def _case_rows(rng, frustrated, churn_day, days):
    who = np.nonzero(frustrated & (churn_day < days + 60))[0]
    opened = np.clip(churn_day[who] - rng.uniform(10, 50, len(who)), 0, days - 1)
    rows = []
    for i, contact in enumerate(who):
        case_id = f"case{contact}"
        rows.append((contact, opened[i], "case_opened", "inbound", case_id))
        if rng.random() < 0.6:
            rows.append((contact, opened[i] + rng.uniform(1, 8), "case_escalated", None, case_id))
    frame = pd.DataFrame(rows, columns=["contact", "day", "kind", "direction", "case_id"])
    frame = frame[frame["day"] < days]
    return pd.DataFrame(
        {
            "contact_key": [f"c{i:05d}@example.com" for i in frame["contact"]],
            "ts": START + pd.to_timedelta(frame["day"].to_numpy(), unit="D"),
            "kind": frame["kind"].to_numpy(),
            "direction": frame["direction"].to_numpy(),
            "amount": np.nan,
            "case_id": frame["case_id"].to_numpy(),
            "text": "Our integration is still down, this is unacceptable.",
        }
    )


def _outbound_rows(rng, n: int, days: int):
    contact, day = _events(rng, np.full((n, days), 0.08))
    return pd.DataFrame(
        {
            "contact_key": [f"c{i:05d}@example.com" for i in contact],
            "ts": START + pd.to_timedelta(day + rng.random(len(day)), unit="D"),
            "kind": "email",
            "direction": "outbound",
            "amount": np.nan,
            "case_id": None,
            "text": "Checking in on your account.",
        }
    )


def make_crm(n_contacts: int = 1500, days: int = 240, seed: int = 0):
    """Generate ``(activities, contacts, churn_day)`` with a known churn signal.

    ``churn_day`` is a Series of each contact's hidden churn day (days after ``START``).
    """
    rng = np.random.default_rng(seed)
    rates, frustrated, churn_day = _daily_rates(rng, n_contacts, days)
    contact, day = _events(rng, rates)
    activities = pd.concat(
        [
            _activity_rows(rng, contact, day, frustrated, churn_day, days),
            _case_rows(rng, frustrated, churn_day, days),
            _outbound_rows(rng, n_contacts, days),
        ],
        ignore_index=True,
    )
    activities["source"] = "salesforce"
    activities["activity_id"] = [f"a{i}" for i in range(len(activities))]
    activities["tone"] = np.nan
    keys = [f"c{i:05d}@example.com" for i in range(n_contacts)]
    contacts = pd.DataFrame(
        {
            "contact_key": keys,
            "source": "salesforce",
            "opted_out": rng.random(n_contacts) < 0.03,
            "created_at": START - pd.to_timedelta(rng.uniform(0, 300, n_contacts), unit="D"),
        }
    )
    return activities.sort_values("ts", ignore_index=True), contacts, pd.Series(churn_day, keys)


@pytest.fixture(scope="session", autouse=True)
def _one_openmp_thread():
    """The booster's OpenMP threads spin-wait; on a busy 2-core machine that makes these
    small fits 5x slower than one thread."""
    with threadpool_limits(limits=1, user_api="openmp"):
        yield


@pytest.fixture(scope="session")
def synthetic_crm():
    """The default synthetic CRM: 1,500 contacts over 240 days."""
    return make_crm()


#: the synthetic CRM's history ends 240 days after START; this cutoff leaves room for labels
TRAIN_CUTOFF = START + pd.Timedelta(days=210)


@pytest.fixture(scope="session")
def trained(synthetic_crm):
    """A model trained on the synthetic CRM with the default ``inactive`` label."""
    from empathy_engine.models.training import train

    activities, contacts, _ = synthetic_crm
    return train(activities, contacts, TRAIN_CUTOFF, horizon_days=28, seed=0)
