"""Stage 1: pull contacts, activity and our own open tasks from one CRM into Parquet.

Pulls are incremental: each stream reads what changed since its bookmark (up to the run's
interval end, its run date at 00:00 UTC) into the CRM's store under
``<data_dir>/state/<crm>/`` (``connectors.store``), and the run directory gets the same
``contacts_<crm>`` / ``activities_<crm>`` snapshot a full pull would give. The first run, or
``full_refresh``, pulls everything.
"""

from __future__ import annotations

import logging
from typing import Protocol

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from empathy_engine.connectors.bookmarks import interval_end
from empathy_engine.connectors.store import CrmState
from empathy_engine.connectors.sync import IncrementalSource, IncrementalSync
from empathy_engine.core import schema
from empathy_engine.core.config import RunPaths

log = logging.getLogger(__name__)


class CrmSource(IncrementalSource, Protocol):
    """What the extract stage needs from a connector."""

    def open_actions(self, contacts: pd.DataFrame) -> pd.DataFrame: ...


def state_of(paths: RunPaths, crm: str) -> CrmState:
    """The CRM's cumulative store: ``<data_dir>/state/<crm>/``."""
    return CrmState(paths.data_dir / "state" / crm)


def extract(source: CrmSource, crm: str, paths: RunPaths, *, full_refresh: bool = False,
            keep_text: bool = False) -> dict:
    """Write ``contacts_<crm>``, ``activities_<crm>`` and ``open_actions_<crm>`` Parquet files."""
    sync = IncrementalSync(source, state_of(paths, crm),
                           scrub=None if keep_text else score_then_drop_text)
    snapshot = sync.run(interval_end(paths.run_date), full_refresh=full_refresh)
    open_actions = source.open_actions(snapshot.contacts)
    _write(snapshot.contacts, schema.CONTACTS, paths.file(f"contacts_{crm}.parquet"))
    _write(snapshot.activities, schema.ACTIVITIES, paths.file(f"activities_{crm}.parquet"))
    open_actions.to_parquet(paths.file(f"open_actions_{crm}.parquet"), index=False)
    summary = {"crm": crm, "contacts": len(snapshot.contacts),
               "activities": len(snapshot.activities), "open_actions": len(open_actions),
               "pulled": snapshot.pulled, "full_pull": snapshot.full}
    log.info("extracted %s", summary)
    return summary


def _write(table: pd.DataFrame, table_schema: pa.Schema, path) -> None:
    """Parquet with the canonical types, whatever pandas inferred (e.g. an all-null text)."""
    pq.write_table(pa.Table.from_pandas(table, schema=table_schema, preserve_index=False), path)


def score_then_drop_text(activities: pd.DataFrame) -> pd.DataFrame:
    """What the store keeps of freshly pulled rows: tone and flags scored, text removed.

    The same scoring the features stage applies (``models.features.add_tone``), so a row
    stored tonight and read from the store next month carries the tone it would have had.
    """
    from empathy_engine.models.features import add_tone

    scored = add_tone(activities, keep_text=True)
    scored["text"] = None
    return scored


def load(paths: RunPaths, table: str, crms) -> pd.DataFrame:
    """Concatenate one table across the CRMs that were extracted in this run."""
    frames = [pd.read_parquet(paths.file(f"{table}_{crm}.parquet")) for crm in crms
              if paths.file(f"{table}_{crm}.parquet").exists()]
    if not frames:
        raise FileNotFoundError(f"no {table}_*.parquet in {paths.run_dir}; run extract first")
    return pd.concat(frames, ignore_index=True)
