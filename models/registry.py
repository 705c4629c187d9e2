"""Versioned models on disk, with a champion that a worse challenger never replaces.

Layout under ``root``::

    versions/v0001/model.skops       the fitted pipeline (skops, never pickle)
    versions/v0001/metadata.json     features, reference values, data window, metrics, code
    versions/v0001/report.html       the training report, when one was written
    champion.json                    {"version": "v0001", "history": [...]}

Loading refuses any type in the file that is not on :data:`TRUSTED_TYPES`: a model file is
code, and a tampered one must fail loudly instead of running.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import skops.io as sio

from empathy_engine.core.errors import ModelError
from empathy_engine.models.metrics import score_forecast
from empathy_engine.models.model import EngagementDropModel

#: types beyond skops' defaults that an engagement-drop pipeline legitimately contains
TRUSTED_TYPES = (
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",  # small training sets calibrate with sigmoid
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
)
#: the metric the promotion rule compares, and the slack allowed for noise
PROMOTION_METRIC = "auc"


class ModelRegistry:
    """Save, load, promote and restore engagement-drop models.

    Parameters
    ----------
    root : str or Path
        Directory of the registry (created when missing).
    tolerance : float, default 0.0
        A challenger is promoted when its held-out ROC-AUC is at least the champion's on the
        same rows minus ``tolerance``.
    """

    def __init__(self, root, *, tolerance: float = 0.0):
        self.root = Path(root)
        self.tolerance = tolerance

    # --- reading --------------------------------------------------------------------------
    def versions(self) -> list[str]:
        """All registered versions, oldest first."""
        folder = self.root / "versions"
        return sorted(p.name for p in folder.iterdir()) if folder.exists() else []

    def champion_version(self) -> str | None:
        """The version currently promoted, or None."""
        return self._pointer().get("version")

    def champion(self) -> EngagementDropModel | None:
        """Load the champion model, or return None when nothing was promoted yet."""
        version = self.champion_version()
        return self.load(version) if version else None

    def load(self, version: str) -> EngagementDropModel:
        """Load one version, trusting only :data:`TRUSTED_TYPES` beyond skops' defaults."""
        folder = self.root / "versions" / version
        if not folder.exists():
            raise ModelError(
                f"model version {version!r} is not in {self.root}; have {self.versions()}"
            )
        pipeline = load_pipeline(folder / "model.skops")
        meta = json.loads((folder / "metadata.json").read_text())
        return EngagementDropModel.from_fitted(pipeline, meta["feature_names"], meta["reference"], meta)

    def path(self, version: str) -> Path:
        """The folder of one version (reports are written beside the model)."""
        return self.root / "versions" / version

    # --- writing --------------------------------------------------------------------------
    def register(self, result, *, promote: bool = True) -> dict:
        """Save a training result as a new version and promote it if it is not worse.

        Parameters
        ----------
        result : models.training.TrainingResult
        promote : bool, default True
            Apply the promotion rule; False only saves.

        Returns
        -------
        dict
            ``{"version", "promoted", "reason", "challenger", "champion"}`` where the last two
            are the compared metric values (None when there was no comparison).
        """
        version = self._next_version()
        self._save(version, result.model)
        decision = {
            "version": version,
            "promoted": False,
            "reason": "saved only",
            "challenger": None,
            "champion": None,
        }
        if promote:
            decision.update(self._compare(result))
            if decision["promoted"]:
                self._set_champion(version, decision["reason"])
        self._write_json(self.path(version) / "promotion.json", decision)
        return decision

    def restore(self, version: str) -> None:
        """Make an earlier version the champion again."""
        if version not in self.versions():
            raise ModelError(f"cannot restore {version!r}: not in {self.versions()}")
        self._set_champion(version, "restored by hand")

    # --- internals ------------------------------------------------------------------------
    def _compare(self, result) -> dict:
        champion_version = self.champion_version()
        challenger = result.metrics.get(PROMOTION_METRIC)
        if champion_version is None:
            return {"promoted": True, "reason": "first model", "challenger": challenger}
        champion = self.load(champion_version)
        holdout = result.holdout
        labels = holdout["label"].to_numpy()
        rival = score_forecast(labels, champion.predict_drop(holdout))[PROMOTION_METRIC]
        reason = _contamination(champion, result)
        if math.isnan(challenger) or math.isnan(rival):
            return {
                "promoted": False,
                "reason": "held-out labels have one class only",
                "challenger": challenger,
                "champion": rival,
            }
        promoted = challenger >= rival - self.tolerance
        verdict = "not worse than" if promoted else "worse than"
        text = (
            f"challenger {PROMOTION_METRIC} {challenger:.4f} {verdict} champion "
            f"{champion_version} {rival:.4f} on the same held-out rows{reason}"
        )
        return {"promoted": promoted, "reason": text, "challenger": challenger, "champion": rival}

    def _save(self, version: str, model: EngagementDropModel) -> None:
        folder = self.path(version)
        folder.mkdir(parents=True, exist_ok=False)
        sio.dump(model.pipeline_, folder / "model.skops")
        names = [str(name) for name in model.feature_names_in_]
        meta = {
            **model.metadata_,
            "version": version,
            "feature_names": names,
            "reference": {n: float(v) for n, v in zip(names, model.reference_, strict=True)},
        }
        self._write_json(folder / "metadata.json", meta)

    def _next_version(self) -> str:
        versions = self.versions()
        number = int(versions[-1][1:]) + 1 if versions else 1
        return f"v{number:04d}"

    def _pointer(self) -> dict:
        path = self.root / "champion.json"
        return json.loads(path.read_text()) if path.exists() else {}

    def _set_champion(self, version: str, reason: str) -> None:
        pointer = self._pointer()
        history = pointer.get("history", [])
        history.append(
            {"version": version, "reason": reason, "at": pd.Timestamp.now(tz="UTC").isoformat()}
        )
        self._write_json(self.root / "champion.json", {"version": version, "history": history})

    @staticmethod
    def _write_json(path: Path, payload: dict) -> None:
        # write then rename: a crash never leaves half a pointer file behind
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(payload, indent=2, default=_json_default))
        os.replace(tmp, path)


def load_pipeline(path) -> object:
    """Load a skops file, refusing any type outside skops' defaults and TRUSTED_TYPES."""
    untrusted = sio.get_untrusted_types(file=path)
    refused = sorted(set(untrusted) - set(TRUSTED_TYPES))
    if refused:
        raise ModelError(
            f"{path} contains types that are not trusted: {refused}. A model file can run "
            "code when loaded; retrain the model with this code version instead of loading it."
        )
    return sio.load(path, trusted=list(untrusted))


def _contamination(champion: EngagementDropModel, result) -> str:
    label_end = champion.metadata_.get("training_label_end")
    holdout_start = result.plan.holdout_cutoff if result.plan else None
    if label_end and holdout_start is not None and pd.Timestamp(label_end) > holdout_start:
        return " (note: the champion's training labels overlap this period)"
    return ""


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} in model metadata")
