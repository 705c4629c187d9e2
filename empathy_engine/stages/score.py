"""Stage 4: score every contact with the champion model (training one if none exists)."""

from __future__ import annotations

import logging

import pandas as pd

from empathy_engine.core.config import PipelineConfig, RunPaths

log = logging.getLogger(__name__)


def champion_summary(registry) -> dict:
    """Version, held-out metrics and baselines of the champion, for reports."""
    model = registry.champion()
    if model is None:
        return {}
    meta = model.metadata
    return {"version": registry.champion_version(), "metrics": meta.get("metrics", {}),
            "baselines": meta.get("baselines", {}), "notes": meta.get("notes", [])}


def train(paths: RunPaths, config: PipelineConfig, *, force: bool = False) -> dict:
    """Train on the run's history unless a champion exists; promote if not worse."""
    from empathy_engine.models.registry import ModelRegistry
    from empathy_engine.models.report import write_report
    from empathy_engine.models.training import train as train_model

    registry = ModelRegistry(paths.model_dir)
    if registry.champion_version() is not None and not force:
        return {"trained": False, **champion_summary(registry)}
    activities = pd.read_parquet(paths.file("activities.parquet"))
    contacts = pd.read_parquet(paths.file("contacts.parquet"))
    result = train_model(activities, contacts, cutoff=paths.run_date,
                         horizon_days=config.horizon_days, label=config.label, seed=config.seed)
    decision = registry.register(result)
    report = write_report(result, registry.path(decision["version"]) / "report.html")
    log.info("trained %s: %s (%s)", decision["version"], result.metrics, decision["reason"])
    return {"trained": True, "promotion": decision, "model_report": str(report),
            **champion_summary(registry)}


def score(paths: RunPaths, config: PipelineConfig) -> dict:
    """Write ``scores.parquet``: probability, reasons and the features the policy reads."""
    from empathy_engine.models.registry import ModelRegistry
    from empathy_engine.models.scoring import score as score_contacts

    training = train(paths, config)
    model = ModelRegistry(paths.model_dir).champion()
    scores = score_contacts(model, pd.read_parquet(paths.file("features.parquet")))
    scores.to_parquet(paths.file("scores.parquet"), index=False)
    return {"model_version": training.get("version"), "trained": training["trained"],
            "metrics": training.get("metrics", {}), "baselines": training.get("baselines", {}),
            "scored": len(scores), "mean_probability": float(scores["probability"].mean())}
