"""Airflow tasks of the weekly training DAG: retrain on the latest nightly history."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from airflow.sdk import task

from empathy_engine.core.config import RunPaths
from empathy_engine.core.errors import ModelError

from .context import config_from_context, run_date_from_context


def latest_run(data_dir: str, on_or_before: date) -> date:
    """The most recent nightly run (by date) whose merged history is on disk."""
    runs = sorted(p.parent.name for p in Path(data_dir, "runs").glob("*/activities.parquet")
                  if p.parent.name <= on_or_before.isoformat())
    if not runs:
        raise ModelError(f"no nightly run with activities.parquet in {data_dir}/runs on or "
                         f"before {on_or_before}; run empathy_nightly first.")
    return date.fromisoformat(runs[-1])


@task
def train_challenger() -> dict:
    """Train on the latest run's history; the registry promotes it only if not worse."""
    from empathy_engine.stages.train import train

    config = config_from_context()
    run_date = latest_run(config.data_dir, run_date_from_context())
    result = train(RunPaths.of(config, run_date), config, force=True)
    return {"history_from_run": run_date.isoformat(), **result}
