"""Training wall time on a generated CRM (200,000 contacts by default).

.venv/bin/python -m bench.bench_training [--contacts N]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from bench.bench_features import floor_aggregation
from bench.child import run_measured
from bench.generate import generate

DATA = Path("/tmp/empathy_bench")


def training(activities: str, contacts: str, cutoff: str) -> dict:
    """Train with the defaults (28-day horizon, six training cutoffs) and report metrics."""
    from empathy_engine.models.training import train

    result = train(activities, contacts, cutoff, seed=0)
    return {
        "auc": result.metrics["auc"],
        "recency_auc": result.baselines["recency"]["auc"],
        "n_train": result.n_train,
    }


def run(n_contacts: int, folder: Path = DATA) -> dict:
    """Generate ``n_contacts`` contacts and time one training run in a fresh process, beside
    the bare DuckDB floor over the same file (the baseline of the ratio)."""
    data = generate(Path(folder) / f"training_{n_contacts}", n_contacts)
    cutoff = pd.Timestamp(data["cutoff_us"], unit="us", tz="UTC").isoformat()
    floor = run_measured(floor_aggregation, activities=str(data["activities"]))
    measured = run_measured(
        training, activities=str(data["activities"]), contacts=str(data["contacts"]), cutoff=cutoff
    )
    return {
        "contacts": n_contacts,
        "activities": data["rows"],
        "floor_s": floor["seconds"],
        "ratio": measured["seconds"] / floor["seconds"],
        **measured,
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=200_000)
    print(run(parser.parse_args(argv).contacts))


if __name__ == "__main__":
    main()
