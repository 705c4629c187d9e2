"""Training: strictly out-of-time windows, metrics, and a model that beats the baselines."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from empathy_engine.core.errors import ModelError
from empathy_engine.models.training import plan_backtest, train

CUTOFF = pd.Timestamp("2024-08-01", tz="UTC")


def test_training_labels_end_before_the_held_out_period():
    plan = plan_backtest(CUTOFF - pd.Timedelta(days=365), CUTOFF, 28)
    assert plan.holdout_cutoff == CUTOFF - pd.Timedelta(days=28)
    assert len(plan.training_cutoffs) == 6
    for cutoff in plan.training_cutoffs:
        assert cutoff + pd.Timedelta(days=plan.label_window_days) <= plan.holdout_cutoff
    assert not plan.notes


def test_short_history_shrinks_the_label_window_and_says_so():
    plan = plan_backtest(CUTOFF - pd.Timedelta(days=40), CUTOFF, 28)
    assert plan.label_window_days == 13
    assert "shorter" in plan.notes[0] and "13-day" in plan.notes[0]
    with pytest.raises(ModelError, match="days of history"):
        plan_backtest(CUTOFF - pd.Timedelta(days=15), CUTOFF, 28)


def test_training_reports_metrics_for_model_and_baselines(trained):
    for metrics in [trained.metrics, *trained.baselines.values()]:
        assert set(metrics) >= {"auc", "pr_auc", "brier", "ece"}
    assert set(trained.baselines) == {"recency", "trend", "rfm", "bgnbd"}
    assert trained.metrics["n"] == len(trained.holdout)
    assert 0 < trained.metrics["label_rate"] < 1


def test_model_beats_every_baseline_on_inactivity(trained):
    # measured: model 0.987; recency 0.978, rfm 0.978, bgnbd 0.979, trend 0.775
    auc = trained.metrics["auc"]
    assert auc > trained.baselines["trend"]["auc"] + 0.1
    for name in ("recency", "rfm", "bgnbd"):
        assert auc > trained.baselines[name]["auc"], name
    assert trained.metrics["ece"] < 0.05


def test_model_beats_every_baseline_on_the_drop_label(synthetic_crm, trained):
    activities, contacts, _ = synthetic_crm
    result = train(activities, contacts, trained.plan.cutoff, label="drop", seed=0)
    best_baseline = max(m["auc"] for m in result.baselines.values())
    assert result.metrics["auc"] > best_baseline + 0.01


def test_same_seed_same_model_without_any_activity_after_the_cutoff(synthetic_crm, trained):
    # retraining on the past alone reproduces the model exactly: deterministic for a seed,
    # and nothing at or after the cutoff was read
    activities, contacts, _ = synthetic_crm
    past = activities[activities["ts"] < trained.plan.cutoff]
    again = train(past, contacts, trained.plan.cutoff, seed=0)
    np.testing.assert_allclose(again.holdout["probability"], trained.holdout["probability"])
