"""The simulator's world as canonical tables (the bench's seam to the sandbox)."""

from __future__ import annotations

import pandas as pd
import pandas.testing as pdt

from bench.sandbox_tables import canonical_activities, canonical_contacts, purchases_only
from empathy_engine.core.schema import ACTIVITY_KINDS
from empathy_engine.models.features import build_features


def test_world_maps_to_canonical_tables_and_features_never_look_ahead():
    from empathy_sandbox.simulator.generate import generate, load_config

    world = generate(load_config(), n_contacts=300, days=120, seed=3)
    activities, contacts = canonical_activities(world), canonical_contacts(world)
    assert set(activities["kind"]) <= set(ACTIVITY_KINDS)
    assert {"case_opened", "case_closed"} <= set(activities["kind"])
    assert activities.loc[activities["kind"] == "meeting", "direction"].eq("outbound").all()
    assert contacts["contact_key"].is_unique
    cutoff = pd.Timestamp(world.now) - pd.Timedelta(days=30)
    past = activities[activities["ts"] < cutoff]
    pdt.assert_frame_equal(
        build_features(past, contacts, cutoff), build_features(activities, contacts, cutoff)
    )
    assert purchases_only(activities)["kind"].eq("purchase").all()
