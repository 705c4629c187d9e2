"""Stage 4: score every contact with the champion model (training one if none exists)."""

from __future__ import annotations

import logging

import pandas as pd

from empathy.config import PipelineConfig, RunPaths

log = logging.getLogger(__name__)


def train_if_needed(paths: RunPaths, config: PipelineConfig, *, force: bool = False) -> dict:
    """Train on the run's history and register the model; promote it if it is not worse."""
    from models.registry import ModelRegistry
    from models.training import train

    registry = ModelRegistry(paths.model_dir)
    if registry.champion() is not None and not force:
        return registry.champion_metadata()
    activities = pd.read_parquet(paths.file("activities.parquet"))
    contacts = pd.read_parquet(paths.file("contacts.parquet"))
    result = train(activities, contacts, cutoff=paths.run_date, horizon_days=config.horizon_days,
                   label=config.label, seed=config.seed)
    entry = registry.register(result)
    log.info("trained model %s: %s", entry.get("version"), entry.get("metrics"))
    return registry.champion_metadata()


def score(paths: RunPaths, config: PipelineConfig) -> dict:
    """Write ``scores.parquet``: probability, reasons and the features the policy reads."""
    from models.registry import ModelRegistry
    from models.scoring import score as score_contacts

    metadata = train_if_needed(paths, config)
    model = ModelRegistry(paths.model_dir).champion()
    scores = score_contacts(model, pd.read_parquet(paths.file("features.parquet")))
    scores.to_parquet(paths.file("scores.parquet"), index=False)
    return {"model_version": metadata.get("version"), "metrics": metadata.get("metrics", {}),
            "scored": len(scores), "mean_probability": float(scores["probability"].mean())}
