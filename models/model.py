"""The engagement-drop classifier: one scikit-learn Pipeline from one factory.

Gradient boosting ranks contacts well but its raw scores are not probabilities; isotonic
calibration on cross-validated predictions makes "0.7" mean "7 in 10 such contacts drop",
which is what the policy thresholds and the CRM user read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from empathy_engine.core.errors import ModelError

#: below this many training rows isotonic calibration overfits; sigmoid is used instead
ISOTONIC_MIN_ROWS = 2000
#: probabilities are kept this far from 0 and 1
PROBABILITY_FLOOR = 0.001

#: features whose rise can only raise the risk of any engagement drop (silence, the
#: customer-base models' "quiet" probability). The booster otherwise fits noise into
#: non-monotone steps where the signal is weak (purchase-only logs).
RISK_RISES_WITH = (
    "days_since_last_activity",
    "days_since_last_engaged",
    "days_since_last_inbound",
    "days_since_last_purchase",
    "overdue_ratio",
    "p_quiet_28d",
)
#: features whose rise can only lower it
RISK_FALLS_WITH = ("p_alive", "quiet_gap_probability")
#: for the ``inactive`` label only: recent engagement makes a silent next horizon less
#: likely (under ``drop`` a busy baseline raises the bar, so no constraint there)
INACTIVE_RISK_FALLS_WITH = (
    "expected_engaged_28d",
    "engaged_7d",
    "engaged_28d",
    "engaged_90d",
    "engaged_days_per_30d",
    "inbound_7d",
    "inbound_28d",
    "inbound_90d",
    "purchase_7d",
    "purchase_28d",
    "purchase_90d",
)


def monotonic_constraints(feature_names, label: str = "inactive") -> list[int]:
    """The booster's ``monotonic_cst`` for ``feature_names``: +1, -1 or 0 per column."""
    falls = RISK_FALLS_WITH + (INACTIVE_RISK_FALLS_WITH if label == "inactive" else ())
    return [1 if n in RISK_RISES_WITH else -1 if n in falls else 0 for n in feature_names]


def make_pipeline(seed: int = 0, *, calibration: str = "isotonic", monotonic_cst=None) -> Pipeline:
    """Build the (unfitted) engagement-drop pipeline.

    Parameters
    ----------
    seed : int, default 0
        Random state of the booster and the calibration folds' booster.
    calibration : {"isotonic", "sigmoid"}, default "isotonic"
        Calibration method of :class:`~sklearn.calibration.CalibratedClassifierCV`.
    monotonic_cst : list of int, optional
        Per input column: +1 (risk may only rise with it), -1 (only fall) or 0; see
        :func:`monotonic_constraints`.

    Returns
    -------
    sklearn.pipeline.Pipeline
        A single ``classifier`` step: a calibrated HistGradientBoostingClassifier.
    """
    booster = HistGradientBoostingClassifier(
        # small enough to score a million contacts (and their what-if copies) in seconds
        learning_rate=0.1,
        max_iter=120,
        max_leaf_nodes=15,
        min_samples_leaf=100,
        l2_regularization=3.0,
        monotonic_cst=monotonic_cst,
        early_stopping=True,
        validation_fraction=0.15,
        n_iter_no_change=20,
        random_state=seed,
    )
    calibrated = CalibratedClassifierCV(booster, method=calibration, cv=3, ensemble=False)
    return Pipeline([("classifier", calibrated)])


def as_matrix(features: pd.DataFrame, feature_names) -> np.ndarray:
    """Select ``feature_names`` from ``features`` as a float64 matrix (NaN kept)."""
    missing = [name for name in feature_names if name not in features.columns]
    if missing:
        raise ModelError(
            f"the feature table lacks {missing[:5]}; build it with models.features.build_features "
            "from the same code version that trained the model"
        )
    return features[list(feature_names)].to_numpy(dtype="float64", na_value=np.nan)


def informative_columns(features: pd.DataFrame, names) -> list[str]:
    """Keep the columns that vary: constant or all-missing ones (tone in a purchase-only log)
    carry nothing and break the booster's binning."""
    return [name for name in names if features[name].nunique(dropna=False) > 1]


@dataclass
class EngagementDropModel:
    """A fitted pipeline together with what it needs to be used and trusted.

    Attributes
    ----------
    pipeline : sklearn.pipeline.Pipeline
        The fitted pipeline from :func:`make_pipeline`.
    feature_names : list of str
        Input columns, in order.
    reference : dict
        Typical (median) value of each feature on the training rows; reason codes measure a
        contact's score against it.
    metadata : dict
        Label, horizon, data window, metrics and code version (JSON-serialisable).
    """

    pipeline: Pipeline
    feature_names: list[str]
    reference: dict = field(default_factory=dict)
    metadata: dict = field(default_factory=dict)

    @classmethod
    def fit(
        cls,
        features: pd.DataFrame,
        labels,
        *,
        feature_names=None,
        seed: int = 0,
        metadata=None,
        label: str = "inactive",
    ):
        """Fit a new model on a feature table and its labels.

        ``feature_names`` defaults to :func:`models.features.feature_names` of ``features``;
        ``label`` (the label definition) chooses the :func:`monotonic_constraints`.
        """
        from empathy_engine.models.features import feature_names as model_inputs

        names = informative_columns(features, feature_names or model_inputs(features))
        matrix = as_matrix(features, names)
        labels = np.asarray(labels)
        if len(np.unique(labels)) < 2:
            raise ModelError(
                f"all {len(labels)} training rows have the same label; the history is too "
                "short or too uniform to learn an engagement drop"
            )
        method = "isotonic" if len(labels) >= ISOTONIC_MIN_ROWS else "sigmoid"
        constraints = monotonic_constraints(names, label)
        pipeline = make_pipeline(seed, calibration=method, monotonic_cst=constraints)
        with _threads_for(len(labels)):
            pipeline.fit(matrix, labels)
        medians = pd.DataFrame(matrix, columns=names).median().fillna(0.0)
        reference = {name: float(value) for name, value in medians.items()}
        return cls(pipeline, names, reference, dict(metadata or {}))

    def predict_proba(self, features: pd.DataFrame) -> np.ndarray:
        """Return the probability of an engagement drop for each row of ``features``."""
        return self.predict_matrix(as_matrix(features, self.feature_names))

    def predict_matrix(self, matrix: np.ndarray) -> np.ndarray:
        """Probability of a drop for a float matrix with :attr:`feature_names` columns."""
        if len(matrix) == 0:
            return np.zeros(0)
        # isotonic steps reach exactly 0 and 1; no contact is that certain
        with _threads_for(len(matrix)):
            probability = self.pipeline.predict_proba(matrix)[:, 1]
        return np.clip(probability, PROBABILITY_FLOOR, 1.0 - PROBABILITY_FLOOR)


#: below this many rows the booster runs on one OpenMP thread
SINGLE_THREAD_ROWS = 50_000


def _threads_for(n_rows: int):
    """One OpenMP thread for small inputs, the default for large ones.

    On a shared machine (an Airflow worker running other tasks) the booster's OpenMP threads
    spin-wait for each other: a training on a few thousand rows was measured at 190 s instead
    of 3 s. Small inputs gain nothing from a second thread anyway.
    """
    return threadpool_limits(limits=1 if n_rows < SINGLE_THREAD_ROWS else None,
                             user_api="openmp")
