"""Stage 5: the empathy policy turns scores into support notes, offers and silences."""

from __future__ import annotations

import pandas as pd

from empathy_engine.core.config import PipelineConfig, RunPaths

from empathy_engine.stages.extract import load


def decide(paths: RunPaths, crms, config: PipelineConfig) -> dict:
    """Write ``decisions.parquet``: one row per contact, with the task text for written ones."""
    from empathy_engine.models.policy import EmpathyPolicy

    scores = pd.read_parquet(paths.file("scores.parquet"))
    contacts = pd.read_parquet(paths.file("contacts.parquet"))
    profile = contacts.groupby("contact_key")[["industry", "title"]].first().reset_index()
    scored = scores.merge(profile, on="contact_key", how="left")
    open_actions = load(paths, "open_actions", crms)
    # Tasks from this same decision date are ours to update, not a reason to stay silent.
    earlier = ~open_actions["action_key"].astype(str).str.contains(f"-{paths.run_date:%Y%m%d}-")
    policy = EmpathyPolicy(risk_threshold=config.risk_threshold,
                           holdout_share=config.holdout_share)
    decisions = policy.decide(scored, paths.run_date,
                              open_actions=set(open_actions.loc[earlier, "contact_key"].dropna()))
    decisions.to_parquet(paths.file("decisions.parquet"), index=False)
    counts = decisions.groupby(["action", "write"]).size()
    return {f"{action}{'' if write else '_unwritten'}": int(n)
            for (action, write), n in counts.items()}
