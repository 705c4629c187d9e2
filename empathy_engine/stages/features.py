"""Stage 3: score message tone, drop the text, and compute point-in-time features."""

from __future__ import annotations

import pandas as pd

from empathy_engine.core.config import PipelineConfig, RunPaths
from empathy_engine.stages.extract import load


def build(paths: RunPaths, crms, config: PipelineConfig) -> dict:
    """Write ``activities.parquet`` (merged, text dropped by default) and ``features.parquet``."""
    from empathy_engine.models.features import add_tone, build_features

    from empathy_engine.models.requests import add_labels  # requests, topics (issue 9)

    activities = add_tone(add_labels(load(paths, "activities", crms)), keep_text=config.keep_text)
    contacts = load(paths, "contacts", crms)
    features = build_features(activities, contacts, cutoff=paths.run_date)
    activities.to_parquet(paths.file("activities.parquet"), index=False)
    contacts.to_parquet(paths.file("contacts.parquet"), index=False)
    features.to_parquet(paths.file("features.parquet"), index=False)
    if not config.keep_text:
        _drop_raw_text(paths, crms)
    return {"contacts": int(features["contact_key"].nunique()), "activities": len(activities),
            "features": [c for c in features.columns if c != "contact_key"]}


def _drop_raw_text(paths: RunPaths, crms) -> None:
    """Privacy: the per-CRM extracts keep no message text once it has been scored."""
    for crm in crms:
        path = paths.file(f"activities_{crm}.parquet")
        if path.exists():
            raw = pd.read_parquet(path)
            raw["text"] = None
            raw.to_parquet(path, index=False)
