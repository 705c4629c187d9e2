"""What "engagement drop" means: the label the model learns, as of a cutoff.

Only the contact's own engagement counts (see :data:`models.feature_sql.ENGAGED`): their
messages, calls, meetings, cases and purchases; our outbound touches never make a contact
look engaged.

``inactive``  no engagement at all in ``[cutoff, cutoff + horizon)``.
``drop``      engagement in the horizon below ``drop_share`` of the contact's own baseline
              rate (its engagement per day over the ``baseline_days`` before the cutoff,
              scaled to the horizon). A contact with no baseline activity cannot drop.
"""

from __future__ import annotations

import pandas as pd

from empathy_engine.core.errors import ModelError
from empathy_engine.models.feature_sql import ENGAGED

LABELS = ("inactive", "drop")


def engagement_counts(con, cutoff: pd.Timestamp, horizon_days: float, baseline_days: float):
    """Count engagement per contact in the horizon and in the baseline before the cutoff.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        A connection prepared by :func:`models.features.prepare` (uses view ``scored``).
    cutoff : pandas.Timestamp
        Start of the label window (UTC).
    horizon_days, baseline_days : float
        Lengths of the label window after and of the baseline window before the cutoff.

    Returns
    -------
    pandas.DataFrame
        ``contact_key``, ``horizon_count``, ``baseline_count`` for contacts with any
        engagement in either window.
    """
    query = f"""
        SELECT contact_key,
               count(*) FILTER (WHERE ts >= to_timestamp($cutoff)) AS horizon_count,
               count(*) FILTER (WHERE ts < to_timestamp($cutoff)) AS baseline_count
        FROM scored
        WHERE {ENGAGED}
          AND ts >= to_timestamp($cutoff - $baseline * 86400)
          AND ts < to_timestamp($cutoff + $horizon * 86400)
        GROUP BY contact_key
    """
    params = {"cutoff": cutoff.timestamp(), "horizon": horizon_days, "baseline": baseline_days}
    return con.execute(query, params).df()


def make_labels(
    con,
    contact_keys,
    cutoff: pd.Timestamp,
    *,
    horizon_days: float = 28,
    label: str = "inactive",
    drop_share: float = 0.5,
    baseline_days: float = 90,
) -> pd.Series:
    """Label each contact as of ``cutoff``: 1 for an engagement drop, 0 otherwise.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        A connection prepared by :func:`models.features.prepare`.
    contact_keys : array-like of str
        The contacts to label (the rows of the feature table at this cutoff).
    cutoff : pandas.Timestamp
        Start of the label window.
    horizon_days : float, default 28
        Length of the label window.
    label : {"inactive", "drop"}
        Which definition to use (see the module docstring).
    drop_share : float, default 0.5
        For ``drop``: the share of the baseline rate below which activity counts as a drop.
    baseline_days : float, default 90
        For ``drop``: the window before the cutoff that sets the contact's own rate.

    Returns
    -------
    pandas.Series
        int8 labels indexed by ``contact_key``, in the order of ``contact_keys``.
    """
    if label not in LABELS:
        raise ModelError(f"unknown label {label!r}; expected one of {LABELS}")
    counts = engagement_counts(con, cutoff, horizon_days, baseline_days)
    counts = counts.set_index("contact_key").reindex(pd.Index(contact_keys, name="contact_key"))
    counts = counts.fillna(0)
    if label == "inactive":
        positive = counts["horizon_count"] == 0
    else:
        expected = counts["baseline_count"] * horizon_days / baseline_days
        positive = (counts["baseline_count"] > 0) & (
            counts["horizon_count"] < drop_share * expected
        )
    return positive.astype("int8").rename(label)
