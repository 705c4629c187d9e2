"""Outcome measurement: the uplift of each action, weeks after a decision run.

Reads the decision run's scores and decisions and a later run's activity, re-derives the
action each held-out contact would have received (the policy is deterministic), and writes
``outcomes_<decision date>.json`` into the later run's directory.
"""

from __future__ import annotations

import json
from datetime import date

import pandas as pd

from empathy_engine.core.config import PipelineConfig, RunPaths


def measure(config: PipelineConfig, decided_on: date, observed_on: date) -> dict:
    """Uplift per action of the decisions made on ``decided_on``, seen on ``observed_on``."""
    from empathy_engine.models.outcomes import engaged_after, uplift
    from empathy_engine.models.policy import EmpathyPolicy

    decided, observed = RunPaths.of(config, decided_on), RunPaths.of(config, observed_on)
    decisions = pd.read_parquet(decided.file("decisions.parquet"))
    scores = pd.read_parquet(decided.file("scores.parquet"))
    profile = pd.read_parquet(decided.file("contacts.parquet")).groupby("contact_key")[
        ["industry", "title"]].first().reset_index()
    no_holdout = EmpathyPolicy(risk_threshold=config.risk_threshold, holdout_share=0.0)
    intended = no_holdout.decide(scores.merge(profile, on="contact_key", how="left"),
                                 decided_on).set_index("contact_key")["action"]
    horizon = (observed_on - decided_on).days
    activities = pd.read_parquet(observed.file("activities.parquet"))
    engaged = engaged_after(activities, decisions["contact_key"], decided_on, horizon)
    table = uplift(decisions, intended, engaged)
    result = {"decided_on": decided_on.isoformat(), "observed_on": observed_on.isoformat(),
              "horizon_days": horizon, "uplift": table.to_dict("records")}
    observed.file(f"outcomes_{decided_on.isoformat()}.json").write_text(
        json.dumps(result, indent=2, default=str))
    return result
