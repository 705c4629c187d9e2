"""Uplift against the hold-out, on a hand-made example with known answers."""

from datetime import date

import pandas as pd
import pytest

from empathy_engine.models.outcomes import engaged_after, uplift


def _activity(key, day, kind="email", direction="inbound"):
    return {"contact_key": key, "ts": pd.Timestamp(day, tz="UTC"), "kind": kind,
            "direction": direction}


def test_engaged_after_counts_only_the_contacts_own_activity_in_the_window():
    acts = pd.DataFrame([
        _activity("a", "2026-11-05"),                          # inside: engaged
        _activity("b", "2026-11-05", direction="outbound"),    # our touch: not engagement
        _activity("c", "2026-10-30"),                          # before the decision
        _activity("d", "2026-12-15"),                          # after the horizon
        _activity("e", "2026-11-10", kind="meeting", direction="outbound"),  # a meeting counts
    ])
    engaged = engaged_after(acts, list("abcdef"), date(2026, 11, 1), 28)
    assert engaged.to_dict() == {"a": True, "b": False, "c": False, "d": False, "e": True,
                                 "f": False}


def test_uplift_compares_treated_with_held_out_per_action():
    rows = []
    for i in range(10):  # offers: 6 of 10 treated engage, 2 of 5 held out
        rows.append({"contact_key": f"t{i}", "action": "offer", "reason": "drift",
                     "write": True, "intended": "offer", "engaged": i < 6})
    for i in range(5):
        rows.append({"contact_key": f"h{i}", "action": "silence", "reason": "holdout",
                     "write": False, "intended": "offer", "engaged": i < 2})
    rows.append({"contact_key": "x", "action": "silence", "reason": "not_at_risk",
                 "write": False, "intended": "silence", "engaged": True})
    frame = pd.DataFrame(rows)
    table = uplift(frame[["contact_key", "action", "reason", "write"]],
                   frame.set_index("contact_key")["intended"],
                   frame.set_index("contact_key")["engaged"]).set_index("action")
    offer = table.loc["offer"]
    assert (offer["n_treated"], offer["n_holdout"]) == (10, 5)
    assert offer["uplift"] == pytest.approx(0.6 - 0.4)
    assert offer["ci_low"] < offer["uplift"] < offer["ci_high"]
    assert table.loc["support_note", "n_treated"] == 0
    assert pd.isna(table.loc["support_note", "uplift"])


def test_a_tiny_hold_out_gives_a_wide_interval():
    from empathy_engine.models.outcomes import _interval

    low, high = _interval(0.64, 11, 1.0, 1)  # one held-out contact proves nothing
    assert low < -0.6 and high > 0.3
    low, high = _interval(0.5, 2000, 0.4, 2000)
    assert 0.06 < low < 0.1 < high < 0.14
