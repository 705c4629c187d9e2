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

from empathy_engine.access import from_sandbox_info
from empathy_engine.core.config import PipelineConfig, RunPaths
from empathy_engine.pipeline import run_pipeline
from empathy_engine.stages.outcomes import measure
from empathy_sandbox.testing import running_sandbox


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


def run(contacts: int = 5000, holdout: float = 0.2, seed: int = 3,
        risk_threshold: float = 0.5) -> str:
    """Decide, compare with the truth, advance 28 days, measure uplift; return Markdown."""
    out = []
    with tempfile.TemporaryDirectory() as tmp, running_sandbox(
            Path(tmp) / "sandbox", contacts=contacts, seed=seed, days=180) as info:
        started = time.monotonic()
        config = PipelineConfig(data_dir=str(Path(tmp) / "data"), holdout_share=holdout,
                                risk_threshold=risk_threshold)
        decided = date.fromisoformat(info["now"][:10])
        run_pipeline(config, decided, from_sandbox_info(info))
        paths = RunPaths.of(config, decided)
        out.append(decision_tables(pd.read_parquet(paths.file("decisions.parquet")),
                                   truth(info, decided)))
        requests.post(f"{info['admin_url']}/advance", json={"days": 28},
                      timeout=600).raise_for_status()
        observed = decided + timedelta(days=28)
        run_pipeline(config.with_(dry_run=True), observed, from_sandbox_info(info))
        uplift = pd.DataFrame(measure(config, decided, observed)["uplift"])
        out += ["", "Engaged again within 28 days, treated vs randomized hold-out:", "",
                uplift.to_markdown(index=False, floatfmt=".3f"), "",
                f"{contacts} contacts, risk threshold {risk_threshold}, hold-out {holdout:.0%}, "
                f"seed {seed}: {time.monotonic() - started:.0f} s"]
    return "\n".join(out)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=5000)
    parser.add_argument("--holdout", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--risk-threshold", type=float, default=0.5)
    args = parser.parse_args(argv)
    print(run(args.contacts, args.holdout, args.seed, args.risk_threshold))


if __name__ == "__main__":
    main()
