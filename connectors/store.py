"""The cumulative per-CRM store behind incremental pulls: ``<data_dir>/state/<crm>/``.

Files (Parquet, each replaced atomically: temp file, fsync, rename)::

    contacts.parquet     canonical contacts + ``stream``
    activities.parquet   canonical activities + ``stream``, ``record_id`` (the CRM record the
                         row came from), ``contact_id`` (the CRM contact it belongs to), and the
                         tone columns ``complaint`` / ``asked_fewer_contacts``
    companies.parquet    HubSpot only: company id -> industry
    bookmarks.json       one replication-key value per stream (``connectors.bookmarks``)

A stream's pull replaces, per CRM record it saw, every row that record produced (a case that
closed gains its ``case_closed`` row; a deleted record, or one no longer associated with a
contact, loses its rows); a full pull replaces all of the stream's rows. Rows are unique by
``(source, activity_id)`` and ``(source, source_id)``.

Privacy: unless the run keeps text, the store holds no message text. The rows pulled in a run
are tone-scored first (the ``scrub`` callback), so older rows keep ``tone``, ``complaint`` and
``asked_fewer_contacts``; only the run's own snapshot carries the text of what it pulled.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from empathy_engine.core import schema

from .bookmarks import BookmarkFile, write_atomically
from .canonical import conform

#: per table: the column naming the CRM record a row came from, and the row's primary key
TABLES = {
    "contacts": ("source_id", ["source", "source_id"]),
    "activities": ("record_id", ["source", "activity_id"]),
    "companies": ("id", ["id"]),
}
ACTIVITY_EXTRAS = ("record_id", "contact_id", "complaint", "asked_fewer_contacts")


class CrmState:
    """The store files of one CRM."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.bookmarks = BookmarkFile(self.root / "bookmarks.json")

    def path(self, table: str) -> Path:
        return self.root / f"{table}.parquet"

    def load(self) -> dict[str, pd.DataFrame]:
        """Every table the store has (none on a first run)."""
        return {name: pd.read_parquet(self.path(name)) for name in TABLES
                if self.path(name).exists()}

    def save(self, tables: dict[str, pd.DataFrame]) -> None:
        """Replace each table atomically. Bookmarks are saved separately, after this."""
        for name, table in tables.items():
            buffer = io.BytesIO()
            table.to_parquet(buffer, index=False)
            write_atomically(self.path(name), buffer.getvalue())


def merge(stored: pd.DataFrame | None, fresh: pd.DataFrame, table: str, stream: str,
          records: set[str], *, full: bool) -> pd.DataFrame:
    """The store's ``table`` after ``stream`` pulled ``fresh`` rows from ``records``."""
    record_column, key = TABLES[table]
    if stored is None or stored.empty:
        return fresh.drop_duplicates(key, keep="last").reset_index(drop=True)
    replaced = stored["stream"] == stream
    if not full:
        replaced &= stored[record_column].isin(records)
    kept = stored[~replaced]
    parts = [part for part in (kept, fresh) if not part.empty]
    merged = pd.concat(parts, ignore_index=True) if parts else stored.iloc[:0]
    return merged.drop_duplicates(key, keep="last").reset_index(drop=True)


def activity_frame(rows: list[dict], stream: str) -> pd.DataFrame:
    """Canonical activity columns plus the store's own."""
    df = conform(pd.DataFrame(rows, columns=[*schema.ACTIVITIES.names, "contact_id",
                                             "record_id"]), schema.ACTIVITIES)
    for column in ("record_id", "contact_id"):
        df[column] = pd.Series([row.get(column) for row in rows], dtype="object")
    df["complaint"] = pd.Series([None] * len(rows), dtype="object")
    df["asked_fewer_contacts"] = pd.Series([None] * len(rows), dtype="object")
    df["stream"] = stream
    return df


def contact_frame(rows: list[dict], stream: str) -> pd.DataFrame:
    df = conform(pd.DataFrame(rows, columns=schema.CONTACTS.names), schema.CONTACTS)
    df["stream"] = stream
    return df


def company_frame(rows: list[dict], stream: str) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["id", "industry"]).astype("object")
    df["stream"] = stream
    return df


FRAMES = {"contacts": contact_frame, "activities": activity_frame, "companies": company_frame}


def resolve_contacts(contacts: pd.DataFrame, companies: pd.DataFrame | None) -> pd.DataFrame:
    """Canonical contacts; the industry comes from the company table when the CRM has one."""
    out = contacts.copy()
    if companies is not None and not companies.empty:
        industry = companies.drop_duplicates("id", keep="last").set_index("id")["industry"]
        out["industry"] = out["account_id"].map(industry)
    out = conform(out, schema.CONTACTS)
    return out.sort_values(["source", "source_id"], kind="stable").reset_index(drop=True)


def resolve_activities(activities: pd.DataFrame, contacts: pd.DataFrame) -> pd.DataFrame:
    """Give each row its person's key; drop rows of unknown contacts (canonical columns only).

    A row names its person by ``contact_id`` (a CRM contact record) or by ``contact_key`` (an
    e-mail address); a row with neither but a ``case_id`` (an escalation) takes the person of
    the case.
    """
    acts = activities.copy()
    ids = contacts.drop_duplicates("source_id", keep="last").set_index("source_id")
    if "contact_id" in acts:
        by_id = acts["contact_id"].map(ids["contact_key"])
        acts["contact_key"] = by_id.where(acts["contact_id"].notna(), acts["contact_key"])
    opened = acts[(acts["kind"] == schema.CASE_OPENED) & acts["contact_key"].notna()]
    case_keys = opened.drop_duplicates("case_id", keep="last").set_index("case_id")["contact_key"]
    orphan = acts["contact_key"].isna() & acts["case_id"].notna()
    acts.loc[orphan, "contact_key"] = acts.loc[orphan, "case_id"].map(case_keys)
    acts = conform(acts[acts["contact_key"].notna()], schema.ACTIVITIES)
    return acts.sort_values(["ts", "activity_id"], kind="stable").reset_index(drop=True)


def with_fresh_text(activities: pd.DataFrame, fresh_text: pd.Series) -> pd.DataFrame:
    """The run's snapshot: rows pulled in this run carry their text and no tone yet (the
    features stage scores them, as it always has); older rows carry the stored tone."""
    out = activities.copy()
    fresh = out["activity_id"].isin(fresh_text.index)
    out["text"] = out["text"].astype("object")
    out.loc[fresh, "text"] = out.loc[fresh, "activity_id"].map(fresh_text)
    out.loc[fresh, "tone"] = np.nan
    out.loc[fresh, ["complaint", "asked_fewer_contacts"]] = False  # scored with the tone
    out["text"] = out["text"].where(out["text"].notna(), None)
    return out
