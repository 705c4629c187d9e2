"""Point-in-time features: the policy's columns, no look-ahead, text never kept."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

from empathy_engine.core.errors import ModelError
from empathy_engine.core.schema import POLICY_FEATURES
from empathy_engine.models.features import add_tone, build_features

CUTOFF = pd.Timestamp("2024-06-01", tz="UTC")


def _row(key, days_before, kind="email", direction="inbound", **extra):
    return {
        "contact_key": key,
        "ts": CUTOFF - pd.Timedelta(days=days_before),
        "kind": kind,
        "direction": direction,
        "amount": np.nan,
        "case_id": None,
        "text": None,
        "activity_id": f"{key}-{kind}-{days_before}",
        **extra,
    }


def _frame(rows):
    return pd.DataFrame(rows)


def test_every_policy_feature_is_produced(synthetic_crm):
    activities, contacts, _ = synthetic_crm
    features = build_features(activities, contacts, CUTOFF)
    assert set(POLICY_FEATURES) <= set(features.columns)
    assert features["contact_key"].is_unique
    assert features["opted_out"].dtype == bool


def test_features_never_change_when_later_activity_is_added(synthetic_crm):
    activities, contacts, _ = synthetic_crm
    before = activities[activities["ts"] < CUTOFF]
    later = activities[activities["ts"] >= CUTOFF]
    assert len(later) > 1000
    on_past_only = build_features(before, contacts, CUTOFF)
    on_everything = build_features(pd.concat([before, later]), contacts, CUTOFF)
    pdt.assert_frame_equal(on_past_only, on_everything)


def test_activity_exactly_at_the_cutoff_is_not_seen():
    rows = [_row("a", 3), _row("a", 0)]
    features = build_features(_frame(rows), None, CUTOFF).set_index("contact_key")
    assert features.loc["a", "engaged_7d"] == 1
    assert features.loc["a", "days_since_last_activity"] == pytest.approx(3)


def test_windows_recency_trend_and_fatigue():
    rows = [_row("a", d) for d in (1, 2, 40, 50, 60, 70, 80)]
    rows += [_row("a", d, direction="outbound") for d in (1, 3, 5)]
    f = build_features(_frame(rows), None, CUTOFF).set_index("contact_key").loc["a"]
    assert f["email_7d"] == 5 and f["inbound_28d"] == 2 and f["engaged_90d"] == 7
    assert f["touches_out_28d"] == 3
    assert f["days_since_last_activity"] == pytest.approx(1)
    assert f["activity_trend"] == pytest.approx(2 * 90 / (28 * 7))


def test_cases_open_escalated_and_closed():
    rows = [
        _row("a", 20, "case_opened", case_id="c1"),
        _row("a", 5, "case_escalated", None, case_id="c1"),
        _row("a", 30, "case_opened", case_id="c2"),
        _row("a", 10, "case_closed", None, case_id="c2"),
        _row("a", 2, "case_closed", None, case_id="c3"),  # opened before the data starts
    ]
    f = build_features(_frame(rows), None, CUTOFF).set_index("contact_key").loc["a"]
    assert f["open_cases"] == 1
    assert f["escalated_open_cases"] == 1
    assert f["escalations_28d"] == 1
    assert f["days_since_last_escalation"] == pytest.approx(5)
    assert f["oldest_open_case_days"] == pytest.approx(20)


def test_tone_complaints_and_requests_for_fewer_contacts_are_scored():
    rows = [
        _row("a", 3, text="Still waiting for an answer, this is unacceptable."),
        _row("a", 4, text="Too many emails from you lately."),
        _row("b", 3, text="Thanks, all good!"),
    ]
    f = build_features(_frame(rows), None, CUTOFF).set_index("contact_key")
    assert f.loc["a", "complaints_28d"] == 1 and f.loc["a", "asked_fewer_contacts"]
    assert f.loc["a", "tone_mean_28d"] < 0 < f.loc["b", "tone_mean_28d"]
    assert not f.loc["b", "asked_fewer_contacts"]
    assert "text" not in f.columns


def test_opt_out_in_any_crm_counts_and_contacts_without_activity_appear():
    contacts = pd.DataFrame(
        {
            "contact_key": ["a", "a", "z"],
            "source": ["salesforce", "hubspot", "hubspot"],
            "opted_out": [False, True, False],
            "created_at": [CUTOFF - pd.Timedelta(days=100)] * 2 + [CUTOFF - pd.Timedelta(days=10)],
        }
    )
    f = build_features(_frame([_row("a", 3)]), contacts, CUTOFF).set_index("contact_key")
    assert f.loc["a", "opted_out"] and not f.loc["z", "opted_out"]
    assert f.loc["z", "engaged_90d"] == 0
    assert f.loc["z", "days_since_last_activity"] == pytest.approx(10)


def test_contacts_created_after_the_cutoff_are_left_out():
    contacts = pd.DataFrame(
        {
            "contact_key": ["new"],
            "opted_out": [False],
            "created_at": [CUTOFF + pd.Timedelta(days=1)],
        }
    )
    assert build_features(_frame([_row("a", 3)]), contacts, CUTOFF)["contact_key"].tolist() == ["a"]


def test_parquet_input_gives_the_same_features(tmp_path, synthetic_crm):
    activities, contacts, _ = synthetic_crm
    activities.to_parquet(tmp_path / "activities.parquet")
    contacts.to_parquet(tmp_path / "contacts.parquet")
    from_files = build_features(
        tmp_path / "activities.parquet", tmp_path / "contacts.parquet", CUTOFF
    )
    pdt.assert_frame_equal(from_files, build_features(activities, contacts, CUTOFF))


def test_missing_required_columns_are_named():
    with pytest.raises(ModelError, match="contact_key"):
        build_features(pd.DataFrame({"ts": [CUTOFF], "kind": ["email"]}), None, CUTOFF)


def test_add_tone_fills_tone_and_drops_text_unless_kept():
    rows = _frame([_row("a", 1, text="Stop calling me."), _row("a", 2, tone=0.4)])
    rows.loc[0, "tone"] = np.nan
    scored = add_tone(rows)
    assert "text" not in scored.columns
    assert scored["asked_fewer_contacts"].tolist() == [True, False]
    assert scored.loc[1, "tone"] == 0.4 and not np.isnan(scored.loc[0, "tone"])
    assert "text" in add_tone(rows, keep_text=True).columns


def test_add_tone_keeps_flags_of_rows_scored_before_their_text_was_dropped():
    """An incremental store keeps tone and flags, not text: re-scoring must not lose them."""
    import pandas as pd

    from empathy_engine.models.features import add_tone

    first = add_tone(pd.DataFrame({"text": ["Please stop emailing me, too many emails.",
                                            "Thanks, all good."], "tone": [None, None]}))
    assert first["asked_fewer_contacts"].tolist() == [True, False]
    stored = first.assign(text=None)  # what the store holds a week later
    again = add_tone(stored)
    assert again["asked_fewer_contacts"].tolist() == [True, False]
    assert again["tone"].tolist() == first["tone"].tolist()
