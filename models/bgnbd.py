"""The BG/NBD customer-base model (Fader, Hardie & Lee 2005), used as a baseline.

Each contact engages as a Poisson process whose rate varies across contacts (gamma(r, alpha))
and may become inactive for good after any engagement (probability p ~ beta(a, b)). From the
summary ``(x, t_x, T)`` — repeat engagement days, time of the last one after the first, and
time since the first — it yields the probability that a contact is still alive and the
probability of no engagement in a coming window. It needs no labels, only the history before
the cutoff, which makes it the classic yardstick for "who will go quiet".
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize
from scipy.special import gammaln
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted, validate_data

#: time unit of the fit, in days (weeks keep the parameters in a well-conditioned range)
UNIT_DAYS = 7.0


class BetaGeometricNBD(BaseEstimator):
    """BG/NBD fitted by maximum likelihood, a (label-free) scikit-learn estimator.

    Parameters
    ----------
    max_rows : int, default 200000
        At most this many rows (a seeded sample) enter the fit.
    random_state : int, default 0
        Seed of that sample.

    Attributes
    ----------
    r_, alpha_, a_, b_ : float
        Gamma shape / scale of the engagement rate and beta parameters of the dropout
        probability (``alpha_`` in weeks).
    n_features_in_ : int
        Always 3: the columns ``x``, ``t_x``, ``T``.
    """

    def __init__(self, max_rows: int = 200_000, random_state: int = 0):
        self.max_rows = max_rows
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # a missing summary counts as zero
        return tags

    def fit(self, X, y=None):
        """Fit on rows ``(x, t_x, T)``: repeat engagement days, the time of the last one after
        the first and the age, in days (``y`` is ignored: BG/NBD needs no labels).

        Returns
        -------
        self
        """
        X = validate_data(self, X, dtype="float64", ensure_all_finite="allow-nan")
        if X.shape[1] != 3:
            raise ValueError(
                f"BG/NBD is fitted on 3 columns (x, t_x, T); got n_features = {X.shape[1]}"
            )
        x, t_x, big_t = _clean(X[:, 0], X[:, 1], X[:, 2])
        if len(x) > self.max_rows:
            keep = np.random.default_rng(self.random_state).choice(
                len(x), self.max_rows, replace=False
            )
            x, t_x, big_t = x[keep], t_x[keep], big_t[keep]
        start = np.log([0.5, max(np.mean(big_t), 1.0), 1.0, 2.0])
        result = minimize(
            lambda theta: -_log_likelihood(np.exp(theta), x, t_x, big_t).sum() / len(x),
            start,
            method="Nelder-Mead",
            options={"maxiter": 2000, "xatol": 1e-4, "fatol": 1e-7},
        )
        self.r_, self.alpha_, self.a_, self.b_ = (float(v) for v in np.exp(result.x))
        return self

    def probability_alive(self, x, t_x, big_t) -> np.ndarray:
        """Probability that each contact has not dropped out by its age ``big_t``."""
        check_is_fitted(self)
        x, t_x, big_t = _clean(x, t_x, big_t)
        log_ratio = (self.r_ + x) * (np.log(self.alpha_ + big_t) - np.log(self.alpha_ + t_x))
        odds = np.where(
            x > 0,
            np.exp(np.log(self.a_) - np.log(np.maximum(self.b_ + x - 1, 1e-12)) + log_ratio),
            0.0,
        )
        return 1.0 / (1.0 + odds)

    def probability_no_engagement(self, x, t_x, big_t, horizon_days: float) -> np.ndarray:
        """Probability of no engagement in the next ``horizon_days`` days.

        A dropped-out contact never engages again; an alive one stays alive until it engages
        and, given its history, has a gamma(r + x, alpha + T) rate.
        """
        alive = self.probability_alive(x, t_x, big_t)
        x, _, big_t = _clean(x, t_x, big_t)
        horizon = horizon_days / UNIT_DAYS
        quiet = np.exp(
            (self.r_ + x) * (np.log(self.alpha_ + big_t) - np.log(self.alpha_ + big_t + horizon))
        )
        return (1.0 - alive) + alive * quiet


def _clean(x, t_x, big_t):
    x = np.nan_to_num(np.asarray(x, dtype=float), nan=0.0).clip(min=0)
    big_t = np.nan_to_num(np.asarray(big_t, dtype=float), nan=0.0).clip(min=0) / UNIT_DAYS
    t_x = np.nan_to_num(np.asarray(t_x, dtype=float), nan=0.0).clip(min=0) / UNIT_DAYS
    return x, np.minimum(t_x, big_t), big_t


def _log_likelihood(params, x, t_x, big_t) -> np.ndarray:
    r, alpha, a, b = params
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + big_t)
    with np.errstate(divide="ignore", invalid="ignore"):
        a4 = np.where(
            x > 0,
            np.log(a) - np.log(np.maximum(b + x - 1, 1e-12)) - (r + x) * np.log(alpha + t_x),
            -np.inf,
        )
    return a1 + a2 + np.logaddexp(a3, a4)
