"""Features + scoring on a large Parquet activity table, beside a bare DuckDB floor.

.venv/bin/python -m bench.bench_features [--contacts N] [--per-contact K]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from bench.child import run_measured
from bench.generate import generate

DATA = Path("/tmp/empathy_bench")


def floor_aggregation(activities: str) -> dict:
    """The floor: one DuckDB pass over the same file, a count and a max per contact."""
    import duckdb

    con = duckdb.connect()
    rows = con.execute(
        "SELECT count(*) FROM (SELECT contact_key, count(*), max(ts), "
        "count(*) FILTER (WHERE direction = 'inbound') "
        f"FROM read_parquet('{activities}') GROUP BY contact_key)"
    ).fetchone()[0]
    return {"contacts": rows}


def features_and_scoring(activities: str, contacts: str, model_dir: str, cutoff: str) -> dict:
    """What the nightly run does: tone + features as of the cutoff, then scores with reasons."""
    import time

    from empathy_engine.models.features import build_features
    from empathy_engine.models.registry import ModelRegistry
    from empathy_engine.models.scoring import score

    started = time.perf_counter()
    features = build_features(activities, contacts, cutoff)
    built = time.perf_counter()
    scores = score(ModelRegistry(model_dir).champion(), features)
    return {
        "features_s": built - started,
        "scoring_s": time.perf_counter() - built,
        "contacts": len(scores),
        "explained": int((scores["probability"] >= 0.2).sum()),
    }


def train_small_model(folder: Path, cutoff: pd.Timestamp, n_contacts: int = 20_000) -> Path:
    """Train the model to score with on a small sample from the same generator."""
    from empathy_engine.models.registry import ModelRegistry
    from empathy_engine.models.training import train

    sample = generate(folder / f"train_sample_{n_contacts}", n_contacts, seed=1)
    result = train(str(sample["activities"]), str(sample["contacts"]), cutoff, seed=0)
    registry = ModelRegistry(folder / f"registry_{n_contacts}")
    registry.register(result)
    return registry.root


def run(
    n_contacts: int, per_contact: float, folder: Path = DATA, *, train_contacts: int = 20_000
) -> dict:
    """Generate, then time the floor and features + scoring; return one result row."""
    import time

    folder = Path(folder)
    started = time.perf_counter()
    data = generate(folder / f"features_{n_contacts}", n_contacts, per_contact)
    generate_s = time.perf_counter() - started
    cutoff = pd.Timestamp(data["cutoff_us"], unit="us", tz="UTC")
    model_dir = train_small_model(folder, cutoff, train_contacts)
    paths = {"activities": str(data["activities"]), "contacts": str(data["contacts"])}
    floor = run_measured(floor_aggregation, activities=paths["activities"])
    measured = run_measured(
        features_and_scoring, **paths, model_dir=str(model_dir), cutoff=cutoff.isoformat()
    )
    return {
        "contacts": n_contacts,
        "activities": data["rows"],
        "generate_s": generate_s,
        "floor_s": floor["seconds"],
        "floor_peak_gib": floor["peak_gib"],
        "total_s": measured["seconds"],
        "features_s": measured["features_s"],
        "scoring_s": measured["scoring_s"],
        "peak_gib": measured["peak_gib"],
        "ratio": measured["seconds"] / floor["seconds"],
        "explained": measured["explained"],
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--per-contact", type=float, default=30.0)
    args = parser.parse_args(argv)
    print(run(args.contacts, args.per_contact))


if __name__ == "__main__":
    main()
