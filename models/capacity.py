"""What an owner can act on: priority that means something, a daily cap, spread due dates.

- **Priority** is High only for an escalated case, a request waiting for our reply for more
  than two business days, and frustration at high risk; other outreach is Normal, records
  (holds, opt-outs) are Low.
- **Cap**: at most ``per_owner`` new outreach tasks per owner per night (default 10). When it
  binds, the highest expected benefit goes first; the rest are recorded as silence with reason
  ``capacity`` (not written) and compete again the next night. Updates of open tasks and
  hold / opt-out records are not new work and are never deferred.
- **Due dates** are spread over the next business days, ``per_day`` at most per owner and
  day, High first (due on the next business day).
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd

from empathy_engine.core.errors import ConfigError
from empathy_engine.models.action_keys import as_date, business_days_after
from empathy_engine.models.requests import business_days_between

DEFAULT_PER_OWNER = 10
DEFAULT_PER_DAY = 4
#: probability from which frustration counts as high risk
HIGH_RISK = 0.8
OUTREACH = ("support_note", "offer")
#: base value of each kind of task when nothing better is known (a reply is owed)
BENEFIT_BY_REASON = {"open_request": 1.0, "frustration": 0.7, "drift": 0.4}


def priorities(decisions: pd.DataFrame, run_date, *, high_risk: float = HIGH_RISK) -> np.ndarray:
    """High / Normal / Low per decision (see the module docstring).

    Uses ``action``, ``reason``, ``probability`` and, when present, ``escalated`` (an
    escalation in 28 days), ``case_escalated_at`` (an open escalated case) and
    ``request_asked_at``.
    """
    day = as_date(run_date)
    action = decisions["action"].to_numpy()
    outreach = np.isin(action, OUTREACH)
    escalated = _flag(decisions, "escalated") | _present(decisions, "case_escalated_at")
    asked = decisions["request_asked_at"] if "request_asked_at" in decisions else None
    waiting = np.zeros(len(decisions), bool)
    if asked is not None:
        waiting = np.array([pd.notna(a) and business_days_between(a, day) > 2 for a in asked])
    frustrated = (decisions["reason"].to_numpy() == "frustration") & (
        decisions["probability"].to_numpy(dtype=float) >= high_risk)
    is_request = decisions["reason"].to_numpy() == "open_request"
    high = outreach & ((escalated & (action == "support_note")) | (is_request & waiting)
                       | frustrated)
    return np.select([high, outreach], ["High", "Normal"], "Low")


def expected_benefit(decisions: pd.DataFrame) -> np.ndarray:
    """The policy's ``expected_benefit`` when it gives one, else a plain stand-in:
    the value of the kind of task times the risk, High first."""
    column = next((c for c in ("expected_benefit", "expected_gain") if c in decisions
                   and decisions[c].notna().any()), None)
    if column:
        given = pd.to_numeric(decisions[column], errors="coerce").to_numpy(float)
    else:
        given = np.full(len(decisions), np.nan)
    base = decisions["reason"].map(BENEFIT_BY_REASON).fillna(0.0).to_numpy(float)
    stand_in = base * (0.5 + decisions["probability"].to_numpy(dtype=float))
    stand_in = stand_in + np.where(decisions["priority"].to_numpy() == "High", 1.0, 0.0)
    return np.where(np.isnan(given), stand_in, given)


def apply_capacity(decisions: pd.DataFrame, run_date, *, per_owner: int = DEFAULT_PER_OWNER,
                   per_day: int = DEFAULT_PER_DAY,
                   written_tonight: Collection[str] = ()) -> pd.DataFrame:
    """Cap new outreach per owner, defer the rest (reason ``capacity``), spread due dates.

    Parameters
    ----------
    decisions : pandas.DataFrame
        Decisions with ``target_owner_id``, ``task_state``, ``priority`` and
        ``expected_benefit``.
    run_date : date-like
        Tonight.
    per_owner : int, default=10
        New outreach tasks an owner receives at most per night.
    per_day : int, default=4
        Tasks falling due at most per owner and business day.
    written_tonight : collection of str, optional
        People who got a task from an earlier run of this same night: a re-run keeps their
        tasks, and they hold their owner's slots, so it adds none the first run deferred.

    Returns
    -------
    pandas.DataFrame
        A copy; deferred rows get ``action="silence"``, ``reason="capacity"``,
        ``write=False`` and ``task_state="deferred"``.
    """
    for name, value in (("per_owner", per_owner), ("per_day", per_day)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ConfigError(f"{name}={value!r} must be a whole number >= 1 (tasks per owner).")
    day = as_date(run_date)
    out = decisions.copy()
    work = out["write"].astype(bool) & out["action"].isin(OUTREACH)
    had = out["contact_key"].isin(set(written_tonight))
    new = work & out["task_state"].isin(["new"]) & ~had
    owner = out["target_owner_id"].astype(object).where(out["target_owner_id"].notna(), "")
    held = owner[had].value_counts()
    order = out.assign(_owner=owner, _high=out["priority"].eq("High"),
                       _benefit=out["expected_benefit"])
    order = order[work].sort_values(["_owner", "_high", "_benefit", "contact_key"],
                                    ascending=[True, False, False, True])
    slot = order.groupby("_owner").cumcount()
    newcomers = order[new[order.index]]
    new_slot = newcomers.groupby("_owner").cumcount() + newcomers["_owner"].map(held).fillna(0)
    deferred = new_slot.index[new_slot.to_numpy() >= per_owner]
    out.loc[deferred, ["action", "reason", "task_state"]] = ["silence", "capacity", "deferred"]
    out.loc[deferred, "write"] = False
    out.loc[deferred, "why"] = ("Waiting for room in the owner's list (at most "
                                f"{per_owner} new tasks a day); decided again tomorrow.")
    kept = slot.index.difference(deferred)
    rank = order.loc[kept].groupby("_owner").cumcount()
    offsets = 1 + rank // per_day
    out.loc[kept, "due_date"] = [business_days_after(day, int(k)) for k in offsets]
    return out


def _flag(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame:
        return np.zeros(len(frame), bool)
    return frame[column].astype("boolean").fillna(False).to_numpy(dtype=bool)


def _present(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame:
        return np.zeros(len(frame), bool)
    return frame[column].notna().to_numpy()
