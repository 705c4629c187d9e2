"""Helpers that turn CRM records into rows of the canonical tables (``empathy.schema``)."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from empathy import schema


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
    df = pd.DataFrame(rows, columns=table_schema.names)
    for field in table_schema:
        if pa.types.is_timestamp(field.type):
            df[field.name] = to_utc(df[field.name])
        elif pa.types.is_floating(field.type):
            df[field.name] = pd.to_numeric(df[field.name], errors="coerce").astype("float64")
        elif pa.types.is_boolean(field.type):
            df[field.name] = df[field.name].fillna(False).astype(bool)
        else:
            df[field.name] = df[field.name].astype("object").where(df[field.name].notna(), None)
    return df


def activity(contact: str, source: str, activity_id: str, ts, kind: str, direction: str | None,
             *, amount=None, case_id=None, text=None) -> dict:
    """One canonical activity row."""
    assert kind in schema.ACTIVITY_KINDS, kind
    return {"contact_key": contact, "source": source, "activity_id": activity_id, "ts": ts,
            "kind": kind, "direction": direction, "amount": amount, "case_id": case_id,
            "text": text, "tone": None}


def join_text(*parts) -> str | None:
    text = "\n".join(p for p in parts if isinstance(p, str) and p.strip())
    return text or None
