"""Uplift on a randomized experiment: cross-fitted T-learner scores and the Qini coefficient.

``evaluate_uplift`` takes one row per person (a treatment column, an outcome column, every
other column a feature, numeric or categorical), fits per fold one classifier on the treated
and one on the controls (a T-learner, gradient-boosted trees as the product's model), and
scores the held-out fold with ``P(outcome | treated) - P(outcome | control)``. The Qini curve
and coefficient are a few lines of numpy (``qini_curve``, ``qini_coefficient``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import StratifiedKFold


def qini_curve(uplift: np.ndarray, treated: np.ndarray, outcome: np.ndarray):
    """(share targeted, incremental outcomes) after each person, ranked by ``uplift`` (desc).

    Incremental outcomes at k = Y_t(k) - Y_c(k) * N_t(k) / N_c(k) (0 while N_c(k) = 0).
    """
    order = np.argsort(-np.asarray(uplift, dtype=float), kind="stable")
    t = np.asarray(treated, dtype=bool)[order]
    y = np.asarray(outcome, dtype=float)[order]
    n_t, n_c = np.cumsum(t), np.cumsum(~t)
    y_t, y_c = np.cumsum(y * t), np.cumsum(y * ~t)
    gain = y_t - np.divide(y_c * n_t, n_c, out=np.zeros(len(y)), where=n_c > 0)
    share = np.arange(1, len(y) + 1) / len(y)
    return np.concatenate([[0.0], share]), np.concatenate([[0.0], gain])


def qini_coefficient(uplift, treated, outcome) -> float:
    """Area between the Qini curve and random targeting's straight line, per person
    (incremental outcomes / N, integrated over the share targeted)."""
    share, gain = qini_curve(uplift, treated, outcome)
    above = (gain - share * gain[-1]) / len(np.asarray(outcome))
    return float(np.sum((above[1:] + above[:-1]) / 2 * np.diff(share)))


def uplift_at(uplift, treated, outcome, share: float = 0.3) -> float:
    """Treated minus control outcome rate among the top ``share`` by uplift."""
    order = np.argsort(-np.asarray(uplift, dtype=float), kind="stable")
    top = order[: max(1, int(round(share * len(order))))]
    t = np.asarray(treated, dtype=bool)[top]
    y = np.asarray(outcome, dtype=float)[top]
    if not t.any() or t.all():
        return float("nan")
    return float(y[t].mean() - y[~t].mean())


def _matrix(features: pd.DataFrame) -> pd.DataFrame:
    out = features.copy()
    for column in out.columns:
        if not pd.api.types.is_numeric_dtype(out[column]) or pd.api.types.is_bool_dtype(
                out[column]):
            out[column] = out[column].astype("category")
    return out


def cross_fitted_uplift(features: pd.DataFrame, treated: np.ndarray, outcome: np.ndarray, *,
                        folds: int = 5, seed: int = 0) -> np.ndarray:
    """Out-of-fold T-learner uplift scores (each row scored by models that never saw it)."""
    x = _matrix(features.reset_index(drop=True))
    t = np.asarray(treated, dtype=bool)
    y = np.asarray(outcome).astype(int)
    scores = np.zeros(len(x))
    strata = t.astype(int) * 2 + y
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(x, strata):
        predictions = []
        for arm in (True, False):
            rows = train[t[train] == arm]
            model = HistGradientBoostingClassifier(max_iter=150, learning_rate=0.06,
                                                   categorical_features="from_dtype",
                                                   random_state=seed)
            model.fit(x.iloc[rows], y[rows])
            predictions.append(model.predict_proba(x.iloc[test])[:, 1])
        scores[test] = predictions[0] - predictions[1]
    return scores


def evaluate_uplift(data: pd.DataFrame, *, treatment: str, treated_value, outcome: str,
                    folds: int = 5, seed: int = 0) -> tuple[dict, pd.DataFrame]:
    """Qini and uplift@30% for the model, a risk ranking and random; and the row scores."""
    treated = (data[treatment].astype(str) == str(treated_value)).to_numpy()
    y = pd.to_numeric(data[outcome], errors="coerce").fillna(0).to_numpy() > 0
    features = data.drop(columns=[treatment, outcome])
    uplift = cross_fitted_uplift(features, treated, y, folds=folds, seed=seed)
    # risk ranking: P(no outcome) among the controls, cross-fitted the same way
    risk = -_control_probability(features, treated, y, folds, seed)
    random = np.random.default_rng(seed).random(len(y))
    report = {name: {"qini": qini_coefficient(s, treated, y),
                     "uplift_at_30": uplift_at(s, treated, y, 0.3)}
              for name, s in (("model", uplift), ("risk", risk), ("random", random))}
    report["rows"], report["treated_share"] = int(len(y)), float(treated.mean())
    return report, pd.DataFrame({"row": np.arange(len(y)), "uplift": uplift})


def _control_probability(features, treated, y, folds, seed) -> np.ndarray:
    x = _matrix(features.reset_index(drop=True))
    out = np.zeros(len(x))
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(x, y):
        rows = train[~treated[train]]
        model = HistGradientBoostingClassifier(max_iter=150, categorical_features="from_dtype",
                                               random_state=seed).fit(x.iloc[rows], y[rows])
        out[test] = model.predict_proba(x.iloc[test])[:, 1]
    return out
