"""Scores for a probability forecast: ranking, precision and calibration."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

METRICS = ("auc", "pr_auc", "brier", "ece")
#: metrics where larger is better; the others are errors
HIGHER_IS_BETTER = {"auc": True, "pr_auc": True, "brier": False, "ece": False}


def expected_calibration_error(labels, probabilities, *, bins: int = 10) -> float:
    """Mean gap between predicted and observed rates over equal-width probability bins.

    Parameters
    ----------
    labels : array-like of {0, 1}
    probabilities : array-like of float in [0, 1]
    bins : int, default 10

    Returns
    -------
    float
        The bin-size-weighted mean of ``|mean(probability) - mean(label)|``.
    """
    labels = np.asarray(labels, dtype=float)
    probabilities = np.clip(np.asarray(probabilities, dtype=float), 0.0, 1.0)
    which = np.minimum((probabilities * bins).astype(int), bins - 1)
    counts = np.bincount(which, minlength=bins)
    predicted = np.bincount(which, weights=probabilities, minlength=bins)
    observed = np.bincount(which, weights=labels, minlength=bins)
    filled = counts > 0
    gaps = np.abs(predicted[filled] - observed[filled]) / counts[filled]
    return float(np.sum(gaps * counts[filled]) / max(len(labels), 1))


def score_forecast(labels, probabilities, ranking=None) -> dict:
    """ROC-AUC, PR-AUC, Brier score and ECE of one forecast.

    Parameters
    ----------
    labels : array-like of {0, 1}
    probabilities : array-like of float
        Calibrated probabilities (Brier and ECE are computed on these).
    ranking : array-like of float, optional
        A raw risk score for the ranking metrics (defaults to ``probabilities``); baselines
        rank on their raw score so that calibration ties cannot cost them AUC.

    Returns
    -------
    dict
        ``{"auc", "pr_auc", "brier", "ece"}``; the ranking metrics are NaN when only one
        class is present.
    """
    labels = np.asarray(labels)
    probabilities = np.asarray(probabilities, dtype=float)
    ranking = probabilities if ranking is None else np.asarray(ranking, dtype=float)
    ranking = np.nan_to_num(ranking, nan=np.nanmedian(ranking) if len(ranking) else 0.0)
    both_classes = len(np.unique(labels)) == 2
    return {
        "auc": float(roc_auc_score(labels, ranking)) if both_classes else float("nan"),
        "pr_auc": float(average_precision_score(labels, ranking)) if both_classes else float("nan"),
        "brier": float(brier_score_loss(labels, probabilities, labels=[0, 1])),
        "ece": expected_calibration_error(labels, probabilities),
    }
