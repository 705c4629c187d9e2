"""Model vs baselines vs the simulator's oracle, on the same contacts.

A simulator world is seeded (20,000 contacts, 180 days by default) and mapped to the canonical
tables (:mod:`bench.sandbox_tables`). The model is trained strictly before the cutoff (the
world's end) and every contact active before it is scored; the world is then advanced 28 days
with no actions and the realised labels are read. The oracle is the simulator's exact
``p_drop`` as of the cutoff, which knows each person's hidden state.

Two labels are scored, on the same rows:

``inactive``  the model's label: no engagement (inbound e-mail or call, meeting, case opened,
              purchase) in the 28 days after the cutoff, from the canonical tables.
``sim drop``  the simulator's label (``drop_labels``): inbound activity over the horizon at
              most ``floor(0.15 x`` the person's expected engaged-state count``)`` — zero for
              most people, so the two agree on about 9 rows in 10. Cases and meetings count
              for ``inactive`` only; the simulator counts inbound meetings, e-mails, calls and
              purchases.

The same run scores a purchase-only slice of the world (only purchase rows, no contacts
table) and the synthetic CRM of the model tests.

    .venv/bin/python -m bench.bench_model_quality [--contacts N] [--days D] [--seed S]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from bench.sandbox_tables import canonical_activities, canonical_contacts, purchases_only

HORIZON = 28
COLUMNS = ("model", "recency", "trend", "rfm", "bgnbd")


def simulated(n_contacts: int, days: int, seed: int):
    """Seed a world, read the oracle at its end, then advance it one horizon with no actions."""
    from empathy_sandbox.simulator.generate import (
        advance,
        drop_labels,
        generate,
        load_config,
        truth,
    )

    config = load_config()
    world = generate(config, n_contacts=n_contacts, days=days, seed=seed)
    cutoff = pd.Timestamp(world.now)
    oracle = truth(world, config, as_of=cutoff.date(), horizon_days=HORIZON)
    later = advance(world, config, days=HORIZON, actions=None)
    realised = drop_labels(later, config, as_of=cutoff.date(), horizon_days=HORIZON)
    truth_rows = pd.DataFrame(
        {
            "contact_key": oracle["email"].to_numpy(),
            "oracle": oracle["p_drop"].to_numpy(),
            "sim_drop": realised["dropped"].to_numpy().astype(int),
        }
    )
    return canonical_activities(later), canonical_contacts(later), cutoff, truth_rows


def evaluated_rows(activities, contacts, cutoff, *, label="inactive", seed=0):
    """Train before ``cutoff``; score model and baselines on the contacts active before it."""
    from empathy_engine.models.evaluate import evaluation_rows

    return evaluation_rows(
        activities, contacts, cutoff=cutoff, horizon_days=HORIZON, label=label, seed=seed
    )


def auc_row(name: str, rows: pd.DataFrame, scores: dict, label="label", extra=()) -> dict:
    """ROC-AUC of every score column against one label column."""
    labels = rows[label].to_numpy()
    row = {"data": name, "n": len(rows), "label rate": float(labels.mean())}
    for column in (*COLUMNS, *extra):
        score = scores.get(column)
        row[column] = float(roc_auc_score(labels, score)) if score is not None else float("nan")
    return row


def sandbox_rows(n_contacts: int, days: int, seed: int) -> list[dict]:
    """Model, baselines and oracle on one simulated world, its purchase slice too."""
    activities, contacts, cutoff, truth_rows = simulated(n_contacts, days, seed)
    rows, scores = evaluated_rows(activities, contacts, cutoff)
    rows = rows.merge(truth_rows, on="contact_key", how="left", validate="one_to_one")
    scores["oracle"] = rows["oracle"].to_numpy()
    size = f"{n_contacts:,} contacts, {days} d"
    out = [
        auc_row(f"sandbox ({size}), inactive", rows, scores, extra=("oracle",)),
        auc_row(f"sandbox ({size}), sim drop", rows, scores, "sim_drop", extra=("oracle",)),
    ]
    agreement = float((rows["label"] == rows["sim_drop"]).mean())
    out[-1]["note"] = f"labels agree on {agreement:.0%} of rows"
    p_rows, p_scores = evaluated_rows(purchases_only(activities), None, cutoff)
    out.append(auc_row(f"sandbox purchases only ({size})", p_rows, p_scores))
    return out


def synthetic_rows() -> list[dict]:
    """The synthetic CRM of the model tests, and its purchase-only slice."""
    from tests.models.conftest import TRAIN_CUTOFF, make_crm

    activities, contacts, _ = make_crm()
    cutoff = TRAIN_CUTOFF
    rows, scores = evaluated_rows(activities, contacts, cutoff)
    out = [auc_row("synthetic test CRM (1,500 contacts)", rows, scores)]
    p_rows, p_scores = evaluated_rows(purchases_only(activities), None, cutoff)
    out.append(auc_row("synthetic test CRM, purchases only", p_rows, p_scores))
    return out


def run(n_contacts: int = 20_000, days: int = 180, seed: int = 1) -> list[dict]:
    """Every quality row: sandbox (with oracle), purchase-only slices, synthetic CRM."""
    started = time.perf_counter()
    rows = sandbox_rows(n_contacts, days, seed) + synthetic_rows()
    rows[0]["seconds"] = time.perf_counter() - started
    return rows


def quality_table(rows: list[dict]) -> str:
    """A Markdown table of ROC-AUC per data set, model first, oracle last."""
    header = ["data", "n", "label rate", *COLUMNS, "oracle"]
    lines = ["| " + " | ".join(header) + " |", "|---" + "|---:" * (len(header) - 1) + "|"]
    for row in rows:
        cells = [row["data"], f"{row['n']:,}", f"{row['label rate']:.1%}"]
        best = max(row[c] for c in COLUMNS[1:])
        for column in (*COLUMNS, "oracle"):
            value = row.get(column, float("nan"))
            text = "–" if np.isnan(value) else f"{value:.3f}"
            cells.append(f"**{text}**" if column == "model" and value >= best else text)
        lines.append("| " + " | ".join(cells) + " |")
    notes = [f"- {row['data']}: {row['note']}" for row in rows if row.get("note")]
    return "\n".join(lines + ([""] + notes if notes else []))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    print(quality_table(run(args.contacts, args.days, args.seed)))


if __name__ == "__main__":
    main()
