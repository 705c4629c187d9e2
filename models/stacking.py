"""Honest model selection: the model, a baseline, or a stack of them, chosen before the cutoff.

On sparse data (purchase-only logs) the gradient booster can rank no better than recency or
BG/NBD. :func:`fit_selector` decides what to ship using only the backtest's held-out period,
whose label window ``[holdout_cutoff, cutoff)`` ends before the evaluation cutoff:

- ``stack``  a logistic regression on the model's probability and the baselines' raw scores
  (logit or log transformed), fitted on the held-out rows; its held-out AUC is measured on
  cross-validated predictions so it competes with the others without fitting its own test rows;
- the candidate (``model``, ``stack`` or a baseline) with the highest held-out AUC is selected
  (ties go to the model, then the stack).

:meth:`Selector.forecast` then applies the choice to the rows scored at the cutoff. No label
at or after the cutoff is ever read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from empathy_engine.models.model import build_pipeline

#: the stack's inputs, in order (``model`` is the booster's probability)
STACK_INPUTS = ("model", "recency", "rfm", "bgnbd")
#: fewer held-out rows (or rows of the rarer class) than this: keep the model
MIN_ROWS = 200
MIN_CLASS_ROWS = 20


def _transform(name: str, score) -> np.ndarray:
    score = np.nan_to_num(np.asarray(score, dtype=float))
    if name == "recency":
        return np.log1p(score.clip(min=0))
    p = np.clip(score, 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def stack_matrix(scores: dict, inputs) -> np.ndarray:
    """The stack's design matrix from ``{name: raw score}`` (the model's is its probability)."""
    return np.column_stack([_transform(name, scores[name]) for name in inputs])


@dataclass
class Selector:
    """What :func:`fit_selector` chose and how every candidate did on the held-out period."""

    selected: str = "model"
    holdout_auc: dict = field(default_factory=dict)
    inputs: tuple = ()
    stack: object = None

    def forecast(self, probability, predicted: dict):
        """``(ranking, probability)`` of the shipped forecast on rows scored at the cutoff.

        ``probability`` is the model's; ``predicted`` is ``Baselines.predict`` on the
        same rows (``{name: (raw, probability)}``).
        """
        probability = np.asarray(probability, dtype=float)
        if self.selected == "model":
            return probability, probability
        usable = {"model", "stack", *predicted}
        if self.selected not in usable or not set(self.inputs) <= usable:
            return probability, probability  # a baseline could not be fitted at the cutoff
        if self.selected == "stack":
            scores = {"model": probability, **{n: raw for n, (raw, _) in predicted.items()}}
            stacked = self.stack.predict_proba(stack_matrix(scores, self.inputs))[:, 1]
            return stacked, stacked
        return predicted[self.selected]

    def summary(self) -> dict:
        """JSON-serialisable: the choice, held-out AUCs and (for a stack) its coefficients."""
        out = {"selected": self.selected, "holdout_auc": dict(self.holdout_auc)}
        if self.stack is not None:
            regression = self.stack[-1]
            scale = self.stack[0].scale_
            out["stack"] = {
                "inputs": list(self.inputs),
                "coef": [float(c) for c in regression.coef_[0] / scale],
                "intercept": float(regression.intercept_[0]),
            }
        return out


def fit_selector(holdout, predicted: dict, *, seed: int = 0) -> Selector:
    """Choose model, stack or baseline on the held-out rows.

    Parameters
    ----------
    holdout : pandas.DataFrame
        Held-out rows with ``label`` (window ending before the evaluation cutoff) and the
        measured model's ``probability``.
    predicted : dict
        ``Baselines.predict(holdout)``: ``{name: (raw, probability)}``.
    seed : int, default 0
        Seed of the cross-validation folds.
    """
    labels = holdout["label"].to_numpy().astype(int)
    scores = {"model": holdout["probability"].to_numpy(float)}
    scores.update({name: raw for name, (raw, _) in predicted.items()})
    minority = min(labels.sum(), len(labels) - labels.sum())
    if len(labels) < MIN_ROWS or minority < MIN_CLASS_ROWS:
        return Selector()
    auc = {name: float(roc_auc_score(labels, s)) for name, s in scores.items()}
    inputs = tuple(name for name in STACK_INPUTS if name in scores)
    matrix = stack_matrix(scores, inputs)
    stack = build_pipeline("logistic", C=1.0, max_iter=1000)
    folds = StratifiedKFold(5, shuffle=True, random_state=seed)
    cross = cross_val_predict(stack, matrix, labels, cv=folds, method="predict_proba")[:, 1]
    auc["stack"] = float(roc_auc_score(labels, cross))
    order = ["model", "stack", *[n for n in auc if n not in ("model", "stack")]]
    best = max(order, key=lambda name: (auc[name], -order.index(name)))
    fitted = stack.fit(matrix, labels) if best == "stack" else None
    return Selector(best, auc, inputs if fitted is not None else (), fitted)
