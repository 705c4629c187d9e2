"""The model on the scikit-learn estimator contract, and the one pipeline factory."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.pipeline import Pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from empathy_engine.core.errors import ModelError
from empathy_engine.models.bgnbd import BetaGeometricNBD
from empathy_engine.models.model import (
    EngagementDropModel,
    build_pipeline,
    fit_model,
    monotonic_constraints,
)

#: BG/NBD reads exactly the columns (x, t_x, T); these generic checks feed it other widths
_BGNBD_WIDTH = "BG/NBD reads exactly three columns (x, t_x, T); the check feeds another width"
_BGNBD_EXPECTED_FAILURES = {
    name: _BGNBD_WIDTH
    for name in (
        "check_estimators_overwrite_params",
        "check_estimators_fit_returns_self",
        "check_readonly_memmap_input",
        "check_n_features_in_after_fitting",
        "check_positive_only_tag_during_fit",
        "check_estimators_dtypes",
        "check_dtype_object",
        "check_fit2d_1sample",
        "check_fit_idempotent",
        "check_fit_check_is_fitted",
        "check_n_features_in",
    )
}


def _expected_failures(estimator):
    """Checks a custom estimator fails by design, each with its reason (none for the model)."""
    return _BGNBD_EXPECTED_FAILURES if isinstance(estimator, BetaGeometricNBD) else {}


# a small leaf lets the checks' small data sets split; the product keeps the default of 100
@parametrize_with_checks(
    [EngagementDropModel(min_samples_leaf=5), BetaGeometricNBD()],
    expected_failed_checks=_expected_failures,
)
def test_custom_estimators_pass_the_scikit_learn_checks(estimator, check):
    check(estimator)


def _table(n=600, seed=0):
    rng = np.random.default_rng(seed)
    silence = rng.exponential(20, n)
    table = pd.DataFrame(
        {
            "contact_key": [f"c{i}@example.com" for i in range(n)],
            "days_since_last_activity": silence,
            "p_alive": rng.uniform(0, 1, n),
            "noise": rng.normal(size=n),
            "constant": 1.0,
        }
    )
    labels = (silence + rng.normal(scale=10, size=n) > 20).astype(int)
    return table, labels


def test_the_estimator_stores_its_arguments_and_learns_into_trailing_underscores():
    model = EngagementDropModel(label="drop", random_state=3)
    assert vars(model) == {"label": "drop", "random_state": 3, "min_samples_leaf": 100}
    table, labels = _table()
    inputs = table[["days_since_last_activity", "p_alive", "noise"]]
    assert model.fit(inputs, labels) is model
    learned = set(vars(model)) - set(model.get_params())
    assert learned and all(name.endswith("_") for name in learned)
    assert list(model.feature_names_in_) == list(inputs.columns)
    assert model.get_params() == {"label": "drop", "random_state": 3, "min_samples_leaf": 100}
    assert clone(model).get_params() == model.get_params()


def test_fit_model_keeps_informative_inputs_and_constrains_them_by_name():
    table, labels = _table()
    model = fit_model(table, labels, metadata={"label": "inactive"})
    # contact_key is no model input; a constant column carries nothing
    assert list(model.feature_names_in_) == ["days_since_last_activity", "p_alive", "noise"]
    booster = model.pipeline_[-1].estimator
    assert list(booster.monotonic_cst) == [1, -1, 0]
    assert model.metadata_ == {"label": "inactive"}
    drop = model.predict_drop(table)  # a wider table: inputs are read by name
    np.testing.assert_allclose(drop, model.predict_proba(table[model.feature_names_in_])[:, 1])
    assert drop.min() >= 0.001 and drop.max() <= 0.999
    assert model.reference_.shape == (3,)
    with pytest.raises(ModelError, match="p_alive"):
        model.predict_drop(table.drop(columns="p_alive"))


def test_one_label_is_a_model_error_that_names_the_cause():
    table, labels = _table()
    with pytest.raises(ModelError, match="one class"):
        fit_model(table, np.zeros_like(labels))


def test_monotonic_constraints_follow_the_label():
    names = ["days_since_last_activity", "engaged_28d", "tone_mean_28d"]
    assert monotonic_constraints(names, "inactive") == [1, -1, 0]
    assert monotonic_constraints(names, "drop") == [1, 0, 0]


def test_one_factory_builds_every_pipeline():
    booster = build_pipeline(random_state=1, calibration="sigmoid", monotonic_cst=[1, 0])
    assert isinstance(booster, Pipeline) and [n for n, _ in booster.steps] == ["classifier"]
    assert booster[-1].method == "sigmoid"
    assert booster[-1].estimator.random_state == 1
    logistic = build_pipeline("logistic", C=0.5, max_iter=50)
    assert [n for n, _ in logistic.steps] == ["scale", "classifier"]
    assert logistic[-1].C == 0.5 and logistic[-1].max_iter == 50
    with pytest.raises(ValueError, match="unknown pipeline kind"):
        build_pipeline("forest")


def test_bgnbd_is_fitted_on_the_three_summary_columns():
    rng = np.random.default_rng(0)
    n = 2000
    big_t = rng.uniform(30, 300, n)
    t_x = big_t * rng.uniform(0, 1, n)
    x = rng.poisson(t_x / 14)
    model = BetaGeometricNBD(random_state=1)
    assert model.fit(np.column_stack([x, t_x, big_t])) is model
    assert min(model.r_, model.alpha_, model.a_, model.b_) > 0
    alive = model.probability_alive(x, t_x, big_t)
    assert ((alive >= 0) & (alive <= 1)).all()
