"""Keys and dates of the policy's decisions: deterministic, so re-runs agree with themselves.

The action key is what makes write-back idempotent (one per contact and decision date); the
hold-out draw is a hash, so a re-run holds out exactly the same contacts.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import numpy as np
import pandas as pd

from empathy_engine.core.errors import ConfigError


def action_key(contact_key: str, run_date: dt.date | dt.datetime | str) -> str:
    """Return the idempotency key of the action for ``contact_key`` decided on ``run_date``.

    Parameters
    ----------
    contact_key : str
        The contact's lower-cased e-mail.
    run_date : date, datetime or ISO string
        The decision date.

    Returns
    -------
    str
        ``"ee-YYYYMMDD-" + sha256(contact_key)[:16]``; the same inputs always give the same key.
    """
    digest = hashlib.sha256(str(contact_key).encode("utf-8")).hexdigest()[:16]
    return f"ee-{as_date(run_date):%Y%m%d}-{digest}"


def in_holdout(contact_key: str, run_date: dt.date | dt.datetime | str, share: float) -> bool:
    """Whether ``contact_key`` falls in the randomized hold-out group on ``run_date``.

    Parameters
    ----------
    contact_key : str
        The contact's lower-cased e-mail.
    run_date : date, datetime or ISO string
        The decision date (part of the hash, so the group is re-drawn daily).
    share : float
        The share of contacts held out, in [0, 1).

    Returns
    -------
    bool
        Deterministic: a uniform draw from ``sha256(contact_key|date)`` is below ``share``.
    """
    text = f"{contact_key}|{as_date(run_date).isoformat()}"
    draw = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big") / 2.0**64
    return draw < share


def as_date(value: dt.date | dt.datetime | str) -> dt.date:
    """Coerce a date, datetime, pandas Timestamp or ISO string to a ``datetime.date``."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return pd.Timestamp(value).date()
    except (TypeError, ValueError) as error:
        raise ConfigError(
            f"run_date={value!r} is not a date; pass a datetime.date or an ISO date "
            "such as '2024-05-01'."
        ) from error


def business_days_after(day: dt.date, days: int) -> dt.date:
    """The date ``days`` business days (Monday to Friday) after ``day``."""
    # roll backward first, so a Saturday's "next business day" is Monday
    shifted = np.busday_offset(np.datetime64(day, "D"), days, roll="backward")
    return shifted.astype(dt.date)
