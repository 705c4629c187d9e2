"""Helpers that turn CRM records into rows of the canonical tables (``empathy.schema``)."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from empathy_engine.core import schema


def contact_key(email: str | None) -> str | None:
    """One person across CRMs is one lower-cased e-mail address."""
    if not email or "@" not in email:
        return None
    return email.strip().lower()


def to_utc(values) -> pd.Series:
    """Parse CRM timestamps (ISO with Z, +0000, or epoch ms strings) into UTC."""
    series = pd.Series(values, dtype="object")
    numeric = pd.to_numeric(series, errors="coerce")
    parsed = pd.to_datetime(series.where(numeric.isna()), utc=True, errors="coerce",
                            format="ISO8601")
    from_ms = pd.to_datetime(numeric, unit="ms", utc=True, errors="coerce")
    return parsed.fillna(from_ms).astype("datetime64[us, UTC]")


def frame(rows: list[dict], table_schema: pa.Schema) -> pd.DataFrame:
    """Build a DataFrame with exactly the schema's columns, in order, typed."""
    return conform(pd.DataFrame(rows, columns=table_schema.names), table_schema)


def conform(df: pd.DataFrame, table_schema: pa.Schema) -> pd.DataFrame:
    """Exactly the schema's columns of ``df``, in order, typed (a new frame)."""
    df = df.reindex(columns=table_schema.names).reset_index(drop=True)
    for field in table_schema:
        if pa.types.is_timestamp(field.type):
            column = df[field.name]
            df[field.name] = (column.astype("datetime64[us, UTC]")
                              if isinstance(column.dtype, pd.DatetimeTZDtype) else to_utc(column))
        elif pa.types.is_floating(field.type):
            df[field.name] = pd.to_numeric(df[field.name], errors="coerce").astype("float64")
        elif pa.types.is_boolean(field.type):
            df[field.name] = df[field.name].astype("boolean").fillna(False).astype(bool)
        else:
            df[field.name] = df[field.name].astype("object").where(df[field.name].notna(), None)
    return df


def activity(contact: str | None, source: str, activity_id: str, ts, kind: str,
             direction: str | None, *, amount=None, case_id=None, text=None,
             contact_id: str | None = None) -> dict:
    """One canonical activity row.

    ``contact`` is the person's key when the record names them by address (an e-mail);
    otherwise ``contact_id`` is the CRM's contact record id, resolved to a key against the
    contacts table (``connectors.store.resolve_activities``), so a contact whose e-mail
    changes later takes all of their activity with them.
    """
    assert kind in schema.ACTIVITY_KINDS, kind
    return {"contact_key": contact, "source": source, "activity_id": activity_id, "ts": ts,
            "kind": kind, "direction": direction, "amount": amount, "case_id": case_id,
            "text": text, "tone": None, "complaint": None, "asked_fewer_contacts": None,
            "contact_id": contact_id}


def join_text(*parts) -> str | None:
    text = "\n".join(p for p in parts if isinstance(p, str) and p.strip())
    return text or None
