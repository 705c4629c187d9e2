"""The engagement-drop classifier, a scikit-learn estimator, and the one pipeline factory.

Gradient boosting ranks contacts well but its raw scores are not probabilities; isotonic
calibration on cross-validated predictions makes "0.7" mean "7 in 10 such contacts drop",
which is what the policy thresholds and the CRM user read.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import threadpool_limits

from empathy_engine.core.errors import ModelError

#: below this many training rows isotonic calibration overfits; sigmoid is used instead
ISOTONIC_MIN_ROWS = 2000
#: below this many training rows the booster trains without early stopping: the stopping
#: hold-out of a calibration fold would be too small to hold both classes
EARLY_STOPPING_MIN_ROWS = 200
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


def build_pipeline(
    kind: str = "booster",
    *,
    random_state: int = 0,
    calibration: str = "isotonic",
    monotonic_cst=None,
    min_samples_leaf: int = 100,
    early_stopping: bool = True,
    C: float = 1.0,
    max_iter: int = 1000,
) -> Pipeline:
    """Build an unfitted scikit-learn pipeline: the one factory of every pipeline in models/.

    Parameters
    ----------
    kind : {"booster", "logistic"}, default "booster"
        ``"booster"``: the engagement-drop pipeline, a single ``classifier`` step (a
        HistGradientBoostingClassifier calibrated by
        :class:`~sklearn.calibration.CalibratedClassifierCV`).
        ``"logistic"``: ``scale`` (StandardScaler) then ``classifier`` (LogisticRegression),
        the RFM baseline (:mod:`models.baselines`) and the stack (:mod:`models.stacking`).
    random_state : int, default 0
        Random state of the booster and the calibration folds' booster (``"booster"`` only).
    calibration : {"isotonic", "sigmoid"}, default "isotonic"
        Calibration method of the booster (``"booster"`` only).
    monotonic_cst : list of int, optional
        Per input column: +1 (risk may only rise with it), -1 (only fall) or 0; see
        :func:`monotonic_constraints` (``"booster"`` only).
    min_samples_leaf : int, default 100
        The booster's smallest leaf (``"booster"`` only).
    early_stopping : bool, default True
        Stop adding trees when a 15% hold-out stops improving (``"booster"`` only).
    C : float, default 1.0
        Inverse regularisation strength (``"logistic"`` only).
    max_iter : int, default 1000
        Solver iterations (``"logistic"`` only).

    Returns
    -------
    sklearn.pipeline.Pipeline
    """
    if kind == "logistic":
        return Pipeline(
            [("scale", StandardScaler()), ("classifier", LogisticRegression(C=C, max_iter=max_iter))]
        )
    if kind != "booster":
        raise ValueError(f"unknown pipeline kind {kind!r}; expected 'booster' or 'logistic'")
    booster = HistGradientBoostingClassifier(
        # small enough to score a million contacts (and their what-if copies) in seconds
        learning_rate=0.1,
        max_iter=120,
        max_leaf_nodes=15,
        min_samples_leaf=min_samples_leaf,
        l2_regularization=3.0,
        monotonic_cst=monotonic_cst,
        early_stopping=early_stopping,
        validation_fraction=0.15,
        n_iter_no_change=20,
        random_state=random_state,
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


class TooUniformError(ModelError, ValueError):
    """The training labels hold one class only: there is no engagement drop to learn."""


class EngagementDropModel(ClassifierMixin, BaseEstimator):
    """The engagement-drop classifier, a scikit-learn estimator.

    A calibrated gradient booster (:func:`build_pipeline`) whose monotonic constraints follow
    the input columns' names (:func:`monotonic_constraints`), plus what the product needs to
    explain and trust its scores: each input's typical value and the training metadata.

    Parameters
    ----------
    label : {"inactive", "drop"}, default "inactive"
        The label definition the model learns; it chooses the monotonic constraints.
    random_state : int, default 0
        Seed of the booster and its calibration folds.
    min_samples_leaf : int, default 100
        The booster's smallest leaf.

    Attributes
    ----------
    pipeline_ : sklearn.pipeline.Pipeline
        The fitted pipeline from :func:`build_pipeline`.
    classes_ : numpy.ndarray of shape (2,)
        The two labels; ``classes_[1]`` is the engagement drop.
    n_features_in_ : int
        Number of input columns.
    feature_names_in_ : numpy.ndarray of str
        Input column names, in order (only when fitted on a DataFrame).
    reference_ : numpy.ndarray of shape (n_features_in_,)
        Typical (median) value of each input on the training rows; reason codes measure a
        contact's score against it.
    metadata_ : dict
        Label, horizon, data window, metrics and code version (JSON-serialisable), as given
        to :meth:`fit`.

    Notes
    -----
    :meth:`predict_proba` follows scikit-learn: its input has exactly the fitted columns.
    :meth:`predict_drop` reads them by name from any wider feature table (the product's
    :func:`models.features.build_features` output) and returns the drop probability alone.
    """

    def __init__(self, label: str = "inactive", random_state: int = 0, min_samples_leaf: int = 100):
        self.label = label
        self.random_state = random_state
        self.min_samples_leaf = min_samples_leaf

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.classifier_tags.multi_class = False
        return tags

    def fit(self, X, y, *, metadata=None):
        """Fit the calibrated booster on ``X`` (rows x input columns) and labels ``y``.

        Parameters
        ----------
        X : array-like or pandas.DataFrame of shape (n_samples, n_features)
            Exactly the model's inputs; NaN means missing. With a DataFrame the columns' names
            choose the :func:`monotonic_constraints`.
        y : array-like of shape (n_samples,)
            Two classes; the larger (``1``) is the engagement drop.
        metadata : dict, optional
            Stored as :attr:`metadata_`.

        Returns
        -------
        self
        """
        X, y = validate_data(self, X, y, dtype="float64", ensure_all_finite="allow-nan")
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise TooUniformError(
                f"all {len(y)} training rows have one class only ({self.classes_[0]!r}); the "
                "history is too short or too uniform to learn an engagement drop"
            )
        if len(self.classes_) > 2:
            raise ValueError(
                "Only binary classification is supported. EngagementDropModel predicts an "
                f"engagement drop (yes or no); y has {len(self.classes_)} classes"
            )
        method = "isotonic" if len(y) >= ISOTONIC_MIN_ROWS else "sigmoid"
        names = getattr(self, "feature_names_in_", None)
        constraints = None if names is None else monotonic_constraints(names, self.label)
        self.pipeline_ = build_pipeline(
            random_state=self.random_state,
            calibration=method,
            monotonic_cst=constraints,
            min_samples_leaf=self.min_samples_leaf,
            early_stopping=len(y) >= EARLY_STOPPING_MIN_ROWS,
        )
        with _threads_for(len(y)):
            self.pipeline_.fit(X, y)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # an all-missing column
            self.reference_ = np.nan_to_num(np.nanmedian(X, axis=0), nan=0.0)
        self.metadata_ = dict(metadata or {})
        return self

    def predict_proba(self, X) -> np.ndarray:
        """Probabilities of ``classes_`` (the drop in column 1), kept off exactly 0 and 1."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype="float64", ensure_all_finite="allow-nan", reset=False)
        drop = self.predict_matrix(X)
        return np.column_stack([1.0 - drop, drop])

    def predict(self, X) -> np.ndarray:
        """The more likely class of each row."""
        check_is_fitted(self)
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def predict_drop(self, features: pd.DataFrame) -> np.ndarray:
        """Probability of an engagement drop per row of a (wider) feature table.

        The fitted columns are read by name; other columns are ignored.
        """
        check_is_fitted(self)
        names = getattr(self, "feature_names_in_", None)
        if names is None:
            raise ModelError(
                "this model was fitted on a bare matrix, so it cannot read its inputs from a "
                "feature table by name; fit it on a DataFrame or call predict_proba"
            )
        return self.predict_matrix(as_matrix(features, names))

    def predict_matrix(self, matrix: np.ndarray) -> np.ndarray:
        """Probability of a drop for a float matrix with the fitted columns, in order."""
        check_is_fitted(self)
        if len(matrix) == 0:
            return np.zeros(0)
        # isotonic steps reach exactly 0 and 1; no contact is that certain
        with _threads_for(len(matrix)):
            probability = self.pipeline_.predict_proba(matrix)[:, 1]
        return np.clip(probability, PROBABILITY_FLOOR, 1.0 - PROBABILITY_FLOOR)

    @classmethod
    def from_fitted(cls, pipeline, feature_names, reference, metadata):
        """Rebuild a model from a fitted pipeline and its stored description (the registry).

        ``reference`` maps each feature name to its typical value.
        """
        metadata = dict(metadata)
        model = cls(label=metadata.get("label", "inactive"), random_state=metadata.get("seed", 0))
        model.pipeline_ = pipeline
        model.classes_ = pipeline.classes_
        model.feature_names_in_ = np.asarray(list(feature_names), dtype=object)
        model.n_features_in_ = len(model.feature_names_in_)
        model.reference_ = np.array([reference.get(n, 0.0) for n in feature_names], dtype=float)
        model.metadata_ = metadata
        return model


def fit_model(
    features: pd.DataFrame,
    labels,
    *,
    feature_names=None,
    label: str = "inactive",
    random_state: int = 0,
    metadata=None,
) -> EngagementDropModel:
    """Fit an :class:`EngagementDropModel` on the informative inputs of a feature table.

    ``feature_names`` defaults to :func:`models.features.feature_names` of ``features``;
    constant or all-missing columns among them are left out (:func:`informative_columns`).
    """
    from empathy_engine.models.features import feature_names as model_inputs

    names = informative_columns(features, feature_names or model_inputs(features))
    inputs = pd.DataFrame(as_matrix(features, names), columns=names, copy=False)
    model = EngagementDropModel(label=label, random_state=random_state)
    return model.fit(inputs, np.asarray(labels), metadata=metadata)


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
