"""Stage 1: pull contacts, activity and our own open tasks from one CRM into Parquet."""

from __future__ import annotations

import logging
from typing import Protocol

import pandas as pd

from empathy.config import RunPaths

log = logging.getLogger(__name__)


class CrmSource(Protocol):
    """What the extract stage needs from a connector."""

    def contacts(self) -> pd.DataFrame: ...
    def activities(self, contacts: pd.DataFrame) -> pd.DataFrame: ...
    def open_actions(self, contacts: pd.DataFrame) -> pd.DataFrame: ...


def extract(source: CrmSource, crm: str, paths: RunPaths) -> dict:
    """Write ``contacts_<crm>``, ``activities_<crm>`` and ``open_actions_<crm>`` Parquet files."""
    contacts = source.contacts()
    activities = source.activities(contacts)
    open_actions = source.open_actions(contacts)
    contacts.to_parquet(paths.file(f"contacts_{crm}.parquet"), index=False)
    activities.to_parquet(paths.file(f"activities_{crm}.parquet"), index=False)
    open_actions.to_parquet(paths.file(f"open_actions_{crm}.parquet"), index=False)
    summary = {"crm": crm, "contacts": len(contacts), "activities": len(activities),
               "open_actions": len(open_actions)}
    log.info("extracted %s", summary)
    return summary


def load(paths: RunPaths, table: str, crms) -> pd.DataFrame:
    """Concatenate one table across the CRMs that were extracted in this run."""
    frames = [pd.read_parquet(paths.file(f"{table}_{crm}.parquet")) for crm in crms
              if paths.file(f"{table}_{crm}.parquet").exists()]
    if not frames:
        raise FileNotFoundError(f"no {table}_*.parquet in {paths.run_dir}; run extract first")
    return pd.concat(frames, ignore_index=True)
