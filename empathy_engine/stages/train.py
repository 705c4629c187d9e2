"""Training the model on a run's history: the weekly DAG's step, and the first night's bootstrap.

``train`` trains a challenger and promotes it only if it is not worse than the champion;
``ensure_champion`` trains only when no champion exists yet (the very first nightly run), and
says so in the log, so that scoring never silently becomes training.
"""

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
    meta = model.metadata_
    return {"version": registry.champion_version(), "metrics": meta.get("metrics", {}),
            "baselines": meta.get("baselines", {}), "notes": meta.get("notes", [])}


def train(paths: RunPaths, config: PipelineConfig, *, force: bool = False) -> dict:
    """Train on the run's history unless a champion exists; promote if not worse."""
    from empathy_engine.models.model_report import write_report
    from empathy_engine.models.registry import ModelRegistry
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


def ensure_champion(paths: RunPaths, config: PipelineConfig) -> dict:
    """The champion's summary; trains the first model when the registry is empty."""
    from empathy_engine.models.registry import ModelRegistry

    registry = ModelRegistry(paths.model_dir)
    if registry.champion_version() is not None:
        return {"trained": False, **champion_summary(registry)}
    log.warning("no champion model in %s yet: training the first one on this run's history "
                "(later runs reuse it; the weekly DAG trains challengers)", paths.model_dir)
    return train(paths, config, force=True)
