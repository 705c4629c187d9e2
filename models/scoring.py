"""Score contacts: probability of an engagement drop, with plain-language reasons."""

from __future__ import annotations

import numpy as np
import pandas as pd

from empathy_engine.core.schema import POLICY_FEATURES
from empathy_engine.models.model import EngagementDropModel, as_matrix
from empathy_engine.models.reasons import (
    NOT_AT_RISK,
    TEXT_COLUMNS,
    describe,
    group_effects,
    reason_texts,
)

#: rows are explained in chunks, bounding the memory of the what-if copies
_CHUNK_ROWS = 50_000


def score(
    model: EngagementDropModel,
    features: pd.DataFrame,
    *,
    explain_min_probability: float = 0.2,
    max_explained: int = 100_000,
) -> pd.DataFrame:
    """Score every contact in a feature table.

    Parameters
    ----------
    model : EngagementDropModel
        A fitted model (from :func:`models.training.train` or the registry).
    features : pandas.DataFrame
        Output of :func:`models.features.build_features`.
    explain_min_probability : float, default 0.2
        Contacts below this probability get the reason "no sign of an engagement drop"
        without the cost of explaining them; set 0 to explain everyone.
    max_explained : int, default 100000
        At most this many contacts (the highest probabilities) are explained by measuring
        their features' effects; other at-risk contacts get a plain description of their
        silence and trend (no person works through more tasks than that in a night).

    Returns
    -------
    pandas.DataFrame
        ``contact_key``, ``probability``, ``reasons`` and every
        :data:`empathy.schema.POLICY_FEATURES` column, one row per input row.
    """
    matrix = as_matrix(features, model.feature_names_in_)
    probability = model.predict_matrix(matrix)
    reasons = np.full(len(features), NOT_AT_RISK, dtype=object)
    at_risk = np.flatnonzero(probability >= explain_min_probability)
    ranked = at_risk[np.argsort(-probability[at_risk], kind="stable")]
    explain, described = ranked[:max_explained], ranked[max_explained:]
    reasons[described] = describe(features.iloc[described])
    text_columns = [column for column in TEXT_COLUMNS if column in features.columns]
    for start in range(0, len(explain), _CHUNK_ROWS):
        rows = explain[start : start + _CHUNK_ROWS]
        effects = group_effects(model, matrix[rows], probability[rows])
        reasons[rows] = reason_texts(effects, features.iloc[rows][text_columns])
    out = pd.DataFrame(
        {
            "contact_key": features["contact_key"].to_numpy(),
            "probability": probability,
            "reasons": reasons,
        }
    )
    for column in POLICY_FEATURES:
        out[column] = features[column].to_numpy()
    return out
