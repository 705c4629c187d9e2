"""Stage 4: score every contact with the champion model (``train.ensure_champion`` first)."""

from __future__ import annotations

import logging

import pandas as pd

from empathy_engine.core.config import PipelineConfig, RunPaths
from empathy_engine.stages.train import ensure_champion

log = logging.getLogger(__name__)


def score(paths: RunPaths, config: PipelineConfig) -> dict:
    """Write ``scores.parquet``: probability, reasons and the features the policy reads."""
    from empathy_engine.models.registry import ModelRegistry
    from empathy_engine.models.scoring import score as score_contacts

    training = ensure_champion(paths, config)
    model = ModelRegistry(paths.model_dir).champion()
    scores = score_contacts(model, pd.read_parquet(paths.file("features.parquet")))
    scores.to_parquet(paths.file("scores.parquet"), index=False)
    return {"model_version": training.get("version"), "trained": training["trained"],
            "metrics": training.get("metrics", {}), "baselines": training.get("baselines", {}),
            "scored": len(scores), "mean_probability": float(scores["probability"].mean())}
