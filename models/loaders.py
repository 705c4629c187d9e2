"""Read any activity export (CSV or Parquet) into the canonical activity table.

Column names are matched case-insensitively, ignoring spaces, dashes and underscores.

========================  ==============================================================
canonical column          accepted names
========================  ==============================================================
``contact_key``           contact_key, contact, contact_id, customer, customer_id,
                          customerid, cust_id, client_id, user, user_id, member_id,
                          household_key, account_id, email
``ts``                    ts, timestamp, datetime, date, time, event_time, event_date,
                          order_date, invoice_date, invoicedate, transaction_date,
                          purchase_date, created_at, t_dat
``amount``                amount, value, revenue, sales, spend, total, monetary,
                          order_value, purchase_amount, sales_amount, price — or
                          quantity × unit price when both exist (quantity, unitprice)
``kind``                  kind, type, event_type, activity_type (default ``purchase``;
                          order / transaction / sale / buy map to ``purchase``)
``direction``             direction (default empty: purchases have no direction)
``activity_id``           activity_id, order_id, invoice, invoiceno, transaction_id, id
                          (default: the row number)
``text``, ``tone``,       taken as they are when present
``case_id``, ``source``
========================  ==============================================================

A headerless file of 2-4 columns (as the CDNOW master file) is read positionally as
``contact, date[, quantity], amount``. Dates may be ISO strings, ``YYYYMMDD`` integers or epoch
seconds; naive times are taken as UTC. Rows without a contact or a time are dropped.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from empathy_engine.core.errors import ModelError
from empathy_engine.core.schema import ACTIVITY_KINDS

_ACTIVITY_NAMES = {
    "contact_key": "contactkey contact contactid customer customerid custid clientid user "
    "userid memberid householdkey accountid email",
    "ts": "ts timestamp datetime date time eventtime eventdate orderdate invoicedate "
    "transactiondate purchasedate createdat tdat",
    "amount": "amount value revenue sales spend total monetary ordervalue purchaseamount "
    "salesamount",
    "kind": "kind type eventtype activitytype",
    "direction": "direction",
    "activity_id": "activityid orderid invoice invoiceno transactionid id",
    "text": "text",
    "tone": "tone",
    "case_id": "caseid",
    "source": "source",
}
_CONTACT_NAMES = {
    "contact_key": _ACTIVITY_NAMES["contact_key"],
    "opted_out": "optedout optout unsubscribed hasoptedoutofemail hsemailoptout donotcontact",
    "created_at": "createdat createddate createdate signupdate",
    "source": "source",
    "owner_id": "ownerid",
    "industry": "industry",
    "title": "title",
}
_PURCHASE_WORDS = {"order", "orders", "transaction", "sale", "sales", "buy", "purchase"}


def _normalise(name: str) -> str:
    return re.sub(r"[\s_\-]", "", str(name)).lower()


def read_table(path) -> pd.DataFrame:
    """Read a CSV (any delimiter, optional header) or Parquet file as strings and numbers."""
    path = Path(path)
    if not path.exists():
        raise ModelError(f"{path} does not exist; give the path of a CSV or Parquet export")
    if path.is_dir() or path.suffix.lower() in (".parquet", ".pq"):
        return pd.read_parquet(path)
    frame = pd.read_csv(path, sep=None, engine="python")
    if _looks_headerless(frame):
        frame = pd.read_csv(path, sep=None, engine="python", header=None)
    return frame


def _looks_headerless(frame: pd.DataFrame) -> bool:
    # a header made of numbers or dates is data: CDNOW-style files have no header row
    return all(re.fullmatch(r"[\d.\-/: ]+", str(c)) for c in frame.columns)


def _rename(frame: pd.DataFrame, names: dict) -> pd.DataFrame:
    found = {}
    by_key = {_normalise(c): c for c in frame.columns}
    for canonical, synonyms in names.items():
        for synonym in [_normalise(canonical), *synonyms.split()]:
            if synonym in by_key and by_key[synonym] not in found:
                found[by_key[synonym]] = canonical
                break
    return frame[list(found)].rename(columns=found)


def _positional(frame: pd.DataFrame) -> pd.DataFrame:
    columns = {
        2: ["contact_key", "ts"],
        3: ["contact_key", "ts", "amount"],
        4: ["contact_key", "ts", "quantity", "amount"],
    }.get(frame.shape[1])
    if columns is None:
        raise ModelError(
            f"cannot tell the columns of a headerless file with {frame.shape[1]} columns; add a "
            "header naming at least the contact (e.g. customer_id) and the time (e.g. date)"
        )
    return frame.set_axis(columns, axis=1)


def parse_times(values: pd.Series) -> pd.Series:
    """Parse ISO strings, ``YYYYMMDD`` integers or epoch seconds into UTC timestamps."""
    if pd.api.types.is_datetime64_any_dtype(values):
        stamps = pd.to_datetime(values)
    elif pd.api.types.is_numeric_dtype(values):
        numbers = values.astype("float64")
        if numbers.between(19000101, 21001231).all():
            stamps = pd.to_datetime(numbers.astype("Int64").astype(str), format="%Y%m%d")
        else:
            stamps = pd.to_datetime(numbers, unit="s")
    else:
        stamps = pd.to_datetime(values, errors="coerce", format="mixed")
    if stamps.dt.tz is None:
        return stamps.dt.tz_localize("UTC")
    return stamps.dt.tz_convert("UTC")


def _amount(raw: pd.DataFrame, mapped: pd.DataFrame) -> pd.Series:
    by_key = {_normalise(c): c for c in raw.columns}
    quantity = by_key.get("quantity")
    price = next((by_key[k] for k in ("unitprice", "price") if k in by_key), None)
    if "amount" not in mapped and quantity and price:
        return pd.to_numeric(raw[quantity], errors="coerce") * pd.to_numeric(
            raw[price], errors="coerce"
        )
    if "amount" in mapped:
        return pd.to_numeric(mapped["amount"], errors="coerce")
    if price:
        return pd.to_numeric(raw[price], errors="coerce")
    return pd.Series(np.nan, index=raw.index)


def _kinds(mapped: pd.DataFrame) -> pd.Series:
    if "kind" not in mapped:
        return pd.Series("purchase", index=mapped.index)
    kinds = mapped["kind"].astype(str).str.strip().str.lower()
    return kinds.where(~kinds.isin(_PURCHASE_WORDS), "purchase")


def load_activities(path) -> pd.DataFrame:
    """Load an activity or transaction export as the canonical activity table.

    Parameters
    ----------
    path : str or Path
        A CSV (any delimiter, with or without a header) or Parquet file; see the module
        docstring for the accepted column names.

    Returns
    -------
    pandas.DataFrame
        Columns of :data:`empathy.schema.ACTIVITIES`, sorted by time.
    """
    raw = read_table(path)
    if _looks_headerless(raw) or not set(raw.columns) - set(range(raw.shape[1])):
        raw = _positional(raw)
    mapped = _rename(raw, _ACTIVITY_NAMES)
    missing = [c for c in ("contact_key", "ts") if c not in mapped]
    if missing:
        raise ModelError(
            f"{path}: no column for {missing}; found {list(raw.columns)}. Name the customer "
            "column e.g. customer_id and the time column e.g. date (see models.loaders)"
        )
    out = pd.DataFrame(
        {
            "contact_key": mapped["contact_key"].astype(str).str.strip(),
            "source": mapped.get("source", pd.Series("export", index=raw.index)).astype(str),
            "activity_id": mapped.get("activity_id", pd.Series(raw.index)).astype(str),
            "ts": parse_times(mapped["ts"]),
            "kind": _kinds(mapped),
            "direction": mapped.get("direction", pd.Series(None, index=raw.index, dtype=object)),
            "amount": _amount(raw, mapped),
            "case_id": mapped.get("case_id", pd.Series(None, index=raw.index, dtype=object)),
            "text": mapped.get("text", pd.Series(None, index=raw.index, dtype=object)),
            "tone": pd.to_numeric(mapped.get("tone", pd.Series(np.nan, index=raw.index))),
        }
    )
    out = out[out["ts"].notna() & out["contact_key"].ne("nan") & out["contact_key"].ne("")]
    _warn_unknown_kinds(out)
    return out.sort_values("ts", kind="stable", ignore_index=True)


def _warn_unknown_kinds(out: pd.DataFrame) -> None:
    unknown = set(out["kind"].unique()) - set(ACTIVITY_KINDS)
    if unknown and len(unknown) == out["kind"].nunique():
        raise ModelError(
            f"none of the activity kinds {sorted(unknown)[:5]} is one of {ACTIVITY_KINDS}; "
            "rename them or drop the kind column to treat every row as a purchase"
        )


def load_contacts(path) -> pd.DataFrame:
    """Load a contacts export (CSV or Parquet): contact key, opt-out flag, creation time.

    Returns
    -------
    pandas.DataFrame
        ``contact_key``, ``opted_out`` (bool) and ``created_at`` (UTC) plus any of
        ``source``, ``owner_id``, ``industry``, ``title`` found.
    """
    raw = read_table(path)
    mapped = _rename(raw, _CONTACT_NAMES)
    if "contact_key" not in mapped:
        raise ModelError(f"{path}: no contact column; found {list(raw.columns)}")
    mapped["contact_key"] = mapped["contact_key"].astype(str).str.strip()
    opted = mapped.get("opted_out", pd.Series(False, index=mapped.index))
    truthy = {"true", "1", "yes", "y", "t"}
    mapped["opted_out"] = opted.astype(str).str.strip().str.lower().isin(truthy)
    if "created_at" in mapped:
        mapped["created_at"] = parse_times(mapped["created_at"])
    else:
        mapped["created_at"] = pd.NaT
        mapped["created_at"] = mapped["created_at"].dt.tz_localize("UTC")
    return mapped
