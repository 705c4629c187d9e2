"""Label definitions: inactive and drop, counted on the contact's own engagement only."""

from __future__ import annotations

import pandas as pd
import pytest

from empathy_engine.core.errors import ModelError
from empathy_engine.models.features import prepare
from empathy_engine.models.labels import make_labels

CUTOFF = pd.Timestamp("2024-06-01", tz="UTC")


def _activities(spec):
    rows = [
        {
            "contact_key": key,
            "ts": CUTOFF + pd.Timedelta(days=day),
            "kind": kind,
            "direction": direction,
        }
        for key, day, kind, direction in spec
    ]
    return pd.DataFrame(rows)


@pytest.fixture
def con():
    spec = [
        # "steady": 9 in the 90-day baseline, 3 in the horizon (expected 2.8)
        *[("steady", -10 * i, "email", "inbound") for i in range(1, 10)],
        *[("steady", d, "email", "inbound") for d in (1, 10, 20)],
        # "fading": 18 in the baseline (expected 5.6 in 28 days), 1 in the horizon
        *[("fading", -5 * i, "call", "inbound") for i in range(1, 19)],
        ("fading", 3, "purchase", None),
        # "gone": active before, only our own e-mails after the cutoff
        ("gone", -5, "meeting", "outbound"),
        ("gone", 2, "email", "outbound"),
        # "late": its only horizon activity falls just after the horizon ends
        ("late", -5, "email", "inbound"),
        ("late", 28, "email", "inbound"),
    ]
    return prepare(_activities(spec), None)


KEYS = ["steady", "fading", "gone", "late", "never-seen"]


def test_inactive_means_no_own_engagement_in_the_horizon(con):
    labels = make_labels(con, KEYS, CUTOFF, horizon_days=28, label="inactive")
    assert labels.to_dict() == {"steady": 0, "fading": 0, "gone": 1, "late": 1, "never-seen": 1}


def test_drop_compares_the_horizon_with_the_contacts_own_baseline(con):
    labels = make_labels(con, KEYS, CUTOFF, horizon_days=28, label="drop", drop_share=0.5)
    assert labels["steady"] == 0
    assert labels["fading"] == 1
    assert labels["gone"] == 1  # one meeting in the baseline, nothing after
    assert labels["never-seen"] == 0  # no baseline: cannot drop


def test_drop_share_is_configurable(con):
    strict = make_labels(con, ["steady"], CUTOFF, label="drop", drop_share=1.5)
    assert strict["steady"] == 1


def test_unknown_label_is_refused(con):
    with pytest.raises(ModelError, match="inactive"):
        make_labels(con, KEYS, CUTOFF, label="churn")
