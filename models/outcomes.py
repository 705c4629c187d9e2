"""Outcomes: did the actions help? Each action's uplift against the randomized hold-out.

A run with ``holdout_share > 0`` leaves a random share of the contacts who would have received
a support note or an offer deliberately alone (``reason == "holdout"``). Some weeks later,
comparing how many of the treated and of the held-out contacts engaged again estimates each
action's effect — the "empathy KPI" — without the bias of who was chosen.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd

from empathy_engine.core import schema

#: activity that shows the contact engaging (our own outbound touches do not count)
ENGAGING_KINDS = (schema.EMAIL, schema.CALL, schema.MEETING, schema.PURCHASE,
                  schema.CASE_OPENED)


def engaged_after(activities: pd.DataFrame, contact_keys, start: date,
                  horizon_days: int) -> pd.Series:
    """Whether each contact engaged (inbound activity or a meeting) in ``(start, start+h]``.

    Parameters
    ----------
    activities : pandas.DataFrame
        Canonical activity table observed after the horizon.
    contact_keys : iterable of str
    start : datetime.date
        The decision date.
    horizon_days : int

    Returns
    -------
    pandas.Series of bool, indexed by contact_key
    """
    begin = pd.Timestamp(start, tz="UTC") + pd.Timedelta(days=1)
    end = pd.Timestamp(start + timedelta(days=horizon_days), tz="UTC") + pd.Timedelta(days=1)
    ts = pd.to_datetime(activities["ts"], utc=True)
    own = (activities["direction"].eq(schema.INBOUND) | activities["kind"].eq(schema.MEETING))
    window = activities[own & activities["kind"].isin(ENGAGING_KINDS) & (ts >= begin)
                        & (ts < end)]
    engaged = set(window["contact_key"])
    keys = pd.Index(list(contact_keys), name="contact_key")
    return pd.Series([k in engaged for k in keys], index=keys, name="engaged")


def _wilson(p: float, n: int, z: float = 1.96) -> tuple[float, float]:
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def _interval(p1: float, n1: int, p0: float, n0: int) -> tuple[float, float]:
    """95% interval of a difference of two proportions (Newcombe's hybrid score method).

    Unlike the normal approximation it stays honest for small groups and rates near 0 or 1.
    """
    if n1 == 0 or n0 == 0:
        return (math.nan, math.nan)
    (l1, u1), (l0, u0) = _wilson(p1, n1), _wilson(p0, n0)
    diff = p1 - p0
    return (diff - math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2),
            diff + math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2))


def uplift(decisions: pd.DataFrame, intended: pd.Series, engaged: pd.Series) -> pd.DataFrame:
    """Engagement rate of treated vs held-out contacts, per intended action.

    Parameters
    ----------
    decisions : pandas.DataFrame
        The decision run's ``decisions`` (``contact_key``, ``action``, ``reason``, ``write``).
    intended : pandas.Series
        The action each contact would have received without the hold-out, by contact_key.
    engaged : pandas.Series of bool
        From :func:`engaged_after`, by contact_key.

    Returns
    -------
    pandas.DataFrame
        One row per action: ``n_treated``, ``n_holdout``, ``engaged_treated``,
        ``engaged_holdout`` (rates), ``uplift`` (difference) and its 95% interval.
    """
    frame = decisions.set_index("contact_key")
    frame = frame.assign(intended=intended.reindex(frame.index),
                         engaged=engaged.reindex(frame.index).fillna(False).astype(bool))
    rows = []
    for action in ("support_note", "offer"):
        mine = frame[frame["intended"] == action]
        treated = mine[(mine["action"] == action) & mine["write"]]
        held = mine[mine["reason"] == "holdout"]
        p1 = float(treated["engaged"].mean()) if len(treated) else math.nan
        p0 = float(held["engaged"].mean()) if len(held) else math.nan
        low, high = _interval(p1, len(treated), p0, len(held))
        rows.append({"action": action, "n_treated": len(treated), "n_holdout": len(held),
                     "engaged_treated": p1, "engaged_holdout": p0,
                     "uplift": p1 - p0 if len(treated) and len(held) else np.nan,
                     "ci_low": low, "ci_high": high})
    return pd.DataFrame(rows)
