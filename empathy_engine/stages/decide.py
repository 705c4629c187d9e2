"""Stage 5: the empathy policy turns scores into support notes, offers and silences."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd

from empathy_engine.core.config import PipelineConfig, RunPaths
from empathy_engine.stages.extract import load

#: Share of eligible people outside the targets given a random allowed action, so that the
#: effects can be learned beyond today's targets (recorded with their propensities).
EXPLORE_SHARE = 0.01


def decide(paths: RunPaths, crms, config: PipelineConfig) -> dict:
    """Write ``decisions.parquet``: one row per contact, with the task text for written ones."""
    scores = pd.read_parquet(paths.file("scores.parquet"))
    contacts = pd.read_parquet(paths.file("contacts.parquet"))
    activities_path = paths.file("activities.parquet")
    activities = pd.read_parquet(activities_path) if activities_path.exists() else None
    open_actions = load(paths, "open_actions", crms)
    # A re-run of the same night decides afresh: tonight's own tasks carry tonight's action
    # keys, so writing them again updates them (never a second task, never a close).
    tonight = open_actions["action_key"].astype(str).str.contains(f"-{paths.run_date:%Y%m%d}-",
                                                                  regex=False)
    written_tonight = set(open_actions.loc[tonight, "contact_key"].dropna())
    open_actions = open_actions[~tonight]
    # Open tasks are kept, updated or closed after the policy (plan_for_run), so the policy
    # decides afresh: an offer that became a support note updates the open task.
    decisions = decide_contacts(scores, contacts, paths.run_date, config,
                                activities=activities)
    # One person, one open task; replies owed; grounded text; owner capacity (issue 9).
    from empathy_engine.models.task_plan import plan_for_run
    decisions = plan_for_run(decisions, scores, contacts, open_actions, paths.run_date,
                             activities=activities, runs_dir=paths.data_dir / "runs",
                             per_owner=getattr(config, "tasks_per_owner", 10),
                             written_tonight=written_tonight)
    decisions.to_parquet(paths.file("decisions.parquet"), index=False)
    counts = decisions.groupby(["action", "write"]).size()
    return {f"{action}{'' if write else '_unwritten'}": int(n)
            for (action, write), n in counts.items()}


def decide_contacts(scores: pd.DataFrame, contacts: pd.DataFrame,
                    run_date: dt.date, config: PipelineConfig, *,
                    activities: pd.DataFrame | None = None,
                    open_actions: Iterable[str] = ()) -> pd.DataFrame:
    """The decisions for one run's scored contacts (what ``decide`` writes).

    The same function decides in the nightly run and in ``empathy simulate-policy``, so the
    simulation measures the product's own decisions. With the activity history, each
    person's state is inferred (``models.state``, fitted on this customer's own history) and
    the policy targets by expected gain; without it, by risk.
    """
    from empathy_engine.models.policy import EmpathyPolicy
    from empathy_engine.models.state import infer_states

    profile = contacts.groupby("contact_key")[["industry", "title"]].first().reset_index()
    scored = scores.merge(profile, on="contact_key", how="left")
    if activities is not None and len(scored):
        states = infer_states(activities, contacts, run_date,
                              contact_keys=scored["contact_key"].unique(), seed=config.seed)
        scored = scored.merge(states.drop(columns="state"), on="contact_key", how="left")
    policy = EmpathyPolicy(risk_threshold=config.risk_threshold,
                           holdout_share=config.holdout_share, explore_share=EXPLORE_SHARE)
    return policy.decide(scored, run_date, open_actions=set(open_actions))

