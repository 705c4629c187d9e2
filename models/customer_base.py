"""What the customer-base models know, as point-in-time model features.

BG/NBD (and its Pareto/NBD cousin) turn a contact's whole engagement history — repeat
engagement days ``x``, the time of the last one ``t_x`` and the age ``T`` — into a probability
that the contact is still "alive". The gradient booster only sees windowed counts and rates
(full-history totals would encode *which* training cutoff a row came from), so it cannot
rebuild that quantity itself. Here a BG/NBD is fitted, without labels, on the contacts' history
before each cutoff, and its outputs join the feature table:

``p_alive``              BG/NBD probability that the contact has not dropped out
``p_quiet_28d``          BG/NBD probability of no engagement in the next 28 days
``expected_engaged_28d`` engagement days expected in the next 28 days: ``p_alive`` times the
                         posterior mean rate (a dropout inside the window is ignored)
``quiet_gap_probability`` the Pareto/NBD-style chance of a silence as long as the current one
                         if the contact were still alive, given its (gamma-smoothed) own rate
``engaged_vs_lifetime``  engagement in the last 28 days against the contact's lifetime rate

The fit reads only the feature table at that cutoff, so the columns inherit its no-look-ahead
guarantee; a seeded sample bounds the fit's cost for a million contacts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from empathy_engine.models.bgnbd import UNIT_DAYS, BetaGeometricNBD

#: the contacts a fit needs before its outputs mean anything
MIN_FIT_ROWS = 20
#: contacts sampled for the fit (the four parameters settle long before this)
FIT_ROWS = 10_000
#: the window of the forward-looking columns, in days
WINDOW_DAYS = 28.0

CUSTOMER_BASE_COLUMNS = (
    "p_alive",
    "p_quiet_28d",
    "expected_engaged_28d",
    "quiet_gap_probability",
    "engaged_vs_lifetime",
)


def bgnbd_inputs(features: pd.DataFrame):
    """BG/NBD summary ``(x, t_x, T)`` in days from a feature table.

    ``x`` counts repeat engagement *days* (several messages on one day are one engagement),
    ``t_x`` is the time from the first to the last engagement and ``T`` the time since the
    first (or since the contact record was created, for contacts that never engaged).
    """
    first = features["days_since_first_engaged"].fillna(features["tenure_days"])
    last = features["days_since_last_engaged"].fillna(first)
    repeat = (features["engaged_days"] - 1).clip(lower=0)
    return repeat.to_numpy(float), (first - last).to_numpy(float), first.to_numpy(float)


def fit_bgnbd(features: pd.DataFrame, *, seed: int = 0, max_rows: int = 200_000):
    """Fit a BG/NBD on the contacts that engaged at least once; None when too few did."""
    engaged = features["engaged_days"].to_numpy() > 0
    if engaged.sum() < MIN_FIT_ROWS:
        return None
    try:
        return BetaGeometricNBD(max_rows=max_rows, random_state=seed).fit(
            np.column_stack(bgnbd_inputs(features[engaged]))
        )
    except (FloatingPointError, ValueError):
        return None


def customer_base_features(features: pd.DataFrame, *, seed: int = 0) -> pd.DataFrame:
    """The :data:`CUSTOMER_BASE_COLUMNS` for each row of a feature table.

    Parameters
    ----------
    features : pandas.DataFrame
        Output of the feature query at one cutoff (``engaged_days``, ``engaged_total``,
        ``engaged_28d``, ``days_since_first_engaged``, ``days_since_last_engaged``,
        ``tenure_days``).
    seed : int, default 0
        Seed of the fit's sample.

    Returns
    -------
    pandas.DataFrame
        Float columns aligned with ``features``; NaN where no model could be fitted or the
        contact never engaged.
    """
    out = pd.DataFrame(index=features.index, columns=CUSTOMER_BASE_COLUMNS, dtype="float64")
    out["engaged_vs_lifetime"] = _vs_lifetime(features)
    model = fit_bgnbd(features, seed=seed, max_rows=FIT_ROWS)
    if model is None:
        return out
    x, t_x, big_t = bgnbd_inputs(features)
    engaged = features["engaged_days"].to_numpy() > 0
    with np.errstate(all="ignore"):
        alive = model.probability_alive(x, t_x, big_t)
        quiet = model.probability_no_engagement(x, t_x, big_t, WINDOW_DAYS)
        expected = alive * _posterior_rate(model, x, big_t) * WINDOW_DAYS / UNIT_DAYS
        gap = _quiet_gap(model, x, t_x, big_t)
    for name, values in (
        ("p_alive", alive),
        ("p_quiet_28d", quiet),
        ("expected_engaged_28d", expected),
        ("quiet_gap_probability", gap),
    ):
        out[name] = np.where(engaged, values, np.nan)
    return out


def _posterior_rate(model: BetaGeometricNBD, x, big_t) -> np.ndarray:
    """Posterior mean engagement rate per week of an alive contact: (r + x) / (alpha + T)."""
    big_t = np.nan_to_num(np.asarray(big_t, float)) / UNIT_DAYS
    return (model.r_ + np.nan_to_num(np.asarray(x, float))) / (model.alpha_ + big_t)


def _quiet_gap(model: BetaGeometricNBD, x, t_x, big_t) -> np.ndarray:
    """P(no engagement over the current silence | alive), the rate gamma(r + x, alpha + t_x)."""
    t_x = np.nan_to_num(np.asarray(t_x, float)) / UNIT_DAYS
    big_t = np.nan_to_num(np.asarray(big_t, float)) / UNIT_DAYS
    x = np.nan_to_num(np.asarray(x, float))
    return np.exp((model.r_ + x) * (np.log(model.alpha_ + t_x) - np.log(model.alpha_ + big_t)))


def _vs_lifetime(features: pd.DataFrame) -> np.ndarray:
    """Engagement over the last 28 days / the 28-day rate over the contact's engaged life."""
    life = features["days_since_first_engaged"].clip(lower=WINDOW_DAYS)
    rate = features["engaged_total"] * WINDOW_DAYS / life
    ratio = features["engaged_28d"] / rate.where(rate > 0)
    return ratio.to_numpy(float)
