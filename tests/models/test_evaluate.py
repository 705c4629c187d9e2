"""Evaluation on any export: flexible loading, purchase-only logs, the printed table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from empathy_engine.core.errors import ModelError
from empathy_engine.models.evaluate import (
    evaluate,
    format_evaluation,
    load_activities,
    load_contacts,
)
from empathy_engine.models.stacking import fit_selector


def test_loader_maps_common_transaction_column_names(tmp_path):
    path = tmp_path / "retail.csv"
    pd.DataFrame(
        {
            "InvoiceNo": ["1", "2"],
            "CustomerID": [17850, 13047],
            "InvoiceDate": ["2010-12-01 08:26", "2010-12-02 09:00"],
            "Quantity": [6, 2],
            "UnitPrice": [2.55, 3.0],
        }
    ).to_csv(path, index=False)
    activities = load_activities(path)
    assert activities["contact_key"].tolist() == ["17850", "13047"]
    assert activities["kind"].eq("purchase").all()
    assert activities["amount"].tolist() == pytest.approx([15.3, 6.0])
    assert str(activities["ts"].dt.tz) == "UTC"


def test_loader_reads_headerless_cdnow_style_files(tmp_path):
    path = tmp_path / "cdnow.txt"
    path.write_text("00001 19970101 1 11.77\n00002 19970112 1 12.00\n")
    activities = load_activities(path)
    assert activities["ts"].dt.strftime("%Y-%m-%d").tolist() == ["1997-01-01", "1997-01-12"]
    assert activities["amount"].tolist() == pytest.approx([11.77, 12.0])


def test_loader_names_the_missing_columns(tmp_path):
    path = tmp_path / "bad.csv"
    pd.DataFrame({"customer_id": [1], "colour": ["red"]}).to_csv(path, index=False)
    with pytest.raises(ModelError, match="ts"):
        load_activities(path)


def test_contacts_loader_reads_opt_out_flags(tmp_path):
    path = tmp_path / "contacts.csv"
    pd.DataFrame({"Email": ["a@x", "b@x"], "HasOptedOutOfEmail": ["true", "false"]}).to_csv(
        path, index=False
    )
    contacts = load_contacts(path)
    assert contacts["opted_out"].tolist() == [True, False]


def test_evaluate_works_on_a_purchase_only_log(synthetic_crm, trained):
    activities, _, _ = synthetic_crm
    purchases = activities.loc[activities["kind"] == "purchase", ["contact_key", "ts", "amount"]]
    purchases = purchases.assign(kind="purchase")
    result = evaluate(
        purchases, cutoff=trained.plan.cutoff - pd.Timedelta(days=30), horizon_days=28
    )
    assert {"model", "recency", "trend", "rfm", "bgnbd"} <= set(result["auc"])
    assert 0 < result["label_rate"] < 1 and result["n"] > 500
    assert result["auc"]["model"] > 0.6
    table = format_evaluation(result)
    assert "ROC-AUC" in table and "bgnbd" in table


def _purchases(activities):
    purchases = activities.loc[activities["kind"] == "purchase", ["contact_key", "ts", "amount"]]
    return purchases.assign(kind="purchase")


def test_selection_never_sees_labels_at_or_after_the_cutoff(synthetic_crm, trained):
    activities, _, _ = synthetic_crm
    purchases = _purchases(activities)
    cutoff = trained.plan.cutoff - pd.Timedelta(days=30)
    # flip the outcome of half the contacts: all their purchases from the cutoff on vanish
    keys = purchases["contact_key"].drop_duplicates().sample(frac=0.5, random_state=1)
    later = (purchases["ts"] >= cutoff) & purchases["contact_key"].isin(keys)
    perturbed = purchases.loc[~later]
    assert later.any()
    kept = evaluate(purchases, cutoff=cutoff, horizon_days=28)
    changed = evaluate(perturbed, cutoff=cutoff, horizon_days=28)
    assert changed["label_rate"] > kept["label_rate"]  # the perturbation reached the labels
    assert changed["selection"] == kept["selection"]  # ... but not the selection or stack
    assert kept["selection"]["selected"] in kept["auc"] or kept["selection"]["selected"] == "stack"
    assert any("selected on the held-out period" in note for note in kept["notes"])


def test_selector_picks_the_best_held_out_forecast_and_applies_it():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 2000)
    noise = rng.random(2000)
    holdout = pd.DataFrame({"label": labels, "probability": noise})
    recency = labels * 30 + rng.random(2000) * 40  # informative; the "model" is noise
    predicted = {"recency": (recency, recency / 70), "rfm": (noise, noise)}
    selector = fit_selector(holdout, predicted)
    assert selector.selected in ("recency", "stack")
    assert selector.holdout_auc["recency"] > 0.8 > 0.6 > selector.holdout_auc["model"]
    ranking, probability = selector.forecast(noise, predicted)
    assert roc_auc_score(labels, ranking) > 0.8
    assert ((0 <= probability) & (probability <= 1)).all()


def test_selector_keeps_the_model_when_the_held_out_period_is_too_small():
    holdout = pd.DataFrame({"label": [0, 1] * 10, "probability": [0.2, 0.8] * 10})
    selector = fit_selector(holdout, {"recency": (np.zeros(20), np.zeros(20))})
    assert selector.selected == "model" and selector.stack is None
