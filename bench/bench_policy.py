"""How good are the decisions? The empathy policy against the simulator's truth.

Starts a sandbox CRM, runs the whole pipeline (with a randomized hold-out), and compares each
contact's decision with what the simulator knows: the hidden state and the action that is
truly best for that person. Then it moves simulated time forward 28 days (the tasks written
are applied as actions), pulls again and measures each action's uplift against the hold-out.

    .venv/bin/python bench/bench_policy.py [--contacts 5000] [--holdout 0.2]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import requests
from scipy.stats import spearmanr

from empathy.access import from_sandbox_info
from empathy.config import PipelineConfig, RunPaths
from empathy.pipeline import run_pipeline
from empathy.stages.outcomes import measure
from sandbox.testing import running_sandbox


def truth(info: dict, as_of: date) -> pd.DataFrame:
    response = requests.get(f"{info['admin_url']}/truth", params={"as_of": as_of.isoformat()},
                            timeout=300)
    response.raise_for_status()
    return pd.DataFrame(response.json()["people"]).rename(columns={"email": "contact_key"})


def decision_tables(decisions: pd.DataFrame, known: pd.DataFrame) -> str:
    joined = decisions.merge(known, on="contact_key")
    joined["decided"] = joined["action"].where(joined["reason"] != "holdout", "holdout")
    joined.loc[(joined["action"] == "silence") & joined["write"], "decided"] = "hold record"
    by_state = pd.crosstab(joined["state"], joined["decided"])
    by_best = pd.crosstab(joined["best_action"], joined["decided"])
    outreach = joined[joined["decided"].isin(["support_note", "offer"])]
    agree = (outreach["decided"] == outreach["best_action"]).mean()
    rho = spearmanr(joined["probability"], joined["p_drop"]).statistic
    frustrated_offers = int(((joined["state"] == "frustrated")
                             & (joined["decided"] == "offer")).sum())
    return "\n".join([
        f"Contacts scored: {len(joined)}; Spearman correlation of the model's probability with "
        f"the true p_drop: {rho:.3f}.",
        f"Outreach that matches the truly best action: {agree:.1%} of {len(outreach)}; offers "
        f"to truly frustrated people: {frustrated_offers}.",
        "", "Decision by hidden state:", "", by_state.to_markdown(), "",
        "Decision by truly best action:", "", by_best.to_markdown()])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=5000)
    parser.add_argument("--holdout", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp, running_sandbox(
            Path(tmp) / "sandbox", contacts=args.contacts, seed=args.seed, days=180) as info:
        started = time.monotonic()
        config = PipelineConfig(data_dir=str(Path(tmp) / "data"), holdout_share=args.holdout)
        decided = date.fromisoformat(info["now"][:10])
        run_pipeline(config, decided, from_sandbox_info(info))
        paths = RunPaths.of(config, decided)
        print(decision_tables(pd.read_parquet(paths.file("decisions.parquet")),
                              truth(info, decided)))
        requests.post(f"{info['admin_url']}/advance", json={"days": 28},
                      timeout=600).raise_for_status()
        observed = decided + timedelta(days=28)
        run_pipeline(config.with_(dry_run=True), observed, from_sandbox_info(info))
        uplift = pd.DataFrame(measure(config, decided, observed)["uplift"])
        print("\nEngaged again within 28 days, treated vs randomized hold-out:\n")
        print(uplift.to_markdown(index=False, floatfmt=".3f"))
        print(f"\n{args.contacts} contacts, {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
