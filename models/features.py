"""Point-in-time contact features as of a cutoff, computed with DuckDB.

The same function serves training (many past cutoffs) and nightly scoring (today): only
activity strictly before the cutoff is read, so a feature computed at a cutoff never changes
when later activity arrives. Message text is scored for tone (:mod:`models.tone`) and never
leaves this module.

Inputs may be pandas DataFrames, pyarrow Tables, or paths / globs of Parquet files with the
:data:`empathy.schema.ACTIVITIES` and :data:`empathy.schema.CONTACTS` columns; DuckDB reads
Parquet directly, so a 30-million-row file never has to fit in pandas.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from empathy_engine.core.errors import ModelError
from empathy_engine.core.schema import POLICY_FEATURES
from empathy_engine.models.customer_base import customer_base_features
from empathy_engine.models.feature_sql import COUNT_COLUMNS, FLAG_COLUMNS, feature_query
from empathy_engine.models.tone import COMPLAINT_TONE, score_texts

#: columns the feature query needs; missing optional ones are filled with NULL
_ACTIVITY_COLUMNS = {
    "contact_key": "VARCHAR",
    "ts": "TIMESTAMPTZ",
    "kind": "VARCHAR",
    "direction": "VARCHAR",
    "amount": "DOUBLE",
    "case_id": "VARCHAR",
    "activity_id": "VARCHAR",
    "text": "VARCHAR",
    "tone": "DOUBLE",
    "complaint": "BOOLEAN",
    "asked_fewer_contacts": "BOOLEAN",
}
_REQUIRED = ("contact_key", "ts", "kind")


def to_utc_timestamp(cutoff) -> pd.Timestamp:
    """Return ``cutoff`` as a UTC pandas Timestamp (naive values are taken as UTC)."""
    stamp = pd.Timestamp(cutoff)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def connect(threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """Open an in-memory DuckDB connection; ``threads`` defaults to the CPU count."""
    con = duckdb.connect()
    con.execute(f"SET threads = {threads or os.cpu_count() or 1}")
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    return con


def register_table(con, name: str, data) -> list[str]:
    """Expose ``data`` (DataFrame, Arrow table, or Parquet path/glob) as view ``name``.

    Returns
    -------
    list of str
        The column names of the registered relation.
    """
    if isinstance(data, str | Path):
        path = str(data).replace("'", "''")
        con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet('{path}')")
    elif isinstance(data, pd.DataFrame | pa.Table):
        con.register(f"{name}_input", data)
        con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM {name}_input")
    else:
        raise ModelError(
            f"cannot read {type(data).__name__} as a table; expected a pandas DataFrame, a "
            "pyarrow Table, or the path of a Parquet file"
        )
    return [row[0] for row in con.execute(f"DESCRIBE {name}").fetchall()]


def _register_activities(con, activities) -> None:
    columns = register_table(con, "raw_activities", activities)
    missing = [column for column in _REQUIRED if column not in columns]
    if missing:
        raise ModelError(
            f"the activities table lacks {missing}; it needs the empathy.schema.ACTIVITIES "
            "columns (use models.evaluate.load_activities to map other column names)"
        )
    select = [
        f"CAST({name} AS {sql_type}) AS {name}"
        if name in columns
        else f"CAST(NULL AS {sql_type}) AS {name}"
        for name, sql_type in _ACTIVITY_COLUMNS.items()
    ]
    con.execute(f"CREATE OR REPLACE VIEW acts_in AS SELECT {', '.join(select)} FROM raw_activities")


def _register_tone(con) -> None:
    """Score each distinct unscored text once, then expose ``scored`` with the tone columns."""
    texts = con.execute(
        "SELECT DISTINCT text FROM acts_in WHERE tone IS NULL AND text IS NOT NULL"
    ).fetchnumpy()["text"]
    scores = score_texts(texts)
    lookup = pa.table(
        {
            "text": pa.array(texts, pa.string()),
            "l_tone": scores.tone,
            "l_complaint": scores.complaint,
            "l_fewer": scores.asked_fewer_contacts,
        }
    )
    con.register("tone_lookup", lookup)
    con.execute(
        f"""
        CREATE OR REPLACE VIEW scored AS
        SELECT a.* EXCLUDE (tone, complaint, asked_fewer_contacts, text),
               coalesce(a.tone, l.l_tone) AS tone,
               coalesce(a.complaint, l.l_complaint,
                        coalesce(a.tone, l.l_tone) <= {COMPLAINT_TONE}) AS complaint,
               coalesce(a.asked_fewer_contacts, l.l_fewer, false) AS fewer_contacts
        FROM acts_in a LEFT JOIN tone_lookup l
          ON a.tone IS NULL AND a.text = l.text
        """
    )


def _register_people(con, contacts) -> None:
    if contacts is None:
        con.execute(
            "CREATE OR REPLACE VIEW people AS SELECT CAST(NULL AS VARCHAR) AS contact_key, "
            "CAST(NULL AS BOOLEAN) AS opted_out, CAST(NULL AS TIMESTAMPTZ) AS created_at "
            "WHERE false"
        )
        return
    columns = register_table(con, "raw_contacts", contacts)
    opted = "opted_out" if "opted_out" in columns else "NULL"
    created = "created_at" if "created_at" in columns else "NULL"
    # a person opted out in any CRM is opted out everywhere
    con.execute(
        f"""
        CREATE OR REPLACE VIEW people AS
        SELECT CAST(contact_key AS VARCHAR) AS contact_key,
               coalesce(bool_or(CAST({opted} AS BOOLEAN)), false) AS opted_out,
               min(CAST({created} AS TIMESTAMPTZ)) AS created_at
        FROM raw_contacts WHERE contact_key IS NOT NULL GROUP BY 1
        """
    )


def build_features(activities, contacts, cutoff, *, con=None) -> pd.DataFrame:
    """Compute one row of point-in-time features per contact as of ``cutoff``.

    Parameters
    ----------
    activities : pandas.DataFrame, pyarrow.Table, str or Path
        The canonical activity table (or a Parquet path / glob). ``tone`` is used where
        present; otherwise ``text`` is scored. Rows at or after ``cutoff`` are ignored.
    contacts : pandas.DataFrame, pyarrow.Table, str, Path or None
        The canonical contacts table; ``None`` for activity-only logs (e.g. purchases).
    cutoff : datetime-like
        The "as of" instant (naive values are taken as UTC).
    con : duckdb.DuckDBPyConnection, optional
        A connection to reuse (training computes many cutoffs over one registration).

    Returns
    -------
    pandas.DataFrame
        One row per ``contact_key`` with activity before the cutoff or a contact record
        created before it, sorted by key. Holds every :data:`empathy.schema.POLICY_FEATURES`
        column plus the columns listed in :func:`feature_names`, among them the customer-base
        quantities of :mod:`models.customer_base` (fitted on this cutoff's history only).
    """
    con = con or prepare(activities, contacts)
    stamp = to_utc_timestamp(cutoff)
    frame = _tidy(con.execute(feature_query(), {"cutoff": stamp.timestamp()}).df())
    return pd.concat([frame, customer_base_features(frame)], axis=1)


def prepare(activities, contacts, *, threads: int | None = None):
    """Register the inputs and score tone once; pass the result to :func:`build_features`.

    Returns
    -------
    duckdb.DuckDBPyConnection
        A connection holding the ``scored`` and ``people`` views.
    """
    con = connect(threads)
    _register_activities(con, activities)
    _register_tone(con)
    _register_people(con, contacts)
    return con


def _tidy(frame: pd.DataFrame) -> pd.DataFrame:
    """Give every column a stable dtype: counts int64, flags bool, the rest float64."""
    for column in frame.columns.drop("contact_key"):
        if column in FLAG_COLUMNS:
            frame[column] = frame[column].fillna(False).astype(bool)
        elif column in COUNT_COLUMNS:
            frame[column] = frame[column].fillna(0).astype("int64")
        else:
            frame[column] = frame[column].astype("float64")
    missing = [name for name in POLICY_FEATURES if name not in frame.columns]
    if missing:
        raise ModelError(f"feature query lost policy columns {missing}; this is a bug")
    return frame.reset_index(drop=True)


#: columns kept for the policy, reports and baselines but never fed to the model.
#: ``opted_out`` is today's consent, not the consent at a past training cutoff (look-ahead).
#: The others grow with the length of the extracted history, so at past training cutoffs
#: they mostly encode *which* cutoff a row came from, and the model would learn the calendar
#: instead of the contact; rates and windowed counts carry the same information stably.
NOT_MODEL_INPUTS = frozenset(
    {
        "contact_key",
        "opted_out",
        "days_since_first_activity",
        "days_since_first_engaged",
        "days_since_first_purchase",
        "tenure_days",
        "engaged_total",
        "engaged_days",
        "spend_total",
        "spend_365d",
        "purchases_total",
        "purchase_days",
        "repeat_purchase_days",
    }
)


def feature_names(features: pd.DataFrame) -> list[str]:
    """Model inputs: the feature columns minus :data:`NOT_MODEL_INPUTS`."""
    return [column for column in features.columns if column not in NOT_MODEL_INPUTS]


def add_tone(activities: pd.DataFrame, *, keep_text: bool = False) -> pd.DataFrame:
    """Fill ``tone`` (and the complaint flags) on an activity table; drop ``text``.

    Parameters
    ----------
    activities : pandas.DataFrame
        Canonical activities; existing non-null ``tone`` values are kept.
    keep_text : bool, default False
        Keep the ``text`` column (privacy: text is dropped unless configured otherwise).

    Returns
    -------
    pandas.DataFrame
        A copy with ``tone`` filled and two extra bool columns, ``complaint`` and
        ``asked_fewer_contacts``, so the flags survive the text being dropped.
    """
    out = activities.copy()
    text = out["text"] if "text" in out else pd.Series([None] * len(out), index=out.index)
    tone = out["tone"] if "tone" in out else pd.Series(np.nan, index=out.index)
    scores = score_texts(text.where(tone.isna()).to_numpy(dtype=object))
    out["tone"] = tone.fillna(pd.Series(scores.tone, index=out.index)).astype("float64")
    complaint = scores.complaint | (out["tone"] <= COMPLAINT_TONE).to_numpy()
    asked = scores.asked_fewer_contacts
    # Rows scored earlier (their text long dropped) keep the flags they were given then.
    kept = tone.notna().to_numpy()
    if "complaint" in activities:
        earlier = activities["complaint"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        complaint = np.where(kept, earlier | complaint, complaint)
    if "asked_fewer_contacts" in activities:
        earlier = activities["asked_fewer_contacts"].astype("boolean").fillna(False)
        asked = np.where(kept, earlier.to_numpy(dtype=bool), asked)
    out["complaint"] = complaint
    out["asked_fewer_contacts"] = asked
    if not keep_text and "text" in out:
        out = out.drop(columns="text")
    return out


def as_of(cutoff) -> datetime:
    """Return ``cutoff`` as a timezone-aware ``datetime`` in UTC."""
    return to_utc_timestamp(cutoff).to_pydatetime()
