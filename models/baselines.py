"""Simple yardsticks the model must beat, scored on the same rows as the model.

``recency``  days since the contact's last engagement (higher = more at risk)
``trend``    the activity-trend rule: the lower the last 28 days against the 90-day average,
             the more at risk
``rfm``      a logistic regression on recency, frequency, monetary value and tenure
``bgnbd``    the BG/NBD customer-base model's probability of no engagement in the horizon,
             fitted (without labels) on the history before the scoring cutoff

Ranking metrics use each baseline's raw score; its probabilities (for Brier and calibration
error) come from an isotonic map fitted on the training rows, so every baseline is judged as
a forecaster on equal terms with the model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.isotonic import IsotonicRegression

from empathy_engine.models.customer_base import bgnbd_inputs, fit_bgnbd
from empathy_engine.models.model import build_pipeline

BASELINES = ("recency", "trend", "rfm", "bgnbd")
_RFM_COLUMNS = ("days_since_last_activity", "engaged_days", "spend_365d", "tenure_days")


def _rfm_matrix(features: pd.DataFrame) -> np.ndarray:
    matrix = features[list(_RFM_COLUMNS)].to_numpy(dtype=float, na_value=np.nan)
    return np.log1p(np.nan_to_num(matrix, nan=0.0).clip(min=0))


def raw_scores(features: pd.DataFrame, *, rfm=None, bgnbd=None, horizon_days=28.0) -> dict:
    """Each baseline's raw risk score (higher = more likely to drop) per row."""
    scores = {
        "recency": features["days_since_last_activity"].to_numpy(float),
        "trend": -features["activity_trend"].to_numpy(float),
    }
    if rfm is not None:
        scores["rfm"] = rfm.predict_proba(_rfm_matrix(features))[:, 1]
    if bgnbd is not None:
        scores["bgnbd"] = bgnbd.probability_no_engagement(*bgnbd_inputs(features), horizon_days)
    return {name: np.nan_to_num(score, nan=np.nanmedian(score)) for name, score in scores.items()}


class Baselines:
    """The baselines, fitted on training rows, then ready to score any feature table.

    Follows the scikit-learn estimator conventions (arguments stored as given, :meth:`fit`
    returns ``self``, learned state ends in ``_``) but reads named feature-table columns and
    returns one forecast per baseline, so it is not a drop-in scikit-learn classifier.

    Parameters
    ----------
    horizon_days : float, default 28.0
        The label window the BG/NBD forecast looks ahead.
    label : {"inactive", "drop"}, default "inactive"
    random_state : int, default 0
        Seed of the BG/NBD fit's sample.

    Attributes
    ----------
    rfm_ : sklearn.pipeline.Pipeline
        The RFM logistic regression (:func:`models.model.build_pipeline`).
    calibrators_ : dict of str to IsotonicRegression
        Each baseline's map from raw score to probability.
    """

    def __init__(self, horizon_days: float = 28.0, label: str = "inactive", random_state=0):
        self.horizon_days = horizon_days
        self.label = label
        self.random_state = random_state

    def fit(self, features: pd.DataFrame, labels):
        """Fit the RFM regression and each baseline's isotonic probability map."""
        labels = np.asarray(labels)
        self.rfm_ = build_pipeline("logistic", max_iter=500)
        self.rfm_.fit(_rfm_matrix(features), labels)
        bgnbd = fit_bgnbd(features, seed=self.random_state)
        scores = raw_scores(features, rfm=self.rfm_, bgnbd=bgnbd, horizon_days=self.horizon_days)
        self.calibrators_ = {}
        for name, score in scores.items():
            iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0)
            self.calibrators_[name] = iso.fit(score, labels)
        return self

    def predict(self, features: pd.DataFrame, *, horizon_days: float | None = None) -> dict:
        """Return ``{name: (raw_score, probability)}`` for each baseline on ``features``.

        BG/NBD is refitted (without labels) on the history it scores, as the published model
        is used; for the ``inactive`` label its own probability of no engagement in
        ``horizon_days`` is the forecast, so it needs no calibration map.
        """
        horizon = horizon_days or self.horizon_days
        bgnbd = fit_bgnbd(features, seed=0)
        scores = raw_scores(features, rfm=self.rfm_, bgnbd=bgnbd, horizon_days=horizon)
        out = {
            name: (score, self.calibrators_[name].predict(score))
            for name, score in scores.items()
            if name in self.calibrators_
        }
        if "bgnbd" in scores and self.label == "inactive":
            out["bgnbd"] = (scores["bgnbd"], scores["bgnbd"])
        return out
