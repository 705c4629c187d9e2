"""Customer-base features: BG/NBD quantities per cutoff, point in time, and their constraints."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

from empathy_engine.models.customer_base import CUSTOMER_BASE_COLUMNS, customer_base_features
from empathy_engine.models.features import build_features, feature_names
from empathy_engine.models.model import monotonic_constraints

CUTOFF = pd.Timestamp("2024-06-01", tz="UTC")


def _summary(**columns):
    frame = pd.DataFrame(columns)
    frame["tenure_days"] = frame["days_since_first_engaged"]
    return frame


def _population(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    first = rng.uniform(60, 180, n)
    days = rng.integers(1, 30, n)
    last = first * rng.uniform(0, 1, n)
    return _summary(
        engaged_days=days,
        engaged_total=days + rng.integers(0, 5, n),
        engaged_28d=rng.integers(0, 6, n),
        days_since_first_engaged=first,
        days_since_last_engaged=last,
    )


def test_columns_are_probabilities_and_a_long_silence_lowers_p_alive():
    population = _population()
    regular = dict(engaged_days=25, engaged_total=25, engaged_28d=4, days_since_first_engaged=150)
    frame = pd.concat(
        [
            population,
            _summary(**{k: [v, v] for k, v in regular.items()}, days_since_last_engaged=[2, 90]),
        ],
        ignore_index=True,
    )
    out = customer_base_features(frame)
    assert list(out.columns) == list(CUSTOMER_BASE_COLUMNS)
    for name in ("p_alive", "p_quiet_28d", "quiet_gap_probability"):
        assert out[name].between(0, 1).all(), name
    recent, silent = out.iloc[-2], out.iloc[-1]
    assert silent["p_alive"] < recent["p_alive"]
    assert silent["p_quiet_28d"] > recent["p_quiet_28d"]
    assert silent["expected_engaged_28d"] < recent["expected_engaged_28d"]


def test_too_few_engaged_contacts_leave_the_model_columns_empty():
    out = customer_base_features(_population(5))
    assert out["p_alive"].isna().all()
    assert out["engaged_vs_lifetime"].notna().all()


def test_customer_base_columns_are_model_inputs_and_never_look_ahead(synthetic_crm):
    activities, contacts, _ = synthetic_crm
    before = activities[activities["ts"] < CUTOFF]
    on_past = build_features(before, contacts, CUTOFF)
    on_all = build_features(activities, contacts, CUTOFF)
    assert set(CUSTOMER_BASE_COLUMNS) <= set(feature_names(on_all))
    assert on_all["p_alive"].notna().mean() > 0.5
    pdt.assert_frame_equal(
        on_past[list(CUSTOMER_BASE_COLUMNS)], on_all[list(CUSTOMER_BASE_COLUMNS)]
    )


@pytest.mark.parametrize("label", ["inactive", "drop"])
def test_monotonic_constraints_follow_the_label(label):
    names = ["days_since_last_activity", "p_alive", "engaged_28d", "tone_mean_28d"]
    expected = [1, -1, -1 if label == "inactive" else 0, 0]
    assert monotonic_constraints(names, label) == expected
