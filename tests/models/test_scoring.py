"""Scoring: probabilities in range, the policy's columns, and readable reasons."""

from __future__ import annotations

import numpy as np
import pandas as pd

from empathy_engine.core.schema import POLICY_FEATURES
from empathy_engine.models.features import build_features
from empathy_engine.models.reasons import NOT_AT_RISK, group_effects, reason_texts
from empathy_engine.models.scoring import score


def test_score_returns_probabilities_reasons_and_policy_features(synthetic_crm, trained):
    activities, contacts, _ = synthetic_crm
    features = build_features(activities, contacts, trained.plan.cutoff)
    scores = score(trained.model, features)
    assert list(scores.columns[:3]) == ["contact_key", "probability", "reasons"]
    assert set(POLICY_FEATURES) <= set(scores.columns)
    assert len(scores) == len(features)
    assert scores["probability"].between(0, 1).all()
    at_risk = scores[scores["probability"] >= 0.5]
    assert len(at_risk) > 0
    assert (at_risk["reasons"] != NOT_AT_RISK).mean() > 0.85
    assert scores.loc[scores["probability"] < 0.2, "reasons"].eq(NOT_AT_RISK).all()


def test_silent_contacts_are_explained_by_their_silence(synthetic_crm, trained):
    activities, contacts, _ = synthetic_crm
    features = build_features(activities, contacts, trained.plan.cutoff)
    scores = score(trained.model, features)
    quiet = scores[(scores["days_since_last_activity"] > 60) & (scores["probability"] > 0.5)]
    assert quiet["reasons"].str.contains("no activity for").mean() > 0.8


def test_reason_texts_name_cases_tone_and_decline():
    rows = pd.DataFrame(
        [
            {
                "open_cases": 3,
                "escalated_open_cases": 1,
                "escalations_28d": 1,
                "days_since_last_escalation": 5.2,
                "last_messages_negative": 3,
                "last_messages_scored": 3,
                "activity_trend": 0.3,
            }
        ]
    )
    effects = pd.DataFrame({"cases": [0.3], "tone": [0.2], "decline": [0.1]})
    text = reason_texts(effects, rows, top=3)[0]
    assert text == (
        "3 open cases, one escalated 5 days ago; last 3 of 3 inbound messages "
        "negative; activity down 70% vs its 90-day average"
    )


def test_effects_that_lower_the_risk_are_not_reasons():
    effects = pd.DataFrame({"cases": [-0.3], "tone": [0.001]})
    assert reason_texts(effects, pd.DataFrame([{}]))[0] == NOT_AT_RISK


def test_group_effects_are_zero_for_a_typical_contact(trained):
    model = trained.model
    typical = model.reference_[np.newaxis, :]
    effects = group_effects(model, typical, model.predict_matrix(typical))
    assert np.allclose(effects.to_numpy(), 0.0)
