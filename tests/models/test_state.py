"""The person's state from their activity sequence (an HMM fitted on the customer's history)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from empathy_engine.models.state import STATE_COLUMNS, STATES, fit, infer_states, weekly_counts

CUTOFF = pd.Timestamp("2024-06-03", tz="UTC")


def _history(seed: int = 0, people: int = 300, weeks: int = 20) -> tuple[pd.DataFrame, dict]:
    """Busy people, people who went quiet four weeks ago, and people with cases and complaints."""
    rng = np.random.default_rng(seed)
    rows, kind_of = [], {}
    for p in range(people):
        key = f"p{p}@x.com"
        group = ("busy", "quiet", "cases")[p % 3]
        kind_of[key] = group
        for week in range(weeks):
            recent = week >= weeks - 4
            rate = {"busy": 1.5, "quiet": 0.05 if recent else 1.5, "cases": 1.5}[group]
            start = CUTOFF - pd.Timedelta(weeks=weeks - week)
            for _ in range(rng.poisson(rate)):
                rows.append((key, start + pd.Timedelta(hours=int(rng.integers(0, 160))), "email",
                             "inbound", 0.3, False))
            if group == "cases" and recent:
                for _ in range(rng.poisson(1.0)):
                    ts = start + pd.Timedelta(hours=int(rng.integers(0, 160)))
                    rows.append((key, ts, "case_opened", "inbound", -0.7, True))
    frame = pd.DataFrame(rows, columns=["contact_key", "ts", "kind", "direction", "tone",
                                        "complaint"])
    frame["asked_fewer_contacts"] = False
    return frame, kind_of


def test_weekly_counts_never_look_past_the_cutoff():
    history, _ = _history(1, people=30)
    later = pd.DataFrame([("p0@x.com", CUTOFF + pd.Timedelta(days=1), "email", "inbound", 0.1,
                           False, False)], columns=history.columns)
    keys, before = weekly_counts(history, CUTOFF, 20)
    _, after = weekly_counts(pd.concat([history, later]), CUTOFF, 20, keys)
    assert np.array_equal(before, after)
    assert before.shape == (30, 20, 6)


def test_the_filter_tells_the_quiet_and_the_frustrated_from_the_busy():
    history, kind_of = _history(2)
    states = infer_states(history, None, CUTOFF).set_index("contact_key")
    assert np.allclose(states[list(STATE_COLUMNS)].sum(axis=1), 1.0)
    group = states.index.map(kind_of)
    quiet = states[group == "quiet"]
    busy = states[group == "busy"]
    cases = states[group == "cases"]
    away = (quiet["p_drifting"] + quiet["p_gone"]).mean()
    assert away > 0.5 and away > 3 * (busy["p_drifting"] + busy["p_gone"]).mean()
    assert (busy["p_engaged"]).mean() > 0.5
    assert cases["p_frustrated"].mean() > 0.6
    assert set(states["state"]) <= set(STATES)


def test_em_fits_the_customers_own_rates():
    history, _ = _history(3)
    keys, counts = weekly_counts(history, CUTOFF, 20)
    model = fit(counts, np.ones(counts.shape[:2], dtype=bool))
    assert np.allclose(model.transitions.sum(axis=1), 1.0)
    # the fitted "engaged" message rate follows the data (1.5 a week), not the prior's guess
    assert 0.9 < model.rates[0, 0] < 2.2
