"""Registry: skops round trip, refusing untrusted types, promotion and restore."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import skops.io as sio
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.pipeline import Pipeline

from empathy_engine.core.errors import ModelError
from empathy_engine.models.registry import ModelRegistry, load_pipeline


def _worse(result):
    """A copy of ``result`` whose model ranks the held-out rows backwards."""
    worse = copy.copy(result)
    worse.metrics = {**result.metrics, "auc": 1.0 - result.metrics["auc"]}
    return worse


def test_saved_model_loads_back_and_predicts_the_same(tmp_path, trained):
    registry = ModelRegistry(tmp_path)
    decision = registry.register(trained)
    assert decision["promoted"] and decision["reason"] == "first model"
    loaded = registry.champion()
    np.testing.assert_allclose(
        loaded.predict_drop(trained.holdout), trained.model.predict_drop(trained.holdout)
    )
    assert list(loaded.feature_names_in_) == list(trained.model.feature_names_in_)
    np.testing.assert_allclose(loaded.reference_, trained.model.reference_)
    assert loaded.get_params() == trained.model.get_params()
    assert loaded.metadata_["metrics"]["auc"] == pytest.approx(trained.metrics["auc"])
    assert {"data_window", "code_version", "label"} <= set(loaded.metadata_)
    assert (tmp_path / "versions" / "v0001" / "model.skops").exists()
    assert not list(tmp_path.rglob("*.pkl"))


class Smuggled(TransformerMixin, BaseEstimator):
    """Stands for any class a tampered model file could ask the loader to build."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return X


def test_a_file_with_an_untrusted_type_is_refused(tmp_path):
    path = tmp_path / "tampered.skops"
    sio.dump(Pipeline([("step", Smuggled())]), path)
    with pytest.raises(ModelError, match="Smuggled"):
        load_pipeline(path)


def test_a_worse_challenger_is_not_promoted(tmp_path, trained):
    registry = ModelRegistry(tmp_path)
    registry.register(trained)
    decision = registry.register(_worse(trained))
    assert not decision["promoted"]
    assert "worse than champion v0001" in decision["reason"]
    assert registry.champion_version() == "v0001"
    assert registry.versions() == ["v0001", "v0002"]


def test_an_equal_challenger_is_promoted_and_the_old_champion_can_be_restored(tmp_path, trained):
    registry = ModelRegistry(tmp_path)
    registry.register(trained)
    decision = registry.register(trained)
    assert decision["promoted"] and decision["champion"] == pytest.approx(decision["challenger"])
    assert registry.champion_version() == "v0002"
    registry.restore("v0001")
    assert registry.champion_version() == "v0001"
    with pytest.raises(ModelError, match="v0009"):
        registry.restore("v0009")


def test_an_empty_registry_has_no_champion(tmp_path):
    assert ModelRegistry(tmp_path).champion() is None


@pytest.mark.parametrize("calibration", ["isotonic", "sigmoid"])
def test_both_calibrations_round_trip(tmp_path, calibration):
    """Small training sets calibrate with sigmoid; the registry must load those too."""
    from empathy_engine.models.model import build_pipeline

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    y = (X[:, 0] + rng.normal(scale=0.5, size=300) > 0).astype(int)
    pipeline = build_pipeline(random_state=0, calibration=calibration).fit(X, y)
    sio.dump(pipeline, tmp_path / "m.skops")
    loaded = load_pipeline(tmp_path / "m.skops")
    np.testing.assert_allclose(loaded.predict_proba(X), pipeline.predict_proba(X))
