"""The BG/NBD customer-base model (Fader, Hardie & Lee 2005), used as a baseline.

Each contact engages as a Poisson process whose rate varies across contacts (gamma(r, alpha))
and may become inactive for good after any engagement (probability p ~ beta(a, b)). From the
summary ``(x, t_x, T)`` — repeat engagement days, time of the last one after the first, and
time since the first — it yields the probability that a contact is still alive and the
probability of no engagement in a coming window. It needs no labels, only the history before
the cutoff, which makes it the classic yardstick for "who will go quiet".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import gammaln

#: time unit of the fit, in days (weeks keep the parameters in a well-conditioned range)
UNIT_DAYS = 7.0


@dataclass
class BetaGeometricNBD:
    """BG/NBD parameters fitted by maximum likelihood.

    Attributes
    ----------
    r, alpha, a, b : float
        Gamma shape / scale of the engagement rate and beta parameters of the dropout
        probability (``alpha`` in weeks).
    """

    r: float = 1.0
    alpha: float = 1.0
    a: float = 1.0
    b: float = 1.0

    def fit(self, x, t_x, big_t, *, max_rows: int = 200_000, seed: int = 0):
        """Fit on repeat counts ``x``, last-engagement times ``t_x`` and ages ``big_t`` (days)."""
        x, t_x, big_t = _clean(x, t_x, big_t)
        if len(x) > max_rows:
            keep = np.random.default_rng(seed).choice(len(x), max_rows, replace=False)
            x, t_x, big_t = x[keep], t_x[keep], big_t[keep]
        start = np.log([0.5, max(np.mean(big_t), 1.0), 1.0, 2.0])
        result = minimize(
            lambda theta: -_log_likelihood(np.exp(theta), x, t_x, big_t).sum() / len(x),
            start,
            method="Nelder-Mead",
            options={"maxiter": 2000, "xatol": 1e-4, "fatol": 1e-7},
        )
        self.r, self.alpha, self.a, self.b = np.exp(result.x)
        return self

    def probability_alive(self, x, t_x, big_t) -> np.ndarray:
        """Probability that each contact has not dropped out by its age ``big_t``."""
        x, t_x, big_t = _clean(x, t_x, big_t)
        log_ratio = (self.r + x) * (np.log(self.alpha + big_t) - np.log(self.alpha + t_x))
        odds = np.where(
            x > 0,
            np.exp(np.log(self.a) - np.log(np.maximum(self.b + x - 1, 1e-12)) + log_ratio),
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
            (self.r + x) * (np.log(self.alpha + big_t) - np.log(self.alpha + big_t + horizon))
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
