"""The owner cap across a re-run of the same night."""

from __future__ import annotations

from datetime import date

import pandas as pd

from empathy_engine.models.capacity import apply_capacity


def _night(n: int) -> pd.DataFrame:
    return pd.DataFrame({
        "contact_key": [f"p{i}@example.com" for i in range(n)],
        "action": "offer", "reason": "drift", "write": True, "task_state": "new",
        "target_owner_id": "owner-1", "priority": "Normal",
        "expected_benefit": [1.0 - i / n for i in range(n)],
        "due_date": None, "why": "",
    })


def test_a_rerun_adds_no_task_the_first_run_deferred():
    first = apply_capacity(_night(5), date(2026, 11, 2), per_owner=3)
    written = set(first.loc[first["write"], "contact_key"])
    assert len(written) == 3
    # the re-run ranks people differently (our tasks changed their data); those written
    # tonight still hold the owner's slots
    rerun = _night(5).assign(expected_benefit=[i / 5 for i in range(5)])
    assert set(apply_capacity(rerun, date(2026, 11, 2), per_owner=3)
               .query("write")["contact_key"]) != written  # what the re-run alone would pick
    again = apply_capacity(rerun, date(2026, 11, 2), per_owner=3, written_tonight=written)
    assert set(again.loc[again["write"], "contact_key"]) == written
    assert (again.loc[~again["write"], "reason"] == "capacity").all()


def test_without_an_earlier_run_tonight_the_best_go_first():
    out = apply_capacity(_night(5), date(2026, 11, 2), per_owner=2)
    assert list(out.loc[out["write"], "contact_key"]) == ["p0@example.com", "p1@example.com"]
